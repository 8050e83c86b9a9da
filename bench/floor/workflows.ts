import { patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { IdwiseDecision, IdwiseJourneyId, IdwiseStage } from '../../shared/search-attributes.js';
import type { FloorActivities, FloorCall } from './activities.js';

// The SDK floor (bench/README.md): a passing journey's Temporal shape with none of its work. The same commands in the
// same workflow tasks (a patch marker, 4 activities with summaries, 3 upserts, the result), payloads of about the
// same size, activities that only wait as long as the journey's do. What a worker spends on this is what the SDK,
// the codec and the core cost per journey before any IDWise call; the journey's worker CPU minus it is ours.

const { floorCall } = proxyActivities<FloorActivities>({ startToCloseTimeout: '40s' });

export interface FloorInput {
  referenceNo: string;
  /** Stands in for the journey input's flow, step mapping and options (about the same size once encoded). */
  padding: string;
}

export async function floorJourney(input: FloorInput): Promise<FloorCall[]> {
  patched('bench-floor');
  const call = (kind: string) =>
    floorCall.executeWithOptions({ startToCloseTimeout: '40s', summary: `${kind} ${input.referenceNo}` }, [
      { kind, padding: input.padding.slice(0, 200) },
    ]);
  const started = await call('start');
  upsertSearchAttributes([{ key: IdwiseJourneyId, value: `floor-${input.referenceNo}` }]);
  const first = await call('submit');
  const second = await call('submit');
  upsertSearchAttributes([{ key: IdwiseStage, value: 'awaiting-decision' }]);
  const completed = await call('complete');
  upsertSearchAttributes([
    { key: IdwiseStage, value: 'completed' },
    { key: IdwiseDecision, value: 'Complete' },
  ]);
  return [started, first, second, completed];
}
