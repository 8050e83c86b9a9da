import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * The process-wide SDK runtime: one per process, installed before any connection. With a bind address the
 * worker serves Prometheus metrics there: the SDK's own (task slots, schedule-to-start latencies, sticky
 * cache) and ours (idwise_* from activities and workflows).
 */
export function installRuntime({
  metricsBind,
  logLevel = 'INFO',
}: {
  metricsBind: string | null;
  logLevel?: LogLevel;
}): void {
  Runtime.install({
    logger: new DefaultLogger(logLevel),
    telemetryOptions: {
      // Core's own warnings as JSON lines on the console, not forwarded: forwarding swaps the runtime's logger for
      // a TRACE-level collector, so every debug and trace line of the SDK (several per activity task) would be built,
      // timestamped and buffered only to be dropped at INFO, ~2% of a waiting worker's CPU.
      logging: { console: { format: 'json' }, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind } } } : {}),
    },
  });
}
