import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createJourneyClient } from '../client/journey-client.js';
import { getDataConverter } from '../codec/data-converter.js';
import { generateKeyList } from '../codec/keys.js';
import { readMappingFile } from '../client/mapping-file.js';
import { startDevServer } from '../dev/dev-server.js';
import { freePort } from '../dev/free-port.js';
import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { startSandbox, type Counters, type RunningSandbox } from '../sandbox/index.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { writeWorkflowBundle } from '../worker/bundle.js';
import { inheritedEnv, workerEnv } from '../chaos/worker-env.js';
import { runFloorPhase } from './floor/phase.js';
import { runBaselineJourney } from './baseline.js';
import { benchObjectStore } from './images-s3.js';
import { machineInfo, watchLoad } from './machine.js';
import { runInFlight } from './in-flight.js';
import { runRetention } from './retention.js';
import type { EventsMode } from './in-flight-phase.js';
import { sampleCallRate, type CallRate } from './rate.js';
import {
  checkTargets,
  cpuReference,
  formatMarkdown,
  type BenchReport,
  type CpuUse,
  type IdwiseUsage,
  type PathResult,
} from './report.js';
import {
  countActions,
  distribution,
  eventTypeCounts,
  historyTimings,
  meanActions,
  round,
  runPool,
  sampleIndexes,
} from './stats.js';
import {
  cpuSnapshot,
  cpuUse,
  findChildPid,
  readProcMemory,
  readThreadCpuSeconds,
  threadCpuGroups,
  scrapeMetrics,
  serverHeartbeats,
  startBenchWorker,
  taskCounts,
  type BenchWorker,
} from './worker-process.js';

// `npm run bench`: N identity journeys through Temporal (dev server, in-memory SQLite; one worker process) and
// the same N as a plain direct-call script, in one run on this machine, against the IDWise sandbox.
// See bench/README.md for what is measured and why.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FLOW_ID = 'sandbox-id-and-selfie';
const EXPECTED_DECISION = 'Complete'; // the sandbox's `pass-` scenario
const HISTORY_SAMPLE = 10;
/** A journey takes seconds; one still open after this is counted as failed rather than hanging the run. */
const JOURNEY_TIMEOUT_MS = 5 * 60_000;

const { values: flags } = parseArgs({
  options: {
    journeys: { type: 'string', default: '200' },
    // 25, not 50: at 50 the dev server and the worker together saturate a 2-core machine (about 250 CPU-ms per
    // journey, half of it the server's), which measures the shared box rather than the orchestration.
    concurrency: { type: 'string', default: '25' },
    'processing-delay-ms': { type: 'string', default: '500' },
    warmup: { type: 'string', default: '5' },
    // Several worker processes on one task queue, each with its own cache. With more than one, the IDWise
    // call cap (IDWISE_MAX_CALLS_PER_SECOND, enforced by the server for the whole queue) defaults to 20/s.
    workers: { type: 'string', default: '1' },
    'max-calls-per-second': { type: 'string' },
    json: { type: 'boolean', default: false },
    // In-flight mode (bench/in-flight.ts): N journeys held waiting on IDWise, webhooks then polling.
    'in-flight': { type: 'string' },
    'window-s': { type: 'string', default: '60' },
    'hold-s': { type: 'string' },
    'start-concurrency': { type: 'string', default: '50' },
    // Held steps finish processing at this pace (in submission order), as applicants' steps end over time.
    'release-per-s': { type: 'string', default: '5' },
    // Only the first K held steps end and are measured (10,000 releases are a long backlog on a small machine).
    'release-count': { type: 'string' },
    modes: { type: 'string', default: 'webhooks,polling' },
    'max-cached-workflows': { type: 'string' },
    'fallback-check-interval': { type: 'string', default: '30s' },
    // The lost-event check's back-off cap (the journey option fallbackCheckMaxInterval); = the interval: no back-off.
    'fallback-check-max-interval': { type: 'string', default: '5m' },
    // Where the journeys' images come from: files under the samples folder, or s3:// objects in a local SeaweedFS.
    images: { type: 'string', default: 'files' },
    // Retention mode (bench/retention.ts): N ended journeys waiting out their retention, timer vs sweep.
    retention: { type: 'string' },
  },
  strict: true,
});

function positiveInt(name: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${raw}`);
  return n;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

interface JourneyRun {
  ok: boolean;
  latencyS: number;
  journeyId: string | null;
  error: string | null;
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** One phase: `count` journeys with at most `concurrency` in flight; each returns its IDWise journey id. */
async function runPhase(
  label: string,
  count: number,
  concurrency: number,
  journey: (i: number) => Promise<{ journeyId: string; decision: string }>,
): Promise<{ runs: JourneyRun[]; durationS: number }> {
  let done = 0;
  const t0 = performance.now();
  const progress = setInterval(() => say(`  ${label}: ${done}/${count} done`), 5_000);
  try {
    const runs = await runPool(count, concurrency, async (i): Promise<JourneyRun> => {
      const start = performance.now();
      try {
        const { journeyId, decision } = await withTimeout(journey(i), JOURNEY_TIMEOUT_MS);
        const latencyS = (performance.now() - start) / 1000;
        if (decision !== EXPECTED_DECISION) {
          return { ok: false, latencyS, journeyId, error: `journey ${i}: decision ${decision}` };
        }
        return { ok: true, latencyS, journeyId, error: null };
      } catch (err) {
        const latencyS = (performance.now() - start) / 1000;
        return { ok: false, latencyS, journeyId: null, error: `journey ${i}: ${(err as Error).message}` };
      } finally {
        done++;
      }
    });
    return { runs, durationS: (performance.now() - t0) / 1000 };
  } finally {
    clearInterval(progress);
  }
}

/** Means over the sampled journeys; `clientS` is what the client's start and result calls add to the history's span. */
function meanTimings(all: ReturnType<typeof historyTimings>[], latenciesS: number[]) {
  if (all.length === 0) return null;
  const mean = (values: number[]) => round(values.reduce((a, v) => a + v, 0) / values.length);
  return {
    workflowS: mean(all.map((t) => t.workflowS)),
    activityRunS: mean(all.map((t) => t.activityRunS)),
    activityQueueS: mean(all.map((t) => t.activityQueueS)),
    workflowTaskS: mean(all.map((t) => t.workflowTaskS)),
    clientS: mean(all.map((t, i) => (latenciesS[i] ?? Number.NaN) - t.workflowS)),
  };
}

/** Runs `count` journeys that are not measured; any failure there stops the bench (the set-up is broken). */
async function warmUp(
  count: number,
  concurrency: number,
  journey: (i: number) => Promise<{ decision: string }>,
): Promise<void> {
  await runPool(count, concurrency, async (i) => {
    const { decision } = await journey(i);
    if (decision !== EXPECTED_DECISION) throw new Error(`warm-up journey ${i}: decision ${decision}`);
  });
}

/** A phase's IDWise usage: sandbox totals between two snapshots, and each journey's own counters. */
function idwiseUsage(
  sandbox: RunningSandbox,
  before: Counters,
  after: Counters,
  journeyIds: string[],
  n: number,
): IdwiseUsage {
  const byOperation: Record<string, number | null> = {};
  let calls = 0;
  for (const [op, value] of Object.entries(after.totals.requests)) {
    const delta = value - before.totals.requests[op as keyof Counters['totals']['requests']];
    calls += delta;
    byOperation[op] = round(delta / n);
  }
  let pollRuleViolations = 0;
  let doubleSubmissions = 0;
  const summaryCalls: number[] = [];
  for (const id of journeyIds) {
    const c = sandbox.admin.journeyCounters(id);
    if (!c) continue;
    pollRuleViolations += c.pollRuleViolations;
    doubleSubmissions += Object.values(c.processSubmissions).filter((k) => k > 1).length;
    summaryCalls.push(c.summaryCalls);
  }
  const s = distribution(summaryCalls);
  return {
    callsPerJourney: round(calls / n),
    byOperation,
    summaryCallsPerJourney: { mean: round(s.mean), max: round(s.max) },
    // The sandbox's totals also catch violations of journeys whose id never came back (failed starts).
    pollRuleViolations: Math.max(
      pollRuleViolations,
      after.totals.pollRuleViolations - before.totals.pollRuleViolations,
    ),
    doubleSubmissions,
  };
}

function pathResult(
  phase: { runs: JourneyRun[]; durationS: number },
  usage: IdwiseUsage,
  cpuS: CpuUse,
  n: number,
): PathResult {
  const ok = phase.runs.filter((r) => r.ok);
  const lat = distribution(ok.map((r) => r.latencyS));
  const failed = phase.runs.filter((r) => !r.ok);
  return {
    journeys: n,
    durationS: round(phase.durationS),
    // Completed journeys per second of the phase's wall time (first start to last outcome).
    throughput: round(ok.length / phase.durationS),
    latencyS: {
      mean: round(lat.mean),
      p50: round(lat.p50),
      p95: round(lat.p95),
      p99: round(lat.p99),
      max: round(lat.max),
    },
    failures: failed.length,
    failureSamples: failed.slice(0, 5).map((r) => r.error ?? 'unknown'),
    idwise: usage,
    cpuS,
  };
}

/**
 * What a run started, stopped once, newest first: by `cleanup()` in the run's `finally`, and on SIGINT/SIGTERM
 * (then exit 130). A cleanup that fails is reported and the others still run.
 */
function cleanupOnExit() {
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          say(`cleanup: ${(err as Error).message}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: shutting down`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { cleanups, cleanup };
}

async function main(): Promise<number> {
  const n = positiveInt('journeys', flags.journeys);
  const concurrency = positiveInt('concurrency', flags.concurrency);
  const processingDelayMs = positiveInt('processing-delay-ms', flags['processing-delay-ms'], 0);
  const warmup = positiveInt('warmup', flags.warmup, 0);
  const workerCount = positiveInt('workers', flags.workers);
  const rawLimit = flags['max-calls-per-second'] ?? (workerCount > 1 ? '20' : '0');
  const maxCallsPerSecond = positiveInt('max-calls-per-second', rawLimit, 0) || null;
  const date = new Date();
  const runId = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const load = watchLoad();
  const taskQueue = `idwise-bench-${runId}`;
  if (flags.images !== 'files' && flags.images !== 's3')
    throw new Error(`--images must be files or s3, got ${flags.images}`);

  // The bench process's own SDK runtime (the test environment's connection): quiet but for errors.
  const noop = () => undefined;
  const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => say(m) };
  Runtime.install({ logger: quietLogger });

  const { cleanups, cleanup } = cleanupOnExit();
  const clientCalls = new AbortController();

  try {
    say(
      `bench ${runId}: ${n} journeys, concurrency ${concurrency}, IDWise processing ${processingDelayMs} ms, ` +
        `${workerCount} worker process(es), IDWise cap ${maxCallsPerSecond ?? 'none'} calls/s`,
    );
    const sandbox = await startSandbox({ port: 0 });
    cleanups.push(() => sandbox.close());
    // No final processing by default, so figures compare with runs from before the sandbox modelled it.
    sandbox.admin.setSwitches({ processingDelayMs, finalProcessingMs: 0, pollRule: 'count' });
    const idwiseEnv = {
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
      IDWISE_IMAGE_ROOTS: join(root, 'samples'),
    };
    const files = await readMappingFile(join(root, 'samples/mappings/sandbox-id-and-selfie.json'));
    const images = flags.images === 's3' ? await benchObjectStore(files, say) : null;
    if (images) cleanups.push(() => images.close());
    Object.assign(idwiseEnv, images?.env);
    const steps = images?.steps ?? files;

    say('starting the Temporal dev server (in-memory, headless) and bundling the workflows...');
    // Settled, not Promise.all: whichever started must be cleaned up even when the other failed.
    // The server's own metrics count the heartbeats that reach it: billable actions that no history shows.
    const serverMetricsPort = await freePort();
    const [devServer, bundle] = await Promise.allSettled([
      startDevServer({ metricsPort: serverMetricsPort }).then((env: TestWorkflowEnvironment) => {
        cleanups.push(() => env.teardown());
        // Runs before the teardown: cancels the outcome long-polls of journeys that can no longer finish.
        cleanups.push(async () => clientCalls.abort());
        return env;
      }),
      (async () => {
        const dir = mkdtempSync(join(tmpdir(), 'idwise-bench-'));
        cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
        return writeWorkflowBundle(join(dir, 'workflow-bundle.js'), quietLogger);
      })(),
    ]);
    if (devServer.status === 'rejected') throw devServer.reason;
    if (bundle.status === 'rejected') throw bundle.reason;
    const temporal = devServer.value;
    const bundlePath = bundle.value;

    // Encrypted as in production: the codec's cost is part of what is measured.
    const codecEnv = { IDWISE_CODEC_KEYS: generateKeyList(['bench']) };
    const client = new Client({ connection: temporal.connection, dataConverter: getDataConverter(codecEnv) });
    const metricsBind = `127.0.0.1:${await freePort()}`;
    const binds: string[] = [];
    // The worker sees only what it needs: nothing from this shell's TEMPORAL_* / IDWISE_* leaks in.
    const envFor = async (first: boolean) => ({
      ...inheritedEnv(),
      ...workerEnv({
        codecKeys: codecEnv.IDWISE_CODEC_KEYS,
        temporalAddress: temporal.address,
        namespace: 'default',
        taskQueue,
        sandbox,
        workflowBundle: bundlePath,
        maxCallsPerSecond,
        metricsBind: binds[binds.push(first ? metricsBind : `127.0.0.1:${await freePort()}`) - 1]!,
      }),
      ...images?.env,
      ...images?.credentials,
    });
    say(`starting ${workerCount} worker process(es)...`);
    const workers: BenchWorker[] = [];
    cleanups.push(() => Promise.all(workers.map((w) => w.stop())));
    for (let i = 0; i < workerCount; i++)
      workers.push(await startBenchWorker({ cwd: root, env: await envFor(i === 0) }));
    // Memory and thread figures are the first worker's; CPU is the sum over all of them.
    const worker = workers[0]!;
    const workerPids = workers.map((w) => w.pid);
    const anyWorkerDied = Promise.race(workers.map((w) => w.died));
    anyWorkerDied.catch(() => undefined);
    say(`worker pids ${workerPids.join(', ')}, ${worker.idleRssMb.toFixed(0)} MB RSS idle (first)`);

    const devServerPid = await findChildPid(process.pid, 'temporal');
    if (devServerPid === null) say('dev server process not found: its CPU time is not reported');

    // --- Temporal ---
    const journeys = createJourneyClient({ client, taskQueue });
    const temporalRef = (i: number) => `pass-bench-${runId}-${i}`;
    const temporalJourney = async (ref: string) => {
      await journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID, steps });
      const outcome = await Promise.race([
        client.withAbortSignal(clientCalls.signal, () => journeys.awaitOutcome(ref)),
        anyWorkerDied,
      ]);
      return { journeyId: outcome.journeyId, decision: outcome.decision.final };
    };
    if (warmup > 0) {
      // Warm-up, not measured: the first journeys of a fresh process pay for JIT compilation and connection set-up.
      say(`Temporal: ${warmup} warm-up journeys...`);
      await warmUp(warmup, concurrency, (i) => temporalJourney(`pass-bench-${runId}-warmup-${i}`));
    }
    const beforeTemporal = sandbox.admin.counters();
    const serverMetrics = `http://127.0.0.1:${serverMetricsPort}/metrics`;
    const heartbeatsBefore = await serverHeartbeats(serverMetrics, 'default').catch(() => Number.NaN);
    say(`Temporal: ${n} journeys...`);
    const threadsBefore = await readThreadCpuSeconds(worker.pid);
    const cpuBeforeTemporal = await cpuSnapshot(workerPids, devServerPid);
    const rate = sampleCallRate(sandbox, maxCallsPerSecond);
    const tPhase = await runPhase('Temporal', n, concurrency, (i) => temporalJourney(temporalRef(i)));
    const callRate: CallRate = rate.stop();
    for (const w of workers) if (w.hasExited()) await w.died; // throws: the run is void without its workers
    const cpuAfterTemporal = await cpuSnapshot(workerPids, devServerPid);
    const threadsAfter = await readThreadCpuSeconds(worker.pid);
    const cpuByThreadS = threadCpuGroups(threadsBefore, threadsAfter);
    const afterTemporal = sandbox.admin.counters();
    const heartbeatsAfter = await serverHeartbeats(serverMetrics, 'default').catch(() => Number.NaN);
    const endMemory = await worker.memory();
    const serverMemory = devServerPid === null ? null : await readProcMemory(devServerPid).catch(() => null);
    let workerMetrics: Record<string, number | null> = {};
    try {
      const { means, totals } = await scrapeMetrics(`http://${metricsBind}/metrics`);
      const pick = (name: string, from: Record<string, number>) => round(from[name] ?? Number.NaN, 1);
      workerMetrics = {
        workflow_task_schedule_to_start_ms: pick('temporal_workflow_task_schedule_to_start_latency', means),
        workflow_task_execution_ms: pick('temporal_workflow_task_execution_latency', means),
        activity_schedule_to_start_ms: pick('temporal_activity_schedule_to_start_latency', means),
        activity_execution_ms: pick('temporal_activity_execution_latency', means),
        step_processing_seconds: pick('idwise_step_processing_seconds', means),
        sticky_cache_hits: pick('temporal_sticky_cache_hit', totals),
        sticky_cache_misses: pick('temporal_sticky_cache_miss', totals),
      };
    } catch (err) {
      say(`worker metrics not scraped: ${(err as Error).message}`);
    }

    // Each worker's share of the work (Prometheus counts since it started, warm-up included).
    const tasksPerWorker = await Promise.all(
      binds.map((bind) => taskCounts(`http://${bind}/metrics`).catch(() => ({ workflowTasks: NaN, activities: NaN }))),
    );
    if (workerCount > 1) {
      say(
        `tasks per worker (workflow tasks / activities): ${tasksPerWorker.map((t) => `${t.workflowTasks} / ${t.activities}`).join(', ')}`,
      );
    }

    say('reading journey histories...');
    const described = await runPool(n, 20, async (i) => {
      try {
        const d = await client.workflow.getHandle(journeyWorkflowId(temporalRef(i))).describe();
        return { events: d.historyLength, bytes: d.historySize ?? Number.NaN };
      } catch {
        return null;
      }
    });
    const events = distribution(described.flatMap((d) => (d ? [d.events] : [])));
    const bytes = distribution(described.flatMap((d) => (d && Number.isFinite(d.bytes) ? [d.bytes] : [])));
    const sampled = sampleIndexes(n, HISTORY_SAMPLE);
    const histories = await Promise.all(
      sampled.map((i) => client.workflow.getHandle(journeyWorkflowId(temporalRef(i))).fetchHistory()),
    );
    const actionCounts = histories.map(countActions);
    const totalsPerHistory = actionCounts.map((a) => a.total);

    const temporalResult = {
      ...pathResult(
        tPhase,
        idwiseUsage(
          sandbox,
          beforeTemporal,
          afterTemporal,
          tPhase.runs.flatMap((r) => (r.journeyId ? [r.journeyId] : [])),
          n,
        ),
        cpuUse(cpuBeforeTemporal, cpuAfterTemporal, tPhase.durationS, n),
        n,
      ),
      worker: {
        idleRssMb: round(worker.idleRssMb, 1),
        peakRssMb: round(endMemory.hwmMb, 1),
        peakSampledRssMb: round(Math.max(...worker.samples().map((s) => s.rssMb)), 1),
        endRssMb: round(endMemory.rssMb, 1),
        cpuByThreadS,
        samples: worker.samples().map((s): [number, number] => [s.t, round(s.rssMb, 1) ?? 0]),
      },
      devServerMemory: {
        endRssMb: round(serverMemory?.rssMb ?? NaN, 1),
        peakRssMb: round(serverMemory?.hwmMb ?? NaN, 1),
      },
      history: {
        eventTypes: histories[0] ? eventTypeCounts(histories[0]) : {},
        timingsS: meanTimings(
          histories.map(historyTimings),
          sampled.map((i) => tPhase.runs[i]?.latencyS ?? Number.NaN),
        ),
        eventsP50: round(events.p50),
        eventsMax: round(events.max),
        sizeBytesP50: round(bytes.p50),
        sizeBytesMax: round(bytes.max),
      },
      actions: {
        sampledHistories: actionCounts.length,
        perJourney: meanActions(actionCounts),
        min: round(Math.min(...totalsPerHistory)),
        max: round(Math.max(...totalsPerHistory)),
        heartbeatsPerJourney: round((heartbeatsAfter - heartbeatsBefore) / n, 2),
      },
      workerMetrics,
      callRate,
      workerProcesses: workerCount,
      tasksPerWorker,
    };

    // --- Baseline: the same journeys as a plain script in this process, through the same IDWise client ---
    const idwise = createIdwiseClient(loadIdwiseConfig(idwiseEnv));
    const baselineJourney = (ref: string) => runBaselineJourney(idwise, { flowId: FLOW_ID, referenceNo: ref, steps });
    if (warmup > 0) {
      say(`baseline: ${warmup} warm-up journeys...`);
      await warmUp(warmup, concurrency, (i) => baselineJourney(`pass-base-${runId}-warmup-${i}`));
    }
    const beforeBaseline = sandbox.admin.counters();
    say(`baseline: ${n} journeys...`);
    const cpuBeforeBaseline = await cpuSnapshot(workerPids, devServerPid);
    const bPhase = await runPhase('baseline', n, concurrency, (i) => baselineJourney(`pass-base-${runId}-${i}`));
    const cpuAfterBaseline = await cpuSnapshot(workerPids, devServerPid);
    const afterBaseline = sandbox.admin.counters();
    const baselineResult = pathResult(
      bPhase,
      idwiseUsage(
        sandbox,
        beforeBaseline,
        afterBaseline,
        bPhase.runs.flatMap((r) => (r.journeyId ? [r.journeyId] : [])),
        n,
      ),
      cpuUse(cpuBeforeBaseline, cpuAfterBaseline, bPhase.durationS, n),
      n,
    );

    // --- SDK floor: the same Temporal shape without the journey's work, on its own worker process ---
    const activityRunS = temporalResult.history.timingsS?.activityRunS ?? null;
    const activities = temporalResult.actions.perJourney?.activityScheduled ?? 4;
    const floor = await runFloorPhase({
      client,
      root,
      bundlePath: join(dirname(bundlePath), 'floor-bundle.js'),
      env: { temporalAddress: temporal.address, namespace: 'default', codecKeys: codecEnv.IDWISE_CODEC_KEYS },
      count: n,
      warmup,
      concurrency,
      activityWaitMs: activityRunS === null ? 1000 : Math.round((1000 * activityRunS) / Math.max(1, activities)),
      devServerPid,
      runId,
      say,
    }).catch((err: unknown) => {
      // The floor is a reference beside the journeys' figures: without it the report still stands.
      say(`SDK floor not measured: ${(err as Error).message}`);
      return undefined;
    });

    const targets = checkTargets(temporalResult, baselineResult);
    const report: BenchReport = {
      runId,
      date: date.toISOString(),
      command:
        `npm run bench -- --journeys ${n} --concurrency ${concurrency} --processing-delay-ms ${processingDelayMs} ` +
        `--warmup ${warmup} --workers ${workerCount} --max-calls-per-second ${maxCallsPerSecond ?? 0} --images ${flags.images}`,
      machine: machineInfo(),
      load: load.stop(),
      settings: {
        journeys: n,
        concurrency,
        processingDelayMs,
        warmup,
        pollRule: 'count',
        flowId: FLOW_ID,
        workers: workerCount,
        maxCallsPerSecond,
        images: flags.images,
      },
      temporal: temporalResult,
      baseline: baselineResult,
      ...(floor ? { floor } : {}),
      targets,
      pass: targets.every((t) => t.pass),
    };

    report.cpuReference = cpuReference(report);
    const resultsDir = join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    // Formatted as the repository's prettier config wants it, so `prettier --check .` passes with results kept.
    const json = await format(JSON.stringify(report), {
      ...(await resolveConfig(join(resultsDir, 'latest.json'))),
      parser: 'json',
    });
    writeFileSync(join(resultsDir, 'latest.json'), json);
    writeFileSync(join(resultsDir, `${date.toISOString().replace(/:/g, '-')}.json`), json);
    if (flags.json && process.send) process.send(json);
    else process.stdout.write(flags.json ? json : formatMarkdown(report));
    say(`results: bench/results/latest.json`);
    return report.pass ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** `--in-flight N`: see bench/in-flight.ts. Everything it starts is stopped in `finally` and on SIGINT/SIGTERM. */
async function inFlightMain(): Promise<number> {
  const n = positiveInt('in-flight', flags['in-flight']!);
  const windowS = positiveInt('window-s', flags['window-s']);
  const modes = flags.modes.split(',').map((m) => m.trim());
  // Every journey must have submitted its first step before the first one is released: about 8 starts/s here. With
  // webhooks, at least 10 minutes: the cost of a journey held that long is the target (issue 21), and the check's
  // back-off only shows over minutes.
  const minHoldS = modes.includes('webhooks') ? 600 : 0;
  const holdS = flags['hold-s']
    ? positiveInt('hold-s', flags['hold-s'])
    : Math.max(minHoldS, windowS + 60 + Math.ceil(n / 8));
  const bad = modes.filter((m) => m !== 'webhooks' && m !== 'polling');
  if (bad.length > 0 || modes.length === 0)
    throw new Error(`--modes takes webhooks, polling or both, got ${flags.modes}`);
  const cached = flags['max-cached-workflows'];
  const { cleanups, cleanup } = cleanupOnExit();
  try {
    const settings = {
      journeys: n,
      startConcurrency: positiveInt('start-concurrency', flags['start-concurrency']),
      releasePerS: positiveInt('release-per-s', flags['release-per-s']),
      releaseCount: flags['release-count'] === undefined ? null : positiveInt('release-count', flags['release-count']),
      windowS,
      holdS,
      fallbackCheckInterval: flags['fallback-check-interval'],
      fallbackCheckMaxInterval: flags['fallback-check-max-interval'],
      modes: modes as EventsMode[],
      maxCachedWorkflows: cached === undefined ? null : positiveInt('max-cached-workflows', cached, 2),
      json: flags.json,
    };
    const { code, json, markdown } = await runInFlight(settings, root, say, cleanups);
    if (flags.json && process.send) process.send(json);
    else process.stdout.write(flags.json ? json : markdown);
    say('results: bench/results/in-flight-latest.json');
    return code;
  } finally {
    await cleanup();
  }
}

/**
 * --json promises nothing but JSON on stdout, but the SDK forwards the dev server's start-up banner to this
 * process's stdout. So with --json the run happens in a child process whose stdout is our stderr, and the
 * report comes back over IPC.
 */
function runWithCleanStdout(): Promise<number> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
      env: { ...process.env, BENCH_JSON_CHILD: '1' },
    },
  );
  let json = '';
  child.on('message', (m) => (json = String(m)));
  // Ctrl-C reaches the child too (same process group); a SIGTERM sent to us alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (json) process.stdout.write(json);
      resolve(code ?? 1);
    });
  });
}

/** `--retention N`: see bench/retention.ts (uses --window-s for its idle windows). */
async function retentionMain(): Promise<number> {
  const { cleanups, cleanup } = cleanupOnExit();
  try {
    const settings = {
      n: positiveInt('retention', flags.retention!),
      windowS: positiveInt('window-s', flags['window-s']),
    };
    process.stdout.write(`${await runRetention(settings, root, say, cleanups)}\n`);
    return 0;
  } finally {
    await cleanup();
  }
}

const run = () =>
  flags.retention !== undefined ? retentionMain() : flags['in-flight'] === undefined ? main() : inFlightMain();
(flags.json && !process.env.BENCH_JSON_CHILD ? runWithCleanStdout() : run()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
