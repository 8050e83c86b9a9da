import { metricMeter } from '@temporalio/workflow';

// Journey-level metrics. The SDK drops workflow metrics during replay, so each is emitted once per event
// however often a history is replayed. Every label comes from a fixed set: a value from caller input or
// from IDWise (flow ids, unknown step types or decisions) would grow the series without bound, so flow
// ids are not a label at all and anything unexpected is counted as `other`.

const STEP_TYPES = new Set(['Document', 'Selfie', 'Unknown']);
const DECISIONS = new Set(['Complete', 'Approved', 'Refer', 'Rejected', 'Incomplete', 'none']);

export const stepTypeLabel = (type: string): string => (STEP_TYPES.has(type) ? type : 'other');
export const decisionLabel = (decision: string): string => (DECISIONS.has(decision) ? decision : 'other');

export const journeyMetrics = {
  started(): void {
    metricMeter.createCounter('idwise_journeys_started', '1', 'Journeys started').add(1);
  },
  finished(outcome: 'completed' | 'failed' | 'cancelled', decision: string): void {
    metricMeter
      .createCounter('idwise_journeys_finished', '1', 'Journeys finished, by outcome and final decision')
      .add(1, { outcome, decision: decisionLabel(decision) });
  },
  stepProcessed(stepType: string, seconds: number, summaryCalls: number): void {
    const step_type = stepTypeLabel(stepType);
    metricMeter
      .createHistogram('idwise_step_processing_seconds', 'float', 's', 'Submit to processed, per step')
      .record(seconds, { step_type });
    metricMeter
      .createHistogram(
        'idwise_summary_calls_per_step',
        'int',
        '1',
        'Get Journey Summary calls until a step was processed',
      )
      .record(summaryCalls, { step_type });
  },
};
