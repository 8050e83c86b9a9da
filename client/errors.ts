import type { ErasureRecord } from '../shared/erasure.js';
import type { JourneyFailureKind } from '../shared/failures.js';

export { explainFailure, type JourneyFailureKind } from '../shared/failures.js';

// Every failure a caller of the journey client can act on has its own class, so a backend matches on
// `instanceof` (and the CLI picks an exit code) instead of parsing messages.

/** One invalid field: its dotted path in the input and what to do about it. */
export interface InputIssue {
  path: string;
  message: string;
}

/** The journey input failed validation; nothing was started. */
export class JourneyInputError extends Error {
  override readonly name = 'JourneyInputError';
  constructor(readonly issues: InputIssue[]) {
    super(`invalid journey input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** A journey for this reference already ran to completion (or failure) and `rerun` was not asked for. */
export class JourneyAlreadyRanError extends Error {
  override readonly name = 'JourneyAlreadyRanError';
  constructor(
    readonly referenceNo: string,
    /** Temporal's close status of the previous run, e.g. COMPLETED or FAILED. */
    readonly status: string,
    readonly closeTime: Date | undefined,
    readonly runId: string,
  ) {
    const when = closeTime ? ` at ${closeTime.toISOString()}` : '';
    super(`journey ${referenceNo} already ran (${status}${when}); pass rerun: true (CLI: --rerun) to run it again`);
  }
}

/** No journey workflow exists for this reference (or it was deleted after the retention period). */
export class JourneyNotFoundError extends Error {
  override readonly name = 'JourneyNotFoundError';
  constructor(
    readonly referenceNo: string,
    readonly workflowId: string,
  ) {
    super(`no journey for reference ${referenceNo} (workflow id ${workflowId}); check the reference or start it first`);
  }
}

/** The journey exists but is closed, so it can no longer take files or be cancelled. */
export class JourneyNotRunningError extends Error {
  override readonly name = 'JourneyNotRunningError';
  constructor(
    readonly referenceNo: string,
    readonly status: string,
    action: string,
  ) {
    super(`journey ${referenceNo} is not running (${status}), so it cannot ${action}`);
  }
}

/**
 * The journey workflow did not produce an outcome. `type` is the ApplicationFailure type from the
 * cause chain (an `ErrorType` for failures our code raises), `reason` its message.
 */
export class JourneyFailedError extends Error {
  override readonly name = 'JourneyFailedError';
  constructor(
    readonly referenceNo: string,
    readonly kind: JourneyFailureKind,
    readonly type: string | null,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`journey ${referenceNo} ${kind}${type ? ` (${type})` : ''}: ${reason}`, options);
  }
}

/** The workflow's update validator (or handler) refused the files; the message says why. */
export class StepFilesRejectedError extends Error {
  override readonly name = 'StepFilesRejectedError';
  constructor(
    readonly referenceNo: string,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`journey ${referenceNo} refused the step files: ${reason}`, options);
  }
}

/** The batch workflow itself failed (e.g. an unreadable manifest); journeys it started keep running. */
export class BatchFailedError extends Error {
  override readonly name = 'BatchFailedError';
  constructor(
    readonly batchId: string,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`batch ${batchId} failed: ${reason}`, options);
  }
}

/** An erasure that could not erase everything: `record` says what was erased and what is left. */
export class ErasureFailedError extends Error {
  override readonly name = 'ErasureFailedError';
  constructor(
    readonly referenceNo: string,
    readonly record: ErasureRecord | null,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`erasure of journey ${referenceNo} failed: ${reason}`, options);
  }
}

/** No erasure was ever requested or scheduled for this reference (or its record is past the namespace retention). */
export class ErasureNotFoundError extends Error {
  override readonly name = 'ErasureNotFoundError';
  constructor(readonly referenceNo: string) {
    super(`no erasure for reference ${referenceNo}; request one with idwise-journey erase ${referenceNo}`);
  }
}
