import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { writeWorkflowBundle } from '../../worker/bundle.js';
import { inheritedEnv } from '../../chaos/worker-env.js';
import { eventTypeCounts, round, runPool } from '../stats.js';
import { cpuSnapshot, cpuUse, readThreadCpuSeconds, startBenchWorker, threadCpuGroups } from '../worker-process.js';
import type { floorJourney, FloorInput } from './workflows.js';

/** What the SDK floor cost: the floor worker's and the dev server's CPU per journey, and the floor's history shape. */
export interface FloorResult {
  journeys: number;
  activityWaitMs: number;
  cpuMsPerJourney: { worker: number | null; devServer: number | null };
  /** CPU seconds of every other process on the machine meanwhile, this process excluded (absent in the first reports). */
  otherProcessesS?: number | null;
  /** The floor worker's CPU per journey by thread group (bench/worker-process.ts threadCpuGroups). */
  workerByThreadMs: Record<string, number | null>;
  /** One floor journey's history: it should match the journey's own (bench/README.md). */
  eventTypes: Record<string, number>;
}

const PADDING = 'x'.repeat(600); // about the size of the journey's input (flow, step mapping, options)

/**
 * The SDK floor (bench/README.md): `count` floor journeys on their own task queue and worker process, after a warm-up
 * like the journeys'. The floor worker is set up like the journey worker (worker/run.ts) and its activities wait
 * `activityWaitMs`, the journey's mean activity time, so as many journeys are in flight as in the Temporal phase.
 */
export async function runFloorPhase(o: {
  client: Client;
  root: string;
  bundlePath: string;
  env: { temporalAddress: string; namespace: string; codecKeys: string };
  count: number;
  warmup: number;
  concurrency: number;
  activityWaitMs: number;
  devServerPid: number | null;
  runId: string;
  say: (line: string) => void;
}): Promise<FloorResult> {
  const taskQueue = `idwise-bench-floor-${o.runId}`;
  const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
  await writeWorkflowBundle(o.bundlePath, undefined, { workflowsPath });
  const worker = await startBenchWorker({
    cwd: o.root,
    entry: 'bench/floor/worker.ts',
    env: {
      ...inheritedEnv(),
      TEMPORAL_ADDRESS: o.env.temporalAddress,
      TEMPORAL_NAMESPACE: o.env.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      IDWISE_CODEC_KEYS: o.env.codecKeys,
      IDWISE_WORKFLOW_BUNDLE: o.bundlePath,
      BENCH_FLOOR_WAIT_MS: String(o.activityWaitMs),
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', // as the journey workers (chaos/worker-env.ts)
    },
  });
  try {
    const workflowId = (i: number | string) => `bench-floor-${o.runId}-${i}`;
    const run = (id: string) =>
      o.client.workflow.execute<typeof floorJourney>('floorJourney', {
        taskQueue,
        workflowId: id,
        args: [{ referenceNo: id, padding: PADDING } satisfies FloorInput],
      });
    o.say(`SDK floor: ${o.warmup} warm-up and ${o.count} floor journeys...`);
    await runPool(o.warmup, o.concurrency, (i) => run(workflowId(`warmup-${i}`)));
    const threadsBefore = await readThreadCpuSeconds(worker.pid);
    const before = await cpuSnapshot([worker.pid], o.devServerPid);
    const t0 = performance.now();
    await runPool(o.count, o.concurrency, (i) => run(workflowId(i)));
    const used = cpuUse(
      before,
      await cpuSnapshot([worker.pid], o.devServerPid),
      (performance.now() - t0) / 1000,
      o.count,
    );
    const threadsAfter = await readThreadCpuSeconds(worker.pid);
    const perJourneyMs = (s: number | null) => (s === null ? null : round((1000 * s) / o.count, 1));
    const history = await o.client.workflow.getHandle(workflowId(0)).fetchHistory();
    return {
      journeys: o.count,
      activityWaitMs: o.activityWaitMs,
      cpuMsPerJourney: { worker: perJourneyMs(used.worker), devServer: perJourneyMs(used.devServer) },
      otherProcessesS: used.otherProcesses,
      workerByThreadMs: Object.fromEntries(
        Object.entries(threadCpuGroups(threadsBefore, threadsAfter)).map(([name, s]) => [name, perJourneyMs(s)]),
      ),
      eventTypes: eventTypeCounts(history),
    };
  } finally {
    await worker.stop();
  }
}
