import { KNOWN_IDWISE_EVENTS } from './event.js';

// The receiver's Prometheus metrics, written out by hand (a handful of counters and one histogram do not
// justify a dependency). Names follow Prometheus conventions: _total for counters, seconds for durations.

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type WebhookOutcome = 'signalled' | 'unknown-journey' | 'temporal-unavailable' | 'invalid' | 'ignored';

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class WebhookMetrics {
  private readonly received = new Map<string, number>();
  private readonly buckets = LATENCY_BUCKETS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;
  unknownJourneys = 0;
  authFailures = 0;

  countReceived(event: string | null, outcome: WebhookOutcome): void {
    const label = event === null ? 'unparsed' : KNOWN_IDWISE_EVENTS.has(event) ? event : 'other';
    const key = `event="${escape(label)}",outcome="${outcome}"`;
    this.received.set(key, (this.received.get(key) ?? 0) + 1);
    if (outcome === 'unknown-journey') this.unknownJourneys++;
  }

  /** How long Temporal took to accept (or refuse) a signal. */
  observeSignal(seconds: number): void {
    this.latencyCount++;
    this.latencySum += seconds;
    LATENCY_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.buckets[i]!++;
    });
  }

  render(): string {
    const lines = [
      '# HELP idwise_webhooks_received_total IDWise webhooks received, by event and outcome.',
      '# TYPE idwise_webhooks_received_total counter',
      ...[...this.received].map(([labels, n]) => `idwise_webhooks_received_total{${labels}} ${n}`),
      '# HELP idwise_webhooks_signal_seconds Time for Temporal to accept a journey signal.',
      '# TYPE idwise_webhooks_signal_seconds histogram',
      ...LATENCY_BUCKETS.map((le, i) => `idwise_webhooks_signal_seconds_bucket{le="${le}"} ${this.buckets[i]}`),
      `idwise_webhooks_signal_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `idwise_webhooks_signal_seconds_sum ${this.latencySum}`,
      `idwise_webhooks_signal_seconds_count ${this.latencyCount}`,
      '# HELP idwise_webhooks_unknown_journey_total Webhooks for a journey this deployment does not run (answered 200).',
      '# TYPE idwise_webhooks_unknown_journey_total counter',
      `idwise_webhooks_unknown_journey_total ${this.unknownJourneys}`,
      '# HELP idwise_webhooks_auth_failures_total Webhook calls refused for missing or wrong credentials.',
      '# TYPE idwise_webhooks_auth_failures_total counter',
      `idwise_webhooks_auth_failures_total ${this.authFailures}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
