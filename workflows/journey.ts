import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { ErrorType } from '../shared/errors.js';
import { eventFailure, explainFailure } from '../shared/failures.js';
import { describeIssues, type JourneyInput } from '../shared/journey.js';
import { progressQuery, provideStepFilesUpdate, type JourneyOutcome } from '../shared/progress.js';
import { acts, journeyActivityOptions } from './activity-options.js';
import { IdwiseInbox } from './idwise-inbox.js';
import { deleteStagedImagesOf } from './journey-cleanup.js';
import { decide, type Continued } from './journey-decision.js';
import { legacyIdentityJourney } from './journey-legacy.js';
import { JourneyOutbox } from './journey-outbox.js';
import { openJourney, type Opened } from './journey-open.js';
import { JourneyState } from './journey-state.js';
import { runSteps, validateProvidedFiles, type JourneyContext } from './journey-steps.js';
import { journeyMetrics } from './metrics.js';
import { parseJourneyInput, validStepMapping } from './validation.js';

/**
 * One applicant's IDWise journey, as IDWise runs it: check the images, start (or resume) the IDWise journey,
 * submit every step of the flow in order and wait until IDWise has processed it, ask the applicant for a retake
 * when an attempt fails, complete, wait for final processing and, for a Refer, for the reviewer's decision.
 * Each IDWise call is an activity, so a crash or deploy resumes exactly where the journey was; the integrator's
 * backend hears what it must act on through signed events.
 */
export async function identityJourney(rawInput: JourneyInput): Promise<JourneyOutcome> {
  const parsed = parseJourneyInput(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid journey input: ${describeIssues(parsed.error)}`,
      ErrorType.InvalidInput,
    );
  }
  // New journeys write search attributes only when a stage ops filter on changes, and read the flow's steps with the
  // start (issue 21). One marker for all of it, checked first: every marker also upserts TemporalChangeVersion, a
  // billable action, so a lean journey records none of the older ones (their code paths are part of it).
  const lean = patched('journey-lean-actions');
  // Journeys that started before the lifecycle replay on the frozen code (one marker for the whole change).
  if (!lean && !patched('journey-lifecycle')) return legacyIdentityJourney(rawInput) as Promise<JourneyOutcome>;

  const input = parsed.data;
  const continued = input.continued as Continued | undefined;
  const journey = new JourneyState(input, continued?.progress, lean ? 'lean' : 'every-change');
  const ctx: JourneyContext = {
    lean,
    input,
    opts: journeyActivityOptions(input.options),
    journey,
    inbox: new IdwiseInbox(continued?.seenEventIds),
    outbox: new JourneyOutbox(input, () => journey.journeyId),
    files: new Map(Object.entries(input.steps)),
    unchecked: new Set(),
    locked: new Set(),
    lastSummaryAt: null,
    // Webhooks journeys started before the lost-event check became a retry policy replay with their timers.
    stepFallback:
      input.options.events === 'webhooks' && (lean || patched('step-fallback-retry-policy')) ? 'retry-policy' : 'timer',
  };
  setHandler(progressQuery, () => ctx.journey.progress());
  setHandler(
    provideStepFilesUpdate,
    ({ steps }) => {
      for (const [stepId, files] of Object.entries(validStepMapping(steps))) {
        ctx.files.set(stepId, files);
        ctx.unchecked.add(stepId);
      }
      return { accepted: Object.keys(steps) };
    },
    { validator: (update) => validateProvidedFiles(update, ctx) },
  );

  if (!continued) journeyMetrics.started();
  let opened: Opened | undefined = continued?.opened;
  try {
    if (continued) ctx.outbox.enabled = continued.opened.eventsEnabled;
    opened ??= await openJourney(ctx);
    if (!opened.completed) await runSteps(ctx, opened);
    const outcome = await decide(ctx, opened, continued);
    journeyMetrics.finished('completed', outcome.decision.final);
    await deleteStagedImagesOf(input.referenceNo, opened.stagingEnabled, lean);
    await ctx.outbox.flush();
    await scheduleRetention(ctx, opened);
    return outcome;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const cancelled = isCancellation(err);
    const { reason } = explainFailure(err);
    ctx.journey.failed(cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled' : reason);
    journeyMetrics.finished(cancelled ? 'cancelled' : 'failed', 'none');
    // A cancelled journey still tells the backend, and waits for that to be handed over.
    await CancellationScope.nonCancellable(async () => {
      const failure = eventFailure(err);
      ctx.outbox.emit('journey.failed', 'failed', { ...failure, ...(cancelled ? { reason: 'cancelled' } : {}) });
      await deleteStagedImagesOf(input.referenceNo, opened?.stagingEnabled, lean);
      await ctx.outbox.flush();
      await scheduleRetention(ctx, opened);
    });
    throw err;
  }
}

/**
 * The journey's data is erased `retention` after it ends (its option, else the worker's IDWISE_RETENTION): the
 * erasure workflow is started with that start delay, so nothing waits in this history or on a worker.
 */
async function scheduleRetention(ctx: JourneyContext, opened: Opened | undefined): Promise<void> {
  // Journeys that ended before retention existed replay without it.
  if (!ctx.lean && !patched('journey-retention')) return;
  const retention = ctx.input.options.retention ?? null;
  if (retention === 'none') return;
  // A lean journey knows from its start whether the workers erase by default (IDWISE_RETENTION): without it, and
  // without its own option, there is nothing to schedule, and no activity is spent on finding that out.
  if (ctx.lean && retention === null && opened?.retentionByDefault === false) return;
  try {
    await acts.scheduleErasure.executeWithOptions(
      { ...ctx.opts.call, summary: `schedule the erasure of ${ctx.input.referenceNo} (retention)` },
      [{ referenceNo: ctx.input.referenceNo, retention, journeyId: ctx.journey.journeyId }],
    );
  } catch (err) {
    // The journey's own outcome stands; ops find journeys without a scheduled erasure by this warning.
    log.warn('erasure not scheduled: erase the journey explicitly', { error: explainFailure(err).reason });
  }
}
