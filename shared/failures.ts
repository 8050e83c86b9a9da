import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

// How a failed journey or batch is explained to people, shared by the workflows (progress, batch failures)
// and the client (JourneyFailedError, the CLI), so both say the same thing.

export type JourneyFailureKind = 'failed' | 'cancelled' | 'terminated' | 'timed-out';

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
