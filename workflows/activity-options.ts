import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { durationToMs } from '../shared/duration.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors.js';
import type { ValidJourneyInput } from '../shared/journey.js';

type JourneyActivities = ReturnType<typeof createActivities>;
const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

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
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
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
  return { interval, call, upload, check, once };
}

/** Every call passes its group's options and a summary through executeWithOptions. */
export const acts = proxyActivities<JourneyActivities>({ startToCloseTimeout: '40s' });

/** The pre-flight check reads files and probes image URLs (30 s each at most); transient errors retry like a call. */
export const preflightOptions: ActivityOptions = {
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '15m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
};
