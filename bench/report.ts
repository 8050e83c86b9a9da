import { describeMachine, type LoadRecord, type MachineInfo } from './machine.js';
import type { FloorResult } from './floor/phase.js';
import type { CallRate } from './rate.js';
import type { ActionCount, Distribution } from './stats.js';

// The benchmark's result: one JSON document (bench/results/*.json), a markdown table and the target checks.

export interface IdwiseUsage {
  /** Every API request per journey (sandbox totals of this phase / N). */
  callsPerJourney: number | null;
  byOperation: Record<string, number | null>;
  summaryCallsPerJourney: { mean: number | null; max: number | null };
  pollRuleViolations: number;
  /** (journey, step) pairs IDWise received more than one submission for. */
  doubleSubmissions: number;
}

/** CPU seconds used during a phase, per process, and by everything else on the machine. */
export interface CpuUse {
  worker: number | null;
  devServer: number | null;
  /** The bench process: Temporal client or baseline script, and the IDWise sandbox (in both phases). */
  benchProcess: number | null;
  /** Busy CPU of the whole machine minus the three above: other work that competed with the run. */
  otherProcesses: number | null;
  /** (worker + dev server + bench process) / journeys, in ms. */
  perJourneyMs: number | null;
  /** Average cores busy machine-wide during the phase (of the machine's total). */
  machineCoresBusy: number | null;
}

export interface PathResult {
  journeys: number;
  durationS: number | null;
  throughput: number | null;
  latencyS: Record<Exclude<keyof Distribution, 'count'>, number | null>;
  failures: number;
  failureSamples: string[];
  idwise: IdwiseUsage;
  cpuS: CpuUse;
}

export interface TemporalResult extends PathResult {
  worker: {
    idleRssMb: number | null;
    peakRssMb: number | null;
    peakSampledRssMb: number | null;
    endRssMb: number | null;
    /** The worker's CPU seconds during the Temporal phase per thread group (see threadCpuGroups). */
    cpuByThreadS: Record<string, number | null>;
    samples: [number, number][];
  };
  /** The Temporal dev server's memory (in-memory SQLite: it holds every history of the run). */
  devServerMemory: { endRssMb: number | null; peakRssMb: number | null };
  history: {
    /** Event types of one journey's history, with their counts. */
    eventTypes: Record<string, number>;
    /** Means over the sampled histories: where a journey's time went (see historyTimings). */
    timingsS: {
      workflowS: number | null;
      activityRunS: number | null;
      activityQueueS: number | null;
      workflowTaskS: number | null;
      /** Latency minus the history's span: the client's start call and the outcome reaching it. */
      clientS: number | null;
    } | null;
    eventsP50: number | null;
    eventsMax: number | null;
    sizeBytesP50: number | null;
    sizeBytesMax: number | null;
  };
  actions: {
    sampledHistories: number;
    perJourney: ActionCount | null;
    min: number | null;
    max: number | null;
    /** Heartbeats that reached the server per journey (its metrics, the measured phase): billable, not in history. */
    heartbeatsPerJourney?: number | null;
  };
  /**
   * From the worker's Prometheus endpoint since it started (warm-up included): histogram means (ms unless named
   * _seconds) and counter totals, for where the time goes.
   */
  workerMetrics: Record<string, number | null>;
  /** IDWise requests per second during the phase, against IDWISE_MAX_CALLS_PER_SECOND when one was set. */
  callRate: CallRate;
  /** Worker processes on the task queue (memory and thread figures above are the first one's). */
  workerProcesses: number;
  /** Workflow tasks and activities each worker ran (from its metrics; warm-up included). */
  tasksPerWorker: { workflowTasks: number; activities: number }[];
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface BenchReport {
  runId: string;
  date: string;
  command: string;
  machine: MachineInfo;
  /** Load averages before and during the run (absent in reports from before they were recorded). */
  load?: LoadRecord;
  /** CPU ms per journey against the plain script's in the same run (see cpuReference). */
  cpuReference?: ReturnType<typeof cpuReference>;
  settings: {
    journeys: number;
    concurrency: number;
    processingDelayMs: number;
    warmup: number;
    pollRule: string;
    flowId: string;
    workers: number;
    maxCallsPerSecond: number | null;
    /** Where the images came from: `files` (samples/) or `s3` (objects in a local SeaweedFS). */
    images?: string;
  };
  temporal: TemporalResult;
  baseline: PathResult;
  /** The SDK floor (bench/floor/): the journey's Temporal shape without its work; absent in older reports. */
  floor?: FloorResult;
  targets: Target[];
  pass: boolean;
}

// Targets are regression guards calibrated on measurements (bench/README.md), not wishes. 400 MB and 0.8 x were set
// before measuring. An idle worker is already ~240 MB (the SDK's Rust core, V8, tsx and the 2.8 MB bundle); under
// load most of the growth is garbage not yet collected (a 256 MB old-space cap cut the peak by ~130 MB at the same
// CPU). Measured peaks: 466-511 MB at 25 in flight, 527-611 MB at 50; 640 MB still catches a leak.
const MAX_WORKER_RSS_MB = 640;
const MAX_HISTORY_EVENTS = 100;
const MAX_HISTORY_BYTES = 64 * 1024;
// Issue 21: at most 12 per passing journey (19 before it: every stage written, 2 patch markers, 9 activities).
const MAX_BILLABLE_ACTIONS = 12;
// The worker's CPU per journey as a multiple of the plain script's in the same run (a ratio, so it holds on another
// machine or under load): 2.7-5.5 x before issue 21, 1.8-2.4 x after it (bench/README.md). The reference varies by up
// to 2 x between 40-journey runs, so 3.5 x catches only a gross regression.
const MAX_WORKER_CPU_VS_SCRIPT = 3.5;
// Issue 21's own goal, as the same ratio: half the worker's 114 ms per journey, measured when the plain script took 25
// ms (4.56 x). Half is 2.28 x; reached or not, each run says so (bench/README.md).
const ISSUE_21_WORKER_CPU_VS_SCRIPT = Math.round((114 / 2 / 25) * 100) / 100;
// The dev server shares the bench's 2 cores and spends as much CPU per journey as the worker (~125 ms each);
// measured 0.76-0.82 x at 25 in flight. In production the server runs elsewhere.
const MIN_THROUGHPUT_RATIO = 0.7;
const MAX_P50_OVERHEAD_S = 1.5;

/** Other processes' average CPU (cores) above which a phase's figures are flagged as noisy. */
const NOISE_CORES = 0.25;

/**
 * The server enforces the cap with a token bucket (split over the task queue's partitions, 4 by default) that
 * holds up to one second of tokens: a full bucket plus one second of refill lets a 1 s window reach twice the
 * cap after a quiet moment. The average must stay under the cap itself.
 */
const RATE_BURST_FACTOR = 2;

const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? 'n/a' : n.toFixed(digits));

export function checkTargets(t: TemporalResult, b: PathResult): Target[] {
  const ratio = t.throughput !== null && b.throughput ? t.throughput / b.throughput : null;
  const p50Gap = t.latencyS.p50 !== null && b.latencyS.p50 !== null ? t.latencyS.p50 - b.latencyS.p50 : null;
  const workerVsScript =
    t.cpuS.worker !== null && b.cpuS.benchProcess
      ? t.cpuS.worker / t.journeys / (b.cpuS.benchProcess / b.journeys)
      : null;
  const { limit, maxIn1s, averagePerS } = t.callRate;
  // Heartbeats are billable too but never in history; a run that could not count them does not pass.
  const heartbeats = t.actions.heartbeatsPerJourney;
  const billable =
    t.actions.max !== null && heartbeats !== undefined && heartbeats !== null ? t.actions.max + heartbeats : null;
  // With an IDWise cap the cap bounds throughput, so comparing with the uncapped baseline says nothing.
  const capped: Target[] =
    limit === null
      ? []
      : [
          {
            name: `IDWise call rate across ${t.workerProcesses} worker(s) vs the cap`,
            target: `average <= ${limit}/s, busiest 1 s <= ${RATE_BURST_FACTOR * limit}`,
            measured: `average ${fmt(averagePerS)}/s, busiest 1 s ${fmt(maxIn1s, 0)}`,
            pass:
              averagePerS !== null && averagePerS <= limit && maxIn1s !== null && maxIn1s <= RATE_BURST_FACTOR * limit,
          },
        ];
  const uncapped: Target[] =
    limit !== null
      ? []
      : [
          {
            name: 'Temporal throughput vs baseline',
            target: `>= ${MIN_THROUGHPUT_RATIO} x baseline`,
            measured: `${fmt(ratio)} x (${fmt(t.throughput)} vs ${fmt(b.throughput)} journeys/s)`,
            pass: ratio !== null && ratio >= MIN_THROUGHPUT_RATIO,
          },
          {
            name: 'Temporal p50 latency vs baseline',
            target: `<= baseline p50 + ${MAX_P50_OVERHEAD_S} s`,
            measured: `${fmt(t.latencyS.p50)} s vs ${fmt(b.latencyS.p50)} s (+${fmt(p50Gap)} s)`,
            pass: p50Gap !== null && p50Gap <= MAX_P50_OVERHEAD_S,
          },
        ];
  return [
    ...capped,
    ...uncapped,
    {
      name: 'Worker peak RSS (VmHWM)',
      target: `<= ${MAX_WORKER_RSS_MB} MB`,
      measured: `${fmt(t.worker.peakRssMb, 0)} MB`,
      pass: t.worker.peakRssMb !== null && t.worker.peakRssMb <= MAX_WORKER_RSS_MB,
    },
    {
      name: 'History events per journey (max)',
      target: `<= ${MAX_HISTORY_EVENTS}`,
      measured: `${fmt(t.history.eventsMax, 0)}`,
      pass: t.history.eventsMax !== null && t.history.eventsMax <= MAX_HISTORY_EVENTS,
    },
    {
      name: 'History size per journey (max)',
      target: `<= ${MAX_HISTORY_BYTES / 1024} KiB`,
      measured: `${fmt(t.history.sizeBytesMax === null ? null : t.history.sizeBytesMax / 1024, 1)} KiB`,
      pass: t.history.sizeBytesMax !== null && t.history.sizeBytesMax <= MAX_HISTORY_BYTES,
    },
    {
      name: "Worker CPU per journey vs the plain script's (same run)",
      target: `<= ${MAX_WORKER_CPU_VS_SCRIPT} x`,
      measured: `${fmt(workerVsScript)} x`,
      pass: workerVsScript !== null && workerVsScript <= MAX_WORKER_CPU_VS_SCRIPT,
    },
    {
      name: 'Worker CPU per journey, issue 21: half of 114 ms when the plain script took 25 ms, as the same ratio',
      target: `<= ${ISSUE_21_WORKER_CPU_VS_SCRIPT} x`,
      measured: `${fmt(workerVsScript)} x`,
      pass: workerVsScript !== null && workerVsScript <= ISSUE_21_WORKER_CPU_VS_SCRIPT,
    },
    {
      name: 'Billable actions per journey (max of the sampled histories + heartbeats that reached the server)',
      target: `<= ${MAX_BILLABLE_ACTIONS}`,
      measured: billable === null ? 'n/a' : `${fmt(billable, 1)} (${fmt(t.actions.max, 0)} + ${fmt(heartbeats)})`,
      pass: billable !== null && billable <= MAX_BILLABLE_ACTIONS,
    },
    {
      name: 'Poll-rule violations (Temporal)',
      target: '0',
      measured: String(t.idwise.pollRuleViolations),
      pass: t.idwise.pollRuleViolations === 0,
    },
    {
      name: 'Steps submitted more than once (Temporal)',
      target: '0',
      measured: String(t.idwise.doubleSubmissions),
      pass: t.idwise.doubleSubmissions === 0,
    },
    {
      name: 'Failed journeys (Temporal + baseline)',
      target: '0',
      measured: `${t.failures} + ${b.failures}`,
      pass: t.failures === 0 && b.failures === 0,
    },
  ];
}

/**
 * CPU per journey as multiples of the plain script's (the bench process in the baseline phase: the script and the
 * sandbox answering the same IDWise calls), measured in the same run: a ratio that travels between machines where
 * milliseconds do not.
 */
export function cpuReference(r: BenchReport) {
  const n = r.settings.journeys;
  const perJourney = (s: number | null) => (s === null ? null : Math.round((s / n) * 1000 * 10) / 10);
  const reference = perJourney(r.baseline.cpuS.benchProcess);
  const ratio = (ms: number | null) => (ms === null || !reference ? null : Math.round((ms / reference) * 100) / 100);
  const worker = perJourney(r.temporal.cpuS.worker);
  const devServer = perJourney(r.temporal.cpuS.devServer);
  const floor = r.floor?.cpuMsPerJourney.worker ?? null;
  return {
    referenceMs: reference,
    workerMs: worker,
    devServerMs: devServer,
    worker: ratio(worker),
    devServer: ratio(devServer),
    // The SDK floor's worker CPU, and what the journey's worker spends beyond it: the part our code can change.
    floorWorkerMs: floor,
    floorWorker: ratio(floor),
    aboveFloorMs: worker === null || floor === null ? null : Math.round((worker - floor) * 10) / 10,
    aboveFloor: worker === null || floor === null ? null : ratio(worker - floor),
  };
}

function cpuAgainstReference(r: BenchReport): string {
  const c = cpuReference(r);
  return (
    `CPU ms per journey: worker ${fmt(c.workerMs, 1)} (${fmt(c.worker)} x the plain script's ${fmt(c.referenceMs, 1)}), ` +
    `dev server ${fmt(c.devServerMs, 1)} (${fmt(c.devServer)} x)` +
    (c.floorWorkerMs === null
      ? ''
      : `; the SDK floor's worker ${fmt(c.floorWorkerMs, 1)} (${fmt(c.floorWorker)} x), ` +
        `so the journey's own work in the worker ${fmt(c.aboveFloorMs, 1)} (${fmt(c.aboveFloor)} x)`)
  );
}

export function formatMarkdown(r: BenchReport): string {
  const { temporal: t, baseline: b } = r;
  const row = (label: string, tv: string, bv: string) => `| ${label} | ${tv} | ${bv} |`;
  const ops = Object.keys({ ...t.idwise.byOperation, ...b.idwise.byOperation });
  const lines = [
    `## IDWise journeys: Temporal vs plain script (${r.settings.journeys} journeys, concurrency ${r.settings.concurrency}, ` +
      `processing ${r.settings.processingDelayMs} ms)`,
    '',
    `run ${r.runId}, ${r.date}, ${describeMachine(r.machine, r.load)}`,
    '',
    cpuAgainstReference(r),
    '',
    '| | Temporal | baseline |',
    '|---|---:|---:|',
    row(
      'worker processes (workflow tasks / activities each)',
      `${t.workerProcesses} (${t.tasksPerWorker.map((w) => `${w.workflowTasks} / ${w.activities}`).join(', ')})`,
      '–',
    ),
    row(
      'IDWise calls/s: average, busiest 1 s (cap)',
      `${fmt(t.callRate.averagePerS)}, ${fmt(t.callRate.maxIn1s, 0)} (${t.callRate.limit ?? 'none'})`,
      '–',
    ),
    row('wall time (s)', fmt(t.durationS, 1), fmt(b.durationS, 1)),
    row('throughput (journeys/s)', fmt(t.throughput), fmt(b.throughput)),
    row('latency p50 (s)', fmt(t.latencyS.p50), fmt(b.latencyS.p50)),
    row('latency p95 (s)', fmt(t.latencyS.p95), fmt(b.latencyS.p95)),
    row('latency p99 (s)', fmt(t.latencyS.p99), fmt(b.latencyS.p99)),
    row('latency max (s)', fmt(t.latencyS.max), fmt(b.latencyS.max)),
    row('failures', String(t.failures), String(b.failures)),
    row('IDWise calls / journey', fmt(t.idwise.callsPerJourney), fmt(b.idwise.callsPerJourney)),
    ...ops.map((op) =>
      row(`&nbsp;&nbsp;${op} / journey`, fmt(t.idwise.byOperation[op] ?? null), fmt(b.idwise.byOperation[op] ?? null)),
    ),
    row(
      'summary calls / journey (mean, max)',
      `${fmt(t.idwise.summaryCallsPerJourney.mean)}, ${fmt(t.idwise.summaryCallsPerJourney.max, 0)}`,
      `${fmt(b.idwise.summaryCallsPerJourney.mean)}, ${fmt(b.idwise.summaryCallsPerJourney.max, 0)}`,
    ),
    row('poll-rule violations', String(t.idwise.pollRuleViolations), String(b.idwise.pollRuleViolations)),
    row('steps submitted more than once', String(t.idwise.doubleSubmissions), String(b.idwise.doubleSubmissions)),
    row(
      'CPU s: worker / dev server / bench process',
      `${fmt(t.cpuS.worker, 1)} / ${fmt(t.cpuS.devServer, 1)} / ${fmt(t.cpuS.benchProcess, 1)}`,
      `${fmt(b.cpuS.worker, 1)} / ${fmt(b.cpuS.devServer, 1)} / ${fmt(b.cpuS.benchProcess, 1)}`,
    ),
    row('CPU ms / journey (the three above)', fmt(t.cpuS.perJourneyMs, 0), fmt(b.cpuS.perJourneyMs, 0)),
    row(
      'cores busy machine-wide; CPU s of other processes',
      `${fmt(t.cpuS.machineCoresBusy)}; ${fmt(t.cpuS.otherProcesses, 1)}`,
      `${fmt(b.cpuS.machineCoresBusy)}; ${fmt(b.cpuS.otherProcesses, 1)}`,
    ),
    row(
      'worker RSS idle / end / peak (MB)',
      `${fmt(t.worker.idleRssMb, 0)} / ${fmt(t.worker.endRssMb, 0)} / ${fmt(t.worker.peakRssMb, 0)}`,
      '–',
    ),
    row(
      'dev server RSS end / peak (MB)',
      `${fmt(t.devServerMemory.endRssMb, 0)} / ${fmt(t.devServerMemory.peakRssMb, 0)}`,
      '–',
    ),
    row('history events / journey (p50, max)', `${fmt(t.history.eventsP50, 0)}, ${fmt(t.history.eventsMax, 0)}`, '–'),
    row(
      'history size / journey (p50, max; KiB)',
      `${fmt(t.history.sizeBytesP50 === null ? null : t.history.sizeBytesP50 / 1024, 1)}, ${fmt(t.history.sizeBytesMax === null ? null : t.history.sizeBytesMax / 1024, 1)}`,
      '–',
    ),
    row(
      `billable actions / journey (est., ${t.actions.sampledHistories} histories)`,
      t.actions.perJourney
        ? `${fmt(t.actions.perJourney.total, 1)} (min ${fmt(t.actions.min, 0)}, max ${fmt(t.actions.max, 0)})`
        : 'n/a',
      '–',
    ),
  ];
  if (t.actions.perJourney) {
    const a = t.actions.perJourney;
    lines.push(
      '',
      `actions per journey: ${a.workflowStarted} start + ${a.activityScheduled} activities + ${a.activityRetries} activity retries + ` +
        `${a.localActivities} local activities + ` +
        `${a.searchAttributeUpserts} search-attribute upserts + ${a.timerStarted} timers + ${a.updatesAccepted} updates + ` +
        `${a.signalsReceived} signals + ${fmt(t.actions.heartbeatsPerJourney ?? null)} heartbeats that reached the server ` +
        '(counted by its metrics, not in history)',
    );
  }
  for (const [label, p] of [
    ['Temporal', t],
    ['baseline', b],
  ] as const) {
    const otherCores = p.cpuS.otherProcesses !== null && p.durationS ? p.cpuS.otherProcesses / p.durationS : null;
    if (otherCores !== null && otherCores > NOISE_CORES) {
      lines.push(
        '',
        `WARNING: other processes kept ${fmt(otherCores)} cores busy during the ${label} phase: its figures are noisy.`,
      );
    }
  }
  const types = Object.entries(t.history.eventTypes);
  if (types.length > 0) lines.push('', `one journey's history: ${types.map(([k, v]) => `${v} ${k}`).join(', ')}`);
  const tm = t.history.timingsS;
  if (tm) {
    lines.push(
      '',
      `where a journey's time goes (mean of the sampled histories): ${fmt(tm.workflowS)} s from start to close = ` +
        `${fmt(tm.activityRunS)} s activities running (incl. the 2 s summary spacing and IDWise processing) + ` +
        `${fmt(tm.activityQueueS)} s activities queued + ${fmt(tm.workflowTaskS)} s workflow tasks (queued + run); ` +
        `client start and result add ${fmt(tm.clientS)} s`,
    );
  }
  const threads = Object.entries(t.worker.cpuByThreadS);
  if (threads.length > 0) {
    const perJourney = ([k, v]: [string, number | null]) =>
      `${k} ${fmt(v === null ? null : (1000 * v) / t.journeys, 1)}`;
    lines.push('', `worker CPU ms per journey by thread: ${threads.map(perJourney).join(', ')}`);
  }
  if (r.floor) {
    const f = r.floor;
    const groups = Object.entries(f.workerByThreadMs).map(([k, v]) => `${k} ${fmt(v, 1)}`);
    const events = Object.entries(f.eventTypes).map(([k, v]) => `${v} ${k}`);
    lines.push(
      '',
      `SDK floor (${f.journeys} journeys of the same Temporal shape, activities that wait ${f.activityWaitMs} ms and ` +
        `call nothing): worker ${fmt(f.cpuMsPerJourney.worker, 1)} CPU ms per journey (${groups.join(', ')}), dev ` +
        `server ${fmt(f.cpuMsPerJourney.devServer, 1)}; CPU s of other processes ${fmt(f.otherProcessesS, 1)}; ` +
        `one floor history: ${events.join(', ')}`,
    );
  }
  const wm = Object.entries(t.workerMetrics).filter(([, v]) => v !== null);
  if (wm.length > 0)
    lines.push(
      '',
      `worker metrics since start, warm-up included (histogram means, counter totals): ${wm.map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')}`,
    );
  lines.push('', '### Targets', '');
  for (const tg of r.targets)
    lines.push(`- ${tg.pass ? 'PASS' : 'FAIL'} ${tg.name}: ${tg.measured} (target ${tg.target})`);
  lines.push('', r.pass ? 'all targets met' : 'TARGETS MISSED');
  for (const [label, p] of [
    ['Temporal', t],
    ['baseline', b],
  ] as const) {
    if (p.failureSamples.length > 0)
      lines.push('', `${label} failures (first ${p.failureSamples.length}):`, ...p.failureSamples.map((s) => `- ${s}`));
  }
  return `${lines.join('\n')}\n`;
}
