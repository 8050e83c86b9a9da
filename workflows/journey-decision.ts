import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { durationToMs, formatMs } from '../shared/duration.js';
import { ErrorType } from '../shared/errors.js';
import type {
  JourneyOutcome,
  JourneyProgress,
  JourneyResultSummary,
  RetakeRequest,
  ReviewReport,
} from '../shared/progress.js';
import { acts, pollEvery } from './activity-options.js';
import type { identityJourney } from './journey.js';
import type { Opened } from './journey-open.js';
import type { JourneyContext } from './journey-steps.js';
import { done, INTERRUPTIBLE, isDeadline, lastErrorBefore, waitRacing } from './journey-waits.js';

/** What a long review wait carries into its continued run (history grown by signals). */
export interface Continued {
  opened: Opened;
  progress: JourneyProgress;
  seenEventIds: string[];
  unansweredRetake: RetakeRequest | null;
  review: { system: JourneyResultSummary; since: number; deadline: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Complete, wait for IDWise's final processing, and for a decision that needs one, for the reviewer. */
export async function decide(ctx: JourneyContext, opened: Opened, continued?: Continued): Promise<JourneyOutcome> {
  const { journey, input, outbox } = ctx;
  if (continued) ctx.unansweredRetake = continued.unansweredRetake ?? undefined;
  let system = continued?.review.system;
  if (!system) {
    // One stage for complete-journey and the final processing it starts: one search-attribute write, not two.
    journey.awaitingDecision();
    if (!opened.completed) {
      // A lean journey reads the result with the complete (the poll's first look): final at once, no poll at all.
      const completed = await acts.completeJourney.executeWithOptions(
        { ...ctx.opts.call, summary: `complete journey${ctx.lean ? ', then read the result' : ''}` },
        [{ journeyId: opened.journeyId, ...(ctx.lean ? { readResult: true } : {}) }],
      );
      system = completed?.result ?? undefined;
    }
    system ??= await finalDecision(ctx, opened.journeyId);
  }
  let result = system;
  let review: ReviewReport = { status: 'not-needed', since: null, reviewedAt: null };
  if (system.decision.manual !== null) {
    review = { status: 'reviewed', since: null, reviewedAt: system.reviewedAt };
  } else if (continued || input.options.awaitReviewFor.includes(system.decision.system)) {
    const waited = await awaitReview(ctx, opened, system, continued);
    result = waited.result;
    review = waited.review;
  }
  journey.completed(result.decision, review);
  outbox.emit('journey.decided', 'decided', {
    systemDecision: result.decision.system,
    manualDecision: result.decision.manual,
    finalDecision: result.decision.final,
    review: review.status,
    decidedAt: system.endTime,
  });
  return {
    journeyId: opened.journeyId,
    referenceNo: input.referenceNo,
    flowId: input.flowId,
    decision: result.decision,
    decidedAt: system.endTime,
    review,
    steps: [...journey.steps],
    ruleResults: result.ruleResults,
    unansweredRetake: ctx.unansweredRetake ?? null,
    resumed: opened.resumed,
    possiblyOrphanedJourneys: opened.possiblyOrphaned,
  };
}

/** complete-journey starts final processing (§6); the result is final once end_time is set (§7). */
async function finalDecision(ctx: JourneyContext, journeyId: string): Promise<JourneyResultSummary> {
  const { opts, input, inbox } = ctx;
  const deadlineMs = durationToMs(input.options.finalDecisionDeadline);
  const webhooks = input.options.events === 'webhooks';
  const every = webhooks ? durationToMs(input.options.fallbackCheckInterval) : opts.interval;
  const summary = 'wait for IDWise final processing';
  try {
    return await waitRacing({
      deadline: Date.now() + deadlineMs,
      poll: (remaining) =>
        acts.awaitFinalDecision
          .executeWithOptions({ ...pollEvery(every, remaining), ...INTERRUPTIBLE, summary }, [
            { journeyId, pending: 'throw' },
          ])
          .then(done),
      check: (remaining) =>
        acts.awaitFinalDecision.executeWithOptions({ ...opts.once(remaining), summary }, [
          { journeyId, pending: 'return' },
        ]),
      eventSince: (since) => webhooks && inbox.journeyFinishedSince(since),
    });
  } catch (err) {
    if (!isDeadline(err)) throw err;
    const last = lastErrorBefore(err, ErrorType.DecisionNotFinal);
    throw ApplicationFailure.create({
      nonRetryable: true,
      type: ErrorType.FinalDecisionTimeout,
      message: last
        ? `IDWise kept failing while its decision was being read, until finalDecisionDeadline (${formatMs(deadlineMs)}): ${last.message}`
        : `IDWise's final processing did not end within ${formatMs(deadlineMs)} (finalDecisionDeadline)`,
      ...(last ? { cause: last } : {}),
    });
  }
}

/**
 * A Refer goes to a person in IDWise Studio, hours or days later (§10, §11). The journey stays open until the
 * manual decision, checking every reviewCheckInterval (webhooks: Updated Journey says so at once). A review that
 * never comes ends the journey with the system decision, and says so: it is not a failure.
 */
async function awaitReview(ctx: JourneyContext, opened: Opened, system: JourneyResultSummary, continued?: Continued) {
  const { input, journey, inbox, outbox } = ctx;
  const since = continued?.review.since ?? Date.now();
  const deadline = continued?.review.deadline ?? since + durationToMs(input.options.reviewWait);
  if (!continued) {
    journey.awaitingReview(system.decision, iso(since));
    outbox.emit('journey.awaiting-review', 'review', {
      systemDecision: system.decision.system,
      waitUntil: iso(deadline),
    });
  }
  const every = durationToMs(input.options.reviewCheckInterval);
  const summary = 'wait for the manual review in IDWise Studio';
  const journeyId = opened.journeyId;
  try {
    const result = await waitRacing({
      deadline,
      poll: (remaining) =>
        acts.awaitReview
          .executeWithOptions({ ...pollEvery(every, remaining), ...INTERRUPTIBLE, summary }, [
            { journeyId, pending: 'throw' },
          ])
          .then(done),
      check: (remaining) =>
        acts.awaitReview.executeWithOptions({ ...ctx.opts.once(remaining), summary }, [
          { journeyId, pending: 'return' },
        ]),
      eventSince: (t) => input.options.events === 'webhooks' && inbox.reviewedSince(t),
      interrupt: {
        when: () => workflowInfo().continueAsNewSuggested,
        then: async () => {
          await ctx.outbox.flush();
          await condition(allHandlersFinished);
          const carry: Continued = {
            opened,
            progress: journey.progress(),
            seenEventIds: inbox.seenIds,
            unansweredRetake: ctx.unansweredRetake ?? null,
            review: { system, since, deadline },
          };
          return continueAsNew<typeof identityJourney>({ ...input, continued: carry });
        },
      },
    });
    return { result, review: { status: 'reviewed', since: iso(since), reviewedAt: result.reviewedAt } as ReviewReport };
  } catch (err) {
    if (!isDeadline(err)) throw err;
    return { result: system, review: { status: 'not-reviewed', since: iso(since), reviewedAt: null } as ReviewReport };
  }
}
