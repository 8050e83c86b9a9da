import { ActivityFailure, ApplicationFailure, condition, patched } from '@temporalio/workflow';
import { durationToMs, formatMs } from '../shared/duration.js';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../shared/errors.js';
import { describeIssues, type StepFiles, type ValidJourneyInput } from '../shared/journey.js';
import type { FlowStep, ProvideStepFilesInput, RetakeRequest, StepCheck } from '../shared/progress.js';
import { acts, localActs, type journeyActivityOptions } from './activity-options.js';
import type { IdwiseInbox } from './idwise-inbox.js';
import { concluded, preflight, type Opened } from './journey-open.js';
import type { JourneyOutbox } from './journey-outbox.js';
import type { JourneyState } from './journey-state.js';
import { isDeadline, lastErrorBefore, waitInTurn, waitRacing } from './journey-waits.js';
import { journeyMetrics } from './metrics.js';
import { parseStepMapping } from './validation.js';

export interface JourneyContext {
  /** Started under journey-lean-actions: fewer search-attribute writes and activities (workflows/journey.ts). */
  lean: boolean;
  input: ValidJourneyInput;
  opts: ReturnType<typeof journeyActivityOptions>;
  journey: JourneyState;
  inbox: IdwiseInbox;
  outbox: JourneyOutbox;
  /** The latest files per step: from the input, then from provideStepFiles. */
  files: Map<string, StepFiles>;
  /** Steps whose files came by update and have not been pre-flighted yet. */
  unchecked: Set<string>;
  /** Steps whose current attempt was submitted: their files cannot change until a retake opens. */
  locked: Set<string>;
  /** When the journey last called Get Journey Summary (workflow time), for IDWise's 2 s rule. */
  lastSummaryAt: number | null;
  /**
   * Webhooks: how a step waits for its Finished Step event. 'retry-policy': the lost-event check is an activity's
   * retries (no workflow task while waiting); 'timer': journeys started before that change keep their timers.
   */
  stepFallback: 'retry-policy' | 'timer';
  unansweredRetake?: RetakeRequest;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every step of the flow in order; a concluded step (on resume) is recorded, never submitted again. */
export async function runSteps(ctx: JourneyContext, opened: Opened): Promise<void> {
  for (const step of opened.steps) await runStep(ctx, opened, step);
}

async function runStep(ctx: JourneyContext, opened: Opened, step: FlowStep): Promise<void> {
  const { journey, input } = ctx;
  const entry = opened.states[step.stepId];
  if (entry?.check && concluded(opened, step.stepId)) {
    journey.processed(step.stepId, entry.check, entry.check.status !== 'Submitted');
    return;
  }
  // On resume IDWise may hold a submission being processed, or a failed attempt awaiting its retake.
  let check: StepCheck | null = entry?.check ?? null;
  let inFlight = !!entry?.submitted && !check;
  let attempt = entry?.submitted ? 1 : 0;
  // IDWise's summary has no attempt count: a resumed submission counts as one attempt used.
  if (entry?.submitted) journey.attempted(step.stepId, input.options.stepAttempts);
  if (check) journey.processed(step.stepId, check, false);
  // One pass per attempt: IDWise's attempts per step bound it, and a person supplies every retake.
  for (;;) {
    if (!check) {
      const since = Date.now();
      let skipped = false;
      let looked: StepCheck | null = null;
      if (!inFlight) {
        const files = await filesFor(ctx, step);
        skipped = 'skip' in files;
        attempt += 1;
        journey.attempted(step.stepId, input.options.stepAttempts);
        looked = await submit(ctx, step, files, attempt);
      }
      inFlight = false;
      // Processed at the upload's own first look: the journey never waited in awaiting-processing (no write).
      if (!looked) journey.step(step.stepId, 'processing', 'awaiting-processing');
      const checked = looked ? { check: looked, summaryCalls: 1 } : await awaitProcessed(ctx, step, since);
      check = checked.check;
      journey.processed(step.stepId, check, skipped);
      journeyMetrics.stepProcessed(step.type, (Date.now() - since) / 1000, checked.summaryCalls);
      if (skipped) return;
    }
    if (check.passed === true || check.concluded !== false || input.options.onStepFeedback === 'continue') return;
    if (!(await awaitRetake(ctx, step, check))) return;
    check = null;
  }
}

const label = (step: FlowStep) => `step ${step.stepId}: ${step.type}, ${step.title}`;

/** The step's files: mapped, skipped when optional, or awaited from provideStepFiles (bounded). */
async function filesFor(ctx: JourneyContext, step: FlowStep): Promise<StepFiles> {
  const mapped = ctx.files.get(step.stepId);
  if (mapped && !ctx.unchecked.has(step.stepId)) return mapped;
  if (!mapped && step.optional) return { skip: true };
  const timeout = durationToMs(ctx.input.options.waitForFilesTimeout);
  if (!mapped) {
    ctx.journey.step(step.stepId, 'waiting-for-files', 'waiting-for-files');
    ctx.outbox.emit('journey.needs-files', step.stepId, {
      stepId: step.stepId,
      stepType: step.type,
      waitUntil: iso(Date.now() + timeout),
    });
  }
  const files = await awaitFiles(ctx, step, Date.now() + timeout);
  if (!files) {
    throw ApplicationFailure.nonRetryable(
      `no files for required ${label(step)} within ${formatMs(timeout)}; supply them with provideStepFiles and re-run the journey`,
      ErrorType.StepFilesTimeout,
    );
  }
  return files;
}

/** Waits until files for the step arrive and pass the pre-flight check; files that fail it are dropped and said so. */
async function awaitFiles(ctx: JourneyContext, step: FlowStep, deadline: number): Promise<StepFiles | null> {
  const id = step.stepId;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await condition(() => ctx.files.has(id), remaining))) return null;
    const files = ctx.files.get(id)!;
    if (!ctx.unchecked.delete(id)) return files;
    try {
      await preflight({ [id]: files });
      return files;
    } catch (err) {
      const image = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : null;
      if (image?.type !== ErrorType.InvalidImage) throw err;
      ctx.files.delete(id);
      ctx.journey.filesRejected(id, image.message);
    }
  }
}

/** Submits the attempt; a lean polling journey gets IDWise's answer from the upload's first look when it is ready. */
async function submit(ctx: JourneyContext, step: FlowStep, files: StepFiles, attempt: number) {
  ctx.journey.step(step.stepId, 'submitting', 'submitting');
  ctx.locked.add(step.stepId);
  const what = 'skip' in files ? 'skip' : attempt > 1 ? `retake (attempt ${attempt})` : 'submit';
  const look = ctx.lean && ctx.input.options.events === 'polling';
  const { summaryAt, check } = await acts.submitStep.executeWithOptions(
    { ...ctx.opts.upload, summary: `${what} ${label(step)}${look ? ', then look' : ''}` },
    [
      {
        journeyId: ctx.journey.journeyId!,
        stepId: step.stepId,
        files,
        notBefore: nextSummaryAt(ctx),
        attempt,
        ...(look ? { look } : {}),
      },
    ],
  );
  if (summaryAt !== null) ctx.lastSummaryAt = summaryAt;
  return check ?? null;
}

const nextSummaryAt = (ctx: JourneyContext) => (ctx.lastSummaryAt === null ? 0 : ctx.lastSummaryAt + ctx.opts.interval);

type LookRequest = Parameters<typeof acts.checkStepProcessed>[0];

/**
 * The one look an event asks for (webhooks). Since `event-look-local` (running journeys too, from their next look) it
 * is a local activity: its answer comes back inside the workflow task that asked for it, which then schedules the next
 * upload, instead of an activity task and one more workflow task in between (bench/README.md: two tasks fewer per
 * step, and a held step's detection about two thirds of what it was). When IDWise fails LOCAL_LOOK_ATTEMPTS looks in
 * a row, the look goes on as an activity, whose retries add no history; a look that runs out of the step's time fails
 * as before.
 */
async function lookOnce(ctx: JourneyContext, remainingMs: number, summary: string, req: LookRequest) {
  const asActivity = (ms: number, r: LookRequest) =>
    acts.checkStepProcessed.executeWithOptions({ ...ctx.opts.once(ms), summary }, [r]);
  // Journeys whose lost-event check is still a timer replay their looks as activities, and never record the marker.
  if (ctx.stepFallback !== 'retry-policy' || !patched('event-look-local')) return asActivity(remainingMs, req);
  const asked = Date.now();
  try {
    return await localActs.checkStepProcessed.executeWithOptions({ ...ctx.opts.localLook(remainingMs), summary }, [
      req,
    ]);
  } catch (err) {
    const left = remainingMs - (Date.now() - asked);
    if (!usedItsAttempts(err) || left <= 0) throw err;
    // The last local attempt's summary call may have just been made: the activity's first one keeps IDWise's 2 s.
    return asActivity(left, { ...req, notBefore: Date.now() + ctx.opts.interval });
  }
}

/** A local activity that failed on a retryable error used up its attempts (the SDK hands over the last failure). */
function usedItsAttempts(err: unknown): boolean {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return (
    failure instanceof ApplicationFailure &&
    !failure.nonRetryable &&
    !(NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(failure.type ?? '')
  );
}

/** Until IDWise has processed the attempt: a poll (polling), or its Finished Step webhook with a fallback check. */
async function awaitProcessed(ctx: JourneyContext, step: FlowStep, since: number) {
  const { opts, input } = ctx;
  const deadlineMs = durationToMs(input.options.stepDeadline);
  // When the attempt was submitted and the step type: the worker learns IDWise's usual processing time per type.
  const timing = { submittedAt: since, stepType: step.type };
  const args = (pending: 'throw' | 'return') => ({
    journeyId: ctx.journey.journeyId!,
    stepId: step.stepId,
    notBefore: nextSummaryAt(ctx),
    pending,
    ...timing,
  });
  const summary = `check ${label(step)} processed`;
  let calls = 0;
  const eventSince = (t: number) => ctx.inbox.stepFinishedSince(step.stepId, t);
  const check = async (remainingMs: number) => {
    calls += 1;
    const r = await lookOnce(ctx, remainingMs, summary, args('return'));
    ctx.lastSummaryAt = r.checkedAt;
    return r.check ? { ...r, check: r.check, summaryCalls: calls } : null;
  };
  const fallback = async (remainingMs: number) => {
    const r = await acts.fallbackStepCheck.executeWithOptions(
      { ...opts.fallback(remainingMs), summary: `${summary} (lost-event check)` },
      [{ journeyId: ctx.journey.journeyId!, stepId: step.stepId, notBefore: nextSummaryAt(ctx), ...timing }],
    );
    return { ...r, summaryCalls: calls + r.summaryCalls };
  };
  const deadline = since + deadlineMs;
  try {
    const done =
      input.options.events === 'polling'
        ? await acts.checkStepProcessed.executeWithOptions({ ...opts.check, summary }, [args('throw')])
        : ctx.stepFallback === 'retry-policy'
          ? await waitRacing({ eventsAnyTime: { since }, deadline, poll: fallback, check, eventSince })
          : await waitInTurn({
              since,
              deadline,
              fallbackMs: durationToMs(input.options.fallbackCheckInterval),
              check,
              eventSince,
            });
    ctx.lastSummaryAt = done.checkedAt;
    return { check: done.check!, summaryCalls: done.summaryCalls };
  } catch (err) {
    if (!isDeadline(err)) throw err;
    // A deadline reached while IDWise answered 5xx or 429 says so, and keeps that answer as its cause.
    const last = lastErrorBefore(err, ErrorType.StepNotProcessed);
    throw ApplicationFailure.create({
      nonRetryable: true,
      type: ErrorType.StepProcessingTimeout,
      message: last
        ? `IDWise kept failing while ${label(step)} was being checked, until the step deadline (${formatMs(deadlineMs)}): ${last.message}`
        : `IDWise did not finish processing ${label(step)} within ${formatMs(deadlineMs)} (stepDeadline)`,
      ...(last ? { cause: last } : {}),
    });
  }
}

/** A failed attempt IDWise lets the applicant retake: ask for new files and wait (retakeTimeout). */
async function awaitRetake(ctx: JourneyContext, step: FlowStep, check: StepCheck): Promise<boolean> {
  const id = step.stepId;
  const report = ctx.journey.steps.find((s) => s.stepId === id)!;
  const now = Date.now();
  const expires = now + durationToMs(ctx.input.options.retakeTimeout);
  const retake: RetakeRequest = {
    stepId: id,
    feedback: check.feedback,
    attemptsUsed: report.attemptsUsed,
    attemptsLeft: report.attemptsLeft,
    requestedAt: iso(now),
    expiresAt: iso(expires),
  };
  ctx.files.delete(id);
  ctx.unchecked.delete(id);
  ctx.locked.delete(id);
  ctx.journey.awaitingRetake(retake);
  ctx.outbox.emit('journey.needs-retake', `${id}/${report.attemptsUsed}`, {
    stepId: id,
    stepType: step.type,
    feedback: check.feedback,
    attemptsUsed: retake.attemptsUsed,
    attemptsLeft: retake.attemptsLeft,
    waitUntil: retake.expiresAt,
  });
  const files = await awaitFiles(ctx, step, expires);
  ctx.journey.retakeClosed();
  if (files) return true;
  ctx.unansweredRetake = retake;
  return false;
}

/** provideStepFiles takes files for steps not submitted yet, and for a step awaiting its retake. */
export function validateProvidedFiles(update: ProvideStepFilesInput, ctx: JourneyContext): void {
  const parsed = parseStepMapping(update?.steps);
  if (!parsed.success) throw new Error(`invalid step files: ${describeIssues(parsed.error)}`);
  const ids = Object.keys(parsed.data);
  if (ids.length === 0) throw new Error('provideStepFiles needs at least one step id');
  const steps = ctx.journey.steps;
  if (steps.length > 0) {
    const known = new Set(steps.map((s) => s.stepId));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(`unknown step id(s) ${unknown.join(', ')}; this flow has ${[...known].join(', ')}`);
    }
  }
  const late = ids.filter((id) => ctx.locked.has(id) || steps.find((s) => s.stepId === id)?.state === 'processed');
  if (late.length > 0) {
    throw new Error(
      `step(s) ${late.join(', ')} were already submitted; files can change only while a retake is awaited`,
    );
  }
}
