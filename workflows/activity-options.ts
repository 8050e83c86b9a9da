import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { durationToMs } from '../shared/duration.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors.js';
import { MIN_SUMMARY_INTERVAL_MS, type ValidJourneyInput } from '../shared/journey.js';

type JourneyActivities = ReturnType<typeof createActivities>;
const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/** Transient failures retry with backoff (2 s doubling to 30 s); the project's non-retryable types fail at once. */
export const transientRetry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes,
};

/** How fast the lost-event check's interval grows: 30 s, 1, 2, 4, then 5 minutes with the defaults. */
export const FALLBACK_BACKOFF = 2;

/**
 * Attempts a local look makes in the worker (2 s apart) before the look goes on as an activity: a local activity's
 * retries hold the workflow task open (the SDK warns past 5 s, and every 8 s adds a heartbeat to history); an
 * activity's retries do neither.
 */
export const LOCAL_LOOK_ATTEMPTS = 2;

/** A poll as a retry policy (samples-typescript polling/infrequent): fixed interval, bounded by a deadline. */
export function pollEvery(intervalMs: number, deadlineMs: number): ActivityOptions {
  return {
    startToCloseTimeout: intervalMs + 20_000,
    scheduleToCloseTimeout: Math.max(1, deadlineMs),
    retry: { initialInterval: intervalMs, backoffCoefficient: 1, maximumInterval: intervalMs, nonRetryableErrorTypes },
  };
}

/**
 * The kinds of IDWise call, each with its own timeouts and retry policy. Temporal is the only retry layer (got's
 * retries are off); Retry-After from a 429 overrides the interval via nextRetryDelay (never below 2 s for summaries).
 */
export function journeyActivityOptions(options: ValidJourneyInput['options']) {
  const interval = durationToMs(options.summaryInterval);
  // One JSON request each. Transient errors retry with backoff for apiRetryWindow; 4xx fail at once.
  const call: ActivityOptions = {
    startToCloseTimeout: '40s',
    scheduleToCloseTimeout: options.apiRetryWindow,
    retry: transientRetry,
  };
  // Streams an image; heartbeats on upload progress so a dead worker is noticed in seconds, not minutes.
  // A retry first checks the summary, so the interval honours IDWise's 2 s summary rule too.
  const upload: ActivityOptions = {
    ...call,
    startToCloseTimeout: '3m',
    heartbeatTimeout: '20s',
    retry: { ...call.retry, initialInterval: interval },
  };
  // Polling: each attempt is one summary call, "not processed yet" is a benign retryable failure, the fixed
  // interval keeps to IDWise's rate rule, and scheduleToClose is the step's deadline. Retries add no history.
  const check = pollEvery(interval, durationToMs(options.stepDeadline));
  // One look (webhooks mode): transient errors retried like a call, never sooner than the summary interval.
  const once = (remainingMs: number): ActivityOptions => ({
    ...call,
    startToCloseTimeout: interval + 20_000,
    scheduleToCloseTimeout: Math.max(1, remainingMs),
    retry: { ...call.retry, initialInterval: interval },
  });
  // The same look as a local activity (the one an event asks for, workflows/journey-steps.ts), with the same
  // intervals for LOCAL_LOOK_ATTEMPTS attempts; then the look goes on as an activity (`once`).
  const localLook = (remainingMs: number): LocalActivityOptions => ({
    startToCloseTimeout: interval + 20_000,
    scheduleToCloseTimeout: Math.max(1, remainingMs),
    retry: { ...call.retry, initialInterval: interval, maximumAttempts: LOCAL_LOOK_ATTEMPTS },
  });
  // Webhooks: the lost-event check (fallbackStepCheck). Its attempts hold 2 s after a call, so the retry interval is
  // what is left of fallbackCheckInterval, doubling up to what is left of fallbackCheckMaxInterval: a lost webhook is
  // rare and IDWise re-delivers a failed one after 5, 10 and 15 minutes, so a step that waits long costs a look every
  // 5 minutes, not every 30 s (the attempt itself looks sooner when the step type's usual processing time has passed:
  // activities/step-fallback.ts). The event cancels it and waits for a running attempt to end (that is the moment its
  // last call is 2 s old); a lost attempt times out after 60 s (a 30 s summary call, waits, the hold).
  const fallbackMs = durationToMs(options.fallbackCheckInterval);
  const retryAfterHold = Math.max(1_000, fallbackMs - MIN_SUMMARY_INTERVAL_MS);
  const maxRetryAfterHold = Math.max(
    retryAfterHold,
    durationToMs(options.fallbackCheckMaxInterval) - MIN_SUMMARY_INTERVAL_MS,
  );
  const fallback = (remainingMs: number): ActivityOptions => ({
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: Math.max(1, remainingMs),
    retry: {
      initialInterval: retryAfterHold,
      backoffCoefficient: FALLBACK_BACKOFF,
      maximumInterval: maxRetryAfterHold,
      nonRetryableErrorTypes,
    },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  return { interval, call, upload, check, once, localLook, fallback };
}

/** Every call passes its group's options and a summary through executeWithOptions. */
export const acts = proxyActivities<JourneyActivities>({ startToCloseTimeout: '40s' });

/** The same activities run locally: their answer comes back inside the workflow task that asked for it. */
export const localActs = proxyLocalActivities<JourneyActivities>({ startToCloseTimeout: '40s' });

/** The pre-flight check reads files and probes image URLs (30 s each at most); transient errors retry like a call. */
export const preflightOptions: ActivityOptions = {
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '15m',
  retry: transientRetry,
};
