import { join } from 'node:path';
import { createDecisionActivities } from '../activities/decision-activities.js';
import { createIdwiseClient, loadIdwiseConfig, type IdwiseApi } from '../idwise/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { durationToMs } from '../shared/duration.js';
import { ErrorType } from '../shared/errors.js';
import { pollEvery } from '../workflows/activity-options.js';
import { applicationFailureOf, quietActivityEnv } from './helpers/activities.js';
import { repoRoot } from './helpers/journey-env.js';

// The polls for IDWise's final decision and for a manual review are fixed-interval retry policies bounded by their
// deadline (the activity's scheduleToClose). The server ends such a poll at the attempt whose next retry would start
// after the deadline: without a last look a review decided in the last interval (15 minutes by default) is missed.

const img = (name: string) => join(repoRoot, 'samples/images', name);
const MINUTE = 60_000;

describe('the decision polls look a last time before their deadline', () => {
  let sandbox: RunningSandbox;
  let idwise: IdwiseApi;
  let acts: ReturnType<typeof createDecisionActivities>;
  let n = 0;
  const start = async (prefix: string) =>
    (
      await idwise.startJourney({
        flowId: 'sandbox-id-and-selfie',
        referenceNo: `${prefix}-polls-${process.pid}-${n++}`,
      })
    ).journey_id;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    sandbox.admin.setSwitches({ processingDelayMs: 0, finalProcessingMs: 0, autoReviewDelayMs: 3_600_000 });
    idwise = createIdwiseClient(
      loadIdwiseConfig({
        IDWISE_BASE_URL: sandbox.baseUrl,
        IDWISE_API_KEY: sandbox.credentials.key,
        IDWISE_API_SECRET: sandbox.credentials.secret,
        IDWISE_IMAGE_ROOTS: join(repoRoot, 'samples'),
      }),
    );
    acts = createDecisionActivities({ idwise });
  });
  afterAll(() => sandbox.close());

  // Attempt 3 of a poll every 15 minutes, its deadline `leftMs` away (scheduled 2 hours ago).
  const every = 15 * MINUTE;
  const attempt = (leftMs: number) =>
    quietActivityEnv({
      attempt: 3,
      startToCloseTimeoutMs: every + 20_000,
      retryPolicy: pollEvery(every, 1).retry,
      scheduledTimestampMs: Date.now() - 120 * MINUTE,
      scheduleToCloseTimeoutMs: 120 * MINUTE + leftMs,
    });
  const rejection = applicationFailureOf;

  it('final decision: 5 minutes before the deadline the next look comes 10 s before it, not 15 minutes later', async () => {
    const journeyId = await start('pass'); // started, never completed: final processing has not begun
    const err = await rejection(
      attempt(5 * MINUTE).run(acts.awaitFinalDecision, { journeyId, pending: 'throw' as const }),
    );
    expect(err.type).toBe(ErrorType.DecisionNotFinal);
    expect(err.nonRetryable).toBe(false);
    const delay = durationToMs(err.nextRetryDelay as number);
    expect(delay).toBeGreaterThan(4 * MINUTE + 40_000);
    expect(delay).toBeLessThanOrEqual(4 * MINUTE + 50_000);
  });

  it('review: the same near the deadline; an hour from it, and right at it, the policy keeps its interval', async () => {
    const journeyId = await start('refer');
    await idwise.processStep({ journeyId, stepId: '0', image: img('id-front.jpg'), image2: img('id-back.jpg') });
    await idwise.processStep({ journeyId, stepId: '2', image: img('selfie.jpg') });
    await idwise.completeJourney(journeyId);
    const review = (leftMs: number) =>
      rejection(attempt(leftMs).run(acts.awaitReview, { journeyId, pending: 'throw' as const }));

    const near = await review(5 * MINUTE);
    expect(near.type).toBe(ErrorType.ReviewPending);
    expect(durationToMs(near.nextRetryDelay as number)).toBeGreaterThan(4 * MINUTE + 40_000);
    expect((await review(60 * MINUTE)).nextRetryDelay).toBeUndefined();
    // The last look itself: under a second of room left, the server ends the poll at the deadline as before.
    expect((await review(10_500)).nextRetryDelay).toBeUndefined();

    // A decision made in that last interval is what the last look reads.
    sandbox.admin.review(journeyId, 'Approved');
    const decided = (await attempt(5 * MINUTE).run(acts.awaitReview, {
      journeyId,
      pending: 'throw' as const,
    })) as Awaited<ReturnType<typeof acts.awaitReview>>;
    expect(decided?.decision.manual).toBe('Approved');
  });
});
