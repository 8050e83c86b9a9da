import type { Client } from '@temporalio/client';
import type { Counters } from '../sandbox/index.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { distribution, LOCAL_ACTIVITY_MARKER, round, sampleIndexes } from './stats.js';

// Detection latency from the sandbox's timings, and where it goes, from a sample of histories: milestones after the held step's processing ended
// (the sandbox's readyAt), up to the next step's process call as the sandbox recorded it. Medians in ms.

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;

const MILESTONES = [
  'signaled', // the receiver's signal reached the server (webhooks only)
  'taskStarted', // the worker picked up the workflow task that the signal (or the poll's answer) brought
  'taskCompleted', // ... and completed it
  'checkStarted', // a worker picked up the summary check (webhooks: the look the event asked for; none when local)
  'checkDone', // the call that saw the step processed completed (a local look: its marker, with the next task)
  'submitScheduled', // the workflow task after it scheduled the next upload
  'submitStarted', // a worker picked the upload up
  'processCall', // the sandbox received the next step's process call
] as const;

function milestones(events: HistoryEvent[], readyAt: number, processCall: number | null) {
  const after = events.filter((e) => eventMs(e.eventTime) >= readyAt);
  const time = (e: HistoryEvent | undefined) => (e ? eventMs(e.eventTime) - readyAt : Number.NaN);
  const submit = after.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitStep');
  const submitId = String(submit?.eventId ?? '');
  const signal = after.find((e) => e.workflowExecutionSignaledEventAttributes);
  const from = signal ? Number(signal.eventId) : 0;
  const later = after.filter((e) => Number(e.eventId) > from);
  const check = later.find((e) => e.activityTaskScheduledEventAttributes);
  const checkId = String(check?.eventId ?? '');
  // Journeys since `event-look-local` make that look as a local activity: no task events, one marker.
  const localLook = later.find((e) => e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER);
  return {
    signaled: time(signal),
    taskStarted: time(later.find((e) => e.workflowTaskStartedEventAttributes)),
    taskCompleted: time(later.find((e) => e.workflowTaskCompletedEventAttributes)),
    checkStarted: localLook
      ? Number.NaN
      : time(later.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === checkId)),
    checkDone: time(localLook ?? after.find((e) => e.activityTaskCompletedEventAttributes)),
    submitScheduled: time(submit),
    submitStarted: time(
      after.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === submitId),
    ),
    processCall: processCall === null ? Number.NaN : processCall - readyAt,
  };
}

export async function detectionBreakdown(
  client: Client,
  refs: string[],
  journeyIds: (string | null)[],
  timings: Counters['timings'],
  sample = 20,
): Promise<Record<(typeof MILESTONES)[number], number | null>> {
  const rows: ReturnType<typeof milestones>[] = [];
  for (const i of sampleIndexes(refs.length, sample)) {
    const t = journeyIds[i] ? timings[journeyIds[i]!] : undefined;
    const readyAt = t?.steps['0']?.readyAt;
    if (!t || readyAt === null || readyAt === undefined) continue;
    try {
      const history = await client.workflow.getHandle(journeyWorkflowId(refs[i]!)).fetchHistory();
      rows.push(milestones(history.events ?? [], readyAt, t.steps['2']?.submittedAt ?? null));
    } catch {
      // a journey whose history cannot be read is left out of the sample
    }
  }
  const median = (k: (typeof MILESTONES)[number]) => {
    const v = rows.map((r) => r[k]).filter((x) => Number.isFinite(x));
    return v.length === 0 ? null : round(distribution(v).p50, 0);
  };
  return Object.fromEntries(MILESTONES.map((k) => [k, median(k)])) as Record<
    (typeof MILESTONES)[number],
    number | null
  >;
}

/**
 * Processing ended → the journey's next IDWise call that moves it on (next step's submission, or complete). `ids` in
 * start order (null: no outcome); `heldByTenthP50Ms` splits the held step's figure by tenths of that order.
 */
export function detectionLatencies(timings: Counters['timings'], ids: (string | null)[]) {
  const held: number[] = [];
  const all: number[] = [];
  const tenths: number[][] = Array.from({ length: 10 }, () => []);
  ids.forEach((id, i) => {
    const t = id === null ? undefined : timings[id];
    if (!t) return;
    const steps = Object.values(t.steps).sort((a, b) => a.submittedAt - b.submittedAt);
    steps.forEach((s, k) => {
      const next = steps[k + 1]?.submittedAt ?? t.completedAt;
      if (s.readyAt === null || next === null || next < s.readyAt) return;
      all.push(next - s.readyAt);
      if (k > 0) return;
      held.push(next - s.readyAt);
      tenths[Math.floor((i * 10) / ids.length)]!.push(next - s.readyAt);
    });
  });
  const summary = (v: number[]) => {
    const d = distribution(v);
    return { count: v.length, p50Ms: round(d.p50, 0), p99Ms: round(d.p99, 0), maxMs: round(d.max, 0) };
  };
  return {
    heldStep: summary(held),
    allSteps: summary(all),
    heldByTenthP50Ms: tenths.map((v) => round(distribution(v).p50, 0)),
  };
}
