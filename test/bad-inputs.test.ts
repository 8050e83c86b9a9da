import { appendFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createManifestActivities } from '../activities/manifest.js';
import { runCli as runCliInProcess } from '../client/cli.js';
import { loadWorkerConfig } from '../worker/config.js';
import { badInputRows, type BadInputRow, type Fixture } from './helpers/bad-input-rows.js';
import { runCli, runEntry } from './helpers/processes.js';
import { request as httpRequest } from 'node:http';
import type { RunningSandbox } from '../sandbox/index.js';
import {
  createJourneyEnv,
  FLOW_ID_SELFIE,
  images,
  repoRoot,
  testCodecEnv,
  type JourneyEnv,
} from './helpers/journey-env.js';
import { quietActivityEnv } from './helpers/activities.js';

// Every bad input gets one clear answer naming the field and the fix: the CLI (a real process), the client
// library, provideStepFiles, batch manifests and the files they name, and the worker's environment. For an
// input error no IDWise journey may be created: the sandbox's counters must not move.

const activityEnv = quietActivityEnv();

describe('bad inputs', () => {
  let env: JourneyEnv;
  let fx: Fixture;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-bad-inputs-')));
  const outside = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-bad-outside-')));
  let waitingRef: string;

  beforeAll(async () => {
    env = await createJourneyEnv({ imageRoots: [join(repoRoot, 'samples'), dir].join(',') });
    await env.startWorker();
    mkdirSync(join(dir, 'folder.json'));
    writeFileSync(join(outside, 'passwd.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    symlinkSync(join(outside, 'passwd.json'), join(dir, 'escape.json'));
    // A journey waiting for its files, for the provideStepFiles rows.
    waitingRef = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: waitingRef, flowId: FLOW_ID_SELFIE, steps: {} });
    for (let i = 0; i < 200 && env.sandbox.admin.findJourneys(waitingRef).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const imageRoots = [join(repoRoot, 'samples'), dir].join(',');
    fx = {
      dir,
      outside,
      images,
      flowId: FLOW_ID_SELFIE,
      waitingRef,
      cliEnv: {
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
        TEMPORAL_TASK_QUEUE: env.taskQueue,
        ...testCodecEnv(),
      },
      cli: async (args, extraEnv = {}) => {
        const r = await runCli(args, {
          TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
          TEMPORAL_TASK_QUEUE: env.taskQueue,
          ...extraEnv,
        });
        // A user mistake: one line on stderr, exit 2, nothing on stdout.
        expect({ code: r.code, lines: r.stderr.trim().split('\n').length, stdout: r.stdout }).toEqual({
          code: 2,
          lines: 1,
          stdout: '',
        });
        expect(r.stderr).toMatch(/^error: /);
        return r.stderr;
      },
      journeys: env.journeys,
      manifestPage: async (manifest, extra = {}) => {
        const acts = createManifestActivities({
          imageSources: { roots: [realpathSync(join(repoRoot, 'samples')), dir], hosts: [] },
          sealApplicantDetails: () => 'v1.sealed.for-test',
          ...extra,
        });
        return activityEnv.run(acts.readManifestPage, { manifest, offset: 0, limit: 100 });
      },
      sandboxAdmin: (method, path, body, opts = {}) => adminCall(env.sandbox, method, path, body, opts),
      workerConfig: (vars) =>
        loadWorkerConfig({
          IDWISE_API_KEY: 'key-0123456789',
          IDWISE_API_SECRET: 'secret',
          IDWISE_IMAGE_ROOTS: imageRoots,
          ...testCodecEnv(),
          ...vars,
        }),
    };
  });
  afterAll(async () => {
    await env.journeys.cancel(waitingRef).catch(() => undefined);
    await env.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const journeysStarted = () => env.sandbox.admin.counters().totals.journeysStarted;
  const submissions = () => env.sandbox.admin.counters().totals.processSubmissions;

  it.each(badInputRows().map((row) => [`${row.where}: ${row.input}`, row] as const))(
    '%s',
    async (_, row: BadInputRow) => {
      const [startsBefore, submissionsBefore] = [journeysStarted(), submissions()];
      const answer = await answerOf(row, fx);
      // BAD_INPUTS_REPORT=<file> collects the answers as a markdown table (for docs and reviews).
      if (process.env.BAD_INPUTS_REPORT)
        appendFileSync(
          process.env.BAD_INPUTS_REPORT,
          `| ${row.input} | ${row.where} | ${answer.trim().replace(/\|/g, '\\|')} |\n`,
        );
      expect(answer).toMatch(row.expected);
      expect(answer).not.toMatch(/\n\s+at /); // no stack trace
      expect(answer).not.toContain('root:x:0:0'); // never the content of a file it failed to read
      if (row.secret) expect(answer).not.toContain(row.secret);
      expect([journeysStarted(), submissions()]).toEqual([startsBefore, submissionsBefore]);
    },
  );

  it('has at least 45 rows', () => {
    expect(badInputRows().length).toBeGreaterThanOrEqual(45);
  });

  it('answers an unexpected bug in one line, with the stack only under DEBUG=1', async () => {
    const lines: string[] = [];
    const io = (debug?: string) => ({
      out: () => {
        throw new TypeError('stdout exploded');
      },
      err: (t: string) => lines.push(t),
      env: { ...fx.cliEnv, ...(debug ? { DEBUG: debug } : {}) },
    });
    expect(await runCliInProcess(['schedule', 'list'], io())).toBe(1);
    expect(lines).toEqual(['error: unexpected TypeError: stdout exploded (set DEBUG=1 for the stack)']);
    lines.length = 0;
    expect(await runCliInProcess(['schedule', 'list'], io('1'))).toBe(1);
    expect(lines.join('\n')).toMatch(/^error: TypeError: stdout exploded\n.*\n\s+at /s);
  });

  it('refuses to start a worker process without image roots or hosts, saying how to set them', async () => {
    const r = await runEntry(['--import', 'tsx', 'worker/main.ts'], {
      IDWISE_API_KEY: 'key-0123456789',
      IDWISE_API_SECRET: 'secret',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /IDWISE_IMAGE_ROOTS and IDWISE_IMAGE_HOSTS are both unset: .*IDWISE_IMAGE_ROOTS=\/srv\/idwise\/images/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/** The one answer a row gets: the CLI's stderr line, an error's message, or the reason a manifest row is invalid. */
async function answerOf(row: BadInputRow, fx: Fixture): Promise<string> {
  try {
    const result = await row.run(fx);
    if (typeof result === 'string') return result;
    return `resolved without an error: ${JSON.stringify(result)}`;
  } catch (err) {
    if (err instanceof ApplicationFailure) return `${err.type}: ${err.message}`;
    if (err instanceof Error) return err.message;
    return String(err);
  }
}

/** The sandbox's admin API over plain HTTP, with the Host header under the test's control. */
function adminCall(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body: unknown,
  opts: { token?: string | null; contentType?: string; host?: string },
): Promise<string> {
  const url = new URL(path, sandbox.baseUrl);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const token = opts.token === undefined ? sandbox.adminToken : opts.token;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        headers: {
          host: opts.host ?? url.host,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          const env = JSON.parse(text) as { error_code?: string; message?: string };
          resolve(`${res.statusCode} ${env.error_code ?? 'ok'}: ${env.message ?? text}`);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
