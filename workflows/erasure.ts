import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  ERASURE_INCOMPLETE,
  erasureQuery,
  eraseRequestSignal,
  type ErasureInput,
  type ErasureRecord,
  type IdwiseErasure,
} from '../shared/erasure.js';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../shared/errors.js';
import { explainFailure } from '../shared/failures.js';
import type { JourneyEvent } from '../shared/journey-events.js';
import { IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import { deliverJourneyEvents } from './journey-outbox.js';

type Activities = ReturnType<typeof createActivities>;
const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

const temporal = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes },
});
// The server deletes executions in the background: a fixed-cadence poll until none is left (no history per retry).
const { confirmExecutionsDeleted } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 1, maximumInterval: '1s' },
});
const { deliverJourneyEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Delete PII under the usual policy: 5xx, 429 (Retry-After) and network errors retry; other 4xx fail at once. */
function idwiseOptions(input: ErasureInput): ActivityOptions {
  return {
    startToCloseTimeout: '40s',
    scheduleToCloseTimeout: input.options?.apiRetryWindow ?? '24h',
    retry: {
      initialInterval: input.options?.retryInterval ?? '2s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
      nonRetryableErrorTypes,
    },
  };
}

const now = () => new Date().toISOString();

/**
 * Erases everything one applicant's journeys left behind, in an order that never loses track of what is left:
 * a running journey is cancelled; IDWise's Delete PII for every IDWise journey its runs created; the staged images;
 * then the Temporal executions (all runs, and their deliverJourneyEvents workflows). A Delete PII that IDWise
 * refuses stops it before anything of ours is deleted, so a second request finds everything again. What remains is
 * this workflow's record (result, memo, `erasure` query), which holds ids, counts and times: no PII.
 */
export async function eraseJourney(input: ErasureInput): Promise<ErasureRecord> {
  if (!input || typeof input.referenceNo !== 'string' || !input.referenceNo.trim()) {
    throw ApplicationFailure.nonRetryable('invalid erasure input: referenceNo is required', ErrorType.InvalidInput);
  }
  const record: ErasureRecord = {
    referenceNo: input.referenceNo,
    reason: input.reason,
    trigger: input.trigger,
    status: 'erasing',
    requestedAt: now(),
    finishedAt: null,
    cancelledRunId: null,
    idwise: [],
    possiblyOrphanedStarts: 0,
    stagedImages: null,
    temporal: [],
    temporalDeletedAt: null,
    failure: null,
  };
  setHandler(erasureQuery, () => record);
  // An explicit request that woke a waiting retention erasure (signal-with-start ends its delay) is what it is.
  setHandler(eraseRequestSignal, ({ reason }) => {
    if (record.trigger === 'retention') Object.assign(record, { trigger: 'request', reason });
  });
  upsertSearchAttributes([
    { key: IdwiseReferenceNo, value: input.referenceNo },
    { key: IdwiseStage, value: 'erasing' },
  ]);

  record.cancelledRunId = (await temporal.cancelJourneyForErasure({ referenceNo: input.referenceNo })).cancelledRunId;
  const found = await temporal.findJourneyRecords({
    referenceNo: input.referenceNo,
    knownJourneyIds: input.knownJourneyIds ?? [],
  });
  record.possiblyOrphanedStarts = found.possiblyOrphanedStarts;

  const { deleteIdwiseJourney } = proxyActivities<Activities>(idwiseOptions(input));
  const results = await Promise.allSettled(found.journeyIds.map((journeyId) => deleteIdwiseJourney({ journeyId })));
  record.idwise = results.map((r, i): IdwiseErasure => {
    const journeyId = found.journeyIds[i]!;
    if (r.status === 'fulfilled') return r.value;
    return { journeyId, outcome: 'not-erased', at: null, error: describeRefusal(r.reason) };
  });
  const left = record.idwise.filter((e) => e.outcome === 'not-erased');
  if (left.length > 0) {
    return fail(
      record,
      `IDWise did not erase journey(s) ${left.map((e) => `${e.journeyId} (${e.error})`).join(', ')}; ` +
        'nothing else was deleted (staged images and Temporal histories are kept, so a new erase request finds ' +
        'everything again once IDWise accepts the delete)',
    );
  }

  record.stagedImages = { ...(await temporal.deleteStagedImages({ referenceNo: input.referenceNo })), at: now() };
  record.temporal = await temporal.deleteJourneyExecutions({ executions: found.executions });
  await confirmExecutionsDeleted({ executions: found.executions });
  record.temporalDeletedAt = now();

  record.status = 'erased';
  record.finishedAt = now();
  upsertSearchAttributes([{ key: IdwiseStage, value: 'erased' }]);
  upsertMemo({ erasure: record });
  await tellBackend(record);
  return record;
}

/** IDWise's status and error code, from the failure's details (activities/failures.ts), else its message. */
function describeRefusal(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as { status?: number | null; errorCode?: string | null } | undefined;
    if (d?.status) return `${d.status}${d.errorCode ? ` ${d.errorCode}` : ''}`;
  }
  return explainFailure(err).reason;
}

function fail(record: ErasureRecord, failure: string): never {
  record.status = 'failed';
  record.failure = failure;
  record.finishedAt = now();
  upsertSearchAttributes([{ key: IdwiseStage, value: 'erasure-failed' }]);
  upsertMemo({ erasure: record });
  throw ApplicationFailure.create({
    message: failure,
    type: ERASURE_INCOMPLETE,
    nonRetryable: true,
    details: [record],
  });
}

/** A signed journey.erased event: ids, counts and times only. Undelivered, it goes on in an outbox workflow. */
async function tellBackend(record: ErasureRecord): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const event: JourneyEvent = {
    id: `${workflowId}/journey.erased/${runId}`,
    type: 'journey.erased',
    createdAt: record.finishedAt ?? now(),
    referenceNo: record.referenceNo,
    workflowId,
    journeyId: record.idwise[0]?.journeyId ?? null,
    data: {
      reason: record.reason,
      trigger: record.trigger,
      idwiseJourneys: record.idwise.map(({ journeyId, outcome }) => ({ journeyId, outcome })),
      possiblyOrphanedStarts: record.possiblyOrphanedStarts,
      stagedImagesDeleted: record.stagedImages?.deleted ?? 0,
      temporalExecutionsDeleted: record.temporal.length,
      erasedAt: record.finishedAt,
    },
  };
  try {
    await deliverJourneyEvent(event);
  } catch {
    await startChild(deliverJourneyEvents, {
      workflowId: `${workflowId}/events/${runId}`,
      args: [[event]],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `deliver journey.erased for ${record.referenceNo}`,
    });
  }
}
