import type { Client } from '@temporalio/client';
import type { Counters } from '../sandbox/index.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { distribution, round, sampleIndexes } from './stats.js';

// Where the detection latency goes, from a sample of histories: milestones after the held step's processing ended
// (the sandbox's readyAt), up to the next step's process call as the sandbox recorded it. Medians in ms.

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;

const MILESTONES = [
  'signaled', // the receiver's signal reached the server (webhooks only)
  'checkDone', // the summary call that saw the step processed has completed
  'submitScheduled', // the workflow task after it scheduled the next upload
  'submitStarted', // a worker picked the upload up
  'processCall', // the sandbox received the next step's process call
] as const;

function milestones(events: HistoryEvent[], readyAt: number, processCall: number | null) {
  const after = events.filter((e) => eventMs(e.eventTime) >= readyAt);
  const time = (e: HistoryEvent | undefined) => (e ? eventMs(e.eventTime) - readyAt : Number.NaN);
  const submit = after.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitStep');
  const submitId = String(submit?.eventId ?? '');
  return {
    signaled: time(after.find((e) => e.workflowExecutionSignaledEventAttributes)),
    checkDone: time(after.find((e) => e.activityTaskCompletedEventAttributes)),
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
