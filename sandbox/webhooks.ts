import { randomUUID } from 'node:crypto';
import type { CounterStore } from './counters.js';
import type { Timers } from './timers.js';
import { WebhookLog, type WebhookFields, type WebhookLogEntry, type WebhookPayload } from './webhook-log.js';
import { authHeaders, type WebhookEventName, type WebhookFaults, type WebhookSettings } from './webhook-config.js';

// Sends IDWise's webhooks (idwise-api.md §10): POST `{ event, body }` with camelCase keys and an eventId that
// stays the same on every retry. A non-2xx answer or a network error is retried on retryScheduleMs (IDWise:
// 5, 10, 15 minutes); after the last retry the delivery counts as failed. Retries use the sandbox's timers:
// the sandbox plays IDWise here, it is not a client that should leave retrying to Temporal.

/** How long the reorder fault holds a journey's events before sending them newest first. */
export const REORDER_HOLD_MS = 150;

export interface WebhookSenderDeps {
  counters: CounterStore;
  timers: Timers;
  log: ((line: string) => void) | undefined;
  random?: () => number;
}

export class WebhookSender {
  settings: WebhookSettings;
  faults: WebhookFaults;
  private readonly entries = new WebhookLog();
  private held = new Map<string, (() => Promise<void>)[]>();
  private readonly inFlight = new Set<AbortController>();
  // Bumped by reset/close: an answer that arrives afterwards belongs to forgotten state and is ignored.
  private generation = 0;
  private readonly random: () => number;

  constructor(
    private readonly base: { settings: WebhookSettings; faults: WebhookFaults },
    private readonly deps: WebhookSenderDeps,
  ) {
    this.settings = structuredClone(base.settings);
    this.faults = { ...base.faults };
    this.random = deps.random ?? Math.random;
  }

  /** Queues one event; a no-op while no url is set. */
  emit(event: WebhookEventName, body: WebhookFields): void {
    if (!this.settings.url) return;
    const payload: WebhookPayload = { event, body: { eventId: randomUUID(), ...body } };
    const { dropRate, duplicateRate, delayMs, reorder } = this.faults;
    if (dropRate > 0 && this.random() < dropRate) {
      this.deps.counters.webhook(event, 'dropped');
      this.entries.record(payload, false).status = 'dropped';
      return;
    }
    const twice = duplicateRate > 0 && this.random() < duplicateRate;
    if (twice) this.deps.counters.webhook(event, 'duplicated');
    // Logged when emitted (pending), so the log keeps the order events happened in.
    const first = this.entries.record(payload, false);
    const second = twice ? this.entries.record(payload, true) : null;
    const send = async () => {
      await this.attempt(payload, first, 1);
      if (second) await this.attempt(payload, second, 1);
    };
    if (reorder) this.hold(payload.body.journeyId, send, delayMs);
    else this.deps.timers.after(delayMs, () => void send());
  }

  log(): WebhookLogEntry[] {
    return this.entries.list();
  }

  /** Forgets the log and pending deliveries; settings and faults back to the baseline. */
  reset(): void {
    this.stop();
    this.entries.clear();
    this.settings = structuredClone(this.base.settings);
    this.faults = { ...this.base.faults };
  }

  /** Aborts deliveries in flight; their timers are cleared by the owner of the Timers. */
  stop(): void {
    this.generation++;
    this.held.clear();
    for (const ac of this.inFlight) ac.abort();
    this.inFlight.clear();
  }

  private hold(journeyId: string, send: () => Promise<void>, delayMs: number): void {
    const queue = this.held.get(journeyId);
    if (queue) return void queue.push(send);
    this.held.set(journeyId, [send]);
    const generation = this.generation;
    this.deps.timers.after(REORDER_HOLD_MS + delayMs, () => {
      const sends = (this.held.get(journeyId) ?? []).reverse();
      this.held.delete(journeyId);
      void this.oneByOne(sends, generation);
    });
  }

  /** Newest first, each after the previous one's first attempt: concurrent requests could arrive in any order. */
  private async oneByOne(sends: (() => Promise<void>)[], generation: number): Promise<void> {
    for (const send of sends) {
      if (generation !== this.generation) return;
      await send();
    }
  }

  private async attempt(payload: WebhookPayload, entry: WebhookLogEntry, n: number): Promise<void> {
    const { url, auth, timeoutMs, retryScheduleMs } = this.settings;
    const generation = this.generation;
    if (!url) return this.finish(entry, 'failed', n);
    entry.attempts = n;
    this.deps.counters.webhook(payload.event, 'attempts');
    const ac = new AbortController();
    this.inFlight.add(ac);
    let status: number | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'idwise-sandbox', ...authHeaders(auth) },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([ac.signal, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch {
      status = null;
    } finally {
      this.inFlight.delete(ac);
    }
    if (generation !== this.generation) return;
    entry.httpStatus = status;
    if (status !== null && status >= 200 && status < 300) return this.finish(entry, 'delivered', n);
    const wait = retryScheduleMs[n - 1];
    if (wait === undefined) return this.finish(entry, 'failed', n);
    this.logLine(entry, n, 'retry');
    this.deps.timers.after(wait, () => void this.attempt(payload, entry, n + 1));
  }

  private finish(entry: WebhookLogEntry, status: 'delivered' | 'failed', attempt: number): void {
    entry.status = status;
    this.deps.counters.webhook(entry.event, status);
    this.logLine(entry, attempt, status);
  }

  private logLine(entry: WebhookLogEntry, attempt: number, outcome: string): void {
    // Ids and outcome only: never the url (it may carry a token) or the auth header.
    this.deps.log?.(
      JSON.stringify({
        event: 'idwise-sandbox-webhook',
        webhook: entry.event,
        eventId: entry.eventId,
        journeyId: entry.journeyId,
        attempt,
        httpStatus: entry.httpStatus,
        outcome,
      }),
    );
  }
}
