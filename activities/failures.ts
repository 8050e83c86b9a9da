import { ApplicationFailure } from '@temporalio/common';
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
export function toFailure(err: unknown): unknown {
  if (!isIdwiseError(err)) return err;
  return ApplicationFailure.create({
    message: err.message,
    type: TYPE_BY_KIND[err.kind],
    nonRetryable: !err.retryable,
    ...(err.retryAfterMs !== null && err.retryable ? { nextRetryDelay: err.retryAfterMs } : {}),
    details: [{ status: err.status, errorCode: err.errorCode, operation: err.operation }],
  });
}

export async function mapFailures<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isIdwiseError(err)) countIdwiseError(err);
    throw toFailure(err);
  }
}
