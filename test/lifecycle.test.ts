import type { JourneyFailedError } from '../client/errors.js';
import { ErrorType } from '../shared/errors.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { IdwiseDecision, IdwiseStage } from '../shared/search-attributes.js';
import { startEventReceiver } from './helpers/event-receiver.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, waitFor, type JourneyEnv } from './helpers/journey-env.js';

// The journey as IDWise really runs it, against the sandbox over HTTP and the real dev server: a failed attempt
// retaken, final processing after complete, a Refer decided by a reviewer days later (here: seconds), and a failed
// journey resumed on its own IDWise journey.

const idAndSelfie = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };

const EVENTS_SECRET = 'lifecycle-test-secret-0123456789abcdef';

describe('journey lifecycle', () => {
  let env: JourneyEnv;
  let events: Awaited<ReturnType<typeof startEventReceiver>>;

  beforeAll(async () => {
    events = await startEventReceiver(EVENTS_SECRET);
    env = await createJourneyEnv({
      sandboxSwitches: { finalProcessingMs: 300, autoReviewDelayMs: 1_000 },
      events: { url: events.url, secret: EVENTS_SECRET },
    });
    await env.startWorker();
  });
  afterAll(async () => {
    await env.close();
    await events.close();
  });

  /** The event types a journey sent, in order; each id at most once, each signature verified by the receiver. */
  const eventTypes = (ref: string) => {
    const mine = events.of(ref);
    expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
    return mine.map((e) => e.type);
  };

  const progress = (ref: string) => env.journeys.getProgress(ref);
  const searchAttributes = async (ref: string) =>
    (await env.client.workflow.getHandle(journeyWorkflowId(ref)).describe()).typedSearchAttributes;

  it('waits in awaiting-retake after a failed first attempt, takes the new photo, and ends Complete', async () => {
    const ref = env.ref('feedback-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    const waiting = await waitFor(
      'awaiting-retake',
      () => progress(ref),
      (p) => p.stage === 'awaiting-retake',
    );
    expect(waiting.retake).toMatchObject({
      stepId: '0',
      feedback: { code: 'feedback_document_cropped', title: 'Document Cropped' },
      attemptsUsed: 1,
      attemptsLeft: 1,
    });
    expect(waiting.steps[0]).toMatchObject({ state: 'awaiting-retake', passed: false, attemptsUsed: 1 });
    expect((await searchAttributes(ref)).get(IdwiseStage)).toBe('awaiting-retake');

    expect(await env.journeys.provideStepFiles(ref, { '0': { image: images.front, image2: images.back } })).toEqual([
      '0',
    ]);
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision).toEqual({ system: 'Complete', manual: null, final: 'Complete' });
    expect(outcome.unansweredRetake).toBeNull();
    expect(outcome.steps[0]).toMatchObject({ passed: true, attemptsUsed: 2 });
    const counters = env.sandbox.admin.journeyCounters(outcome.journeyId)!;
    expect(counters.processSubmissions).toEqual({ '0': 2, '2': 1 });
    expect(counters.pollRuleViolations).toBe(0);

    expect(eventTypes(ref)).toEqual(['journey.needs-retake', 'journey.decided']);
    const [retake, decided] = events.of(ref);
    expect(retake!.data).toMatchObject({
      stepId: '0',
      attemptsLeft: 1,
      feedback: { code: 'feedback_document_cropped' },
    });
    expect(decided).toMatchObject({ journeyId: outcome.journeyId, data: { finalDecision: 'Complete' } });
    expect(events.refused).toEqual([]);
  });

  it('tells the backend when files are needed and when a journey failed, by signed events', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': idAndSelfie['0'] },
      options: { waitForFilesTimeout: '2s' },
    });
    await env.journeys.awaitOutcome(ref).catch(() => undefined);
    await waitFor(
      'journey.failed',
      async () => eventTypes(ref),
      (t) => t.includes('journey.failed'),
    );
    expect(eventTypes(ref)).toEqual(['journey.needs-files', 'journey.failed']);
    expect(events.of(ref)[1]!.data).toMatchObject({ errorType: ErrorType.StepFilesTimeout });
    expect(JSON.stringify(events.of(ref))).not.toContain(images.front); // no image paths in events
  });

  it('goes on with what IDWise has when a retake is not answered within retakeTimeout, and says which', async () => {
    const ref = env.ref('feedback-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: idAndSelfie,
      options: { retakeTimeout: '2s', awaitReviewFor: [] },
    });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.unansweredRetake).toMatchObject({ stepId: '0', attemptsUsed: 1 });
    expect(outcome.decision.final).toBe('Refer');
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.processSubmissions).toEqual({ '0': 1, '2': 1 });
  });

  it('never reports Incomplete: it waits for final processing to end', async () => {
    env.sandbox.admin.setSwitches({ finalProcessingMs: 3_000 });
    try {
      const ref = env.ref('pass-');
      await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
      await waitFor(
        'awaiting-decision',
        () => progress(ref),
        (p) => p.stage === 'awaiting-decision',
      );
      const outcome = await env.journeys.awaitOutcome(ref);
      expect(outcome.decision.final).toBe('Complete');
      expect(outcome.decidedAt).not.toBeNull();
    } finally {
      env.sandbox.admin.setSwitches({ finalProcessingMs: 300 });
    }
  });

  it('keeps a Refer open until the reviewer decides, and ends with the manual decision', async () => {
    const ref = env.ref('refer-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: idAndSelfie,
      options: { reviewCheckInterval: '2s' },
    });
    const waiting = await waitFor(
      'awaiting-review',
      () => progress(ref),
      (p) => p.stage === 'awaiting-review',
    );
    expect(waiting.review.status).toBe('waiting');
    const sa = await searchAttributes(ref);
    expect([sa.get(IdwiseStage), sa.get(IdwiseDecision)]).toEqual(['awaiting-review', 'Refer']);

    env.sandbox.admin.review(waiting.journeyId!, 'Approved');
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision).toEqual({ system: 'Refer', manual: 'Approved', final: 'Approved' });
    expect(outcome.review).toMatchObject({ status: 'reviewed' });
    expect(outcome.review.reviewedAt).toBeTruthy();
    expect((await searchAttributes(ref)).get(IdwiseDecision)).toBe('Approved');
    expect(eventTypes(ref)).toEqual(['journey.awaiting-review', 'journey.decided']);
  });

  it('ends with the system decision, saying so, when no review comes within reviewWait', async () => {
    // Two waits, ~3 and ~6 review checks (every 2 s): checks are retries of one activity, so waiting longer
    // must not add a single history event.
    const [short, long] = [env.ref('refer-'), env.ref('refer-')];
    for (const [ref, reviewWait] of [
      [short, '7s'],
      [long, '13s'],
    ] as const) {
      await env.journeys.startJourney({
        referenceNo: ref,
        flowId: FLOW_ID_SELFIE,
        steps: idAndSelfie,
        options: { reviewCheckInterval: '2s', reviewWait },
      });
    }
    const [outcome, longer] = await Promise.all([env.journeys.awaitOutcome(short), env.journeys.awaitOutcome(long)]);
    expect(outcome.decision).toEqual({ system: 'Refer', manual: null, final: 'Refer' });
    expect(outcome.review.status).toBe('not-reviewed');
    expect(longer.review.status).toBe('not-reviewed');
    const events = async (ref: string) =>
      (await env.client.workflow.getHandle(journeyWorkflowId(ref)).fetchHistory()).events?.length ?? 0;
    const [few, more] = [await events(short), await events(long)];
    console.log(`history events of a journey that waited ~3 review checks: ${few}; ~6 checks: ${more}`);
    expect(more).toBe(few);
  });

  it('takes a reviewer decision made automatically by the sandbox scenario (review-reject-)', async () => {
    const ref = env.ref('review-reject-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: idAndSelfie,
      options: { reviewCheckInterval: '2s' },
    });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision).toEqual({ system: 'Refer', manual: 'Rejected', final: 'Rejected' });
  });

  it('resumes a failed journey on its own IDWise journey when re-run: concluded steps are not sent again', async () => {
    const ref = env.ref('pass-');
    // The selfie never arrives: the journey fails after step 0 concluded at IDWise.
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': idAndSelfie['0'] },
      options: { waitForFilesTimeout: '2s' },
    });
    const failed = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(failed.type).toBe(ErrorType.StepFilesTimeout);

    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie }, { rerun: true });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.resumed).toBe(true);
    expect(outcome.decision.final).toBe('Complete');
    const journeys = env.sandbox.admin.findJourneys(ref);
    expect(journeys).toHaveLength(1);
    expect(env.sandbox.admin.journeyCounters(journeys[0]!.journeyId)!.processSubmissions).toEqual({ '0': 1, '2': 1 });
  });

  it('goes straight to the result of an IDWise journey that was already completed (input journeyId)', async () => {
    const first = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: first, flowId: FLOW_ID_SELFIE, steps: idAndSelfie });
    const done = await env.journeys.awaitOutcome(first);
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, journeyId: done.journeyId });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome).toMatchObject({ journeyId: done.journeyId, resumed: true, decision: done.decision });
    const counters = env.sandbox.admin.journeyCounters(done.journeyId)!;
    expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
    expect(counters.completeCalls).toBe(1);
  });

  it('fails at once, naming it, on a required step that takes no image (AML), and skips an optional one', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: 'sandbox-id-selfie-aml', steps: idAndSelfie });
    const err = (await env.journeys.awaitOutcome(ref).catch((e: unknown) => e)) as JourneyFailedError;
    expect(err.type).toBe(ErrorType.NonImageStep);
    expect(err.reason).toMatch(/required step\(s\) 40 \(AML, AML screening\) take no image/);
    const [journey] = env.sandbox.admin.findJourneys(ref);
    expect(env.sandbox.admin.journeyCounters(journey!.journeyId)?.processSubmissions ?? {}).toEqual({});

    const optional = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: optional,
      flowId: 'sandbox-id-selfie-optional-aml',
      steps: idAndSelfie,
    });
    const outcome = await env.journeys.awaitOutcome(optional);
    expect(outcome.steps.find((s) => s.stepId === '40')).toMatchObject({ type: 'AML', state: 'skipped' });
  });
});
