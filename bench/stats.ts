import type { WorkflowHandle } from '@temporalio/client';

// Pure helpers of the benchmark: percentiles, and the Temporal Cloud billable-action estimate from a history.

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Rounds for the report; NaN stays null so JSON never carries it. */
export function round(n: number, digits = 2): number | null {
  if (!Number.isFinite(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** The marker the SDK records for a local activity's result. */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export type ActionKind =
  | 'workflowStarted'
  | 'activityScheduled'
  | 'activityRetries'
  | 'localActivities'
  | 'timerStarted'
  | 'searchAttributeUpserts'
  | 'signalsReceived'
  | 'updatesAccepted'
  | 'signalExternal'
  | 'childWorkflowStarts';

export type ActionCount = Record<ActionKind, number> & { total: number };

/**
 * Temporal Cloud billable actions visible in one run's event history (https://docs.temporal.io/cloud/actions):
 * - WorkflowExecutionStarted: 1 (workflow started; search attributes given at start are free)
 * - ActivityTaskScheduled: 1 per activity, plus 1 per retry. Retries add no events, so they are read from the
 *   attempt number of each ActivityTaskStarted event (only the last attempt is recorded): attempt - 1.
 * - TimerStarted: 1 (also the implicit timer of `condition(fn, timeout)`)
 * - UpsertWorkflowSearchAttributes: 1 per command, however many attributes it sets
 * - WorkflowExecutionSignaled (signal sent), WorkflowExecutionUpdateAccepted (update received),
 *   SignalExternalWorkflowExecutionInitiated, StartChildWorkflowExecutionInitiated: 1 each
 * - Local activities: 1 per workflow task that recorded their markers, plus 1 per retry after the first attempt
 *   (the task's completion reports them as meteringMetadata.nonfirstLocalActivityExecutionAttempts)
 * Not in history, so not counted here: activity heartbeats that reach the server (the bench counts them from the
 * server's metrics, serverHeartbeats; an upload beats first after half its heartbeat timeout, so one done sooner sends
 * none), queries, rejected updates.
 */
export function countActions(history: History): ActionCount {
  const c: ActionCount = {
    total: 0,
    workflowStarted: 0,
    activityScheduled: 0,
    activityRetries: 0,
    localActivities: 0,
    timerStarted: 0,
    searchAttributeUpserts: 0,
    signalsReceived: 0,
    updatesAccepted: 0,
    signalExternal: 0,
    childWorkflowStarts: 0,
  };
  const tasksWithLocalActivities = new Set<string>();
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
      tasksWithLocalActivities.add(String(marker.workflowTaskCompletedEventId));
    }
    c.localActivities +=
      e.workflowTaskCompletedEventAttributes?.meteringMetadata?.nonfirstLocalActivityExecutionAttempts ?? 0;
    if (e.workflowExecutionStartedEventAttributes) c.workflowStarted++;
    else if (e.activityTaskScheduledEventAttributes) c.activityScheduled++;
    else if (e.activityTaskStartedEventAttributes)
      c.activityRetries += Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    else if (e.timerStartedEventAttributes) c.timerStarted++;
    else if (e.upsertWorkflowSearchAttributesEventAttributes) c.searchAttributeUpserts++;
    else if (e.workflowExecutionSignaledEventAttributes) c.signalsReceived++;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) c.updatesAccepted++;
    else if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) c.signalExternal++;
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) c.childWorkflowStarts++;
  }
  c.localActivities += tasksWithLocalActivities.size;
  c.total =
    c.workflowStarted +
    c.activityScheduled +
    c.activityRetries +
    c.localActivities +
    c.timerStarted +
    c.searchAttributeUpserts +
    c.signalsReceived +
    c.updatesAccepted +
    c.signalExternal +
    c.childWorkflowStarts;
  return c;
}

/** Event types of a history by name (from the attributes field each event carries), with counts. */
export function eventTypeCounts(history: History): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
    const name = key ? key.replace(/EventAttributes$/, '').replace(/^./, (c) => c.toUpperCase()) : 'Unknown';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export interface HistoryTimings {
  /** WorkflowExecutionStarted to the close event. */
  workflowS: number;
  /** Activities running on the worker (ActivityTaskStarted to Completed/Failed), incl. their 2 s rule waits. */
  activityRunS: number;
  /** Activities scheduled but not yet picked up (ActivityTaskScheduled to Started; incl. retry backoff). */
  activityQueueS: number;
  /** Workflow tasks from scheduled to completed (queue + execution on the worker). */
  workflowTaskS: number;
}

const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;

/** Where a journey's time went, from its history's timestamps. */
export function historyTimings(history: History): HistoryTimings {
  const events = history.events ?? [];
  const at = new Map<string, number>(events.map((e) => [String(e.eventId), eventMs(e.eventTime)]));
  const since = (id: unknown, end: number) => (end - (at.get(String(id)) ?? end)) / 1000;
  const t: HistoryTimings = { workflowS: 0, activityRunS: 0, activityQueueS: 0, workflowTaskS: 0 };
  for (const e of events) {
    const time = eventMs(e.eventTime);
    const started = e.activityTaskStartedEventAttributes;
    if (started) t.activityQueueS += since(started.scheduledEventId, time);
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done) t.activityRunS += since(done.startedEventId, time);
    const wft = e.workflowTaskCompletedEventAttributes;
    if (wft) t.workflowTaskS += since(wft.scheduledEventId, time);
  }
  if (events.length > 0)
    t.workflowS = (eventMs(events[events.length - 1]!.eventTime) - eventMs(events[0]!.eventTime)) / 1000;
  return t;
}

/** Mean of each action kind over a sample of histories. */
export function meanActions(counts: readonly ActionCount[]): ActionCount | null {
  if (counts.length === 0) return null;
  const keys = Object.keys(counts[0]!) as (keyof ActionCount)[];
  return Object.fromEntries(
    keys.map((k) => [k, round(counts.reduce((a, c) => a + c[k], 0) / counts.length) ?? 0]),
  ) as ActionCount;
}

/** Evenly spread indexes 0..n-1, `size` of them (all when n <= size). */
export function sampleIndexes(n: number, size: number): number[] {
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: size }, (_, i) => Math.floor((i * n) / size));
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight: the next starts when one ends. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return results;
}
