import { defineQuery, defineSignal } from '@temporalio/workflow';

// The erasure workflow's contract (workflows/erasure.ts): one per reference_no, `idwise-erase-<reference_no>`.
// Its record is what remains of a journey once it is erased, so it holds ids, counts and times only: never a
// name, a birth date, an image path or a URL.

export { retentionProblem, type Retention } from './retention.js';

export const ERASE_WORKFLOW_TYPE = 'eraseJourney';

export function erasureWorkflowId(referenceNo: string): string {
  return `idwise-erase-${referenceNo.trim()}`;
}

export type ErasureTrigger = 'request' | 'retention';

export interface ErasureOptions {
  /** How long 5xx/429/network errors of Delete PII are retried before the erasure fails (default 24h). */
  apiRetryWindow?: string;
  /** First retry interval of Delete PII (default 2s; doubles up to 5m). */
  retryInterval?: string;
}

export interface ErasureInput {
  referenceNo: string;
  /** Why: stored in the record as given, so it must not name the applicant. */
  reason: string;
  trigger: ErasureTrigger;
  /** IDWise journey ids known when the erasure was scheduled (a fallback if histories are already gone). */
  knownJourneyIds?: string[];
  options?: ErasureOptions;
}

/** What one IDWise journey's Delete PII came to. */
export interface IdwiseErasure {
  journeyId: string;
  outcome: 'deleted' | 'already-erased' | 'not-erased';
  at: string | null;
  /** Why it was not erased (IDWise's status and error code, e.g. "403 unauthorized"). */
  error?: string;
}

export interface TemporalErasure {
  workflowId: string;
  runId: string;
  outcome: 'deleted' | 'already-gone';
}

export interface ErasureRecord {
  referenceNo: string;
  reason: string;
  trigger: ErasureTrigger;
  status: 'erasing' | 'erased' | 'failed';
  requestedAt: string;
  finishedAt: string | null;
  /** The run of the journey that was still running and was cancelled first, if any. */
  cancelledRunId: string | null;
  idwise: IdwiseErasure[];
  /**
   * Start-journey answers lost after IDWise may have created a journey (counted by the journeys that completed):
   * IDWise never told us their ids and has no lookup by reference, so only IDWise support can erase them.
   */
  possiblyOrphanedStarts: number;
  /** Staged images deleted; null when this step did not run. */
  stagedImages: { deleted: number; at: string } | null;
  /** The journey's Temporal executions (all runs, and their deliverJourneyEvents workflows); empty until deleted. */
  temporal: TemporalErasure[];
  temporalDeletedAt: string | null;
  /** What stopped the erasure and what is left, when status is failed. */
  failure: string | null;
}

/** An explicit request reaching an erasure that is already open (a retention one waiting, or one in progress). */
export const eraseRequestSignal = defineSignal<[{ reason: string }]>('eraseRequested');
export const erasureQuery = defineQuery<ErasureRecord>('erasure');

/** Failure type of an erasure that could not erase everything (its details carry the record). */
export const ERASURE_INCOMPLETE = 'ErasureIncomplete';
