import {
  patched,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import type { BatchEntry, BatchInput } from '../shared/batch.js';
import { batchProgressQuery, type BatchFailure, type BatchProgress } from '../shared/batch-progress.js';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../shared/errors.js';
import { explainFailure } from '../shared/failures.js';
import { describeIssues, journeyWorkflowId, type JourneyInput } from '../shared/journey.js';
import { IdwiseBatchId, IdwiseFlowId, IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import { identityJourney } from './journey.js';
import { parseBatchInput } from './validation.js';

/** Enough failures and skips to act on, without letting a bad manifest bloat history and the query. */
const MAX_LISTED = 100;

const { readManifestPage } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** What one run hands to the next across continue-as-new. */
export interface BatchCarry {
  offset: number;
  progress: BatchProgress;
}

/**
 * Runs one journey per manifest row as a child workflow, at most `concurrency` at a time (a sliding window).
 * Child ids are the journeys' own ids, so a batch re-run meets the earlier runs: the reuse policy then skips
 * completed journeys (`rerun: failed`) or runs them again (`rerun: all`). The manifest is read a page at a
 * time; after each page the window drains and the workflow continues as new, so history stays small.
 */
export async function batchJourneys(rawInput: BatchInput, carry?: BatchCarry): Promise<BatchProgress> {
  const parsed = parseBatchInput(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid batch input: ${describeIssues(parsed.error)}`,
      ErrorType.InvalidInput,
    );
  }
  const input = parsed.data;
  const batchId = input.batchId ?? workflowInfo().workflowId;
  // Batches recorded before journeys could resume replay without it.
  const resumeFailedRuns = patched('batch-resume-failed-runs');
  const progress: BatchProgress = carry?.progress ?? {
    batchId,
    total: null,
    started: 0,
    running: 0,
    completed: 0,
    decisions: {},
    failed: 0,
    skipped: 0,
    failures: [],
    skips: [],
    done: false,
    startedAtMs: Date.now(),
  };
  setHandler(batchProgressQuery, () => progress);
  upsertSearchAttributes([{ key: IdwiseBatchId, value: batchId }]);
  render(progress);

  const listed = (list: BatchFailure[], item: BatchFailure) => {
    if (list.length < MAX_LISTED) list.push(item);
  };

  async function runJourney(entry: BatchEntry, journey: JourneyInput): Promise<void> {
    const referenceNo = journey.referenceNo;
    try {
      const child = await startChild(identityJourney, {
        workflowId: journeyWorkflowId(referenceNo),
        // A journey whose previous run failed continues that run's IDWise journey instead of starting a second.
        args: [
          resumeFailedRuns
            ? { ...journey, resumeFailedRun: true, ...(input.journeyOptions ? { options: input.journeyOptions } : {}) }
            : journey,
        ],
        workflowIdReusePolicy:
          input.rerun === 'all'
            ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
            : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        // A journey is an applicant's place: it runs to its end even if the batch is cancelled or terminated.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `IDWise journey ${referenceNo}, flow ${journey.flowId} (batch ${batchId})`,
        typedSearchAttributes: [
          { key: IdwiseReferenceNo, value: referenceNo },
          { key: IdwiseFlowId, value: journey.flowId },
          { key: IdwiseStage, value: 'starting' },
          { key: IdwiseBatchId, value: batchId },
        ],
      });
      progress.started += 1;
      const outcome = await child.result();
      progress.completed += 1;
      progress.decisions[outcome.decision.final] = (progress.decisions[outcome.decision.final] ?? 0) + 1;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        progress.skipped += 1;
        const why =
          input.rerun === 'all'
            ? 'a journey for this reference is still running'
            : 'already completed or still running';
        listed(progress.skips, { referenceNo, row: entry.row, reason: `${why} (rerun: ${input.rerun})` });
      } else {
        progress.failed += 1;
        listed(progress.failures, { referenceNo, row: entry.row, reason: failureReason(err) });
      }
    } finally {
      progress.running -= 1;
      render(progress);
    }
  }

  let offset = carry?.offset ?? 0;
  for (;;) {
    const page = await readManifestPage.executeWithOptions(
      { startToCloseTimeout: '1m', summary: `read manifest rows ${offset + 1}-${offset + input.pageSize}` },
      [{ manifest: input.manifest, offset, limit: input.pageSize }],
    );
    progress.total = page.total;
    for (const entry of page.entries) {
      if (!entry.journey) {
        progress.failed += 1;
        listed(progress.failures, {
          referenceNo: entry.referenceNo ?? null,
          row: entry.row,
          reason: `invalid row: ${entry.invalid}`,
        });
        continue;
      }
      await condition(() => progress.running < input.concurrency);
      progress.running += 1;
      void runJourney(entry, entry.journey);
    }
    await condition(() => progress.running === 0);
    offset += page.entries.length;
    render(progress);
    if (page.entries.length === 0 || offset >= page.total) break;
    await continueAsNew<typeof batchJourneys>(input, { offset, progress });
  }
  progress.done = true;
  render(progress);
  return progress;
}

/** `IdwiseInvalidImage: ...`: the failure type first, so a batch's failures sort and grep by cause. */
function failureReason(err: unknown): string {
  const { type, reason } = explainFailure(err);
  return type ? `${type}: ${reason}` : reason;
}

function render(p: BatchProgress): void {
  const decisions = Object.entries(p.decisions)
    .map(([d, n]) => `${d} ${n}`)
    .join(', ');
  const lines = [
    `**Batch** ${p.batchId} · ${p.done ? 'done' : 'running'}`,
    '',
    '| total | running | completed | failed | skipped | decisions |',
    '|---|---|---|---|---|---|',
    `| ${p.total ?? '?'} | ${p.running} | ${p.completed} | ${p.failed} | ${p.skipped} | ${decisions || '-'} |`,
  ];
  if (p.failures.length > 0) {
    lines.push(
      '',
      '**Failures**',
      ...p.failures.slice(0, 10).map((f) => `- row ${f.row} ${f.referenceNo ?? ''}: ${f.reason}`),
    );
  }
  setCurrentDetails(lines.join('\n'));
}
