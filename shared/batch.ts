import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { JourneyOptionsSchema, type JourneyInput } from './journey.js';

export const BATCH_WORKFLOW_TYPE = 'batchJourneys';

/**
 * - `failed`: run journeys that never ran or whose last run failed; skip completed ones (the default).
 * - `all`: run every journey again, completed ones too.
 */
export const RerunPolicySchema = z.enum(['failed', 'all']);
export type RerunPolicy = z.infer<typeof RerunPolicySchema>;

export const BatchInputSchema = z.strictObject({
  /** Names the batch in search attributes and child summaries; defaults to the workflow id. */
  batchId: z.string().trim().min(1).max(200).optional(),
  /** Absolute path of a JSON or CSV manifest that the workers can read (re-read on every run). */
  manifest: z
    .string()
    .trim()
    .refine((p) => p.startsWith('/'), 'manifest must be an absolute path the workers can read'),
  concurrency: z.number().int().min(1).max(500).default(10),
  rerun: RerunPolicySchema.default('failed'),
  /** Manifest rows read per page; the workflow continues as new between pages once history grows. */
  pageSize: z.number().int().min(1).max(1000).default(200),
  /** Journey options for every row (e.g. a shorter reviewWait, or awaitReviewFor [] to not wait for reviewers). */
  journeyOptions: JourneyOptionsSchema.partial().optional(),
});
export type BatchInput = z.input<typeof BatchInputSchema>;

/** One manifest row, ready to start a journey (applicant details already sealed by the activity). */
export interface BatchEntry {
  row: number;
  referenceNo?: string;
  journey?: JourneyInput;
  /** Why the row cannot run (bad mapping file, invalid field…). */
  invalid?: string;
}

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
