import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { workerProcessArgs } from '../worker/node-flags.js';
import type { CpuUse } from './report.js';
import { round } from './stats.js';

// The journey worker as its own process (`node --import tsx worker/main.ts`, as `npm run worker` runs it), so
// its memory is measured alone: VmRSS from /proc/<pid>/status every `sampleMs`, and VmHWM (the kernel's own
// peak RSS, which also sees peaks between samples).

export interface MemorySample {
  /** ms since the worker reported it polls its task queue */
  t: number;
  rssMb: number;
}

export interface BenchWorker {
  pid: number;
  /** RSS right after start (workflow bundle loaded, nothing run yet). */
  idleRssMb: number;
  samples(): MemorySample[];
  /** Current VmRSS and VmHWM (peak since the process started), in MB. */
  memory(): Promise<{ rssMb: number; hwmMb: number }>;
  /** The last lines the worker wrote to stderr, for error reports. */
  stderrTail(): string;
  /** Rejects if the worker exits before stop() is called, so a run waiting on journeys fails instead of hanging. */
  died: Promise<never>;
  hasExited(): boolean;
  /** SIGTERM (graceful: in-flight tasks finish), SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const MB = 1024 * 1024;

/** VmRSS and VmHWM of a process, in MB, from /proc (Linux). */
export async function readProcMemory(pid: number): Promise<{ rssMb: number; hwmMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: (kb('VmRSS') * 1024) / MB, hwmMb: (kb('VmHWM') * 1024) / MB };
}

const CLOCK_TICKS = 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export async function readProcCpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of a process's or a thread's `stat` line, in seconds. */
function statCpuSeconds(stat: string): number {
  // Fields after "(comm)": state ppid ... utime (12th) stime (13th); comm may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds so far of each thread of a process, by thread id, with the thread's name (`main` for the pid's own). */
export async function readThreadCpuSeconds(pid: number): Promise<Record<string, { name: string; s: number }>> {
  const threads: Record<string, { name: string; s: number }> = {};
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      threads[tid] = { name, s: statCpuSeconds(stat) };
    } catch {
      // thread ended meanwhile
    }
  }
  return threads;
}

/**
 * The CPU seconds a worker's threads used between two readings, in groups: `main` (the Node event loop: activities,
 * the SDK's activation and activity streams, the bridge to the core), `workflow thread` (the SDK's worker thread that
 * runs every workflow activation), `V8 and libuv helpers` (Node names the workflow thread, V8's GC and compiler
 * threads and libuv's pool all `node`; the workflow thread is told apart as the busiest of them over a phase that runs
 * journeys, by far in every profile: about 4 x the next), `core` (the Rust SDK core's tokio threads) and the rest by
 * name.
 */
export function threadCpuGroups(
  before: Record<string, { name: string; s: number }>,
  after: Record<string, { name: string; s: number }>,
): Record<string, number> {
  const used = Object.entries(after).map(([tid, t]) => ({ name: t.name, s: t.s - (before[tid]?.s ?? 0) }));
  const nodeThreads = used.filter((t) => t.name === 'node').sort((a, b) => b.s - a.s);
  const workflowThread = nodeThreads[0];
  const groups: Record<string, number> = {};
  for (const t of used) {
    const group =
      t.name === 'main'
        ? 'main'
        : t === workflowThread
          ? 'workflow thread'
          : t.name === 'node'
            ? 'V8 and libuv helpers'
            : t.name.startsWith('tokio-runtime')
              ? 'core'
              : t.name;
    groups[group] = (groups[group] ?? 0) + t.s;
  }
  // In seconds to 0.01 (the kernel counts in 1/100 s), busiest first; groups that did nothing are left out.
  return Object.fromEntries(
    Object.entries(groups)
      .map(([group, s]) => [group, round(s) ?? 0] as const)
      .filter(([, s]) => s > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** Busy CPU time of the whole machine (all cores, every process), in seconds. */
export async function readMachineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** CPU seconds so far of the workers, the dev server, this process and the whole machine. */
export interface CpuSnapshot {
  worker: number;
  devServer: number;
  bench: number;
  machine: number;
}

export async function cpuSnapshot(workerPids: number[], devServerPid: number | null): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  const safe = (p: Promise<number>) => p.catch(() => Number.NaN);
  let worker = 0;
  for (const pid of workerPids) worker += await safe(readProcCpuSeconds(pid));
  return {
    worker,
    devServer: devServerPid === null ? Number.NaN : await safe(readProcCpuSeconds(devServerPid)),
    bench: (usage.user + usage.system) / 1e6,
    machine: await safe(readMachineBusySeconds()),
  };
}

/** What each used between two snapshots; the rest of the machine's busy time is other processes'. */
export function cpuUse(a: CpuSnapshot, b: CpuSnapshot, durationS: number, n: number): CpuUse {
  const worker = b.worker - a.worker;
  const devServer = b.devServer - a.devServer;
  const bench = b.bench - a.bench;
  const ours = worker + devServer + bench;
  return {
    worker: round(worker),
    devServer: round(devServer),
    benchProcess: round(bench),
    otherProcesses: round(Math.max(0, b.machine - a.machine - ours)),
    perJourneyMs: round((ours / n) * 1000, 0),
    machineCoresBusy: round((b.machine - a.machine) / durationS),
  };
}

/** Children of `ppid` whose command name is `comm` (e.g. the Temporal CLI the test environment spawned). */
export async function findChildPid(ppid: number, comm: string): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid && name === comm) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

export async function startBenchWorker(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  sampleMs?: number;
  startTimeoutMs?: number;
  /** The process's entry (default the journey worker's, worker/main.ts). */
  entry?: string;
}): Promise<BenchWorker> {
  // BENCH_WORKER_NODE_ARGS adds node flags for profiling, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, workerProcessArgs(extra, opts.entry), {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 15) stderr.shift();
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  let hasExited = false;
  // The worker logs every activity at INFO; the pipe is drained so it never blocks on a full buffer.
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within ${opts.startTimeoutMs ?? 60_000} ms: ${stderr.join('\n')}`)),
      opts.startTimeoutMs ?? 60_000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"idwise-worker-started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      hasExited = true;
      clearTimeout(timer);
      reject(err);
    });
    void exited.then(([code, signal]) => {
      hasExited = true;
      clearTimeout(timer);
      reject(new Error(`worker exited (${String(code ?? signal)}): ${stderr.join('\n')}`));
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 15_000) =>
    (stopping ??= (async () => {
      clearInterval(sampler);
      if (hasExited || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    })());

  const samples: MemorySample[] = [];
  let t0 = Date.now();
  const sampler = setInterval(() => {
    readProcMemory(child.pid!).then(
      ({ rssMb }) => samples.push({ t: Date.now() - t0, rssMb }),
      () => undefined, // the process may be gone between two samples
    );
  }, opts.sampleMs ?? 250);

  try {
    await started;
  } catch (err) {
    await stop(1_000);
    throw err;
  }
  t0 = Date.now();
  samples.length = 0;
  const idle = await readProcMemory(child.pid!);
  const died = exited.then(([code, signal]): never => {
    throw new Error(`the worker process exited during the run (${String(code ?? signal)}): ${stderr.join('\n')}`);
  });
  died.catch(() => undefined); // raced by the run; after stop() nobody waits on it
  return {
    died,
    hasExited: () => hasExited,
    pid: child.pid!,
    idleRssMb: idle.rssMb,
    samples: () => [...samples],
    memory: () => readProcMemory(child.pid!),
    stderrTail: () => stderr.join('\n'),
    stop,
  };
}

/**
 * Means of the Prometheus histograms on the worker's metrics endpoint, summed over their label sets
 * (`<name>_sum / <name>_count`), and the plain counters' totals.
 */
export async function scrapeMetrics(
  url: string,
): Promise<{ means: Record<string, number>; totals: Record<string, number> }> {
  const res = await fetch(url);
  const text = await res.text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1]!.endsWith('_bucket')) continue;
    sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + Number(m[3]));
  }
  const means: Record<string, number> = {};
  const totals: Record<string, number> = {};
  for (const [name, value] of sums) {
    if (name.endsWith('_sum')) {
      const base = name.slice(0, -4);
      const count = sums.get(`${base}_count`) ?? 0;
      if (count > 0) means[base] = value / count;
    } else if (!name.endsWith('_count')) totals[name] = value;
  }
  return { means, totals };
}

/** The sum of the Prometheus sample lines `keep` accepts (their value is the line's last field). */
const sumSamples = (text: string, keep: (line: string) => boolean) =>
  text
    .split('\n')
    .filter(keep)
    .reduce((a, l) => a + Number(l.split(/\s+/).at(-1)), 0);

/**
 * Activity heartbeats that reached the server, from its Prometheus endpoint: the frontend's RecordActivityTaskHeartbeat
 * requests in the namespace (by task token or by id). Each is a billable action on Temporal Cloud, and none is in history.
 */
export async function serverHeartbeats(url: string, namespace: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return sumSamples(
    text,
    (l) =>
      l.startsWith('service_requests{') &&
      /operation="RecordActivityTaskHeartbeat(ById)?"/.test(l) &&
      l.includes(`namespace="${namespace}"`) &&
      l.includes('service_name="frontend"'),
  );
}

/**
 * Tasks a worker has run since it started, from its Prometheus endpoint (the count of the SDK's execution
 * latency histograms): with several workers on one queue, proof that each one took a share.
 */
export async function taskCounts(url: string): Promise<{ workflowTasks: number; activities: number }> {
  const text = await (await fetch(url)).text();
  const sum = (name: string) => sumSamples(text, (l) => l.startsWith(`${name}_count`));
  return {
    workflowTasks: sum('temporal_workflow_task_execution_latency'),
    activities: sum('temporal_activity_execution_latency'),
  };
}
