import { setTimeout as hold } from 'node:timers/promises';
import { activityInfo } from '@temporalio/activity';
import type { IdwiseApi } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import { MIN_SUMMARY_INTERVAL_MS } from '../shared/journey.js';
import { expectedRetry } from './failures.js';
import { findStep, notBefore, summaryReader, SummaryTurnMissed } from './journey-activities.js';
import { isProcessed, toStepCheck } from './mapping.js';

/** Room for the moment between the server starting an attempt and this code running it. */
const START_MARGIN_MS = 1_000;

const notYet = (stepId: string, why: string) =>
  expectedRetry(ErrorType.StepNotProcessed, `step ${stepId} not processed yet (${why})`);

/**
 * Webhooks mode: the check for a lost Finished Step event, as a fixed-interval retry policy (samples-typescript
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
    async fallbackStepCheck(req: { journeyId: string; stepId: string; notBefore: number }) {
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
        return { check: toStepCheck(result), checkedAt: Date.now(), summaryCalls: attempt - 1 };
      }
      await hold(MIN_SUMMARY_INTERVAL_MS);
      throw notYet(req.stepId, `status: ${status}`);
    },
  };
}
