// Temporal being down (a deploy, a restart, a network blip) is an expected state for a long-running process,
// not a crash: the worker and the webhook receiver wait for it with bounded exponential backoff and say so
// in one log line per attempt, instead of exiting and leaning on a supervisor's restart loop.

export interface ConnectBackoffOptions {
  /** What is connecting, for the log line ("worker", "webhook receiver"). */
  what: string;
  /** The Temporal address, for the log line. */
  address?: string | undefined;
  log: (line: string) => void;
  initialMs?: number;
  maxMs?: number;
  /** Aborting (SIGTERM) ends the wait: the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Errors that waiting cannot fix (a rejected API key) are thrown at once. */
  isRetryable?: (err: unknown) => boolean;
}

// gRPC statuses for a server that answered and refused us: retrying would only hide the misconfiguration.
const PERMANENT_GRPC_CODES = new Set([3 /* INVALID_ARGUMENT */, 7 /* PERMISSION_DENIED */, 16 /* UNAUTHENTICATED */]);

export function isRetryableConnectError(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; path?: unknown };
  if (typeof e.code === 'number' && PERMANENT_GRPC_CODES.has(e.code)) return false;
  // A TLS certificate or key file that cannot be read (ENOENT, EACCES) is configuration, not an outage.
  return !(typeof e.code === 'string' && typeof e.path === 'string');
}

/** The first line of an error's message, short: the cause for ops, never a stack trace. */
export function shortReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').slice(0, 200);
}

export async function connectWithBackoff<T>(connect: () => Promise<T>, opts: ConnectBackoffOptions): Promise<T> {
  const { initialMs = 500, maxMs = 15_000, signal, isRetryable = isRetryableConnectError } = opts;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await connect();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!isRetryable(err)) throw err;
      // Full jitter over the upper half: many replicas restarted together do not reconnect in lockstep.
      const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      const retryInMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      opts.log(
        JSON.stringify({
          event: 'temporal-unreachable',
          what: opts.what,
          attempt,
          retryInMs,
          address: opts.address ?? null,
          reason: shortReason(err),
        }),
      );
      await delay(retryInMs, signal);
    }
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
