import { activityInfo, Context, log } from '@temporalio/activity';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { durationToMs } from '../shared/duration.js';
import { ERASE_WORKFLOW_TYPE, erasureWorkflowId, type ErasureInput } from '../shared/erasure.js';
import { IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';

/**
 * Retention is a durable timer per ended journey, held by the server: the erasure workflow is started with a
 * start delay of the retention, so it is one open execution that runs no workflow task, costs the worker nothing
 * and is not subject to the namespace's retention until it has run (bench/README.md, retention mode, has the
 * measured cost). Ops list the due erasures by its ExecutionTime (idwise-journey list --due-for-erasure).
 */
export function createRetentionActivities(deps: { defaultRetention?: string }) {
  return {
    async scheduleErasure(req: {
      referenceNo: string;
      /** The journey's retention option; the worker's IDWISE_RETENTION when unset. */
      retention: string | null;
      journeyId: string | null;
    }): Promise<{ scheduled: boolean; retention: string; dueAt: string | null }> {
      const retention = req.retention ?? deps.defaultRetention ?? 'none';
      if (retention === 'none') return { scheduled: false, retention, dueAt: null };
      const client = Context.current().client;
      const workflowId = erasureWorkflowId(req.referenceNo);
      const delayMs = durationToMs(retention);
      const dueAt = new Date(Date.now() + delayMs).toISOString();
      let known = req.journeyId ? [req.journeyId] : [];

      const start = (workflowIdConflictPolicy: WorkflowIdConflictPolicy) => {
        const input: ErasureInput = {
          referenceNo: req.referenceNo,
          reason: `retention ${retention} after the journey ended`,
          trigger: 'retention',
          knownJourneyIds: known,
        };
        return client.workflow.start(ERASE_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: activityInfo().taskQueue,
          args: [input],
          startDelay: delayMs,
          workflowIdConflictPolicy,
          // A finished erasure does not stop the retention of a journey that ran again after it.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          memo: { knownJourneyIds: known, dueAt },
          staticSummary: `erase journey ${req.referenceNo} at ${dueAt} (retention ${retention})`,
          typedSearchAttributes: [
            { key: IdwiseReferenceNo, value: req.referenceNo },
            { key: IdwiseStage, value: 'erasure-scheduled' },
          ],
        });
      };

      try {
        await start(WorkflowIdConflictPolicy.FAIL);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const existing = await client.workflow.getHandle(workflowId).describe();
        // One event (started) means its delay has not run out: no task ran yet. Anything more is an erasure at work.
        const waiting = existing.historyLength <= 1;
        if (!waiting) {
          log.info('erasure already in progress: no retention scheduled', { workflowId });
          return { scheduled: false, retention, dueAt: null };
        }
        // A re-run ended later: retention counts from the last end, so the waiting erasure is replaced, keeping
        // the ids it knew. (Should its delay end in between, the replacement erases again: every step is idempotent.)
        const previous = (existing.memo?.knownJourneyIds as string[] | undefined) ?? [];
        known = [...new Set([...previous, ...known])];
        await start(WorkflowIdConflictPolicy.TERMINATE_EXISTING);
      }
      log.info('erasure scheduled', { workflowId, retention, dueAt });
      return { scheduled: true, retention, dueAt };
    },
  };
}
