import { z } from 'zod';
import {
  FaultsPatchSchema,
  formatIssues,
  SwitchesPatchSchema,
  type Faults,
  type ResolvedConfig,
  type Switches,
} from './config.js';
import { CounterStore } from './counters.js';
import { ApiError, journeyNotFound } from './errors.js';
import { FailNextSchema, FaultInjector, type FailNextOptions } from './faults.js';
import { JourneyStore, type ManualDecision } from './journeys.js';
import { Lifecycle } from './lifecycle.js';
import { Timers } from './timers.js';
import {
  viewSettings,
  WebhookFaultsPatchSchema,
  WebhookSettingsPatchSchema,
  type WebhookFaults,
  type WebhookSettingsView,
} from './webhook-config.js';
import { WebhookSender } from './webhooks.js';

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

export const ReviewSchema = z.strictObject({
  decision: z.enum(['Approved', 'Rejected'], { error: 'decision must be "Approved" or "Rejected"' }),
});

export class SandboxState {
  switches: Switches;
  readonly faults: FaultInjector;
  readonly counters = new CounterStore();
  readonly journeys = new JourneyStore();
  readonly timers: Timers;
  readonly webhooks: WebhookSender;
  readonly lifecycle: Lifecycle;

  constructor(
    readonly config: ResolvedConfig,
    log?: (line: string) => void,
  ) {
    this.switches = { ...config.switches };
    this.faults = new FaultInjector(config.faults);
    const report = (err: unknown) =>
      (log ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        JSON.stringify({
          event: 'idwise-sandbox-timer-error',
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    this.timers = new Timers(report);
    this.webhooks = new WebhookSender(
      { settings: config.webhooks, faults: config.webhookFaults },
      { counters: this.counters, timers: this.timers, log },
    );
    this.lifecycle = new Lifecycle({ switches: () => this.switches, timers: this.timers, webhooks: this.webhooks });
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

  setWebhooks(patch: unknown): WebhookSettingsView {
    Object.assign(this.webhooks.settings, parse(WebhookSettingsPatchSchema, patch, 'webhooks'));
    return viewSettings(this.webhooks.settings);
  }

  setWebhookFaults(patch: unknown): WebhookFaults {
    Object.assign(this.webhooks.faults, parse(WebhookFaultsPatchSchema, patch, 'webhook faults'));
    return { ...this.webhooks.faults };
  }

  review(journeyId: string, body: unknown): void {
    const { decision } = parse(ReviewSchema, body, 'review');
    const journey = this.journeys.get(journeyId);
    if (!journey) throw journeyNotFound(journeyId);
    this.lifecycle.review(journey, decision as ManualDecision, Date.now());
  }

  /** Journeys, counters, timers and webhooks forgotten; faults, switches and webhook settings as at start. */
  reset(): void {
    this.timers.clear();
    this.webhooks.reset();
    this.journeys.clear();
    this.counters.reset();
    this.faults.reset();
    this.switches = { ...this.config.switches };
  }

  /** No callback runs and no webhook is sent after this. */
  stop(): void {
    this.timers.clear();
    this.webhooks.stop();
  }

  findJourneys(referenceNo: string): JourneyMatch[] {
    const now = Date.now();
    return this.journeys.byReference(referenceNo).map((j) => {
      this.lifecycle.settle(j, now);
      return { journeyId: j.id, referenceNo: j.referenceNo, flowId: j.flow.flowId, completed: j.completedAt !== null };
    });
  }
}
