import { defineQuery } from '@temporalio/workflow';

// What a batch reports while it runs. Kept apart from shared/batch.ts: that module (zod schemas) is preloaded once
// for all workflows (worker/bundle.ts), and this one imports the SDK's workflow API, which must stay per workflow.

export interface BatchFailure {
  /** Null when the row is too broken to name one. */
  referenceNo: string | null;
  row: number;
  reason: string;
}

export interface BatchProgress {
  batchId: string;
  total: number | null;
  started: number;
  running: number;
  completed: number;
  /** Completed journeys per final decision (Complete, Refer, …). */
  decisions: Record<string, number>;
  failed: number;
  skipped: number;
  /** The first failures and skips, with reasons (capped so history stays small). */
  failures: BatchFailure[];
  skips: BatchFailure[];
  done: boolean;
  startedAtMs: number;
}

export const batchProgressQuery = defineQuery<BatchProgress>('batchProgress');
