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
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind } } } : {}),
    },
  });
}
