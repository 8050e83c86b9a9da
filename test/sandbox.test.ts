import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';

// The IDWise sandbox over real HTTP, with plain fetch/FormData (not the project's client), so the sandbox is
// checked against idwise-api.md on its own. Steps process in DELAY ms here instead of 1.5 s.

const DELAY = 40;
const settle = () => sleep(DELAY + 40);
const ID_FLOW = 'sandbox-id-and-selfie';
const POA_FLOW = 'sandbox-passport-selfie-poa';
/** Flows with a step that takes no image (AML), required and optional. */
const AML_FLOWS = ['sandbox-id-selfie-aml', 'sandbox-id-selfie-optional-aml'];
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(256, 7)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const PDF = Buffer.from('%PDF-1.4\n%sandbox\n');

interface Envelope {
  success: false;
  message: string;
  error_code: string;
}
interface StepResult {
  status: string;
  has_passed_rules: boolean;
  is_concluded: boolean;
  is_skipped: boolean;
  error_user_feedback_code: string | null;
  error_user_feedback_title: string;
  error_user_feedback_details: string;
}
interface StepSummary {
  definition: { step_id: string | number; step_type: string; step_title: string; is_optional: boolean };
  result: StepResult | null;
}
interface Summary {
  journey_id: string;
  is_completed: boolean;
  step_summaries: StepSummary[];
  result: { interim_rule_assessment: string; interim_rule_details: Record<string, { name: string; result: string }> };
}
interface Result {
  journey_id: string;
  reference_number: string;
  end_time: string | null;
  system_decision: string;
  manual_decision: string | null;
  final_decision: string;
  documents: Record<string, { progress: string; has_passed_rules: boolean; document_type: string | null }>;
  selfie: { status: string; has_passed_rules: boolean } | null;
  rule_results: Record<string, { name: string; result: string }>;
}
interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.admin.reset();
  // Final processing is covered in sandbox-lifecycle.test.ts; here a completed journey's result is final at once.
  sb.admin.setSwitches({ processingDelayMs: DELAY, pollRule: 'off', finalProcessingMs: 0 });
});

const basic = (key = 'sandbox-key', secret = 'sandbox-secret') =>
  `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

async function call<T = Envelope>(
  path: string,
  init: { method?: string; json?: unknown; form?: FormData; auth?: string | null } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers.Authorization = init.auth ?? basic();
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method: init.method ?? (init.json !== undefined || init.form ? 'POST' : 'GET'),
    headers,
    body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const uid = () => randomUUID().slice(0, 8);

async function start(ref = `pass-${uid()}`, flowId = ID_FLOW, auth?: string): Promise<string> {
  const res = await call<{ journey_id: string }>('v2/start-journey', {
    json: { flow_id: flowId, reference_no: ref },
    auth,
  });
  expect(res.status).toBe(200);
  return res.body.journey_id;
}

function form(fields: Record<string, string>, files: Record<string, Buffer> = {}): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [k, v] of Object.entries(files)) f.append(k, new Blob([v]), `${k}.bin`);
  return f;
}

const submit = <T = Envelope>(journeyId: string, stepId: string, files: Record<string, Buffer> = { image: JPEG }) =>
  call<T>('v2/process-journey-step', { form: form({ journey_id: journeyId, step_id: stepId }, files) });
const summary = (id: string) => call<Summary>(`v2/get-journey-summary?journey_id=${id}`);
const complete = <T = Envelope>(id: string) => call<T>('v2/complete-journey', { json: { journey_id: id } });
const result = (id: string) => call<Result>(`v2/get-journey-result?journey_id=${id}`);
const stepResult = async (id: string, stepId: string) =>
  (await summary(id)).body.step_summaries.find((s) => String(s.definition.step_id) === stepId)?.result;

/** Start, submit every step of the flow, wait, complete, and return the result. */
async function runJourney(ref: string, flowId = ID_FLOW): Promise<Result> {
  const id = await start(ref, flowId);
  const flow = sb.flows.find((f) => f.flowId === flowId)!;
  for (const step of flow.steps) expect((await submit(id, step.id)).status).toBe(200);
  await settle();
  expect((await complete(id)).status).toBe(200);
  return (await result(id)).body;
}

function expectError(res: Reply<unknown>, status: number, code: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { success: false, message: expect.any(String), error_code: code },
  });
}

describe('Basic auth', () => {
  const routes: [string, string][] = [
    ['POST', 'v2/start-journey'],
    ['POST', 'v2/process-journey-step'],
    ['POST', 'v2/complete-journey'],
    ['GET', 'v2/get-journey-summary?journey_id=x'],
    ['GET', 'v2/get-journey-result?journey_id=x'],
  ];

  it.each(routes)('%s %s answers 401 missing_authorization_header without credentials', async (method, path) => {
    expectError(await call(path, { method, auth: null }), 401, 'missing_authorization_header');
  });

  it('answers 401 invalid_authentication_format for a non-Basic or colon-less header', async () => {
    expectError(
      await call('v2/start-journey', { method: 'POST', auth: 'Bearer abc' }),
      401,
      'invalid_authentication_format',
    );
    const noColon = `Basic ${Buffer.from('sandbox-key').toString('base64')}`;
    expectError(
      await call('v2/start-journey', { method: 'POST', auth: noColon }),
      401,
      'invalid_authentication_format',
    );
  });

  it('answers 401 invalid_credentials for a wrong secret or an unknown key', async () => {
    const json = { flow_id: ID_FLOW, reference_no: 'pass-1' };
    expectError(
      await call('v2/start-journey', { json, auth: basic('sandbox-key', 'nope') }),
      401,
      'invalid_credentials',
    );
    expectError(
      await call('v2/start-journey', { json, auth: basic('who', 'sandbox-secret') }),
      401,
      'invalid_credentials',
    );
  });

  it('answers 403 not_allowed_ip_address for an IP-restricted key used from elsewhere', async () => {
    const json = { flow_id: ID_FLOW, reference_no: 'pass-1' };
    const auth = basic('restricted-key', 'restricted-secret');
    expectError(await call('v2/start-journey', { json, auth }), 403, 'not_allowed_ip_address');
  });

  it('answers 403 unauthorized when a key of another environment reads a journey', async () => {
    const id = await start();
    const res = await call(`v2/get-journey-summary?journey_id=${id}`, {
      auth: basic('production-key', 'production-secret'),
    });
    expectError(res, 403, 'unauthorized');
    const own = await start('pass-prod', ID_FLOW, basic('production-key', 'production-secret'));
    expect((await call(`v2/get-journey-summary?journey_id=${own}`)).status).toBe(403);
  });
});

describe('start-journey', () => {
  it('answers the guide example shape with empty step_summaries by default', async () => {
    const res = await call('v2/start-journey', {
      json: { flow_id: ID_FLOW, reference_no: '  pass-a/b\\c,d.e+f@g_h  ' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      journey_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      reference_no: 'pass-a/b\\c,d.e+f@g_h',
      is_completed: false,
      step_summaries: [],
    });
  });

  it('lists the flow steps with startReturnsSteps, with numeric step ids under stepIdAsNumber', async () => {
    sb.admin.setSwitches({ startReturnsSteps: true });
    const res = await call<{ step_summaries: StepSummary[] }>('v2/start-journey', {
      json: { flow_id: POA_FLOW, reference_no: 'pass-1' },
    });
    expect(res.body.step_summaries.map((s) => s.definition)).toEqual([
      expect.objectContaining({ step_id: '10', step_type: 'Document', step_title: 'Passport', is_optional: false }),
      expect.objectContaining({ step_id: '20', step_type: 'Selfie', step_title: 'Selfie', is_optional: false }),
      expect.objectContaining({
        step_id: '30',
        step_type: 'Document',
        step_title: 'Proof of Address',
        is_optional: true,
      }),
    ]);
    expect(res.body.step_summaries.every((s) => s.result === null)).toBe(true);
    sb.admin.setSwitches({ stepIdAsNumber: true });
    const numeric = await call<{ step_summaries: StepSummary[] }>('v2/start-journey', {
      json: { flow_id: POA_FLOW, reference_no: 'pass-2' },
    });
    expect(numeric.body.step_summaries.map((s) => s.definition.step_id)).toEqual([10, 20, 30]);
  });

  it('rejects bad fields with validation_error (status per switch) and unknown flows with invalid_flowId', async () => {
    expectError(await call('v2/start-journey', { json: { reference_no: 'pass-1' } }), 400, 'validation_error');
    const badRef = await call('v2/start-journey', { json: { flow_id: ID_FLOW, reference_no: 'has spaces' } });
    expectError(badRef, 400, 'validation_error');
    expect(badRef.body.message).toMatch(/reference_no/);
    const details = { flow_id: ID_FLOW, reference_no: 'pass-1', applicant_details: { birth_date: '1990-02-01' } };
    expectError(await call('v2/start-journey', { json: details }), 400, 'validation_error');
    sb.admin.setSwitches({ validationErrorStatus: 422 });
    expectError(await call('v2/start-journey', { json: { flow_id: ID_FLOW } }), 422, 'validation_error');
    expectError(
      await call('v2/start-journey', { json: { flow_id: 'nope', reference_no: 'pass-1' } }),
      400,
      'invalid_flowId',
    );
  });

  it('creates a new journey per start unless resumeByReference is on', async () => {
    const first = await start('pass-same');
    expect(await start('pass-same')).not.toBe(first);
    sb.admin.setSwitches({ resumeByReference: true });
    const resumed = await start('pass-resume');
    expect(await start('pass-resume')).toBe(resumed);
    expect(sb.admin.journeyCounters(resumed)?.startCalls).toBe(2);
    expect(sb.admin.findJourneys('pass-same')).toHaveLength(2);
  });
});

describe('process-journey-step and Get Journey Summary', () => {
  it('accepts a multipart step, shows In Progress, then Submitted after processingDelayMs', async () => {
    sb.admin.setSwitches({ processingDelayMs: 300 });
    const id = await start();
    const res = await submit<{ success: boolean }>(id, '0', { image: JPEG, image2: JPEG });
    expect(res).toMatchObject({ status: 200, body: { success: true, journey_id: id, step_id: '0' } });
    const early = await summary(id);
    expect(early.body).toMatchObject({ journey_id: id, is_completed: false });
    expect(early.body.step_summaries[0]!.result).toMatchObject({ status: 'In Progress', is_concluded: false });
    expect(early.body.step_summaries[1]!.result).toBeNull();
    await sleep(350);
    expect(await stepResult(id, '0')).toMatchObject({
      status: 'Submitted',
      has_passed_rules: true,
      is_concluded: true,
      is_skipped: false,
      error_user_feedback_code: null,
      error_user_feedback_title: '',
      error_user_feedback_details: '',
      document_has_back: true,
      extracted_fields: expect.objectContaining({ 'Full Name': { value: 'Sam Sandbox' } }),
    });
  });

  it('reports unsubmitted steps as an object when notSubmittedResult is object', async () => {
    sb.admin.setSwitches({ notSubmittedResult: 'object' });
    const id = await start();
    expect(await stepResult(id, '2')).toMatchObject({ status: 'Not Submitted', is_concluded: false });
  });

  it('refuses a step while it is processing, after it concluded, and steps the flow does not have', async () => {
    sb.admin.setSwitches({ processingDelayMs: 500 });
    const id = await start();
    expect((await submit(id, '0')).status).toBe(200);
    expectError(await submit(id, '0'), 400, 'step_in_progress');
    sb.admin.setSwitches({ processingDelayMs: DELAY });
    expectError(await submit(id, '7'), 400, 'step_not_found');
    const id2 = await start();
    await submit(id2, '0');
    await settle();
    expectError(await submit(id2, '0'), 400, 'step_concluded');
    expect(sb.admin.journeyCounters(id2)).toMatchObject({
      processSubmissions: { '0': 1 },
      processRejections: { '0': 1 },
    });
  });

  it('answers 404 missing_requested_resource for unknown journeys and validation_error for missing ids', async () => {
    expectError(await submit('000000000000000000000000', '0'), 404, 'missing_requested_resource');
    expectError(await summary('nope'), 404, 'missing_requested_resource');
    expectError(await call('v2/get-journey-summary'), 400, 'validation_error');
    const noStep = await call('v2/process-journey-step', {
      form: form({ journey_id: await start() }, { image: JPEG }),
    });
    expectError(noStep, 400, 'validation_error');
  });

  it('checks images: missing, bad magic bytes, too large; accepts JPEG, PNG and PDF', async () => {
    const id = await start(`pass-${uid()}`, POA_FLOW);
    expectError(await submit(id, '10', {}), 400, 'missing_image');
    expectError(await submit(id, '10', { image: Buffer.from('GIF89a not allowed') }), 400, 'invalid_image_format');
    expectError(await submit(id, '10', { image: JPEG, image2: Buffer.from('nope') }), 400, 'invalid_image_format');
    sb.admin.setSwitches({ maxImageBytes: 1000 });
    expectError(await submit(id, '10', { image: Buffer.concat([JPEG, Buffer.alloc(1000)]) }), 413, 'file_too_large');
    sb.admin.setSwitches({ maxImageBytes: 6 * 1024 * 1024 });
    expect((await submit(id, '10', { image: PNG })).status).toBe(200);
    expect((await submit(id, '20', { image: JPEG })).status).toBe(200);
    expect((await submit(id, '30', { image: PDF })).status).toBe(200);
  });

  it('answers 413 file_too_large for a 6 MiB + 1 byte upload by default', async () => {
    const id = await start();
    const big = Buffer.concat([JPEG, Buffer.alloc(6 * 1024 * 1024 + 1 - JPEG.length)]);
    expectError(await submit(id, '0', { image: big }), 413, 'file_too_large');
    const exact = big.subarray(0, 6 * 1024 * 1024);
    expect((await submit(id, '0', { image: exact })).status).toBe(200);
  });

  it('accepts JSON with base64 images and numeric step ids; refuses other media types', async () => {
    const id = await start();
    const json = { journey_id: id, step_id: 0, image: JPEG.toString('base64') };
    expect((await call('v2/process-journey-step', { json })).status).toBe(200);
    const bad = await fetch(`${sb.baseUrl}v2/process-journey-step`, {
      method: 'POST',
      headers: { Authorization: basic(), 'Content-Type': 'text/plain' },
      body: 'journey_id=x',
    });
    expect(bad.status).toBe(415);
  });
});

describe('scenarios by reference_no prefix', () => {
  it('pass- (and any unknown prefix) ends Complete with every rule passed', async () => {
    for (const ref of [`pass-${uid()}`, `whatever-${uid()}`, `PASS-${uid()}`]) {
      const res = await runJourney(ref);
      expect(res).toMatchObject({ system_decision: 'Complete', manual_decision: null, final_decision: 'Complete' });
      expect(Object.values(res.rule_results).map((r) => r.result)).toEqual(['Passed', 'Passed', 'Passed', 'Passed']);
      expect(res.documents['0']).toMatchObject({
        progress: 'Completed',
        has_passed_rules: true,
        document_type: 'Identity Card',
      });
      expect(res.selfie).toMatchObject({ status: 'Complete', has_passed_rules: true });
      expect(res.end_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    }
    sb.admin.setSwitches({ passDecision: 'Complete' });
    expect((await runJourney(`pass-${uid()}`)).system_decision).toBe('Complete');
  });

  it('refer- passes every step but fails no_duplicate_applicant, so the decision is Refer', async () => {
    const id = await start(`refer-${uid()}`);
    await submit(id, '0');
    await submit(id, '2');
    await settle();
    const sum = (await summary(id)).body;
    expect(sum.step_summaries.every((s) => s.result?.has_passed_rules)).toBe(true);
    expect(sum.result.interim_rule_assessment).toBe('Failed');
    expect(sum.result.interim_rule_details.no_duplicate_applicant).toEqual({
      name: 'Unique Applicant',
      result: 'Failed',
    });
    await complete(id);
    const res = (await result(id)).body;
    expect(res).toMatchObject({ system_decision: 'Refer', final_decision: 'Refer' });
    expect(res.rule_results.no_duplicate_applicant!.result).toBe('Failed');
  });

  it('feedback- fails the first attempt with user feedback; a resubmission passes', async () => {
    const id = await start(`feedback-${uid()}`);
    await submit(id, '0');
    await settle();
    expect(await stepResult(id, '0')).toMatchObject({
      status: 'Submitted',
      has_passed_rules: false,
      is_concluded: false,
      error_user_feedback_code: 'feedback_document_cropped',
      error_user_feedback_title: 'Document Cropped',
      error_user_feedback_details: expect.any(String),
    });
    expect((await summary(id)).body.result.interim_rule_assessment).toBe('Failed');
    await submit(id, '0');
    await submit(id, '2');
    await settle();
    expect(await stepResult(id, '0')).toMatchObject({
      has_passed_rules: true,
      is_concluded: true,
      error_user_feedback_code: null,
    });
    await complete(id);
    expect((await result(id)).body.system_decision).toBe('Complete');
    expect(sb.admin.journeyCounters(id)?.processSubmissions).toEqual({ '0': 2, '2': 1 });
  });

  it('feedback- without a resubmission completes as Refer with document_validation failed', async () => {
    const id = await start(`feedback-${uid()}`);
    await submit(id, '0');
    await submit(id, '2');
    await settle();
    await complete(id);
    const res = (await result(id)).body;
    expect(res.system_decision).toBe('Refer');
    expect(res.rule_results.document_validation!.result).toBe('Failed');
    expect(res.documents['0']!.has_passed_rules).toBe(false);
  });

  it('exhaust- fails every attempt; the step concludes unpassed after maxAttempts', async () => {
    const id = await start(`exhaust-${uid()}`);
    await submit(id, '0');
    await settle();
    expect(await stepResult(id, '0')).toMatchObject({ has_passed_rules: false, is_concluded: false });
    await submit(id, '0');
    await settle();
    expect(await stepResult(id, '0')).toMatchObject({ has_passed_rules: false, is_concluded: true });
    expectError(await submit(id, '0'), 400, 'step_concluded');
  });

  it('reject- ends Rejected with same_subject failed', async () => {
    const res = await runJourney(`reject-${uid()}`);
    expect(res).toMatchObject({ system_decision: 'Rejected', final_decision: 'Rejected' });
    expect(res.rule_results.same_subject!.result).toBe('Failed');
  });

  it('stuck- steps stay In Progress, so complete is refused', async () => {
    const id = await start(`stuck-${uid()}`);
    await submit(id, '0');
    await settle();
    expect(await stepResult(id, '0')).toMatchObject({ status: 'In Progress', is_concluded: false });
    expectError(await complete(id), 400, 'step_in_progress');
  });
});

describe('skipping, completing and results', () => {
  it('skips an optional step (Submitted, concluded, not passed, is_skipped) but not a mandatory one', async () => {
    const id = await start(`pass-${uid()}`, POA_FLOW);
    const skip = (stepId: string) =>
      call('v2/process-journey-step', { form: form({ journey_id: id, step_id: stepId, is_skipped: 'true' }) });
    expectError(await skip('10'), 400, 'step_not_skippable');
    expect((await skip('30')).status).toBe(200);
    expect(await stepResult(id, '30')).toEqual(
      expect.objectContaining({ status: 'Submitted', is_concluded: true, has_passed_rules: false, is_skipped: true }),
    );
    await submit(id, '10', { image: PNG });
    await submit(id, '20');
    await settle();
    await complete(id);
    const res = (await result(id)).body;
    expect(res.system_decision).toBe('Complete');
    expect(Object.keys(res.documents)).toEqual(['10']);
  });

  it('locks a completed journey: no more processing or completing, summary says is_completed', async () => {
    const ref = `pass-${uid()}`;
    const id = await start(ref);
    await submit(id, '0');
    await settle();
    expect(await complete(id)).toMatchObject({ status: 200, body: { success: true } });
    expectError(await submit(id, '2'), 400, 'journey_completed');
    expectError(await complete(id), 400, 'journey_completed');
    expect((await summary(id)).body.is_completed).toBe(true);
    // Completed with the selfie missing: allowed by default, and referred.
    expect((await result(id)).body.system_decision).toBe('Refer');
    expect(sb.admin.findJourneys(ref)).toEqual([
      expect.objectContaining({ journeyId: id, completed: true, flowId: ID_FLOW }),
    ]);
  });

  it('gives a partial Incomplete result before completion, or journey_not_completed per switch', async () => {
    const id = await start();
    expect((await result(id)).body).toMatchObject({
      system_decision: 'Incomplete',
      final_decision: 'Incomplete',
      end_time: null,
    });
    sb.admin.setSwitches({ resultBeforeComplete: 'error' });
    expectError(await result(id), 400, 'journey_not_completed');
  });

  it('can refuse completion with unconcluded mandatory steps, and auto-complete', async () => {
    sb.admin.setSwitches({ completeWithMissingSteps: 'reject' });
    const id = await start();
    expectError(await complete(id), 400, 'steps_not_concluded');
    sb.admin.setSwitches({ autoComplete: true });
    await submit(id, '0');
    await submit(id, '2');
    expect((await summary(id)).body.is_completed).toBe(false);
    await settle();
    expect((await summary(id)).body.is_completed).toBe(true);
    expect((await result(id)).body.system_decision).toBe('Complete');
  });
});

describe('summary poll rule', () => {
  it('counts calls faster than pollIntervalMs in count mode', async () => {
    sb.admin.setSwitches({ pollRule: 'count', pollIntervalMs: 2000 });
    const id = await start();
    expect((await summary(id)).status).toBe(200);
    expect((await summary(id)).status).toBe(200);
    expect(sb.admin.journeyCounters(id)).toMatchObject({ summaryCalls: 2, pollRuleViolations: 1 });
    expect(sb.admin.counters().totals.pollRuleViolations).toBe(1);
  });

  it('answers 429 too_many_requests with Retry-After in 429 mode, and accepts a call after the interval', async () => {
    sb.admin.setSwitches({ pollRule: '429', pollIntervalMs: 300 });
    const id = await start();
    expect((await summary(id)).status).toBe(200);
    const fast = await summary(id);
    expectError(fast, 429, 'too_many_requests');
    expect(fast.headers.get('retry-after')).toBe('1');
    await sleep(320);
    expect((await summary(id)).status).toBe(200);
    expect(sb.admin.journeyCounters(id)?.pollRuleViolations).toBe(1);
  });

  it('ignores the rule when off', async () => {
    const id = await start();
    await summary(id);
    await summary(id);
    expect(sb.admin.journeyCounters(id)?.pollRuleViolations).toBe(0);
  });
});

describe('fault injection', () => {
  it('failNext 5xx / 429 answer with the envelope and leave no trace of the request', async () => {
    sb.admin.failNext({ count: 1, kind: '5xx', routes: ['start'] });
    sb.admin.failNext({ count: 1, kind: '429', routes: ['start'], retryAfterSeconds: 7 });
    const json = { flow_id: ID_FLOW, reference_no: 'pass-faulted' };
    expectError(await call('v2/start-journey', { json }), 503, 'service_unavailable');
    const limited = await call('v2/start-journey', { json });
    expectError(limited, 429, 'too_many_requests');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(sb.admin.findJourneys('pass-faulted')).toEqual([]);
    expect((await call('v2/start-journey', { json })).status).toBe(200);
    expect(sb.admin.counters().totals).toMatchObject({ requests: { start: 3 }, faults: { '5xx': 1, '429': 1 } });
    // The cheap read the bench and chaos poll: the same totals, and a copy a caller cannot change.
    const totals = sb.admin.totals();
    expect(totals).toEqual(sb.admin.counters().totals);
    totals.requests.start = 0;
    expect(sb.admin.totals().requests.start).toBe(3);
  });

  it('failNext only hits the listed routes; a dropped process call submits nothing', async () => {
    const id = await start();
    sb.admin.failNext({ count: 1, kind: 'drop', routes: ['process'] });
    expect((await summary(id)).status).toBe(200);
    await expect(submit(id, '0')).rejects.toThrow();
    expect(sb.admin.journeyCounters(id)?.processSubmissions).toEqual({});
    expect((await submit(id, '0')).status).toBe(200);
    expect(sb.admin.counters().totals.faults.drop).toBe(1);
  });

  it('malformed answers 200 with a body that is not JSON', async () => {
    const id = await start();
    sb.admin.failNext({ count: 1, kind: 'malformed' });
    const res = await fetch(`${sb.baseUrl}v2/get-journey-summary?journey_id=${id}`, {
      headers: { Authorization: basic() },
    });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('slow streams the body slowly but completely; latencyMs delays every answer', async () => {
    const id = await start();
    sb.admin.failNext({ count: 1, kind: 'slow', slowBodyMs: 300 });
    let t0 = performance.now();
    expect((await summary(id)).body.journey_id).toBe(id);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    sb.admin.setFaults({ latencyMs: 200 });
    t0 = performance.now();
    expect((await summary(id)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('rate faults apply per route until reset', async () => {
    const id = await start();
    sb.admin.setFaults({ errorRate: 1, routes: ['summary'] });
    for (let i = 0; i < 3; i++) expect([500, 502, 503]).toContain((await summary(id)).status);
    expect((await result(id)).status).toBe(200);
    sb.admin.setFaults({ errorRate: 0, rateLimitRate: 1, retryAfterSeconds: 3 });
    const limited = await summary(id);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    sb.admin.resetFaults();
    expect((await summary(id)).status).toBe(200);
    expect(() => sb.admin.setFaults({ errorRate: 2 })).toThrow(/errorRate/);
  });
});

describe('counters and admin HTTP', () => {
  it('counts calls per journey and per step', async () => {
    const id = await start();
    await summary(id);
    await submit(id, '0');
    await summary(id);
    await settle();
    await summary(id);
    await submit(id, '2');
    await settle();
    await complete(id);
    await complete(id);
    await result(id);
    expect(sb.admin.journeyCounters(id)).toEqual({
      startCalls: 1,
      processSubmissions: { '0': 1, '2': 1 },
      processRejections: {},
      summaryCalls: 3,
      summaryCallsByStep: { none: 1, '0': 2 },
      pollRuleViolations: 0,
      completeCalls: 2,
      resultCalls: 1,
      deleteCalls: 0,
      deletedAt: null,
    });
    expect(sb.admin.counters().totals).toMatchObject({
      journeysStarted: 1,
      processSubmissions: 2,
      errors: { journey_completed: 1 },
    });
    expect(sb.admin.journeyCounters('nope')).toBeUndefined();
  });

  it('serves health, counters, journeys, faults, fail-next, switches and reset under /_sandbox/', async () => {
    const admin = (path: string, method = 'GET', json?: unknown) =>
      fetch(`${sb.baseUrl}_sandbox/${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${sb.adminToken}`,
          ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await admin('health')).toEqual({
      status: 200,
      body: { ok: true, flowIds: [ID_FLOW, POA_FLOW, ...AML_FLOWS] },
    });
    expect((await admin('switches', 'PUT', { startReturnsSteps: true })).body.startReturnsSteps).toBe(true);
    expect((await admin('switches', 'PUT', { pollRule: 'sometimes' })).status).toBe(400);
    const id = await start('pass-admin');
    expect((await admin(`counters/${id}`)).body.startCalls).toBe(1);
    expect((await admin('counters/unknown')).status).toBe(404);
    expect((await admin('counters')).body.totals).toMatchObject({ journeysStarted: 1 });
    expect((await admin('journeys?reference_no=pass-admin')).body.journeys).toEqual([
      { journeyId: id, referenceNo: 'pass-admin', flowId: ID_FLOW, completed: false },
    ]);
    expect((await admin('faults', 'POST', { latencyMs: 5 })).body.latencyMs).toBe(5);
    expect((await admin('fail-next', 'POST', { count: 1, kind: '5xx', status: 502, routes: ['summary'] })).status).toBe(
      200,
    );
    expectError(await summary(id), 502, 'bad_gateway');
    expect((await admin('reset', 'POST')).status).toBe(200);
    expect(sb.admin.findJourneys('pass-admin')).toEqual([]);
    expect((await admin('switches')).body.startReturnsSteps).toBe(false);
    expect((await admin('faults')).body.latencyMs).toBe(0);
  });
});

describe('routes', () => {
  it('serves the aliases of idwise-api.md §1', async () => {
    const start2 = await call<{ journey_id: string }>('journey/v2/start-journey', {
      json: { flow_id: ID_FLOW, reference_no: 'pass-alias' },
    });
    const id = start2.body.journey_id;
    const f = form({ journey_id: id, step_id: '0' }, { image: JPEG });
    expect((await call('journey/v2/process-journey-step', { form: f })).status).toBe(200);
    for (const path of [
      `v2/summary/${id}`,
      `journey/v2/summary/${id}`,
      `journey/v2/get-journey-summary?journey_id=${id}`,
    ]) {
      expect((await call<Summary>(path)).body.journey_id).toBe(id);
    }
    await settle();
    expect((await call('journey/v2/complete-journey', { json: { journey_id: id } })).status).toBe(200);
    for (const path of [`v2/get/${id}`, `journey/v2/get/${id}`, `journey/v2/get-journey-result?journey_id=${id}`]) {
      expect((await call<Result>(path)).body.journey_id).toBe(id);
    }
  });

  it('answers 404 for unknown paths and 405 for wrong methods, in the envelope', async () => {
    expectError(await call('v3/start-journey', { method: 'POST' }), 404, 'missing_requested_resource');
    const wrong = await call('v2/start-journey');
    expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('npm run sandbox', () => {
  it('prints one JSON start line and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, IDWISE_SANDBOX_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!out.includes('\n') && Date.now() < deadline) await sleep(50);
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toEqual({
      event: 'idwise-sandbox-started',
      baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      apiKey: 'sandbox-key',
      apiSecret: 'sandbox-secret',
      flowIds: [ID_FLOW, POA_FLOW, ...AML_FLOWS],
      adminToken: expect.stringMatching(/^[\w-]{32}$/),
    });
    const health = await fetch(`${line.baseUrl as string}_sandbox/health`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
  });
});
