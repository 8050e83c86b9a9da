import { activityInfo } from '@temporalio/activity';
import { durationToMs } from '../shared/duration.js';

// A poll that is a retry policy bounded by a deadline (the activity's scheduleToClose) gives up at the attempt whose
// next retry would start after the deadline: the server ends it there (retry state TIMEOUT), up to one interval
// early and without a look at the end. These say when to look instead, for the polls whose answer can still change
// in that last interval (a step IDWise finishes, a reviewer's decision). Not for the polling step check: it runs at
// IDWise's 2 s summary interval, which a shorter delay would break, and loses at most those 2 s.

/** The room a last look needs before the deadline: the server starting the attempt, its wait, the call, a hold. */
export const LAST_LOOK_MARGIN_MS = 10_000;

/** The retry policy's next interval after `attempt` (Temporal's: initial x coefficient^(attempt-1), capped). */
export function policyDelayMs(attempt: number): number | null {
  const p = activityInfo().retryPolicy;
  if (!p?.initialInterval) return null;
  const initial = durationToMs(p.initialInterval);
  const next = initial * (p.backoffCoefficient ?? 2) ** (attempt - 1);
  return p.maximumInterval ? Math.min(next, durationToMs(p.maximumInterval)) : next;
}

/**
 * The delay for the next attempt (`nextRetryDelay`) that makes the last look LAST_LOOK_MARGIN_MS before the
 * deadline, when the next attempt (after `sooner`, or else the policy's interval) would start after that. Undefined
 * leaves the policy's interval; a last look less than a second away is not worth an attempt.
 */
export function lastLookMs(attempt: number, sooner?: number): number | undefined {
  const { scheduledTimestampMs, scheduleToCloseTimeoutMs } = activityInfo();
  const next = sooner ?? policyDelayMs(attempt);
  if (!scheduleToCloseTimeoutMs || next === null) return sooner;
  const lastLookAt = scheduledTimestampMs + scheduleToCloseTimeoutMs - LAST_LOOK_MARGIN_MS;
  const now = Date.now();
  if (now + next <= lastLookAt) return sooner;
  return lastLookAt - now > 1_000 ? lastLookAt - now : sooner;
}
