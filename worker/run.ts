import { NativeConnection, type Worker } from '@temporalio/worker';
import { describeKeyRing } from '../codec/keys.js';
import { describeConfig } from '../idwise/index.js';
import { loadWorkerConfig } from './config.js';
import { connectWithBackoff } from './connect.js';
import { startHealthServer, temporalReachable } from './health.js';
import { heapWarning } from './node-flags.js';
import { installRuntime } from './runtime.js';
import { createJourneyWorker, workerOptionsFromConfig } from './worker.js';

// `npm run worker` The SDK's runtime already turns SIGINT/SIGTERM into a graceful shutdown:
// run() resolves once in-flight tasks are done, and the connection closes in finally. Before the first
// connection, a signal ends the wait for Temporal instead.
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadWorkerConfig(env);
  installRuntime({ metricsBind: config.metricsBind });
  const tooSmall = heapWarning(config.maxCachedWorkflows);
  if (tooSmall) console.log(tooSmall);
  let worker: Worker | null = null;
  let connection: NativeConnection | null = null;
  const health = config.healthBind
    ? await startHealthServer({
        bind: config.healthBind,
        ready: async () => worker?.getState() === 'RUNNING' && connection !== null && temporalReachable(connection),
      })
    : null;
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('shutdown requested'));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    // Every payload is AES-GCM ciphertext (IDWISE_CODEC_KEYS), which gzip cannot shrink: the SDK's default gRPC
    // compression would only spend CPU on each task.
    const options = { ...config.temporal.connectionOptions, grpcCompression: { codec: 'none' as const } };
    connection = await connectWithBackoff(() => NativeConnection.connect(options), {
      what: 'worker',
      address: options?.address ?? 'localhost:7233',
      log: (line) => console.log(line),
      signal: stop.signal,
    }).catch((err: unknown) => {
      if (stop.signal.aborted) return null;
      throw err;
    });
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (!connection) {
      console.log(JSON.stringify({ event: 'idwise-worker-stopped', reason: 'signal while waiting for Temporal' }));
      return;
    }
    try {
      worker = await createJourneyWorker(workerOptionsFromConfig(config, connection, env));
      console.log(
        JSON.stringify({
          event: 'idwise-worker-started',
          taskQueue: config.taskQueue,
          namespace: config.namespace,
          idwise: describeConfig(config.idwise),
          // Key ids only: key material is never logged.
          codecKeys: describeKeyRing(config.codecKeys),
          piiKeys: config.piiKeys ? describeKeyRing(config.piiKeys) : null,
          metrics: config.metricsBind ? `http://${config.metricsBind}/metrics` : null,
          health: health ? `${health.url}/readyz` : null,
          events: config.events ? 'on' : 'off',
          // The staging location's kind only: which bucket or folder is the deployment's own business.
          staging: config.staging?.kind ?? 'off',
        }),
      );
      await worker.run();
    } finally {
      await connection.close();
    }
  } finally {
    await health?.close();
  }
}
