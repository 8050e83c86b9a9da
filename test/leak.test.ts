import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { startCodecServer, type RunningCodecServer } from '../codec/codec-server.js';
import { getDataConverter, loadCodecKeys } from '../codec/data-converter.js';
import { generateKeyList, parseKeyRing } from '../codec/keys.js';
import { createJourneyClient, type JourneyClient } from '../client/journey-client.js';
import { JourneyFailedError } from '../client/errors.js';
import { freePort } from '../dev/free-port.js';
import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { FAKE_PERSON } from '../sandbox/fake-data.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ErrorType } from '../shared/errors.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { journeyFolder } from '../storage/staging.js';
import { startEventReceiver } from './helpers/event-receiver.js';
import { searchableText, showHistory, withDecodedBase64 } from './helpers/history.js';
import { startTestStorage, type TestStorage } from './helpers/storage.js';
import { FLOW_ID_SELFIE, images, repoRoot, TEST_IMAGE_ROOTS } from './helpers/journey-env.js';

// Nothing secret or personal leaves the process in clear. Real journeys (pass, refer, with applicant details,
// failing, a batch) run through the dev server, the sandbox with 5xx and 429 faults, a worker process and the
// CLI; then every history, the worker's log, the CLI's output, the journey events and the metrics page are searched
// for the API secret, the Basic credentials, the codec and PII keys, names, birth dates, image paths and the bucket
// keys of images a backend uploaded (staged in a real S3 server, SeaweedFS). One start meets an IDWise that echoes
// the request (applicant details and all) in its error message (issue 20, item 1).

const tag = randomUUID().slice(0, 8);
const dir = mkdtempSync(join(tmpdir(), `idwise-leak-dir-${tag}-`));
const file = (name: string, from: string) => {
  const path = join(dir, `${name}-${tag}${from.slice(from.lastIndexOf('.'))}`);
  copyFileSync(from, path);
  return path;
};
const front = file('zfront', images.front);
const back = file('zback', images.back);
const selfie = file('zselfie', images.selfie);
const missing = join(dir, `zmissing-${tag}.jpg`);
const applicant = { full_name: `Zelda Needlewoman ${tag}`, birth_date: '1987-06-05', nationality_code: 'GBR' };
const codecKeys = `${generateKeyList(['leak-new'])},${generateKeyList(['leak-old'])}`;
const piiKeys = generateKeyList(['leak-pii']);
const secret = `leak-secret-${randomBytes(12).toString('hex')}`;
const material = (list: string) => list.split(',').map((e) => e.slice(e.indexOf(':') + 1));

const mapping = { '0': { image: front, image2: back }, '2': { image: selfie } };

function spawnCaptured(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, done };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('no secret or PII in clear anywhere', () => {
  let sandbox: RunningSandbox;
  let connection: Connection;
  let journeys: JourneyClient;
  let client: Client;
  let worker: ChildProcess;
  let workerLog: () => string;
  let metricsUrl: string;
  const taskQueue = `leak-${tag}`;
  let cliOutput = '';
  let baseEnv: NodeJS.ProcessEnv;
  let codec: RunningCodecServer;
  const token = randomBytes(32).toString('hex');
  let storage: TestStorage;
  /** Bucket keys of the uploads staged for the journey that uses them. */
  const stagedKeys: string[] = [];
  const uploadRef = `pass-upload-${tag}`;
  let events: Awaited<ReturnType<typeof startEventReceiver>>;
  const eventsSecret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'sandbox/sandbox.config.json'), 'utf8')) as {
      credentials: { secret: string }[];
    };
    config.credentials[0]!.secret = secret;
    sandbox = await startSandbox({ port: 0, config: config as never });
    sandbox.admin.setSwitches({ processingDelayMs: 200 });
    storage = await startTestStorage();
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    client = new Client({
      connection,
      namespace: 'default',
      dataConverter: getDataConverter({ IDWISE_CODEC_KEYS: codecKeys }),
    });
    codec = await startCodecServer({
      keys: loadCodecKeys({ IDWISE_CODEC_KEYS: codecKeys }),
      token,
      log: () => undefined,
    });
    journeys = createJourneyClient({
      client,
      taskQueue,
      staging: { kind: 's3', bucket: storage.bucket, prefix: 'staging/', s3: storage.settings },
      piiKeys: parseKeyRing('IDWISE_PII_KEYS', piiKeys),
    });
    events = await startEventReceiver(eventsSecret);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    baseEnv = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: taskQueue,
      IDWISE_CODEC_KEYS: codecKeys,
      IDWISE_PII_KEYS: piiKeys,
    };
    const w = spawnCaptured(['worker/main.ts'], {
      ...baseEnv,
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: secret,
      IDWISE_WORKFLOW_BUNDLE: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!,
      IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
      IDWISE_METRICS_BIND: `127.0.0.1:${metricsPort}`,
      ...storage.idwiseEnv,
      IDWISE_STAGING_URL: `s3://${storage.bucket}/staging/`,
      AWS_ACCESS_KEY_ID: storage.accessKeyId,
      AWS_SECRET_ACCESS_KEY: storage.secretAccessKey,
      IDWISE_EVENTS_URL: events.url,
      IDWISE_EVENTS_SECRET: eventsSecret,
    });
    worker = w.child;
    workerLog = w.output;
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: w.child.stdout }).on('line', (l) => l.includes('idwise-worker-started') && resolve());
      void w.done.then((code) => reject(new Error(`worker exited (${code}): ${w.output()}`)));
    });
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    await connection?.close();
    await sandbox?.close();
    await codec?.close();
    await storage?.close();
    await events?.close();
  });

  async function waitForEvent(referenceNo: string, type: string) {
    for (let i = 0; i < 300; i++) {
      const found = events.of(referenceNo).find((e) => e.type === type);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${type} event for ${referenceNo}: ${JSON.stringify(events.of(referenceNo))}`);
  }

  const cli = async (...args: string[]) => {
    const run = spawnCaptured(['client/main.ts', ...args], baseEnv);
    const code = await run.done;
    cliOutput += `${run.output()}\n`; // the output only: the arguments are the test's own
    return { code, output: run.output() };
  };

  it('runs pass, refer, applicant-details, failing and batch journeys through faults', async () => {
    const mappingFile = join(dir, `mapping-${tag}.json`);
    writeFileSync(mappingFile, JSON.stringify(mapping));
    const applicantFile = join(dir, `applicant-${tag}.json`);
    writeFileSync(applicantFile, JSON.stringify(applicant));
    const startAndWait = (ref: string, ...more: string[]) =>
      cli('start', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mappingFile, ...more, '--wait');
    sandbox.admin.failNext({ count: 2, kind: '5xx', routes: ['process'] });
    sandbox.admin.failNext({ count: 2, kind: '429', routes: ['summary'], retryAfterSeconds: 1 });

    const pass = await startAndWait(`pass-leak-${tag}`);
    expect(pass.code).toBe(0);
    const aml = await startAndWait(`pass-aml-${tag}`, '--applicant', applicantFile);
    expect(aml.code).toBe(0);
    // Uploaded bytes: staged in the bucket under keys that must not reach history in clear. It runs beside the
    // referred journey (the test's time limit is shared with the whole sequence).
    await journeys.startJourney({
      referenceNo: uploadRef,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: readFileSync(front), image2: readFileSync(back) }, '2': { image: readFileSync(selfie) } },
    });
    stagedKeys.push(...(await storage.staged(uploadRef)));
    expect(stagedKeys).toHaveLength(3);
    // Referred, then approved by the sandbox's reviewer: the review's decision goes through history too.
    await journeys.startJourney({
      referenceNo: `review-approve-leak-${tag}`,
      flowId: FLOW_ID_SELFIE,
      steps: mapping,
      options: { reviewCheckInterval: '2s' },
    });
    expect((await journeys.awaitOutcome(`review-approve-leak-${tag}`)).decision).toMatchObject({
      system: 'Refer',
      final: 'Approved',
    });
    expect((await journeys.awaitOutcome(uploadRef)).decision.final).toBe('Complete');
    expect(await storage.staged(uploadRef)).toEqual([]);
    await journeys.startJourney({
      referenceNo: `pass-missing-${tag}`,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: missing, image2: back }, '2': { image: selfie } },
    });
    const failed = await journeys.awaitOutcome(`pass-missing-${tag}`).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JourneyFailedError);
    expect((failed as JourneyFailedError).type).toBe(ErrorType.InvalidImage);
    expect((await cli('result', `pass-missing-${tag}`)).code).toBe(1);
    expect((await cli('status', `pass-aml-${tag}`, '--json')).code).toBe(0);

    // An IDWise (or a proxy) that quotes the request back in its 400: the start fails for good, and its text, with
    // the applicant's name and birth date, must reach neither the failure, the event, the log nor the CLI.
    sandbox.admin.failNext({ count: 1, kind: 'echo', routes: ['start'] });
    const echoed = await startAndWait(`pass-echo-${tag}`, '--applicant', applicantFile);
    expect(echoed.code).toBe(1);
    expect(echoed.output).toMatch(/IDWise start-journey failed: 400 validation_error: applicant_details invalid/);
    expect(sandbox.admin.counters().totals.faults.echo).toBe(1);
    const failedEvent = await waitForEvent(`pass-echo-${tag}`, 'journey.failed');
    expect(failedEvent.data).toMatchObject({
      reason: 'IDWise start-journey failed: 400 validation_error',
      errorCode: 'validation_error',
      status: 400,
    });

    const manifest = join(dir, `manifest-${tag}.json`);
    writeFileSync(
      manifest,
      JSON.stringify([
        { referenceNo: `pass-batch1-${tag}`, flowId: FLOW_ID_SELFIE, mapping },
        { referenceNo: `pass-batch2-${tag}`, flowId: FLOW_ID_SELFIE, mapping, applicantDetails: applicant },
      ]),
    );
    expect((await cli('batch', 'run', manifest, '--concurrency', '2', '--id', `leak-${tag}`)).code).toBe(0);

    // The faults were served (and retried through), so their failures went through history and logs too.
    expect(sandbox.admin.counters().totals.faults).toMatchObject({ '5xx': 2, '429': 2 });

    // The worker opened the sealed details and sent them: IDWise screens the applicant (AML applicable).
    for (const ref of [`pass-aml-${tag}`, `pass-batch2-${tag}`]) {
      const [match] = sandbox.admin.findJourneys(ref);
      const idwise = createIdwiseClient(
        loadIdwiseConfig({
          IDWISE_BASE_URL: sandbox.baseUrl,
          IDWISE_API_KEY: sandbox.credentials.key,
          IDWISE_API_SECRET: secret,
        }),
      );
      const result = (await idwise.getJourneyResult(match!.journeyId)) as { aml?: { applicability?: string } };
      expect(result.aml?.applicability).toBe('Applicable');
    }
  });

  it('finds none of the needles in histories, the worker log, the CLI output or the metrics page', async () => {
    const needles: Record<string, string[]> = {
      'IDWise API secret': [secret],
      'Basic Authorization value': [Buffer.from(`${sandbox.credentials.key}:${secret}`).toString('base64')],
      'codec keys': material(codecKeys),
      'PII keys': material(piiKeys),
      'applicant name': [applicant.full_name, 'Needlewoman'],
      'applicant birth date': [applicant.birth_date],
      'name read from the document': [`${FAKE_PERSON.firstName} ${FAKE_PERSON.lastName}`],
      'image paths and file names': [dir, ...[front, back, selfie, missing].map((p) => p.slice(dir.length + 1))],
      // The journey folder, and each staged object's unguessable name.
      'bucket keys of staged uploads': [journeyFolder(uploadRef), ...stagedKeys.map((k) => k.split('/').pop()!)],
    };

    const executions: { workflowId: string; runId: string }[] = [];
    for await (const e of client.workflow.list({ query: `TaskQueue="${taskQueue}"` })) executions.push(e);
    expect(executions.length).toBeGreaterThanOrEqual(8); // 5 journeys, the batch and its 2 children
    const histories: string[] = [];
    const decoded: string[] = [];
    const journeysDecoded: string[] = [];
    for (const e of executions) {
      histories.push(searchableText(await showHistory(e.workflowId, { runId: e.runId })));
      decoded.push(
        searchableText(await showHistory(e.workflowId, { runId: e.runId, codec: { url: codec.url, token } })),
      );
      if (e.workflowId.startsWith(journeyWorkflowId(''))) journeysDecoded.push(decoded.at(-1)!);
    }
    const corpora = {
      histories: histories.join('\n'),
      'journey events': JSON.stringify(events.received),
      'worker log': withDecodedBase64(workerLog()),
      'CLI output': withDecodedBase64(cliOutput),
      'metrics page': withDecodedBase64(await (await fetch(metricsUrl)).text()),
    };

    const hits: Record<string, Record<string, number>> = {};
    for (const [what, list] of Object.entries(needles)) {
      hits[what] = Object.fromEntries(
        Object.entries(corpora).map(([where, text]) => [where, list.reduce((n, needle) => n + count(text, needle), 0)]),
      );
    }
    const bytes = Object.values(corpora).reduce((n, t) => n + Buffer.byteLength(t), 0);
    console.log(
      `leak search: ${executions.length} histories, ${bytes} bytes searched ` +
        `(${Object.entries(corpora)
          .map(([k, t]) => `${k} ${Buffer.byteLength(t)}`)
          .join(', ')})\n` +
        Object.entries(hits)
          .map(([what, h]) => `  ${what}: ${JSON.stringify(h)}`)
          .join('\n'),
    );

    // The search can find what it looks for: decoded through the codec server the image names are there
    // (they were in the journeys' input), and a needle planted in a clear payload or a log line is found.
    const through = decoded.join('\n');
    for (const name of needles['image paths and file names']!.slice(1, 4))
      expect(count(through, name)).toBeGreaterThan(0);
    const stagedNames = stagedKeys.map((k) => k.split('/').pop()!);
    for (const name of stagedNames) expect(count(through, name)).toBeGreaterThan(0);
    for (const list of Object.values(needles)) {
      for (const needle of list) {
        const planted = JSON.stringify({
          events: [{ input: { payloads: [{ data: Buffer.from(`{"x":"${needle}"}`).toString('base64') }] } }],
        });
        expect(count(searchableText(planted), needle)).toBe(1);
        const logLine = `worker said ${Buffer.from(`secret stuff: ${needle}`).toString('base64')}`;
        expect(count(withDecodedBase64(logLine), needle)).toBe(1);
      }
    }
    // Data minimisation: ops reading decoded histories see no applicant name or birth date, and of a journey's images
    // only their file or object names (references are sealed, issue 20 item 2): never the folders or the journey's
    // staging folder they are kept in. (The
    // batch's own input names its manifest file, which the operator chose.)
    expect(count(through, applicant.full_name) + count(through, applicant.birth_date)).toBe(0);
    expect(journeysDecoded.length).toBeGreaterThanOrEqual(6);
    expect(count(journeysDecoded.join('\n'), dir)).toBe(0);
    const shownToOps = Object.entries(needles)
      .flatMap(([what, list]) => (what === 'image paths and file names' ? [] : list))
      .filter((needle) => !stagedNames.includes(needle));
    expect(shownToOps.filter((needle) => count(through, needle) > 0)).toEqual([]);
    expect(events.received.length).toBeGreaterThan(0);
    // The worker did log its keys, by id only.
    expect(workerLog()).toContain('leak-new (encrypts), leak-old');

    for (const [where, text] of Object.entries(corpora)) {
      for (const needle of Object.values(needles).flat()) {
        const at = text.indexOf(needle);
        if (at >= 0) console.log(`HIT in ${where}: ...${text.slice(Math.max(0, at - 300), at + 100)}...`);
      }
    }
    for (const [what, h] of Object.entries(hits))
      expect({ [what]: h }).toEqual({ [what]: Object.fromEntries(Object.keys(corpora).map((k) => [k, 0])) });
  });
});
