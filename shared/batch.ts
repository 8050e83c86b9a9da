import { z } from 'zod';
import { JourneyOptionsSchema, type defineJourneySchemas, type JourneyInput } from './journey.js';

export const BATCH_WORKFLOW_TYPE = 'batchJourneys';

/**
 * Builds the batch's schemas on top of the journey's options (see defineJourneySchemas for why a factory).
 * RerunPolicySchema: `failed` runs journeys that never ran or whose last run failed and skips completed ones (the
 * default); `all` runs every journey again, completed ones too.
 */
export function defineBatchSchemas(journeyOptions: ReturnType<typeof defineJourneySchemas>['JourneyOptionsSchema']) {
  const RerunPolicySchema = z.enum(['failed', 'all']);
  const BatchInputSchema = z.strictObject({
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
    journeyOptions: journeyOptions.partial().optional(),
  });
  return { RerunPolicySchema, BatchInputSchema };
}

export const { RerunPolicySchema, BatchInputSchema } = defineBatchSchemas(JourneyOptionsSchema);
export type RerunPolicy = z.infer<typeof RerunPolicySchema>;
export type BatchInput = z.input<typeof BatchInputSchema>;

/** One manifest row, ready to start a journey (applicant details already sealed by the activity). */
export interface BatchEntry {
  row: number;
  referenceNo?: string;
  journey?: JourneyInput;
  /** Why the row cannot run (bad mapping file, invalid field…). */
  invalid?: string;
}
