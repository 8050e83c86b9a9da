import { activityInfo, cancellationSignal, Context, heartbeat, log, sleep } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { isIdwiseError, type IdwiseApi } from '../idwise/index.js';
import type { IdwiseErasure, TemporalErasure } from '../shared/erasure.js';
import { journeyWorkflowId } from '../shared/journey.js';
import type { JourneyOutcome } from '../shared/progress.js';
import { IdwiseJourneyId } from '../shared/search-attributes.js';
import { expectedRetry, failureOf } from './failures.js';

export interface JourneyRun {
  workflowId: string;
  runId: string;
}

/** How long a cancelled journey may take to end (it tells the backend first, ≤ 30 s) before it is terminated. */
const CANCEL_GRACE_MS = 60_000;

const isNotFound = (err: unknown) =>
  err instanceof WorkflowNotFoundError || (err as { code?: unknown } | null)?.code === 5; // gRPC NOT_FOUND

/** The journey id search attribute as recorded in a history event (search attributes are plain JSON). */
function journeyIdIn(fields: Record<string, Payload> | null | undefined): string | null {
  const payload = fields?.[IdwiseJourneyId.name];
  if (!payload) return null;
  const value = defaultPayloadConverter.fromPayload<unknown>(payload);
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'string' && id ? id : null;
}

/**
 * Every run of the journey's workflow id: visibility lists them all (re-runs are runs of the same id, continued
 * runs too), and describe adds the current run, which visibility may not show yet.
 */
async function journeyRuns(client: Client, referenceNo: string): Promise<(JourneyRun & { status: string })[]> {
  const workflowId = journeyWorkflowId(referenceNo);
  const runs = new Map<string, string>();
  const escaped = workflowId.replace(/["\\]/g, '\\$&');
  for await (const run of client.workflow.list({ query: `WorkflowId = "${escaped}"` })) {
    runs.set(run.runId, run.status.name);
  }
  try {
    const current = await client.workflow.getHandle(workflowId).describe();
    runs.set(current.runId, current.status.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return [...runs].map(([runId, status]) => ({ workflowId, runId, status }));
}

/** The Temporal side of an erasure: cancel, gather, delete and confirm, through the worker's own client. */
export function createErasureActivities(deps: { idwise: IdwiseApi }) {
  const client = () => Context.current().client;

  return {
    /** A journey still running is cancelled (it records `cancelled` and tells the backend), then waited for. */
    async cancelJourneyForErasure({
      referenceNo,
    }: {
      referenceNo: string;
    }): Promise<{ cancelledRunId: string | null }> {
      const workflowId = journeyWorkflowId(referenceNo);
      let runId: string;
      try {
        const d = await client().workflow.getHandle(workflowId).describe();
        if (d.status.name !== 'RUNNING') return { cancelledRunId: null };
        runId = d.runId;
      } catch (err) {
        if (isNotFound(err)) return { cancelledRunId: null };
        throw err;
      }
      const run = client().workflow.getHandle(workflowId, runId, { followRuns: false });
      await run.cancel();
      const ended = run.result().then(
        () => true,
        () => true,
      );
      const beat = setInterval(() => heartbeat('waiting for the cancelled journey to end'), 5_000);
      try {
        const done = await Promise.race([ended, sleep(CANCEL_GRACE_MS).then(() => false)]);
        if (!done) {
          log.warn('cancelled journey did not end in time: terminating it', { workflowId, runId });
          await run.terminate('erasure: the journey did not end after cancellation');
        }
      } finally {
        clearInterval(beat);
      }
      log.info('journey cancelled for erasure', { workflowId, runId });
      return { cancelledRunId: runId };
    },

    /**
     * Where the IDWise journey ids come from: each run's own history. Every run that started or resumed an IDWise
     * journey wrote its id as the IdwiseJourneyId search attribute, and a history holds every such write (a re-run
     * that started a second journey wrote a second id; a continued run carries it in its start event). Histories
     * are the durable, strongly consistent record, where visibility keeps only the last value per run; visibility's
     * value and the ids known when the erasure was scheduled are added as a fallback. Search attributes are plain
     * JSON, so no payload needs decrypting. Possibly orphaned starts come from the outcomes of completed runs.
     */
    async findJourneyRecords(req: { referenceNo: string; knownJourneyIds?: string[] }) {
      const c = client();
      const runs = await journeyRuns(c, req.referenceNo);
      const ids = new Set(req.knownJourneyIds ?? []);
      let possiblyOrphanedStarts = 0;
      const events: JourneyRun[] = [];
      for (const run of runs) {
        const handle = c.workflow.getHandle(run.workflowId, run.runId, { followRuns: false });
        const history = await handle.fetchHistory();
        for (const e of history.events ?? []) {
          const id =
            journeyIdIn(e.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields) ??
            journeyIdIn(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields);
          if (id) ids.add(id);
        }
        if (run.status === 'COMPLETED') {
          const outcome = (await handle.result()) as JourneyOutcome;
          possiblyOrphanedStarts += outcome.possiblyOrphanedJourneys ?? 0;
        }
        // A journey's last undelivered events go on in `<workflowId>/events/<runId>` (workflows/journey-outbox.ts).
        const outboxId = `${run.workflowId}/events/${run.runId}`;
        try {
          const d = await c.workflow.getHandle(outboxId).describe();
          events.push({ workflowId: outboxId, runId: d.runId });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        heartbeat();
      }
      const executions = [...runs.map(({ workflowId, runId }) => ({ workflowId, runId })), ...events];
      log.info('journey records found for erasure', {
        referenceNo: req.referenceNo,
        runs: runs.length,
        idwiseJourneys: ids.size,
        possiblyOrphanedStarts,
      });
      return { journeyIds: [...ids].sort(), executions, possiblyOrphanedStarts };
    },

    /** IDWise's Delete PII for one journey: 404 means IDWise no longer has it, which is what was asked. */
    async deleteIdwiseJourney({ journeyId }: { journeyId: string }): Promise<IdwiseErasure> {
      try {
        await deps.idwise.deletePii(journeyId, { signal: cancellationSignal() });
        log.info('IDWise journey data deleted', { journeyId });
        return { journeyId, outcome: 'deleted', at: new Date().toISOString() };
      } catch (err) {
        if (isIdwiseError(err) && err.kind === 'not-found') {
          log.info('IDWise journey already erased', { journeyId, attempt: activityInfo().attempt });
          return { journeyId, outcome: 'already-erased', at: new Date().toISOString() };
        }
        throw failureOf(err);
      }
    },

    /** DeleteWorkflowExecution for each (a running one is terminated first by the server). */
    async deleteJourneyExecutions({ executions }: { executions: JourneyRun[] }): Promise<TemporalErasure[]> {
      const c = client();
      const done: TemporalErasure[] = [];
      for (const { workflowId, runId } of executions) {
        try {
          await c.workflowService.deleteWorkflowExecution({
            namespace: c.options.namespace,
            workflowExecution: { workflowId, runId },
          });
          done.push({ workflowId, runId, outcome: 'deleted' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          done.push({ workflowId, runId, outcome: 'already-gone' });
        }
      }
      return done;
    },

    /** The server deletes in the background: a poll as a retry policy until none of them can be described. */
    async confirmExecutionsDeleted({ executions }: { executions: JourneyRun[] }): Promise<void> {
      const c = client();
      const left: string[] = [];
      for (const { workflowId, runId } of executions) {
        try {
          await c.workflow.getHandle(workflowId, runId, { followRuns: false }).describe();
          left.push(runId);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (left.length > 0) {
        throw expectedRetry('ExecutionsNotDeletedYet', `${left.length} execution(s) not deleted by the server yet`);
      }
    },
  };
}
