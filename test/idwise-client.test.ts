import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import {
  createIdwiseClient,
  DEFAULT_ROUTES,
  describeConfig,
  isIdwiseError,
  loadIdwiseConfig,
  parseRetryAfter,
  REGION_BASE_URLS,
  type IdwiseApi,
  type IdwiseError,
  type JourneySummary,
} from '../idwise/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';

// The client against the project's IDWise sandbox over real HTTP: every endpoint, and every error class the
// activities map to a Temporal failure type, with the sandbox's fault injection standing in for the network.

const samples = join(resolve(fileURLToPath(import.meta.url), '../..'), 'samples/images');
const ID_FRONT = join(samples, 'id-front.jpg');
const ID_BACK = join(samples, 'id-back.jpg');
const SELFIE = join(samples, 'selfie.jpg');
const PASSPORT = join(samples, 'passport.png');

let sandbox: RunningSandbox;
let client: IdwiseApi;
let ref = 0;
const reference = (scenario = 'pass') => `${scenario}-client-${process.pid}-${++ref}`;

function clientWith(env: Record<string, string> = {}): IdwiseApi {
  return createIdwiseClient(
    loadIdwiseConfig({
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
      IDWISE_REQUEST_TIMEOUT_MS: '5000',
      IDWISE_IMAGE_ROOTS: samples,
      ...env,
    }),
  );
}

async function failure(promise: Promise<unknown>): Promise<IdwiseError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isIdwiseError(err)) throw new Error(`expected an IdwiseError, got ${inspect(err)}`);
  expectNoCredentials(err);
  return err;
}

/** Applied to every error these tests provoke: workflow history and logs must never see credentials. */
function expectNoCredentials(err: IdwiseError): void {
  const { key, secret } = sandbox.credentials;
  const basic = Buffer.from(`${key}:${secret}`).toString('base64');
  const text = [err.message, err.stack, JSON.stringify(err), inspect(err, { depth: Infinity, showHidden: true })].join(
    '\n',
  );
  for (const forbidden of [
    secret,
    basic,
    'Basic ',
    'definitely-not-the-secret',
    'production-secret',
    'restricted-secret',
  ]) {
    expect(text).not.toContain(forbidden);
  }
  expect(text.toLowerCase()).not.toContain('authorization');
}

const stepOf = (summary: JourneySummary, id: string) => summary.step_summaries.find((s) => s.definition.step_id === id);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  client = clientWith();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.admin.reset();
  sandbox.admin.setSwitches({ processingDelayMs: 150, pollRule: 'off' });
});

describe('IDWise client: endpoints', () => {
  it('runs a journey end to end: start, summary, process (image + image2), complete, result', async () => {
    // Long enough that "In Progress" is still seen on a loaded CI machine; step 0 is waited out below.
    sandbox.admin.setSwitches({ processingDelayMs: 1_500 });
    const started = await client.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: ` ${reference()} ` });
    expect(started.journey_id).toEqual(expect.any(String));
    expect(started.step_summaries).toEqual([]);

    const before = await client.getJourneySummary(started.journey_id);
    expect(before.is_completed).toBe(false);
    expect(before.step_summaries.map((s) => s.definition)).toMatchObject([
      { step_id: '0', step_type: 'Document', step_title: 'Photo ID', is_optional: false },
      { step_id: '2', step_type: 'Selfie', step_title: 'Selfie', is_optional: false },
    ]);
    expect(stepOf(before, '0')!.result).toBeNull();

    const progress: number[] = [];
    const ack = await client.processStep(
      { journeyId: started.journey_id, stepId: '0', image: ID_FRONT, image2: ID_BACK },
      { onProgress: (n) => progress.push(n) },
    );
    expect(ack.success).toBe(true);
    expect(progress.at(-1)).toBeGreaterThan(13_500 + 16_459);
    expect(stepOf(await client.getJourneySummary(started.journey_id), '0')!.result!.status).toBe('In Progress');

    sandbox.admin.setSwitches({ processingDelayMs: 0 });
    await sleep(1_600);
    await client.processStep({ journeyId: started.journey_id, stepId: '2', image: SELFIE });
    await sleep(100);
    const after = await client.getJourneySummary(started.journey_id);
    expect(stepOf(after, '0')!.result).toMatchObject({
      status: 'Submitted',
      has_passed_rules: true,
      is_concluded: true,
      error_user_feedback_code: null,
    });
    expect(after.result?.interim_rule_assessment).toEqual(expect.any(String));

    expect(await client.completeJourney(started.journey_id)).toMatchObject({ success: true });
    expect((await client.getJourneySummary(started.journey_id)).is_completed).toBe(true);

    const result = await client.getJourneyResult(started.journey_id);
    expect(result.journey_id).toBe(started.journey_id);
    expect(result.system_decision).toEqual(expect.any(String));
    expect(result.final_decision).toEqual(expect.any(String));
    expect(result.manual_decision ?? null).toBeNull();
    expect(Object.keys(result.documents ?? {})).toContain('0');
    for (const rule of Object.values(result.rule_results ?? {})) {
      expect(rule).toMatchObject({ name: expect.any(String), result: expect.any(String) });
    }
  });

  it('normalises numeric step ids, reads steps from start, and skips an optional step', async () => {
    sandbox.admin.setSwitches({ startReturnsSteps: true, stepIdAsNumber: true, processingDelayMs: 0 });
    const started = await client.startJourney({ flowId: 'sandbox-passport-selfie-poa', referenceNo: reference() });
    expect(started.step_summaries.map((s) => [s.definition.step_id, s.definition.is_optional])).toEqual([
      ['10', false],
      ['20', false],
      ['30', true],
    ]);
    await client.processStep({ journeyId: started.journey_id, stepId: '10', image: PASSPORT });
    await client.processStep({ journeyId: started.journey_id, stepId: '30', isSkipped: true });
    const summary = await client.getJourneySummary(started.journey_id);
    expect(stepOf(summary, '30')!.result).toMatchObject({ is_skipped: true });
  });

  it('follows IDWISE_ROUTES overrides (path-parameter summary and result aliases)', async () => {
    const aliased = clientWith({
      IDWISE_ROUTES: JSON.stringify({
        summary: { path: '/journey/v2/summary/{journey_id}' },
        result: { path: 'v2/get/{journey_id}' },
      }),
    });
    const { journey_id } = await aliased.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: reference() });
    expect((await aliased.getJourneySummary(journey_id)).journey_id).toBe(journey_id);
    expect((await aliased.getJourneyResult(journey_id)).journey_id).toBe(journey_id);
  });
});

describe('IDWise client: error classification', () => {
  let journeyId: string;
  beforeEach(async () => {
    ({ journey_id: journeyId } = await client.startJourney({
      flowId: 'sandbox-id-and-selfie',
      referenceNo: reference(),
    }));
  });

  it('401 wrong secret → auth, not retryable, IDWise error code in the message', async () => {
    const wrong = clientWith({ IDWISE_API_SECRET: 'definitely-not-the-secret' });
    const err = await failure(wrong.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: reference() }));
    expect(err).toMatchObject({
      kind: 'auth',
      status: 401,
      errorCode: 'invalid_credentials',
      retryable: false,
      operation: 'start-journey',
    });
    expect(err.message).toBe('IDWise start-journey failed: 401 invalid_credentials: Invalid API key or secret');
    expect(`${err.message} ${JSON.stringify(err)} ${inspect(err)}`).not.toContain('definitely-not-the-secret');
  });

  it('403 key of another environment, and key from a non-whitelisted IP → forbidden', async () => {
    const production = clientWith({ IDWISE_API_KEY: 'production-key', IDWISE_API_SECRET: 'production-secret' });
    const env = await failure(production.getJourneySummary(journeyId));
    expect(env).toMatchObject({ kind: 'forbidden', status: 403, errorCode: 'unauthorized', retryable: false });
    const restricted = clientWith({ IDWISE_API_KEY: 'restricted-key', IDWISE_API_SECRET: 'restricted-secret' });
    const ip = await failure(restricted.getJourneySummary(journeyId));
    expect(ip).toMatchObject({ kind: 'forbidden', status: 403, errorCode: 'not_allowed_ip_address' });
  });

  it('404 unknown journey → not-found on every journey-scoped call', async () => {
    for (const call of [
      () => client.getJourneySummary('000000000000000000000000'),
      () => client.getJourneyResult('000000000000000000000000'),
      () => client.completeJourney('000000000000000000000000'),
      () => client.processStep({ journeyId: '000000000000000000000000', stepId: '0', image: SELFIE }),
    ]) {
      const err = await failure(call());
      expect(err).toMatchObject({ kind: 'not-found', status: 404, errorCode: 'missing_requested_resource' });
      expect(err.retryable).toBe(false);
    }
  });

  it('4xx refusals → validation, not retryable (unknown flow, step not skippable, unknown step)', async () => {
    const flow = await failure(client.startJourney({ flowId: 'no-such-flow', referenceNo: reference() }));
    expect(flow).toMatchObject({ kind: 'validation', status: 400, errorCode: 'invalid_flowId', retryable: false });
    const skip = await failure(client.processStep({ journeyId, stepId: '0', isSkipped: true }));
    expect(skip).toMatchObject({ kind: 'validation', status: 400, errorCode: 'step_not_skippable', stepId: '0' });
    expect(skip.message).toMatch(/^IDWise process-journey-step failed for step 0: 400 step_not_skippable: /);
    const step = await failure(client.processStep({ journeyId, stepId: '99', image: SELFIE }));
    expect(step).toMatchObject({ kind: 'validation', errorCode: 'step_not_found' });
  });

  it('input the client refuses is never sent: validation naming the field', async () => {
    const before = sandbox.admin.counters();
    const bad = await failure(client.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: 'has spaces' }));
    expect(bad).toMatchObject({ kind: 'validation', status: null, retryable: false });
    expect(bad.message).toMatch(/referenceNo may contain only/);
    const missing = await failure(client.startJourney({ flowId: ' ', referenceNo: reference() }));
    expect(missing.message).toMatch(/flowId is required/);
    const noImage = await failure(client.processStep({ journeyId, stepId: '0' }));
    expect(noImage.message).toMatch(/send image .* or isSkipped/);
    expect(sandbox.admin.counters()).toEqual(before);
  });

  it('5xx → server, retryable', async () => {
    sandbox.admin.failNext({ count: 1, kind: '5xx', status: 502, routes: ['summary'] });
    const err = await failure(client.getJourneySummary(journeyId));
    expect(err).toMatchObject({ kind: 'server', status: 502, errorCode: 'bad_gateway', retryable: true });
    expect(err.retryAfterMs).toBeNull();
  });

  it('429 → rate-limited, retryable, Retry-After parsed (injected and from the summary poll rule)', async () => {
    sandbox.admin.failNext({ count: 1, kind: '429', routes: ['start'], retryAfterSeconds: 7 });
    const injected = await failure(client.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: reference() }));
    expect(injected).toMatchObject({ kind: 'rate-limited', status: 429, retryable: true, retryAfterMs: 7000 });

    sandbox.admin.setSwitches({ pollRule: '429', pollIntervalMs: 2000 });
    await client.getJourneySummary(journeyId);
    const poll = await failure(client.getJourneySummary(journeyId));
    expect(poll).toMatchObject({ kind: 'rate-limited', status: 429, errorCode: 'too_many_requests' });
    expect(poll.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(poll.retryAfterMs).toBeLessThanOrEqual(2000);
  });

  it('dropped connection → network, retryable', async () => {
    sandbox.admin.failNext({ count: 1, kind: 'drop', routes: ['result'] });
    const err = await failure(client.getJourneyResult(journeyId));
    expect(err).toMatchObject({ kind: 'network', status: null, retryable: true, operation: 'get-journey-result' });
    sandbox.admin.failNext({ count: 1, kind: 'drop', routes: ['process'] });
    const upload = await failure(client.processStep({ journeyId, stepId: '0', image: ID_FRONT }));
    expect(upload).toMatchObject({ kind: 'network', retryable: true, stepId: '0' });
  });

  it('malformed JSON in a 2xx → bad-response: retryable for reads, not for start (it may have created a journey)', async () => {
    sandbox.admin.failNext({ count: 1, kind: 'malformed', routes: ['summary'] });
    const read = await failure(client.getJourneySummary(journeyId));
    expect(read).toMatchObject({ kind: 'bad-response', status: 200, retryable: true });
    expect(read.message).toMatch(/not JSON \(application\/json, \d+ bytes\)/);
    sandbox.admin.failNext({ count: 1, kind: 'malformed', routes: ['start'] });
    const start = await failure(client.startJourney({ flowId: 'sandbox-id-and-selfie', referenceNo: reference() }));
    expect(start).toMatchObject({ kind: 'bad-response', retryable: false });
  });

  it('slow response → timeout, retryable', async () => {
    const impatient = clientWith({ IDWISE_REQUEST_TIMEOUT_MS: '300' });
    sandbox.admin.failNext({ count: 1, kind: 'slow', routes: ['summary'], slowBodyMs: 3000 });
    const started = Date.now();
    const err = await failure(impatient.getJourneySummary(journeyId));
    expect(err).toMatchObject({ kind: 'timeout', status: null, retryable: true });
    expect(err.message).toMatch(/no complete response within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an aborted signal cancels the request promptly with the signal reason', async () => {
    sandbox.admin.failNext({ count: 1, kind: 'slow', routes: ['summary'], slowBodyMs: 5000 });
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(client.getJourneySummary(journeyId, { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an abort during an upload cancels it, and an already-aborted signal sends nothing', async () => {
    sandbox.admin.failNext({ count: 1, kind: 'slow', routes: ['process'], slowBodyMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('upload cancelled')), 100);
    const upload = client.processStep({ journeyId, stepId: '0', image: ID_FRONT }, { signal: controller.signal });
    await expect(upload).rejects.toThrow('upload cancelled');

    const before = sandbox.admin.counters();
    const aborted = AbortSignal.abort(new Error('already cancelled'));
    await expect(client.getJourneyResult(journeyId, { signal: aborted })).rejects.toThrow('already cancelled');
    await expect(client.processStep({ journeyId, stepId: '2', image: SELFIE }, { signal: aborted })).rejects.toThrow(
      'already cancelled',
    );
    expect(sandbox.admin.counters()).toEqual(before);
  });
});

describe('IDWise configuration', () => {
  const required = { IDWISE_API_KEY: 'key-0123456789', IDWISE_API_SECRET: 'config-test-secret' };

  it('defaults to the EU region, the documented limits and the guide routes', () => {
    const config = loadIdwiseConfig(required);
    expect(config).toMatchObject({
      region: 'eu',
      baseUrl: 'https://api.idwise.com/',
      requestTimeoutMs: 30_000,
      uploadTimeoutMs: 120_000,
      maxImageBytes: 6_291_456,
    });
    expect(config.routes).toEqual(DEFAULT_ROUTES);
    expect(loadIdwiseConfig({ ...required, IDWISE_REGION: 'QAT' }).baseUrl).toBe(REGION_BASE_URLS.qat);
    expect(loadIdwiseConfig({ ...required, IDWISE_BASE_URL: 'https://proxy.example.com/idwise' }).baseUrl).toBe(
      'https://proxy.example.com/idwise/',
    );
  });

  it('lists every problem at once, naming each variable', () => {
    let message = '';
    try {
      loadIdwiseConfig({
        IDWISE_REGION: 'us',
        IDWISE_BASE_URL: 'http://api.idwise.com',
        IDWISE_UPLOAD_TIMEOUT_MS: 'soon',
        IDWISE_ROUTES: '{"sumary":{"path":"x"}}',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid IDWise configuration: /);
    for (const problem of [
      'IDWISE_REGION must be eu, uae or qat',
      'IDWISE_BASE_URL must use https://',
      'IDWISE_API_KEY is required',
      'IDWISE_API_SECRET is required',
      'IDWISE_UPLOAD_TIMEOUT_MS must be a number',
      'IDWISE_ROUTES',
    ]) {
      expect(message).toContain(problem);
    }
    expect(() => loadIdwiseConfig({ ...required, IDWISE_ROUTES: '{"start":{"method":"GET","path":"x"}}' })).toThrow(
      /IDWISE_ROUTES\.start this route sends a body, so its method must be POST/,
    );
  });

  it('describes itself and logs without the secret', () => {
    const config = loadIdwiseConfig({ ...required, IDWISE_BASE_URL: 'http://localhost:8080' });
    const line = describeConfig(config);
    expect(line).toContain('http://localhost:8080/');
    expect(line).toContain('key key-…89');
    for (const text of [line, JSON.stringify(config), inspect(config)])
      expect(text).not.toContain('config-test-secret');
    expect(config.apiSecret).toBe('config-test-secret');
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
