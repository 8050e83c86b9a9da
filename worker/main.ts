import { NativeConnection } from '@temporalio/worker';
import { describeKeyRing } from '../codec/keys.js';
import { describeConfig } from '../idwise/index.js';
import { loadWorkerConfig } from './config.js';
import { installRuntime } from './runtime.js';
import { createJourneyWorker, workerOptionsFromConfig } from './worker.js';

// `npm run worker`. The SDK's runtime already turns SIGINT/SIGTERM into a graceful shutdown:
// run() resolves once in-flight tasks are done, and the connection closes in finally.
async function run(): Promise<void> {
  const config = loadWorkerConfig();
  installRuntime({ metricsBind: config.metricsBind });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  try {
    const worker = await createJourneyWorker(workerOptionsFromConfig(config, connection));
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
      }),
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
