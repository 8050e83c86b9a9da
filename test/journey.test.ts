import { JourneyFailedError, StepFilesRejectedError } from '../client/errors.js';
import { ErrorType } from '../shared/errors.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { IdwiseDecision, IdwiseJourneyId, IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import { createJourneyEnv, FLOW_ID_SELFIE, FLOW_PASSPORT_POA, images, type JourneyEnv } from './helpers/journey-env.js';

// The journey workflow end to end: real dev server, real worker, real HTTP to the IDWise sandbox.

const idAndSelfie = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('identity journey', () => {
  let env: JourneyEnv;

  beforeAll(async () => {
    env = await createJourneyEnv();
    await env.startWorker();
  });
  afterAll(async () => env.close());
  afterEach(() => {
    env.sandbox.admin.resetFaults();
    env.sandbox.admin.setSwitches({ startReturnsSteps: false, processingDelayMs: 200 });
  });

  it('runs a passing journey: steps from the flow, each submitted once, summaries 2 s apart, visible to ops', async () => {
    const ref = env.ref('pass-');
    const started = await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    expect(started).toMatchObject({ workflowId: journeyWorkflowId(ref), alreadyRunning: false });

    const again = await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    expect(again).toMatchObject({ runId: started.runId, alreadyRunning: true });

    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision).toEqual({ system: 'Complete', manual: null, final: 'Complete' });
    expect(outcome.steps.map((s) => [s.stepId, s.type, s.state, s.passed])).toEqual([
      ['0', 'Document', 'processed', true],
      ['2', 'Selfie', 'processed', true],
    ]);
    expect(outcome.ruleResults.length).toBeGreaterThan(0);

    const counters = env.sandbox.admin.journeyCounters(outcome.journeyId)!;
    expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
    expect(counters.pollRuleViolations).toBe(0);

    const description = await env.client.workflow.getHandle(started.workflowId).describe();
    const sa = description.typedSearchAttributes;
    expect(sa.get(IdwiseReferenceNo)).toBe(ref);
    expect(sa.get(IdwiseJourneyId)).toBe(outcome.journeyId);
    expect(sa.get(IdwiseStage)).toBe('completed');
    expect(sa.get(IdwiseDecision)).toBe('Complete');
    expect(await env.journeys.getProgress(ref)).toMatchObject({ stage: 'completed', journeyId: outcome.journeyId });
  });

  it('takes the steps from the start response when IDWise lists them there', async () => {
    env.sandbox.admin.setSwitches({ startReturnsSteps: true, stepIdAsNumber: true });
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    const outcome = await env.journeys.awaitOutcome(ref);
    env.sandbox.admin.setSwitches({ stepIdAsNumber: false });
    expect(outcome.steps.map((s) => s.stepId)).toEqual(['0', '2']);
    expect(outcome.decision.final).toBe('Complete');
  });

  it('fails at once when the mapping names a step the flow does not have, listing the flow steps', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { ...idAndSelfie, '1': { image: images.selfie } },
    });
    const err = await env.journeys.awaitOutcome(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JourneyFailedError);
    expect((err as JourneyFailedError).type).toBe(ErrorType.UnknownStep);
    expect((err as JourneyFailedError).reason).toMatch(
      /step id\(s\) 1 that flow sandbox-id-and-selfie does not have; its steps are 0, 2/,
    );
    const [journey] = env.sandbox.admin.findJourneys(ref);
    expect(env.sandbox.admin.journeyCounters(journey!.journeyId)?.processSubmissions ?? {}).toEqual({});
  });

  it('waits for files of a required step, takes them through provideStepFiles, then finishes', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: { '0': idAndSelfie['0'] } });
    const waiting = await waitFor(
      'waiting-for-files',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'waiting-for-files',
    );
    expect(waiting.currentStepId).toBe('2');
    const sa = (await env.client.workflow.getHandle(journeyWorkflowId(ref)).describe()).typedSearchAttributes;
    expect(sa.get(IdwiseStage)).toBe('waiting-for-files');

    const refused = await env.journeys
      .provideStepFiles(ref, { '7': { image: images.selfie } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StepFilesRejectedError);
    expect((refused as Error).message).toBe(
      `journey ${ref} refused the step files: unknown step id(s) 7; this flow has 0, 2`,
    );
    await expect(env.journeys.provideStepFiles(ref, { '0': { image: images.front } })).rejects.toThrow(
      /already submitted/,
    );
    expect(await env.journeys.provideStepFiles(ref, { '2': { image: images.selfie } })).toEqual(['2']);
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.steps.map((s) => s.state)).toEqual(['processed', 'processed']);
  });

  it('fails a required step clearly when no files arrive before the wait-for-files timeout', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': idAndSelfie['0'] },
      options: { waitForFilesTimeout: '1s' },
    });
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err.type).toBe(ErrorType.StepFilesTimeout);
    expect(err.reason).toMatch(/no files for required step 2: Selfie, .* within 1s/);
    expect((await env.journeys.getProgress(ref)).stage).toBe('failed');
  });

  it('submits an optional step without files as skipped', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_PASSPORT_POA,
      steps: { '10': { image: images.passport }, '20': { image: images.selfie } },
    });
    const outcome = await env.journeys.awaitOutcome(ref);
    const poa = outcome.steps.find((s) => s.stepId === '30')!;
    expect(poa).toMatchObject({ optional: true, state: 'skipped' });
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.processSubmissions).toEqual({
      '10': 1,
      '20': 1,
      '30': 1,
    });
  });

  it('fails a step IDWise never finishes at its deadline, with a clear error', async () => {
    const ref = env.ref('stuck-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: idAndSelfie,
      options: { stepDeadline: '5s' },
    });
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err.type).toBe(ErrorType.StepProcessingTimeout);
    expect(err.reason).toBe('IDWise did not finish processing step 0: Document, Photo ID within 5s (stepDeadline)');
    const [journey] = env.sandbox.admin.findJourneys(ref);
    const counters = env.sandbox.admin.journeyCounters(journey!.journeyId)!;
    expect(counters.processSubmissions).toEqual({ '0': 1 });
    expect(counters.pollRuleViolations).toBe(0);
    expect(counters.summaryCalls).toBeLessThanOrEqual(5); // one flow-steps read, then one check per 2 s
  });

  it('records a step that fails with user feedback, and still completes with IDWise decision', async () => {
    const ref = env.ref('feedback-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    const outcome = await env.journeys.awaitOutcome(ref);
    const first = outcome.steps[0]!;
    expect(first.passed).toBe(false);
    expect(first.feedback?.title).toBeTruthy();
    expect(outcome.decision.final).not.toBe('Complete');
  });

  it('fails fast with a clear, non-retried error on a 4xx (image that is not JPEG, PNG or PDF)', async () => {
    const ref = env.ref('pass-');
    const notAnImage = new URL(import.meta.url).pathname; // this test file
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { ...idAndSelfie, '2': { image: notAnImage } },
    });
    const startedAt = Date.now();
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err.type).toBe(ErrorType.InvalidImage);
    expect(err.reason).toMatch(/step 2/);
    // Step and field, never the file name: file names can name the applicant and messages reach logs.
    expect(err.reason).not.toContain('journey.test.ts');
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });

  it('fails fast on an IDWise 4xx: an unknown flow id', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: 'no-such-flow', steps: {} });
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err).toBeInstanceOf(JourneyFailedError);
    expect(err.reason).toMatch(/invalid_flowId/);
    expect(env.sandbox.admin.findJourneys(ref)).toEqual([]);
  });

  it('retries 5xx and 429 (honouring Retry-After) until IDWise answers, submitting each step once', async () => {
    const ref = env.ref('pass-');
    env.sandbox.admin.failNext({ count: 2, kind: '5xx', routes: ['start', 'process'] });
    env.sandbox.admin.failNext({ count: 1, kind: '429', routes: ['complete'], retryAfterSeconds: 1 });
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    expect(env.sandbox.admin.findJourneys(ref)).toHaveLength(1);
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.processSubmissions).toEqual({ '0': 1, '2': 1 });
  });

  it('cancels a running journey and records the stage', async () => {
    env.sandbox.admin.setSwitches({ processingDelayMs: 60_000 });
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    await waitFor(
      'awaiting-processing',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'awaiting-processing',
    );
    await env.journeys.cancel(ref);
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err.kind).toBe('cancelled');
    expect((await env.journeys.getProgress(ref)).stage).toBe('cancelled');
  });
});
