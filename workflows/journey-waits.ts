import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  TimeoutFailure,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';

// How the journey waits for IDWise. Polling: one activity whose fixed-interval retry policy is the poll (retries add
// no history). Webhooks: the receiver's signal says when to look, and a slower check is the fallback for a lost
// webhook. Neither is a hand-written retry loop: the activities' retry policies handle IDWise's transient errors.

interface WaitSpec<T> {
  /** One look, answering null while not done. */
  check: (remainingMs: number) => Promise<T | null>;
  /** Whether the event that says "done" arrived at or after `since` (workflow time). */
  eventSince: (since: number) => boolean;
  /** Absolute workflow time when waiting fails. */
  deadline: number;
}

export interface TurnSpec<T> extends WaitSpec<T> {
  /** When the awaited thing began (an event from then on counts). */
  since: number;
  /** How long to wait for the event before looking anyway. */
  fallbackMs: number;
}

export interface RaceSpec<T> extends WaitSpec<T> {
  /**
   * Step waits: events count whenever they arrive, from `since` (before the wait began) and while a check runs (they
   * come in any order). The result waits keep their recorded behaviour, for replay: only events during the poll.
   */
  eventsAnyTime?: { since: number };
  /** Resolves when done; fails at its scheduleToClose deadline (`remainingMs`). */
  poll: (remainingMs: number) => Promise<T>;
  /** Stops waiting to hand over to a continued run (history grown by signals); must throw ContinueAsNew. */
  interrupt?: { when: () => boolean; then: () => Promise<never> };
}

/** Activity options for a poll the event may interrupt: the interrupt need not wait for the attempt to end. */
export const INTERRUPTIBLE = { cancellationType: ActivityCancellationType.TRY_CANCEL } as const;

/**
 * Webhooks, for summary checks (IDWise's 2 s rule): strictly one call at a time. Wait for the event or the fallback
 * timer, then look once; each check's own options space it from the previous summary call.
 */
export async function waitInTurn<T>(spec: TurnSpec<T>): Promise<T> {
  let since = spec.since;
  for (;;) {
    const remaining = spec.deadline - Date.now();
    if (remaining <= 0) throw new DeadlineReached();
    await condition(() => spec.eventSince(since), Math.min(spec.fallbackMs, remaining));
    since = Date.now();
    const done = await spec.check(Math.max(1, spec.deadline - since));
    if (done !== null) return done;
  }
}

/**
 * The poll runs as an activity whose retries add no history and no workflow task, and an event (webhooks mode)
 * interrupts it for an immediate look. A review that takes days thus costs a handful of events. Result checks (no
 * rate rule) let the interrupt go at once (INTERRUPTIBLE); the step fallback waits for its attempt to end, which is
 * when its last summary call is 2 s old.
 */
export async function waitRacing<T>(spec: RaceSpec<T>): Promise<T> {
  const anyTime = !!spec.eventsAnyTime;
  let since = spec.eventsAnyTime?.since ?? Date.now();
  for (;;) {
    if (!(anyTime && spec.eventSince(since))) {
      const polled = await pollUntilEvent(spec, since);
      if (polled) return polled.value;
      if (spec.interrupt?.when()) await spec.interrupt.then();
    }
    const checkedFrom = Date.now();
    const done = await spec.check(Math.max(1, spec.deadline - checkedFrom));
    if (done !== null) return done;
    since = anyTime ? checkedFrom : Date.now();
  }
}

/** The poll's answer, or null once an event (or the interrupt) stopped it. */
async function pollUntilEvent<T>(spec: RaceSpec<T>, since: number): Promise<{ value: T } | null> {
  const scope = new CancellationScope();
  const polled = scope.run(() => spec.poll(Math.max(1, spec.deadline - Date.now())));
  const interrupted = () => spec.interrupt?.when() ?? false;
  const event = condition(() => spec.eventSince(since) || interrupted()).then(() => null);
  const first = await Promise.race([polled.then((value) => ({ value })), event]);
  if (first) return first;
  scope.cancel();
  return polled.then(
    (value) => ({ value }),
    (err: unknown) => {
      if (isCancellation(err) || stoppedByCancel(err)) return null;
      throw err;
    },
  );
}

/** An attempt that failed (e.g. "not yet") after the cancel was requested: the server retries it no more. */
const stoppedByCancel = (err: unknown) =>
  err instanceof ActivityFailure && err.retryState === RetryState.CANCEL_REQUESTED;

/** The wait ran out of time (webhooks mode, between checks). */
export class DeadlineReached extends Error {}

/**
 * Whether `err` means the wait's deadline passed: our own DeadlineReached, a timeout during an attempt, or the
 * server refusing a retry that would start after the deadline (retry state TIMEOUT).
 */
export function isDeadline(err: unknown): boolean {
  return (
    err instanceof DeadlineReached ||
    (err instanceof ActivityFailure && (err.cause instanceof TimeoutFailure || err.retryState === RetryState.TIMEOUT))
  );
}

/** The last attempt's own failure under a deadline, when it was not the expected "not yet" (e.g. a 503 or a 429). */
export function lastErrorBefore(err: unknown, pendingType: string): ApplicationFailure | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) return e.type === pendingType ? null : e;
  }
  return null;
}

/** A poll (pending: 'throw') answers only once done; this narrows its `T | null` for the type checker. */
export function done<T>(value: T | null): T {
  if (value === null) throw new TypeError('a poll answered "not yet" instead of failing');
  return value;
}
