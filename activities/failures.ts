import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { isIdwiseError, type IdwiseError } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import { countIdwiseError } from './metrics.js';

const TYPE_BY_KIND: Record<IdwiseError['kind'], ErrorType> = {
  auth: ErrorType.IdwiseAuth,
  forbidden: ErrorType.IdwiseForbidden,
  'not-found': ErrorType.IdwiseNotFound,
  validation: ErrorType.IdwiseValidation,
  'rate-limited': ErrorType.IdwiseRateLimited,
  server: ErrorType.IdwiseServer,
  timeout: ErrorType.IdwiseTimeout,
  network: ErrorType.IdwiseNetwork,
  'bad-response': ErrorType.IdwiseBadResponse,
  'invalid-image': ErrorType.InvalidImage,
};

/**
 * The one place an IDWise error becomes a Temporal failure: a stable type, retryable or not as the client
 * classified it, and Retry-After as the next retry delay. The message is the client's, already redacted.
 */
export function toFailure(err: unknown, opts: FailureOptions = {}): unknown {
  if (!isIdwiseError(err)) return err;
  // A retry policy cannot cap attempts per failure type, so an error worth only a few attempts (an image host name
  // that does not resolve) becomes non-retryable on its last one, while other errors keep the API retry window.
  const attempt = opts.attempt ?? currentAttempt();
  const exhausted = err.maxAttempts !== null && attempt !== null && attempt >= err.maxAttempts;
  const retryable = !exhausted && (opts.retryable ?? err.retryable);
  const floor = opts.minRetryDelayMs ?? 0;
  // Retry-After replaces the policy's interval for the next attempt, so it must not undercut a rate rule.
  const delay = err.retryAfterMs === null ? null : Math.max(err.retryAfterMs, floor);
  return ApplicationFailure.create({
    message: exhausted ? `${err.message}, ${attempt} attempts` : err.message,
    type: TYPE_BY_KIND[err.kind],
    nonRetryable: !retryable,
    ...(delay !== null && retryable ? { nextRetryDelay: delay } : {}),
    details: [{ status: err.status, errorCode: err.errorCode, operation: err.operation }],
  });
}

export interface FailureOptions {
  /** Overrides the client's classification (start-journey retries answers lost after IDWise may have acted). */
  retryable?: boolean;
  /** Floor for a Retry-After delay: IDWise's 2 s rule for summary calls. */
  minRetryDelayMs?: number;
  /** The activity's attempt number; read from the activity context when absent. */
  attempt?: number;
}

function currentAttempt(): number | null {
  try {
    return activityInfo().attempt;
  } catch {
    return null; // not inside an activity (tests of the mapping, the CLI's own checks)
  }
}

/** The failure to throw for an error caught from the IDWise client: counted, then mapped. */
export function failureOf(err: unknown, opts: FailureOptions = {}): unknown {
  if (isIdwiseError(err)) countIdwiseError(err);
  return toFailure(err, opts);
}

export async function mapFailures<T>(call: () => Promise<T>, opts: FailureOptions = {}): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw failureOf(err, opts);
  }
}

/**
 * "Not yet": the retryable answer a fixed-interval retry policy turns into a poll. BENIGN keeps these attempts out of
 * failure logs and metrics. It carries no stack trace: it is not a fault, and it is the answer of almost every attempt
 * of a waiting worker, where formatting the stack the SDK sends with each failure (through the source maps tsx
 * enables) took ~3% of the worker's main-thread CPU.
 */
export function expectedRetry(type: string, message: string, nextRetryDelayMs?: number): ApplicationFailure {
  const failure = ApplicationFailure.create({
    message,
    type,
    category: ApplicationFailureCategory.BENIGN,
    ...(nextRetryDelayMs !== undefined ? { nextRetryDelay: nextRetryDelayMs } : {}),
  });
  failure.stack = `${failure.name}: ${failure.message}`;
  return failure;
}
