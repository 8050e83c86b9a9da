import { z } from 'zod';
import { DEFAULT_FAULTS, OPERATIONS, type Faults, type Operation } from './config.js';
import type { ServerErrorStatus } from './errors.js';

// Fault injection. Faults act like a gateway in front of IDWise: a 5xx, 429, dropped connection or malformed
// body replaces the answer and the request has NO effect (nothing is submitted, no poll is counted), so a
// client that retries is never punished for it. `slow` is different: the request is handled and only the
// response body trickles out. `lost` is the ambiguous one a client must survive: the request is handled (the
// journey is created, the step submitted) and then the connection is closed without an answer. `echo` (fail-next
// only) is a careless IDWise or proxy: a 400 whose message quotes the request body back, applicant details and all.

export const FAULT_KINDS = ['5xx', '429', 'drop', 'malformed', 'slow', 'lost', 'echo'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FailNextSchema = z.strictObject({
  count: z.number().int().min(1),
  kind: z.enum(FAULT_KINDS),
  /** Only these operations consume the entry; any API operation when omitted. */
  routes: z.array(z.enum(OPERATIONS)).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** Status for kind 5xx (default 503). */
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
  /** Body duration for kind slow (default faults.slowBodyMs, or 2000 when that is 0). */
  slowBodyMs: z.number().int().min(0).optional(),
});
export type FailNextOptions = z.input<typeof FailNextSchema>;

export interface PlannedFault {
  kind: FaultKind;
  status: ServerErrorStatus;
  retryAfterSeconds: number;
}

export interface FaultPlan {
  latencyMs: number;
  fault: PlannedFault | null;
  /** Applies to the normal answer (kind `slow`, or faults.slowBodyMs). */
  slowBodyMs: number;
}

const STATUSES: ServerErrorStatus[] = [500, 502, 503];

export class FaultInjector {
  private faults: Faults;
  private queue: (FailNextOptions & { left: number })[] = [];

  constructor(
    private readonly base: Faults = DEFAULT_FAULTS,
    private readonly random: () => number = Math.random,
  ) {
    this.faults = { ...base };
  }

  get current(): Faults {
    return { ...this.faults, ...(this.faults.routes ? { routes: [...this.faults.routes] } : {}) };
  }

  set(patch: Partial<Faults>): void {
    this.faults = { ...this.faults, ...patch };
  }

  /** Back to the config's faults; queued fail-next entries are dropped. */
  reset(): void {
    this.faults = { ...this.base };
    this.queue = [];
  }

  failNext(o: FailNextOptions): void {
    this.queue.push({ ...o, left: o.count });
  }

  /** Decides what happens to one API request; consumes a fail-next entry when one matches. */
  plan(op: Operation): FaultPlan {
    const f = this.faults;
    const applies = !f.routes || f.routes.includes(op);
    const slowBodyMs = applies ? f.slowBodyMs : 0;
    const latencyMs = applies ? f.latencyMs : 0;
    const queued = this.queue.find((e) => !e.routes || e.routes.includes(op));
    if (queued) {
      if (--queued.left <= 0) this.queue.splice(this.queue.indexOf(queued), 1);
      const fault = {
        kind: queued.kind,
        status: queued.status ?? 503,
        retryAfterSeconds: queued.retryAfterSeconds ?? f.retryAfterSeconds,
      };
      if (queued.kind === 'slow') return { latencyMs, fault, slowBodyMs: queued.slowBodyMs ?? (f.slowBodyMs || 2000) };
      return { latencyMs, fault, slowBodyMs };
    }
    if (!applies) return { latencyMs, fault: null, slowBodyMs };
    // Each rate is an independent draw, in this order, so rates add up roughly when all are small.
    const rates: [FaultKind, number][] = [
      ['drop', f.dropRate],
      ['5xx', f.errorRate],
      ['429', f.rateLimitRate],
      ['malformed', f.malformedRate],
      ['lost', f.lostRate],
    ];
    const kind = rates.find(([, p]) => p > 0 && this.random() < p)?.[0];
    if (!kind) return { latencyMs, fault: null, slowBodyMs };
    const status = STATUSES[Math.floor(this.random() * STATUSES.length)] ?? 503;
    return { latencyMs, fault: { kind, status, retryAfterSeconds: f.retryAfterSeconds }, slowBodyMs };
  }
}
