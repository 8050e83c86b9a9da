import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

// How a failed journey or batch is explained to people, shared by the workflows (progress, batch failures)
// and the client (JourneyFailedError, the CLI), so both say the same thing.

export type JourneyFailureKind = 'failed' | 'cancelled' | 'terminated' | 'timed-out';

/**
 * The `journey.failed` event's fields. An IDWise refusal is told by its operation, HTTP status and error_code only,
 * never by IDWise's own text, which could echo the request (activities/failures.ts puts these in the details).
 */
export function eventFailure(err: unknown): {
  reason: string;
  errorType: string | null;
  errorCode?: string | null;
  status?: number;
} {
  const { type, reason } = explainFailure(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (!(e instanceof ApplicationFailure)) continue;
    const detail = e.details?.[0] as { status?: unknown; errorCode?: unknown; operation?: unknown } | undefined;
    if (typeof detail?.status !== 'number' || typeof detail.operation !== 'string') break;
    const errorCode = typeof detail.errorCode === 'string' ? detail.errorCode : null;
    const why = `IDWise ${detail.operation} failed: ${detail.status}${errorCode ? ` ${errorCode}` : ''}`;
    return { reason: why, errorType: type, errorCode, status: detail.status };
  }
  return { reason, errorType: type };
}

/**
 * Reads a failure's cause chain. The first ApplicationFailure carries the message written for people
 * (activities and the workflow raise those); wrappers such as ActivityFailure or ChildWorkflowFailure only
 * say "Activity task failed".
 */
export function explainFailure(err: unknown): { kind: JourneyFailureKind; type: string | null; reason: string } {
  // Only the top of the chain says how the workflow itself ended; a nested timeout is an activity's.
  const kind: JourneyFailureKind =
    err instanceof CancelledFailure
      ? 'cancelled'
      : err instanceof TerminatedFailure
        ? 'terminated'
        : err instanceof TimeoutFailure
          ? 'timed-out'
          : 'failed';
  if (!(err instanceof Error)) return { kind, type: null, reason: err === undefined ? kind : String(err) };
  let deepest: Error = err;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) return { kind, type: e.type ?? null, reason: e.message };
    deepest = e;
  }
  return { kind, type: null, reason: deepest.message || kind };
}
