import { metricMeter } from '@temporalio/workflow';

// Journey-level metrics. The SDK drops workflow metrics during replay, so each is emitted once per event
// however often a history is replayed. Labels stay low-cardinality: flow ids, step types, decisions.

export const journeyMetrics = {
  started(flowId: string): void {
    metricMeter.createCounter('idwise_journeys_started', '1', 'Journeys started').add(1, { flow_id: flowId });
  },
  finished(flowId: string, outcome: 'completed' | 'failed' | 'cancelled', decision: string): void {
    metricMeter
      .createCounter('idwise_journeys_finished', '1', 'Journeys finished, by outcome and final decision')
      .add(1, { flow_id: flowId, outcome, decision });
  },
  stepProcessed(stepType: string, seconds: number, summaryCalls: number): void {
    metricMeter
      .createHistogram('idwise_step_processing_seconds', 'float', 's', 'Submit to processed, per step')
      .record(seconds, { step_type: stepType });
    metricMeter
      .createHistogram(
        'idwise_summary_calls_per_step',
        'int',
        '1',
        'Get Journey Summary calls until a step was processed',
      )
      .record(summaryCalls, { step_type: stepType });
  },
};
