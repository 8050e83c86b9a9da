import { setTimeout as hold } from 'node:timers/promises';
import { activityInfo } from '@temporalio/activity';
import type { IdwiseApi } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import { MIN_SUMMARY_INTERVAL_MS } from '../shared/journey.js';
import { expectedRetry } from './failures.js';
import { lastLookMs, policyDelayMs } from './last-look.js';
import { findStep, notBefore, summaryReader, SummaryTurnMissed } from './journey-activities.js';
import { isProcessed, toStepCheck } from './mapping.js';
import { noteProcessed, usuallyProcessedBy, type StepTiming } from './processing-times.js';

/** Room for the moment between the server starting an attempt and this code running it. */
const START_MARGIN_MS = 1_000;

const notYet = (stepId: string, why: string, nextRetryDelayMs?: number) =>
  expectedRetry(ErrorType.StepNotProcessed, `step ${stepId} not processed yet (${why})`, nextRetryDelayMs);

/**
 * The delay before the next look when the step type's usual processing time (processing-times.ts) passes before the
 * retry policy's: that is when its Finished Step event should have come, so a lost one is found then rather than up
 * to fallbackCheckMaxInterval later. Chosen over a "delivery failed" report from the receiver: a delivery fails when
 * the receiver cannot reach Temporal, so it could not tell the journey either, and IDWise re-delivers it in 5 minutes.
 */
function soonerLookMs(req: StepTiming, attempt: number): number | undefined {
  const due = usuallyProcessedBy(req);
  const policy = policyDelayMs(attempt);
  if (due === null || policy === null) return undefined;
  const wait = due + LOOK_MARGIN_MS - Date.now() - MIN_SUMMARY_INTERVAL_MS; // the hold comes first
  return wait > 1_000 && wait < policy ? wait : undefined;
}

/** After the usual processing time, how long the event may take to arrive before the check looks for it. */
const LOOK_MARGIN_MS = 5_000;

/**
 * Webhooks mode: the check for a lost Finished Step event, as a backing-off retry policy (samples-typescript
 * polling/infrequent). While IDWise processes the step the journey runs no workflow task at all, so it need not
 * stay in the worker's cache: this is what lets one worker hold thousands of waiting journeys.
 */
export function createStepFallbackActivities(deps: { idwise: IdwiseApi }) {
  const getSummary = summaryReader(deps.idwise);
  return {
    /**
     * Attempt 1 only starts the clock (an activity has no start delay); each later attempt is one summary call.
     *
     * The event cancels this activity and the journey then checks at once, so once an attempt has stopped running its
     * summary call is at least 2 s old (IDWise's rule): an attempt that did not find the step processed stays open 2 s
     * after its call ended, and a call still in flight is aborted 3 s (2 s and a margin) before the attempt's
     * startToCloseTimeout, so an attempt lost with its worker also times out 2 s after its call at the earliest.
     */
    async fallbackStepCheck(req: { journeyId: string; stepId: string; notBefore: number } & StepTiming) {
      const { attempt, startToCloseTimeoutMs } = activityInfo();
      if (attempt === 1) throw notYet(req.stepId, 'first look at the next attempt');
      const endBy = Date.now() + startToCloseTimeoutMs - MIN_SUMMARY_INTERVAL_MS - START_MARGIN_MS;
      // The journey's previous summary call may have come from another worker (or one since killed), whose pacer
      // this one does not share; with a short fallbackCheckInterval the first look could otherwise follow it closely.
      await notBefore(req.notBefore);
      let summary;
      try {
        summary = await getSummary(req.journeyId, 'step-fallback', endBy);
      } catch (err) {
        if (err instanceof SummaryTurnMissed) throw notYet(req.stepId, err.message);
        // Not the activity's sleep: a worker shutting down must not cut the hold short.
        await hold(MIN_SUMMARY_INTERVAL_MS);
        throw err;
      }
      const { result } = findStep(summary, req.stepId);
      const status = result?.status ?? 'Not Submitted';
      if (isProcessed(result)) {
        noteProcessed(req);
        return { check: toStepCheck(result), checkedAt: Date.now(), summaryCalls: attempt - 1 };
      }
      await hold(MIN_SUMMARY_INTERVAL_MS);
      throw notYet(req.stepId, `status: ${status}`, lastLookMs(attempt, soonerLookMs(req, attempt)));
    },
  };
}
