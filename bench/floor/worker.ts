import { NativeConnection, Worker } from '@temporalio/worker';
import { getDataConverter } from '../../codec/data-converter.js';
import { installRuntime } from '../../worker/runtime.js';
import { createFloorActivities } from './activities.js';

// The SDK floor's worker process (bench/README.md): set up as worker/run.ts sets up the journey worker (runtime,
// connection without gRPC compression, the codec, a prebuilt bundle, the SDK's default slots and cache), with the
// floor's workflow and activity instead of the journey's. Started by `npm run bench` as its own process.

const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required (set by bench/run.ts)`);
  return value;
};

installRuntime({ metricsBind: null });
const connection = await NativeConnection.connect({
  address: required('TEMPORAL_ADDRESS'),
  grpcCompression: { codec: 'none' },
});
const worker = await Worker.create({
  connection,
  namespace: required('TEMPORAL_NAMESPACE'),
  taskQueue: required('TEMPORAL_TASK_QUEUE'),
  dataConverter: getDataConverter(env),
  workflowBundle: { codePath: required('IDWISE_WORKFLOW_BUNDLE') },
  activities: createFloorActivities(Number(required('BENCH_FLOOR_WAIT_MS'))),
});
console.log(JSON.stringify({ event: 'idwise-worker-started', taskQueue: env.TEMPORAL_TASK_QUEUE, floor: true }));
try {
  await worker.run();
} finally {
  await connection.close();
}
