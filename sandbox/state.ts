import type { z } from 'zod';
import {
  FaultsPatchSchema,
  formatIssues,
  SwitchesPatchSchema,
  type Faults,
  type ResolvedConfig,
  type Switches,
} from './config.js';
import { CounterStore } from './counters.js';
import { ApiError } from './errors.js';
import { FailNextSchema, FaultInjector, type FailNextOptions } from './faults.js';
import { JourneyStore, viewStep, type Journey } from './journeys.js';

// Everything one running sandbox knows. Admin changes (programmatic or over HTTP) go through the methods
// here and are validated the same way, so a typo in a test's setSwitches fails loudly.

export interface JourneyMatch {
  journeyId: string;
  referenceNo: string;
  flowId: string;
  completed: boolean;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'validation_error', `Invalid ${what}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

export class SandboxState {
  switches: Switches;
  readonly faults: FaultInjector;
  readonly counters = new CounterStore();
  readonly journeys = new JourneyStore();

  constructor(readonly config: ResolvedConfig) {
    this.switches = { ...config.switches };
    this.faults = new FaultInjector(config.faults);
  }

  setSwitches(patch: unknown): Switches {
    this.switches = { ...this.switches, ...parse(SwitchesPatchSchema, patch, 'switches') };
    return { ...this.switches };
  }

  setFaults(patch: unknown): Faults {
    this.faults.set(parse(FaultsPatchSchema, patch, 'faults'));
    return this.faults.current;
  }

  failNext(options: unknown): void {
    this.faults.failNext(parse(FailNextSchema, options, 'fail-next options') as FailNextOptions);
  }

  /** Journeys, counters, faults and switches back to what the config says. */
  reset(): void {
    this.journeys.clear();
    this.counters.reset();
    this.faults.reset();
    this.switches = { ...this.config.switches };
  }

  findJourneys(referenceNo: string): JourneyMatch[] {
    const now = Date.now();
    return this.journeys.byReference(referenceNo).map((j) => {
      settle(j, this.switches, now);
      return { journeyId: j.id, referenceNo: j.referenceNo, flowId: j.flow.flowId, completed: j.completedAt !== null };
    });
  }
}

/**
 * The autoComplete switch ([G] in idwise-api.md §14): lock the journey once every mandatory step has
 * concluded, as of the moment the last of them finished processing.
 */
export function settle(journey: Journey, switches: Switches, now: number): void {
  if (journey.completedAt !== null || !switches.autoComplete) return;
  const mandatory = journey.steps.filter((s) => !s.def.optional);
  if (!mandatory.every((s) => viewStep(s, now).concluded)) return;
  const finished = mandatory.map((s) => s.attempts.at(-1)?.readyAt ?? journey.startedAt);
  journey.completedAt = Math.max(journey.startedAt, ...finished);
}
