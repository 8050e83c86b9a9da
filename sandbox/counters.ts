import type { Operation } from './config.js';
import type { FaultKind } from './faults.js';
import { WEBHOOK_EVENTS, type WebhookEventName } from './webhook-config.js';

// Call counters, so tests and benchmarks can prove what a client did: nothing submitted twice, the summary
// poll rule held, one complete per journey. Faulted requests never reach "IDWise" and so are counted only
// in totals.faults, never per journey.

export interface JourneyCounters {
  startCalls: number;
  /** Accepted process-journey-step calls (attempts and skips) per step id. */
  processSubmissions: Record<string, number>;
  /** Process calls for this journey answered with an error, per step id. */
  processRejections: Record<string, number>;
  summaryCalls: number;
  /** Summary calls keyed by the step submitted last before the call (`none` before any submission). */
  summaryCallsByStep: Record<string, number>;
  /** Summary calls that came sooner than pollIntervalMs after the previous one (pollRule count or 429). */
  pollRuleViolations: number;
  completeCalls: number;
  resultCalls: number;
  /** Delete PII calls that reached this journey (the first deletes it; later ones answer 404). */
  deleteCalls: number;
  /** When Delete PII removed the journey (epoch ms), else null. */
  deletedAt: number | null;
}

/** Per webhook event name. An event sent twice by the duplicate fault counts once in `duplicated`. */
export interface WebhookEventCounters {
  /** Deliveries the receiver answered with a 2xx. */
  delivered: number;
  /** HTTP attempts, including retries. */
  attempts: number;
  /** Deliveries given up after the last retry. */
  failed: number;
  /** Events never sent (the dropRate webhook fault). */
  dropped: number;
  duplicated: number;
}
export type WebhookCounterField = keyof WebhookEventCounters;

/**
 * When each step's latest accepted attempt was submitted and when its processing ends, and when complete was first
 * called (epoch ms; readyAt null for an attempt that never finishes): how soon a client moved on after IDWise was done.
 */
export interface JourneyTimings {
  steps: Record<string, { submittedAt: number; readyAt: number | null }>;
  completedAt: number | null;
}

export interface Counters {
  totals: {
    /** Every API request that matched a route, including faulted and rejected ones. */
    requests: Record<Operation, number>;
    faults: Record<FaultKind, number>;
    /** Error answers by error_code (auth, validation, business rules; not injected faults). */
    errors: Record<string, number>;
    journeysStarted: number;
    processSubmissions: number;
    summaryCalls: number;
    pollRuleViolations: number;
    /** Journeys removed by Delete PII. */
    journeysDeleted: number;
  };
  journeys: Record<string, JourneyCounters>;
  webhooks: Record<WebhookEventName, WebhookEventCounters>;
  timings: Record<string, JourneyTimings>;
}

const emptyWebhooks = () =>
  Object.fromEntries(
    WEBHOOK_EVENTS.map((e) => [e, { delivered: 0, attempts: 0, failed: 0, dropped: 0, duplicated: 0 }]),
  ) as Counters['webhooks'];

const emptyTotals = (): Counters['totals'] => ({
  requests: { start: 0, process: 0, summary: 0, complete: 0, result: 0, delete: 0 },
  faults: { '5xx': 0, '429': 0, drop: 0, malformed: 0, slow: 0, lost: 0, echo: 0 },
  errors: {},
  journeysStarted: 0,
  processSubmissions: 0,
  summaryCalls: 0,
  pollRuleViolations: 0,
  journeysDeleted: 0,
});

const emptyJourney = (): JourneyCounters => ({
  startCalls: 0,
  processSubmissions: {},
  processRejections: {},
  summaryCalls: 0,
  summaryCallsByStep: {},
  pollRuleViolations: 0,
  completeCalls: 0,
  resultCalls: 0,
  deleteCalls: 0,
  deletedAt: null,
});

const bump = (rec: Record<string, number>, key: string) => (rec[key] = (rec[key] ?? 0) + 1);

export class CounterStore {
  private totals = emptyTotals();
  private journeys = new Map<string, JourneyCounters>();
  private webhooks = emptyWebhooks();
  private timings = new Map<string, JourneyTimings>();

  reset(): void {
    this.totals = emptyTotals();
    this.journeys.clear();
    this.timings.clear();
    this.webhooks = emptyWebhooks();
  }

  snapshot(): Counters {
    return structuredClone({
      totals: this.totals,
      journeys: Object.fromEntries(this.journeys),
      webhooks: this.webhooks,
      timings: Object.fromEntries(this.timings),
    });
  }

  /** The totals alone: a copy of a few numbers, where snapshot() copies every journey's counters and timings. */
  totalsSnapshot(): Counters['totals'] {
    return structuredClone(this.totals);
  }

  webhook(event: WebhookEventName, field: WebhookCounterField): void {
    this.webhooks[event][field]++;
  }

  journey(journeyId: string): JourneyCounters | undefined {
    const c = this.journeys.get(journeyId);
    return c && structuredClone(c);
  }

  request(op: Operation): void {
    this.totals.requests[op]++;
  }
  fault(kind: FaultKind): void {
    this.totals.faults[kind]++;
  }
  error(code: string): void {
    bump(this.totals.errors, code);
  }

  started(journeyId: string, isNew: boolean): void {
    if (isNew) this.totals.journeysStarted++;
    this.of(journeyId).startCalls++;
  }
  submitted(journeyId: string, stepId: string, at?: { submittedAt: number; readyAt: number }): void {
    this.totals.processSubmissions++;
    bump(this.of(journeyId).processSubmissions, stepId);
    if (at) {
      const readyAt = Number.isFinite(at.readyAt) ? at.readyAt : null;
      this.timesOf(journeyId).steps[stepId] = { submittedAt: at.submittedAt, readyAt };
    }
  }
  rejected(journeyId: string, stepId: string): void {
    bump(this.of(journeyId).processRejections, stepId);
  }
  summary(journeyId: string, lastStepId: string | null): void {
    this.totals.summaryCalls++;
    const c = this.of(journeyId);
    c.summaryCalls++;
    bump(c.summaryCallsByStep, lastStepId ?? 'none');
  }
  pollViolation(journeyId: string): void {
    this.totals.pollRuleViolations++;
    this.of(journeyId).pollRuleViolations++;
  }
  completed(journeyId: string, at = Date.now()): void {
    this.of(journeyId).completeCalls++;
    this.timesOf(journeyId).completedAt ??= at;
  }
  result(journeyId: string): void {
    this.of(journeyId).resultCalls++;
  }
  /** A Delete PII call for a journey id; `deleted` when it removed the journey. */
  deleteCall(journeyId: string, deleted: boolean, at = Date.now()): void {
    const c = this.of(journeyId);
    c.deleteCalls++;
    if (!deleted) return;
    this.totals.journeysDeleted++;
    c.deletedAt = at;
  }

  private timesOf(journeyId: string): JourneyTimings {
    let t = this.timings.get(journeyId);
    if (!t) this.timings.set(journeyId, (t = { steps: {}, completedAt: null }));
    return t;
  }

  private of(journeyId: string): JourneyCounters {
    let c = this.journeys.get(journeyId);
    if (!c) this.journeys.set(journeyId, (c = emptyJourney()));
    return c;
  }
}
