import { join } from 'node:path';
import { ApplicationFailureCategory } from '@temporalio/common';
import { createStepFallbackActivities } from '../activities/step-fallback.js';
import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { forgetProcessingTimes, noteProcessed } from '../activities/processing-times.js';
import { durationToMs } from '../shared/duration.js';
import { ErrorType } from '../shared/errors.js';
import { JourneyOptionsSchema } from '../shared/journey.js';
import { journeyActivityOptions } from '../workflows/activity-options.js';
import { applicationFailureOf, quietActivityEnv } from './helpers/activities.js';
import { repoRoot } from './helpers/journey-env.js';

// The webhooks mode's lost-event check (activities/step-fallback.ts) against the sandbox over HTTP. Its promise to
// the workflow: once an attempt has stopped running, that attempt's summary call is at least 2 s old.

const img = (name: string) => join(repoRoot, 'samples/images', name);

describe('the lost-event check (fallbackStepCheck)', () => {
  let sandbox: RunningSandbox;
  let fallbackStepCheck: ReturnType<typeof createStepFallbackActivities>['fallbackStepCheck'];
  let submit: (processingDelayMs: number) => Promise<string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    const config = loadIdwiseConfig({
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
      IDWISE_IMAGE_ROOTS: join(repoRoot, 'samples'),
    });
    const idwise = createIdwiseClient(config);
    fallbackStepCheck = createStepFallbackActivities({ idwise }).fallbackStepCheck;
    let n = 0;
    submit = async (processingDelayMs) => {
      sandbox.admin.setSwitches({ processingDelayMs });
      const { journey_id } = await idwise.startJourney({
        flowId: 'sandbox-id-and-selfie',
        referenceNo: `pass-fallback-${process.pid}-${n++}`,
      });
      await idwise.processStep({ journeyId: journey_id, stepId: '0', image: img('id-front.jpg') });
      return journey_id;
    };
  });
  afterAll(() => sandbox.close());

  const run = (attempt: number, journeyId: string, startToCloseTimeoutMs = 60_000, notBefore = 0) =>
    quietActivityEnv({ attempt, startToCloseTimeoutMs }).run(fallbackStepCheck, {
      journeyId,
      stepId: '0',
      notBefore,
    }) as ReturnType<typeof fallbackStepCheck>;
  const calls = (journeyId: string) => sandbox.admin.journeyCounters(journeyId)?.summaryCalls ?? 0;
  const rejection = applicationFailureOf;

  it('makes no call on its first attempt: that attempt only starts the retry clock', async () => {
    const journeyId = await submit(60_000);
    const err = await rejection(run(1, journeyId));
    expect(err.type).toBe(ErrorType.StepNotProcessed);
    expect(err.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(calls(journeyId)).toBe(0);
  });

  it('after a look that finds the step in progress, stays open 2 s before it fails', async () => {
    const journeyId = await submit(60_000);
    const t0 = Date.now();
    const err = await rejection(run(2, journeyId));
    expect(err.type).toBe(ErrorType.StepNotProcessed);
    expect(err.nonRetryable).toBe(false);
    expect(calls(journeyId)).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    // An expected answer, not a fault: no stack for the SDK to format and send with each attempt's failure.
    expect(err.stack).toBe(`ApplicationFailure: ${err.message}`);
  });

  it('answers at once when the look finds the step processed', async () => {
    const journeyId = await submit(0);
    const t0 = Date.now();
    const found = await run(3, journeyId);
    expect(found.check.status).not.toBe('In Progress');
    expect(found.check.passed).toEqual(expect.any(Boolean));
    expect(found.summaryCalls).toBe(2);
    expect(calls(journeyId)).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("waits for the journey's notBefore: its previous summary call may have come from another worker", async () => {
    const journeyId = await submit(0);
    const t0 = Date.now();
    await run(2, journeyId, 60_000, t0 + 1_500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
    expect(calls(journeyId)).toBe(1);
  });

  it('also holds 2 s after a call IDWise failed (it may have counted it)', async () => {
    const journeyId = await submit(60_000);
    sandbox.admin.failNext({ count: 1, kind: '5xx', routes: ['summary'] });
    const t0 = Date.now();
    const err = await rejection(run(2, journeyId));
    expect(err.type).toBe(ErrorType.IdwiseServer);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
  });

  it("aborts a call still in flight 2 s before the attempt's timeout, so a lost attempt ends 2 s after its call", async () => {
    const journeyId = await submit(60_000);
    // The answer trickles out over 10 s; this attempt's startToCloseTimeout is 4 s, so the call must end by 1 s.
    sandbox.admin.failNext({ count: 1, kind: 'slow', routes: ['summary'], slowBodyMs: 10_000 });
    const t0 = Date.now();
    await expect(run(2, journeyId, 4_000)).rejects.toThrow();
    const took = Date.now() - t0;
    // Aborted at ~1 s, then the 2 s hold: well inside the 4 s, where the slow answer alone would take 10 s.
    expect(took).toBeGreaterThanOrEqual(3_000);
    expect(took).toBeLessThan(4_000);
  });

  describe('backs off, and looks when the step type is usually processed', () => {
    // The retry policy the workflow gives it (workflows/activity-options.ts) with the default options: 30 s less the
    // 2 s hold, doubling up to 5 minutes less the hold.
    const policy = journeyActivityOptions(JourneyOptionsSchema.parse({ events: 'webhooks' })).fallback(600_000).retry!;
    const withPolicy = (
      attempt: number,
      req: Parameters<typeof fallbackStepCheck>[0],
      deadline: { scheduledTimestampMs: number; scheduleToCloseTimeoutMs: number } | object = {},
    ) =>
      quietActivityEnv({ attempt, startToCloseTimeoutMs: 60_000, retryPolicy: policy, ...deadline }).run(
        fallbackStepCheck,
        req,
      ) as ReturnType<typeof fallbackStepCheck>;
    afterEach(() => forgetProcessingTimes());

    it('has a retry policy that grows from fallbackCheckInterval to fallbackCheckMaxInterval', () => {
      expect(policy).toMatchObject({ initialInterval: 28_000, backoffCoefficient: 2, maximumInterval: 298_000 });
      const custom = journeyActivityOptions(
        JourneyOptionsSchema.parse({ fallbackCheckInterval: '10s', fallbackCheckMaxInterval: '10m' }),
      ).fallback(600_000).retry!;
      expect(custom).toMatchObject({ initialInterval: 8_000, maximumInterval: 598_000 });
    });

    it("looks a last time just before the step's deadline when the back-off would look after it", async () => {
      // Attempt 5 backs off 298 s; the step's deadline (the check's scheduleToClose) is 60 s away. Without the last
      // look the server would end the check at this attempt, 60 s early.
      const journeyId = await submit(600_000);
      const req = { journeyId, stepId: '0', notBefore: 0 };
      const nearDeadline = { scheduledTimestampMs: Date.now() - 540_000, scheduleToCloseTimeoutMs: 600_000 };
      const err = await rejection(withPolicy(5, req, nearDeadline));
      // After the 2 s hold the deadline is ~58 s away, and the last look starts 10 s before it.
      const delay = durationToMs(err.nextRetryDelay as number);
      expect(delay).toBeGreaterThan(45_000);
      expect(delay).toBeLessThanOrEqual(48_000);
      // An hour from the deadline, the back-off stands.
      const farFromIt = { scheduledTimestampMs: Date.now(), scheduleToCloseTimeoutMs: 3_600_000 };
      expect((await rejection(withPolicy(5, req, farFromIt))).nextRetryDelay).toBeUndefined();
    });

    it('leaves the interval to the policy while it knows no processing time for the step type', async () => {
      const journeyId = await submit(60_000);
      const err = await rejection(
        withPolicy(5, { journeyId, stepId: '0', notBefore: 0, submittedAt: Date.now(), stepType: 'Document' }),
      );
      expect(err.type).toBe(ErrorType.StepNotProcessed);
      expect(err.nextRetryDelay).toBeUndefined();
    });

    it('looks again just after the usual processing time when the back-off would look later', async () => {
      // Three Document steps seen processed 60 s after their submission; this one was submitted 20 s ago.
      const now = Date.now();
      for (let i = 0; i < 3; i++) noteProcessed({ submittedAt: now - 60_000, stepType: 'Document' }, now);
      const journeyId = await submit(60_000);
      const submittedAt = Date.now() - 20_000;
      const err = await rejection(
        withPolicy(5, { journeyId, stepId: '0', notBefore: 0, submittedAt, stepType: 'Document' }),
      );
      // Attempt 5's back-off is the 298 s cap; the usual time passes in ~40 s (plus a 5 s margin, less the 2 s hold).
      const delay = durationToMs(err.nextRetryDelay as number);
      expect(delay).toBeGreaterThan(30_000);
      expect(delay).toBeLessThan(45_000);
      // Another step type learns nothing from Documents.
      const selfie = await rejection(
        withPolicy(5, { journeyId, stepId: '0', notBefore: 0, submittedAt, stepType: 'Selfie' }),
      );
      expect(selfie.nextRetryDelay).toBeUndefined();
    });
  });
});
