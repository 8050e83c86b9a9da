import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { generateKeyList, parseKeyRing } from '../codec/keys.js';
import { createIdwiseClient, isIdwiseError, loadIdwiseConfig, reduceMessage, safeErrorCode } from '../idwise/index.js';
import { startSandbox } from '../sandbox/index.js';
import { ErrorType } from '../shared/errors.js';
import { eventFailure } from '../shared/failures.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { loadWorkerConfig } from '../worker/config.js';
import { freePort } from '../dev/free-port.js';
import { searchableText, showHistory } from './helpers/history.js';
import { runCli } from './helpers/processes.js';
import {
  createJourneyEnv,
  FLOW_ID_SELFIE,
  images,
  repoRoot,
  TEST_IMAGE_ROOTS,
  waitFor,
  type JourneyEnv,
} from './helpers/journey-env.js';

// What the outside security review of issue 20 still found, one describe per finding, each against the real part
// (the sandbox over HTTP, real files, the real config loaders). Bad inputs among them are rows of bad-inputs.test.ts.

describe('a worker configuration logged whole (issue 20, item 8)', () => {
  it('shows neither the events secret nor the Temporal API key, in JSON.stringify or util.inspect', () => {
    const eventsSecret = `events-${randomBytes(16).toString('hex')}`;
    const apiKey = `temporal-api-${randomBytes(16).toString('hex')}`;
    const config = loadWorkerConfig({
      IDWISE_API_KEY: 'key-0123456789',
      IDWISE_API_SECRET: 'idwise-secret-0123456789',
      IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
      IDWISE_CODEC_KEYS: generateKeyList(['c1']),
      IDWISE_EVENTS_URL: 'https://backend.example.com/idwise-events',
      IDWISE_EVENTS_SECRET: eventsSecret,
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_API_KEY: apiKey,
    });
    // The fields themselves stay usable.
    expect(config.events?.secret).toBe(eventsSecret);
    expect(config.temporal.connectionOptions.apiKey).toBe(apiKey);
    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${inspect({ config }, { depth: 10 })}`,
    ]) {
      expect(shown).not.toContain(eventsSecret);
      expect(shown).not.toContain(apiKey);
      expect(shown).not.toContain('idwise-secret-0123456789');
      expect(shown).toContain('[redacted]');
    }
  });
});

describe('production dependencies (issue 20, item 11)', () => {
  const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

  /** Modules a file loads at run time: `import type` and `export type` are erased and do not count. */
  function runtimeImports(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    const statics = /^\s*(?:import|export)\s+(?!type\b)(?:[^;='(]*?\s+from\s+)?'([^']+)'/gm;
    for (const m of text.matchAll(statics)) found.push(m[1]!);
    for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
    return found;
  }

  /** Every package a production entry point reaches through the project's own files. */
  function packagesReachedFrom(entries: string[]): Map<string, string> {
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const queue = entries.map((e) => join(repoRoot, e));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith('.')) {
          const target = resolvePath(dirname(file), spec).replace(/\.js$/, '');
          queue.push(existsSync(`${target}.ts`) ? `${target}.ts` : target);
        } else if (!spec.startsWith('node:')) {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!packages.has(name)) packages.set(name, file.slice(repoRoot.length + 1));
        }
      }
    }
    return packages;
  }

  it('@temporalio/testing is a dev dependency, in package.json and package-lock.json', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.toHaveProperty(['@temporalio/testing']);
    expect(pkg.devDependencies).toHaveProperty(['@temporalio/testing']);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dependencies?: object; devDependencies?: object; dev?: boolean }>;
    };
    expect(lock.packages['']!.dependencies).not.toHaveProperty(['@temporalio/testing']);
    expect(lock.packages['']!.devDependencies).toHaveProperty(['@temporalio/testing']);
    expect(lock.packages['node_modules/@temporalio/testing']!.dev).toBe(true);
  });

  it('no production entry point loads a dev dependency at run time', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    const reached = packagesReachedFrom([
      'worker/main.ts',
      'client/main.ts',
      'client/index.ts',
      'webhooks/main.ts',
      'codec/server-main.ts',
      'sandbox/main.ts',
    ]);
    expect(reached.has('@temporalio/worker')).toBe(true); // the walk does follow the imports
    const devOnly = [...reached].filter(([name]) => !(name in pkg.dependencies!));
    expect(devOnly).toEqual([]);
  });
});

describe('image references in decoded history (issue 20, item 2)', () => {
  const tag = randomUUID().slice(0, 8);
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-refs-')));
  const applicantDir = join(root, 'applicants', `Zelda Needlewoman ${tag}`);
  const signature = `sig${tag}deadbeef`;
  let env: JourneyEnv;
  let server: Server;
  let imageUrl: string;
  const requested: string[] = [];

  beforeAll(async () => {
    mkdirSync(applicantDir, { recursive: true });
    copyFileSync(images.front, join(applicantDir, 'front.jpg'));
    copyFileSync(images.selfie, join(applicantDir, 'selfie.jpg'));
    const back = readFileSync(images.back);
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      // A stand-in for a pre-signed storage URL: the signature in the query is the credential.
      if (!req.url?.includes(`X-Amz-Signature=${signature}`)) return void res.writeHead(403).end();
      res.writeHead(req.headers.range ? 206 : 200, {
        'content-type': 'image/jpeg',
        ...(req.headers.range ? { 'content-range': `bytes 0-31/${back.length}` } : {}),
      });
      res.end(req.headers.range ? back.subarray(0, 32) : back);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    imageUrl = `http://127.0.0.1:${port}/bucket/applicants/${tag}/back.jpg?X-Amz-Signature=${signature}`;
    env = await createJourneyEnv({
      imageRoots: [join(repoRoot, 'samples'), root].join(','),
      imageHosts: `127.0.0.1:${port}`,
      piiKeys: parseKeyRing('IDWISE_PII_KEYS', generateKeyList(['refs'])),
    });
    await env.startWorker();
  });
  afterAll(async () => {
    await env?.close();
    server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows only host and file name; the activity alone opens the sealed reference, at start and in provideStepFiles', async () => {
    const referenceNo = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: join(applicantDir, 'front.jpg'), image2: imageUrl } },
    });
    await waitFor(
      'the journey to wait for step 2',
      () => env.journeys.getProgress(referenceNo),
      (p) => p.stage === 'waiting-for-files',
    );
    await env.journeys.provideStepFiles(referenceNo, { '2': { image: join(applicantDir, 'selfie.jpg') } });
    expect((await env.journeys.awaitOutcome(referenceNo)).decision.final).toBe('Complete');
    // The image host was reached with the signature: the worker opened what the history does not show.
    expect(requested.some((u) => u.includes(signature))).toBe(true);

    const decoded = searchableText(await showHistory(journeyWorkflowId(referenceNo), { decoded: true }));
    for (const needle of [signature, 'X-Amz-Signature', 'Needlewoman', root, `applicants/${tag}`])
      expect({ needle, found: decoded.includes(needle) }).toEqual({ needle, found: false });
    // What an operator does see: where each image comes from, by host and file name.
    expect(decoded).toContain('sealed:/…/front.jpg#');
    expect(decoded).toContain(`sealed:http://127.0.0.1:${(server.address() as AddressInfo).port}/…/back.jpg#`);
    expect(decoded).toContain('sealed:/…/selfie.jpg#');
  });
});

describe("IDWise's error text (issue 20, item 1)", () => {
  const echo = '{"full_name":"John Smith","birth_date":"1990-01-02"}';

  it.each([
    [`applicant_details invalid: ${echo}`, 'applicant_details invalid'],
    [`Invalid value 'John Smith' for full_name`, 'Invalid value'],
    ['John Smith is not a valid name', null],
    ['invalid full_name John Smith', 'invalid full_name'],
    ['birth_date 1990-01-02 is in the future', 'birth_date'],
    ['Date of birth 02/01/1990 is invalid', null],
    [`Validation failed for "John Smith"`, 'Validation failed for'],
    [echo, null],
    ['Invalid API key or secret', 'Invalid API key or secret'],
    ['This step is already concluded and cannot be started again', 'This step is already concluded and cannot be'],
    ['Journey 0f3a9c is completed and cannot be modified', 'Journey'],
    ['', null],
    [undefined, null],
  ])('reduces %j to %j', (message, kept) => {
    expect(reduceMessage(message)).toBe(kept);
  });

  it.each([
    ['validation_error', 'validation_error'],
    ['invalid_flowId', 'invalid_flowId'],
    ['John Smith', null],
    ['John', null],
    [echo, null],
    ['x'.repeat(65), null],
    [null, null],
  ])('keeps error_code %j as %j', (code, kept) => {
    expect(safeErrorCode(code)).toBe(kept);
  });

  it('an IDWise that echoes the request fails start-journey with status, code and plain words only', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const client = createIdwiseClient(
        loadIdwiseConfig({
          IDWISE_BASE_URL: sandbox.baseUrl,
          IDWISE_API_KEY: sandbox.credentials.key,
          IDWISE_API_SECRET: sandbox.credentials.secret,
          IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
        }),
      );
      sandbox.admin.failNext({ count: 1, kind: 'echo', routes: ['start'] });
      const err: unknown = await client
        .startJourney({
          flowId: 'sandbox-id-and-selfie',
          referenceNo: `pass-echo-${process.pid}`,
          applicantDetails: { full_name: 'Zebedee Quillfeather', birth_date: '1971-07-13' },
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      if (!isIdwiseError(err)) throw new Error(`expected an IdwiseError, got ${inspect(err)}`);
      expect(err.message).toBe('IDWise start-journey failed: 400 validation_error: applicant_details invalid');
      expect(err).toMatchObject({ kind: 'validation', status: 400, errorCode: 'validation_error', retryable: false });
      const text = [err.message, err.stack, inspect(err, { depth: Infinity, showHidden: true })].join('\n');
      for (const needle of ['Zebedee', 'Quillfeather', '1971-07-13', 'full_name'])
        expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
    } finally {
      await sandbox.close();
    }
  });

  it('the journey.failed event says operation, status and code, never the failure message', () => {
    const refused = ApplicationFailure.create({
      message: 'IDWise start-journey failed: 400 validation_error: applicant_details invalid',
      type: ErrorType.IdwiseValidation,
      nonRetryable: true,
      details: [{ status: 400, errorCode: 'validation_error', operation: 'start-journey' }],
    });
    const wrapped = new ActivityFailure(
      'Activity task failed',
      'startJourney',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      refused,
    );
    expect(eventFailure(wrapped)).toEqual({
      reason: 'IDWise start-journey failed: 400 validation_error',
      errorType: ErrorType.IdwiseValidation,
      errorCode: 'validation_error',
      status: 400,
    });
    // Not an IDWise answer (a refused file): the project's own message, which names no applicant.
    const own = ApplicationFailure.nonRetryable(
      'step 0 image: not under an allowed image root',
      ErrorType.InvalidImage,
    );
    expect(eventFailure(own)).toEqual({
      reason: 'step 0 image: not under an allowed image root',
      errorType: ErrorType.InvalidImage,
    });
  });
});

describe('operator mistakes (issue 20, item 9)', () => {
  it('steps with an unreachable IDWise names IDWise, not Temporal', async () => {
    // A loopback port nobody listens on: the connection is refused at once.
    const port = await freePort();
    const r = await runCli(['steps', '--flow', FLOW_ID_SELFIE], {
      IDWISE_BASE_URL: `http://127.0.0.1:${port}`,
      IDWISE_API_KEY: 'key-0123456789',
      IDWISE_API_SECRET: 'secret-0123456789',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /ECONNREFUSED.*cannot reach IDWise: check IDWISE_BASE_URL \(or IDWISE_REGION\) and the network/,
    );
    expect(r.stderr).not.toMatch(/Temporal/);
  });
});
