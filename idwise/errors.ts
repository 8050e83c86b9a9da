// The one error type the client throws. Activities map `kind` to a Temporal failure type and `retryable`
// to nonRetryable (activities/failures.ts). Messages and causes end up in workflow history, so nothing
// here may carry the Authorization header, the secret, a request body or image bytes.

export type IdwiseErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not-found'
  | 'validation'
  | 'rate-limited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'bad-response'
  | 'invalid-image';

export interface IdwiseErrorInit {
  kind: IdwiseErrorKind;
  operation: string;
  status?: number | null;
  errorCode?: string | null;
  retryable?: boolean;
  retryAfterMs?: number | null;
  stepId?: string | null;
  file?: string | null;
  maxAttempts?: number | null;
  cause?: unknown;
}

/** Transient by nature: the same request can succeed later. Everything else needs a change first. */
const RETRYABLE_KINDS: ReadonlySet<IdwiseErrorKind> = new Set(['rate-limited', 'server', 'timeout', 'network']);

export class IdwiseError extends Error {
  override readonly name = 'IdwiseError';
  /** What went wrong, as a closed set the activities map to failure types. */
  readonly kind: IdwiseErrorKind;
  /** HTTP status, or null when no response arrived (network, timeout, invalid image, local validation). */
  readonly status: number | null;
  /** IDWise's `error_code` from its error envelope, e.g. `invalid_credentials`. */
  readonly errorCode: string | null;
  /** The IDWise operation, e.g. `start-journey`. */
  readonly operation: string;
  /** Whether repeating the same call may succeed (5xx, 429, timeouts, network errors). */
  readonly retryable: boolean;
  /** From Retry-After (seconds or an HTTP date), when IDWise sent one. */
  readonly retryAfterMs: number | null;
  /** The journey step concerned, for uploads. */
  readonly stepId: string | null;
  /** The image concerned: a file name or a URL without its query string, never its contents. */
  readonly file: string | null;
  /**
   * A retryable error worth only this many attempts (an image host whose name does not resolve): a typo in a URL is
   * as likely as a DNS hiccup, and the API retry window (15 minutes) is far too long to wait for the former.
   */
  readonly maxAttempts: number | null;

  constructor(message: string, init: IdwiseErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: sanitizeCause(init.cause) });
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.errorCode = init.errorCode ?? null;
    this.operation = init.operation;
    this.retryable = init.retryable ?? RETRYABLE_KINDS.has(init.kind);
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.stepId = init.stepId ?? null;
    this.file = init.file ?? null;
    this.maxAttempts = init.maxAttempts ?? null;
  }
}

export function isIdwiseError(e: unknown): e is IdwiseError {
  return e instanceof IdwiseError;
}

/**
 * got's errors hold `options` (headers with Authorization, the body) and the request object, and util.inspect
 * prints causes in full. Keep only name, code and message, recursively, so no wrapped error can leak them.
 */
export function sanitizeCause(err: unknown, depth = 0): unknown {
  if (isIdwiseError(err)) return err;
  if (!(err instanceof Error)) return typeof err === 'string' ? new Error(err) : undefined;
  const plain = new Error(err.message);
  plain.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') Object.defineProperty(plain, 'code', { value: code, enumerable: true });
  if (err.cause !== undefined && depth < 3) {
    Object.defineProperty(plain, 'cause', { value: sanitizeCause(err.cause, depth + 1), enumerable: false });
  }
  plain.stack = `${plain.name}: ${plain.message}`;
  return plain;
}

/** Follows `cause` links (got wraps body-stream errors in UploadError) to the first IdwiseError. */
export function findIdwiseError(err: unknown): IdwiseError | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isIdwiseError(e)) return e;
  }
  return null;
}

export function kindForStatus(status: number): IdwiseErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  // Other 4xx (400, 409, 413, 422…): IDWise refused this request as sent; repeating it cannot help.
  if (status >= 400) return 'validation';
  // 1xx/3xx: redirects are not followed (they could carry credentials elsewhere), so they are a bad response.
  return 'bad-response';
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null if absent or unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Error codes of the network layer: the request may not have reached IDWise, or its answer was lost. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function isTimeoutError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

/**
 * A request that got no usable answer. Timeouts and network errors are retryable: the call may not have reached
 * IDWise, or its answer was lost. An image stream that failed mid-upload arrives wrapped in got's UploadError
 * and keeps its own (non-retryable) classification.
 */
export function transportError(
  operation: string,
  err: unknown,
  ctx: { timeoutMs: number; stepId?: string | undefined; redact: (text: string) => string },
): IdwiseError {
  const imageError = findIdwiseError(err);
  if (imageError) return imageError;
  const where = ctx.stepId ? ` for step ${ctx.stepId}` : '';
  const code = (err as { code?: unknown }).code;
  const detail = `${typeof code === 'string' ? `${code} ` : ''}(${err instanceof Error ? err.message : String(err)})`;
  const timedOut = isTimeoutError(err);
  const message = timedOut
    ? `IDWise ${operation} failed${where}: no complete response within ${ctx.timeoutMs} ms ${detail}`
    : `IDWise ${operation} failed${where}: network error ${detail}`;
  return new IdwiseError(ctx.redact(message), {
    kind: timedOut ? 'timeout' : 'network',
    operation,
    stepId: ctx.stepId ?? null,
    cause: err,
  });
}

/** Connection errors raised before a request left this machine: IDWise cannot have seen it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether IDWise may have acted on a request that failed: true when its answer was lost or garbled (timeout, a
 * connection reset after sending, a 2xx that is not JSON, a 5xx that is not IDWise's own error envelope). A refused
 * connection, a 429 and any answer in IDWise's envelope prove it did not. Used for start-journey, which IDWise
 * cannot make idempotent (no idempotency key, no lookup by reference).
 */
export function mayHaveActed(err: IdwiseError): boolean {
  if (err.kind === 'timeout' || err.kind === 'bad-response') return true;
  if (err.kind === 'server') return err.errorCode === null;
  if (err.kind !== 'network') return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return !(typeof code === 'string' && NOT_SENT_CODES.has(code));
}
