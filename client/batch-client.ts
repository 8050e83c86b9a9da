import { basename, extname, resolve } from 'node:path';
import {
  ScheduleOverlapPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
} from '@temporalio/client';
import { BATCH_WORKFLOW_TYPE, BatchInputSchema, type BatchInput } from '../shared/batch.js';
import { batchProgressQuery, type BatchProgress } from '../shared/batch-progress.js';
import { DURATION_PATTERN, durationToMs } from '../shared/duration.js';
import { DEFAULT_TASK_QUEUE } from '../shared/journey.js';
import { IdwiseBatchId } from '../shared/search-attributes.js';
import type { batchJourneys } from '../workflows/batch.js';
import { JourneyInputError } from './errors.js';

export const batchWorkflowId = (batchId: string) => `idwise-batch-${batchId}`;

const EVERY_HELP = 'use one duration such as 24h, 30m or 7d (for 1d2h write 26h)';
const CRON_HELP = 'use 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" for 02:00 daily';
const CRON_FIELD = /^[0-9A-Za-z*?/,#-]+$/;
const CRON_MACRO = /^@(yearly|annually|monthly|weekly|daily|hourly)$/;

/** --every in ms: the SDK's own parser throws a bare TypeError on 1d2h. */
function scheduleInterval(every: string): number {
  const ms = DURATION_PATTERN.test(every.trim()) ? durationToMs(every) : 0;
  if (ms < 60_000) throw new JourneyInputError([{ path: 'every', message: `${EVERY_HELP}; at least 1m` }]);
  return ms;
}

/** A cron expression's shape; Temporal checks the values and a refusal comes back as the same kind of error. */
function scheduleCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  const ok =
    CRON_MACRO.test(cron.trim()) ||
    (fields.length >= 5 && fields.length <= 7 && fields.every((f) => CRON_FIELD.test(f)));
  if (!ok) throw new JourneyInputError([{ path: 'cron', message: CRON_HELP }]);
  return cron.trim();
}

export type OverlapPolicy = 'skip' | 'buffer-one' | 'buffer-all' | 'cancel-other' | 'terminate-other' | 'allow-all';
const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};
export const OVERLAP_POLICIES = Object.keys(OVERLAP) as OverlapPolicy[];

export interface ScheduleRequest {
  scheduleId: string;
  batch: BatchInput;
  /** Exactly one of the two. */
  every?: string;
  cron?: string;
  overlap?: OverlapPolicy;
  paused?: boolean;
  note?: string;
}

function validateBatch(input: BatchInput): BatchInput {
  // Workers read the manifest, so the path handed to them must not depend on this process's cwd.
  const withAbsolutePath = { ...input, manifest: resolve(input.manifest) };
  const parsed = BatchInputSchema.safeParse(withAbsolutePath);
  if (!parsed.success) {
    throw new JourneyInputError(
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })),
    );
  }
  return withAbsolutePath;
}

/** A batch id for a one-off run: the manifest's name and the time, so runs of one manifest sort together. */
export function defaultBatchId(manifest: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${basename(manifest, extname(manifest))}-${stamp}`;
}

export type BatchClient = ReturnType<typeof createBatchClient>;

/** Batches of journeys, run once or on a Temporal Schedule. */
export function createBatchClient({ client, taskQueue = DEFAULT_TASK_QUEUE }: { client: Client; taskQueue?: string }) {
  const handle = (batchId: string) => client.workflow.getHandle<typeof batchJourneys>(batchWorkflowId(batchId));

  return {
    async startBatch(input: BatchInput): Promise<{ batchId: string; workflowId: string }> {
      const valid = validateBatch(input);
      const batchId = valid.batchId ?? defaultBatchId(valid.manifest);
      const workflowId = batchWorkflowId(batchId);
      await client.workflow.start<typeof batchJourneys>(BATCH_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [{ ...valid, batchId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: `IDWise batch ${batchId}: ${basename(valid.manifest)}, rerun ${valid.rerun ?? 'failed'}`,
        typedSearchAttributes: [{ key: IdwiseBatchId, value: batchId }],
      });
      return { batchId, workflowId };
    },

    /** The batch's counts; follows continue-as-new to the latest run. */
    progress: (batchId: string): Promise<BatchProgress> => handle(batchId).query(batchProgressQuery),
    result: (batchId: string): Promise<BatchProgress> => handle(batchId).result(),

    async createSchedule(req: ScheduleRequest): Promise<void> {
      const createOrExplain = async (options: Parameters<typeof client.schedule.create>[0]) => {
        try {
          await client.schedule.create(options);
        } catch (err) {
          // INVALID_ARGUMENT: the server refused the spec (a cron value out of range); the rest is not ours to explain.
          if ((err as { code?: unknown }).code !== 3 || !req.cron) throw err;
          throw new JourneyInputError([{ path: 'cron', message: `Temporal refused it: ${CRON_HELP}` }]);
        }
      };
      if (!!req.every === !!req.cron)
        throw new JourneyInputError([{ path: 'spec', message: 'give exactly one of every (e.g. 24h) or cron' }]);
      const batch = validateBatch({ ...req.batch, batchId: req.batch.batchId ?? req.scheduleId });
      const spec: ScheduleSpec = req.every
        ? { intervals: [{ every: scheduleInterval(req.every) }] }
        : { cronExpressions: [scheduleCron(req.cron!)] };
      await createOrExplain({
        scheduleId: req.scheduleId,
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: BATCH_WORKFLOW_TYPE,
          // The server appends the scheduled time to this id; the journeys inside keep their own ids.
          workflowId: batchWorkflowId(req.scheduleId),
          taskQueue,
          args: [batch],
          staticSummary: `IDWise scheduled batch ${req.scheduleId}: ${basename(batch.manifest)}`,
          typedSearchAttributes: [{ key: IdwiseBatchId, value: batch.batchId! }],
        },
        policies: { overlap: OVERLAP[req.overlap ?? 'skip'], catchupWindow: '1h' },
        state: { paused: req.paused ?? false, ...(req.note ? { note: req.note } : {}) },
      });
    },

    async listSchedules(): Promise<
      { scheduleId: string; paused: boolean; next: Date | undefined; note: string | undefined }[]
    > {
      const out = [];
      for await (const s of client.schedule.list()) {
        if (s.action?.type === 'startWorkflow' && s.action.workflowType !== BATCH_WORKFLOW_TYPE) continue;
        out.push({
          scheduleId: s.scheduleId,
          paused: s.state.paused,
          next: s.info.nextActionTimes[0],
          note: s.state.note,
        });
      }
      return out;
    },

    describeSchedule: (id: string): Promise<ScheduleDescription> => client.schedule.getHandle(id).describe(),
    pauseSchedule: (id: string, note?: string) => client.schedule.getHandle(id).pause(note),
    unpauseSchedule: (id: string, note?: string) => client.schedule.getHandle(id).unpause(note),
    /** Runs the batch now; with overlap skip, a batch still running from this schedule is not doubled. */
    triggerSchedule: (id: string) => client.schedule.getHandle(id).trigger(),
    deleteSchedule: (id: string) => client.schedule.getHandle(id).delete(),
  };
}
