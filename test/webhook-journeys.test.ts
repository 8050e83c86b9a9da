import proto from '@temporalio/proto';
import { countActions, LOCAL_ACTIVITY_MARKER } from '../bench/stats.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { startWebhookReceiver, WEBHOOK_PATH, type WebhookReceiver } from '../webhooks/server.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, waitFor, type JourneyEnv } from './helpers/journey-env.js';

// Journeys driven by IDWise's webhooks: the sandbox posts Finished Step / Finished Journey / Updated Journey to the
// real receiver over HTTP, the receiver signals the journey, and summary checks are only the fallback. The fallback
// interval is set far beyond the test's length, so a journey that finishes proves the events drove it.

const idAndSelfie = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };
const TOKEN = 'webhook-test-token-0123456789abcdef';

describe('webhook-driven journeys', () => {
  let env: JourneyEnv;
  let receiver: WebhookReceiver;
  const webhooks = { events: 'webhooks' as const, fallbackCheckInterval: '10m', reviewCheckInterval: '10m' };

  beforeAll(async () => {
    env = await createJourneyEnv({ sandboxSwitches: { processingDelayMs: 500, finalProcessingMs: 500 } });
    receiver = await startWebhookReceiver({ auth: `bearer:${TOKEN}`, client: env.client, port: 0, log: () => {} });
    env.sandbox.admin.setWebhooks({
      url: `${receiver.url}${WEBHOOK_PATH}`,
      auth: `bearer:${TOKEN}`,
      retryScheduleMs: [200, 400, 600],
    });
    await env.startWorker();
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });
  afterEach(() => env.sandbox.admin.setWebhookFaults({ duplicateRate: 0, dropRate: 0, delayMs: 0, reorder: false }));

  /** Starts a passing ID-and-selfie journey under these options. */
  const start = (ref: string, options: Parameters<JourneyEnv['journeys']['startJourney']>[0]['options'] = webhooks) =>
    env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: idAndSelfie, options });
  const historyOf = async (ref: string) =>
    (await env.client.workflow.getHandle(journeyWorkflowId(ref)).fetchHistory()).events ?? [];

  it('finishes on events, with one summary call per step plus the flow read', async () => {
    const ref = env.ref('pass-');
    await start(ref);
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    const counters = env.sandbox.admin.journeyCounters(outcome.journeyId)!;
    expect(counters.summaryCalls).toBeLessThanOrEqual(3);
    expect(counters.pollRuleViolations).toBe(0);
    expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
  });

  it('changes nothing when events come twice and out of order', async () => {
    env.sandbox.admin.setWebhookFaults({ duplicateRate: 1, reorder: true });
    const refs = [env.ref('pass-'), env.ref('pass-'), env.ref('feedback-')];
    for (const ref of refs) {
      await start(ref, { ...webhooks, onStepFeedback: 'continue', awaitReviewFor: [] });
    }
    const outcomes = await Promise.all(refs.map((ref) => env.journeys.awaitOutcome(ref)));
    expect(outcomes.map((o) => o.decision.final)).toEqual(['Complete', 'Complete', 'Refer']);
    for (const o of outcomes) {
      const counters = env.sandbox.admin.journeyCounters(o.journeyId)!;
      expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
      expect(counters.pollRuleViolations).toBe(0);
      expect(counters.summaryCalls).toBeLessThanOrEqual(3);
    }
  });

  it('ends a review on the Updated Journey event, long before the next review check', async () => {
    const ref = env.ref('refer-');
    await start(ref);
    const waiting = await waitFor(
      'awaiting-review',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'awaiting-review',
    );
    env.sandbox.admin.review(waiting.journeyId!, 'Rejected');
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision).toEqual({ system: 'Refer', manual: 'Rejected', final: 'Rejected' });
  });

  it('falls back to summary checks when a webhook is lost', async () => {
    env.sandbox.admin.setWebhookFaults({ dropRate: 1 });
    const ref = env.ref('pass-');
    await start(ref, { ...webhooks, fallbackCheckInterval: '3s' });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.pollRuleViolations).toBe(0);
  });

  /** The activity type of each local activity the journey ran, from the markers the SDK records for them. */
  const localActivities = (events: HistoryEvent[]) =>
    events.flatMap((e) => {
      const a = e.markerRecordedEventAttributes;
      if (a?.markerName !== LOCAL_ACTIVITY_MARKER) return [];
      const data = a.details?.data?.payloads?.[0]?.data;
      return [(JSON.parse(Buffer.from(data!).toString()) as { activity_type: string }).activity_type];
    });
  const scheduledActivities = (events: HistoryEvent[]) =>
    events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

  it('makes the look an event asks for inside the workflow task the event brings (a local activity)', async () => {
    const ref = env.ref('pass-');
    await start(ref);
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    const events = await historyOf(ref);
    // One look per step, each answered in the task that asked for it: no check activity between event and upload.
    expect(localActivities(events)).toEqual(['checkStepProcessed', 'checkStepProcessed']);
    expect(scheduledActivities(events)).not.toContain('checkStepProcessed');
    // Billed like the activities they replace: one action each (each in its own workflow task, no retries).
    expect(countActions({ events }).localActivities).toBe(2);
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.pollRuleViolations).toBe(0);
  });

  it('goes on looking as an activity when IDWise fails both local attempts of the look', async () => {
    // The look for the first step meets 503 after 503: two local attempts (2 s apart), then the activity that takes
    // over gets the third, retries, and finds the step processed.
    const ref = env.ref('pass-');
    try {
      await start(ref);
      // The flow has been read (the start's summary call): from now on the only summary calls are the looks.
      await waitFor(
        'the IDWise journey',
        () => env.journeys.getProgress(ref),
        (p) => !!p.journeyId,
      );
      env.sandbox.admin.failNext({ count: 3, kind: '5xx', routes: ['summary'] });
      const outcome = await env.journeys.awaitOutcome(ref);
      expect(outcome.decision.final).toBe('Complete');
      const events = await historyOf(ref);
      expect(scheduledActivities(events).filter((a) => a === 'checkStepProcessed')).toHaveLength(1);
      expect(localActivities(events)).toEqual(['checkStepProcessed', 'checkStepProcessed']);
      const counters = env.sandbox.admin.journeyCounters(outcome.journeyId)!;
      expect(counters.pollRuleViolations).toBe(0);
      expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
    } finally {
      env.sandbox.admin.resetFaults();
    }
  });

  type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
  const { RetryState } = proto.temporal.api.enums.v1;
  /** One journey under these sandbox switches (reset after): it completes with no poll-rule violation; its history. */
  const journeyUnder = async (switches: Record<string, unknown>, fallbackCheckInterval: string) => {
    env.sandbox.admin.setSwitches(switches);
    const ref = env.ref('pass-');
    try {
      await start(ref, { ...webhooks, fallbackCheckInterval });
      const outcome = await env.journeys.awaitOutcome(ref);
      expect(outcome.decision.final).toBe('Complete');
      expect(env.sandbox.admin.journeyCounters(outcome.journeyId)!.pollRuleViolations).toBe(0);
    } finally {
      env.sandbox.admin.setSwitches({ pollRule: 'count', processingDelayMs: 500 });
    }
    return historyOf(ref);
  };

  it('runs no workflow task while a step waits: the lost-event check is the activity retry policy', async () => {
    env.sandbox.admin.setWebhookFaults({ dropRate: 1 });
    const events = await journeyUnder({ processingDelayMs: 6_000 }, '3s');
    expect(events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    const scheduled = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fallbackStepCheck',
    );
    expect(scheduled).toHaveLength(2);
    for (const s of scheduled) {
      // The next event is the attempt that found the step processed (its started event is written with the result):
      // no workflow task between, and several attempts, so the retries did the waiting.
      const next = events[events.indexOf(s) + 1]!;
      expect(next.activityTaskStartedEventAttributes?.attempt).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps the 2 s rule when the event arrives while a lost-event check is still open', async () => {
    // The check looks 3 s after the submission (fallbackCheckInterval 5 s less its 2 s hold) and finds the step
    // in progress; IDWise finishes it 0.8 s later and the event arrives at once, during the check's hold. The
    // sandbox refuses a summary call sooner than 2 s after the previous one (429), so a too-early check would show.
    const events = await journeyUnder({ pollRule: '429', processingDelayMs: 3_800 }, '5s');
    const stoppedByEvent = events.filter(
      (e) => e.activityTaskFailedEventAttributes?.retryState === RetryState.RETRY_STATE_CANCEL_REQUESTED,
    );
    // Both steps: the event stopped the check's retries while an attempt ran; that attempt ended no sooner than 2 s
    // after it began (its call came after it began), and only then did the journey check. A single worker's pacer
    // would hide a missing hold from the sandbox; a second worker would not have one in common.
    expect(stoppedByEvent).toHaveLength(2);
    const ms = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
    for (const failed of stoppedByEvent) {
      const started = events[events.indexOf(failed) - 1]!;
      expect(started.activityTaskStartedEventAttributes).toBeTruthy();
      expect(ms(failed) - ms(started)).toBeGreaterThanOrEqual(2_000);
    }
  });
});
