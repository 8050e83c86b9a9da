import { metricMeter } from '@temporalio/activity';
import { OPERATIONS, type IdwiseError } from '../idwise/index.js';

// Our own metrics from inside activities, exported with the SDK's on the worker's Prometheus endpoint.
// Labels are low-cardinality on purpose: never a journey id or reference number, and only values from
// fixed sets (anything else is counted as `other`).

const KNOWN_OPERATIONS = new Set<string>(Object.values(OPERATIONS));

export function countIdwiseError(err: IdwiseError): void {
  metricMeter
    .createCounter('idwise_api_errors', '1', 'IDWise API calls that failed, by error class and operation')
    .add(1, {
      kind: err.kind,
      operation: KNOWN_OPERATIONS.has(err.operation) ? err.operation : 'other',
      retryable: String(err.retryable),
    });
}

export type SummaryPurpose = 'flow-steps' | 'step-check' | 'step-fallback' | 'resubmit-check' | 'reconcile';

export function countSummaryCall(purpose: SummaryPurpose): void {
  metricMeter
    .createCounter('idwise_summary_calls', '1', 'Get Journey Summary calls, by why they were made')
    .add(1, { purpose });
}

/** start-journey answers lost after IDWise may have acted: each may have left an orphaned journey at IDWise. */
export function countPossiblyOrphanedStart(): void {
  metricMeter
    .createCounter(
      'idwise_possibly_orphaned_journeys',
      '1',
      'start-journey calls retried after an answer was lost (a journey may exist at IDWise that nothing completes)',
    )
    .add(1);
}
