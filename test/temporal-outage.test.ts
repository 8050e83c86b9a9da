import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { createJourneyClient, type JourneyClient } from '../client/journey-client.js';
import { freePort } from '../dev/free-port.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import {
  FLOW_ID_SELFIE,
  images,
  repoRoot,
  TEST_IMAGE_ROOTS,
  testCodecEnv,
  testDataConverter,
} from './helpers/journey-env.js';
import { isAlive, killGroup, startDevServerProcess } from './helpers/temporal-process.js';
import { workerProcessArgs } from '../worker/node-flags.js';

// Issue 8: a worker outlives Temporal outages. One real worker process (`node --import tsx worker/main.ts`) meets
// a file-backed dev server that is not there yet, then one that is SIGKILLed mid-journey and comes back a minute
// later on the same port and SQLite file. The same process (same pid) must finish every journey.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker through Temporal outages', () => {
  let dir: string;
  let port: number;
  let readyz: string;
  let sandbox: RunningSandbox;
  let server: ChildProcess | null = null;
  let worker: ChildProcess | null = null;
  let connection: Connection | null = null;
  const lines: string[] = [];
  const taskQueue = `outage-${randomUUID()}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idwise-outage-'));
    port = await freePort();
    const healthPort = await freePort();
    readyz = `http://127.0.0.1:${healthPort}/readyz`;
    sandbox = await startSandbox({ port: 0 });
    sandbox.admin.setSwitches({ processingDelayMs: 200 });
    worker = spawn(process.execPath, workerProcessArgs(), {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        TEMPORAL_TASK_QUEUE: taskQueue,
        IDWISE_BASE_URL: sandbox.baseUrl,
        IDWISE_API_KEY: sandbox.credentials.key,
        IDWISE_API_SECRET: sandbox.credentials.secret,
        IDWISE_WORKFLOW_BUNDLE: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!,
        IDWISE_WORKER_HEALTH_BIND: `127.0.0.1:${healthPort}`,
        IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
        ...testCodecEnv(),
      },
    });
    createInterface({ input: worker.stdout! }).on('line', (l) => lines.push(l));
    createInterface({ input: worker.stderr! }).on('line', (l) => lines.push(l));
  });

  afterAll(async () => {
    await connection?.close();
    const pids = [worker?.pid, server?.pid];
    await killGroup(worker);
    await killGroup(server);
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  const status = () =>
    fetch(readyz).then(
      (r) => r.status,
      () => 0,
    );
  async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker said:\n${lines.join('\n')}`);
      await sleep(250);
    }
  }
  const startServer = () => {
    server = startDevServerProcess({ port, dbFilename: join(dir, 'temporal.sqlite') });
  };
  async function journeys(): Promise<JourneyClient> {
    await connection?.close();
    connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    return createJourneyClient({ client: new Client({ connection, dataConverter: testDataConverter() }), taskQueue });
  }
  async function startJourneys(client: JourneyClient, n: number): Promise<string[]> {
    const refs = Array.from({ length: n }, () => `pass-${randomUUID().slice(0, 13)}`);
    for (const referenceNo of refs) {
      await client.startJourney({
        referenceNo,
        flowId: FLOW_ID_SELFIE,
        steps: { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } },
      });
    }
    return refs;
  }
  const started = () => lines.filter((l) => l.includes('"idwise-worker-started"')).length;

  it('waits for a Temporal that is not there yet, then runs journeys in the same process', async () => {
    const pid = worker!.pid;
    await until('the worker health endpoint', async () => (await status()) === 503, 30_000);
    await sleep(30_000);
    const waits = lines.filter((l) => l.includes('"temporal-unreachable"')).map((l) => JSON.parse(l));
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(waits[0]).toMatchObject({ event: 'temporal-unreachable', attempt: 1, address: `127.0.0.1:${port}` });
    expect(Math.max(...waits.map((w) => w.retryInMs as number))).toBeLessThanOrEqual(15_000);
    expect(lines.join('\n')).not.toMatch(/\n\s+at /); // no stack traces
    expect(await status()).toBe(503);

    startServer();
    await until('the worker to become ready', async () => (await status()) === 200, 90_000);
    const client = await journeys();
    const refs = await startJourneys(client, 2);
    for (const ref of refs) expect((await client.awaitOutcome(ref)).decision.final).toBe('Complete');
    expect(worker!.pid).toBe(pid);
    expect(isAlive(pid)).toBe(true);
    expect(started()).toBe(1);
  }, 240_000);

  it('rides out a SIGKILLed Temporal for a minute and finishes the journeys it had in flight', async () => {
    const pid = worker!.pid;
    sandbox.admin.setSwitches({ processingDelayMs: 8_000 });
    const client = await journeys();
    const refs = await startJourneys(client, 2);
    for (const ref of refs) {
      await until(
        `${ref} in flight`,
        async () => (await client.getProgress(ref)).stage === 'awaiting-processing',
        60_000,
      );
    }
    await connection!.close();
    connection = null;

    const killedPid = server!.pid;
    await killGroup(server);
    expect(isAlive(killedPid)).toBe(false);
    const outageStarted = Date.now();
    await until('readiness to report the outage', async () => (await status()) === 503, 30_000);
    await sleep(60_000 - (Date.now() - outageStarted));
    expect(isAlive(pid)).toBe(true);

    startServer();
    await until('the worker to be ready again', async () => (await status()) === 200, 90_000);
    const after = await journeys();
    for (const ref of refs) expect((await after.awaitOutcome(ref)).decision.final).toBe('Complete');
    expect(worker!.pid).toBe(pid);
    expect(isAlive(pid)).toBe(true);
    expect(started()).toBe(1);
  }, 360_000);
});
