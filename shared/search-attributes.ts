import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What ops filter on in the Web UI. Opaque ids and stages only: search attributes are stored
// unencrypted and never pass through a payload codec, so no names or birth dates ever go here.
export const IdwiseReferenceNo = defineSearchAttributeKey('IdwiseReferenceNo', SearchAttributeType.KEYWORD);
export const IdwiseJourneyId = defineSearchAttributeKey('IdwiseJourneyId', SearchAttributeType.KEYWORD);
export const IdwiseFlowId = defineSearchAttributeKey('IdwiseFlowId', SearchAttributeType.KEYWORD);
export const IdwiseStage = defineSearchAttributeKey('IdwiseStage', SearchAttributeType.KEYWORD);
export const IdwiseDecision = defineSearchAttributeKey('IdwiseDecision', SearchAttributeType.KEYWORD);
export const IdwiseBatchId = defineSearchAttributeKey('IdwiseBatchId', SearchAttributeType.KEYWORD);

/** Every custom search attribute the code uses; the dev server and docker-compose register exactly these. */
export const SEARCH_ATTRIBUTES = [
  IdwiseReferenceNo,
  IdwiseJourneyId,
  IdwiseFlowId,
  IdwiseStage,
  IdwiseDecision,
  IdwiseBatchId,
] as const;
