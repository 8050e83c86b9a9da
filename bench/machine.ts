import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

// Which machine a bench figure comes from, and how busy it was: every report carries this, so a figure that does not
// reproduce elsewhere can be told apart from one taken beside other work.

export interface MachineInfo {
  cpuModel: string;
  /** What `nproc` prints: the cores this process may use. */
  nproc: number;
  cpus: number;
  node: string;
  platform: string;
  memoryGb: number | null;
}

/** Load averages (1, 5, 15 min) before the run, and the 1-minute one sampled while it ran. */
export interface LoadRecord {
  before: [number, number, number];
  during: { mean1m: number | null; max1m: number | null; samples: number };
  after: [number, number, number];
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const triple = (): [number, number, number] => {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [r2(a), r2(b), r2(c)];
};

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    nproc: availableParallelism(),
    cpus: cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGb: r2(totalmem() / 1024 ** 3),
  };
}

/** Samples the 1-minute load average every `everyMs` from now until `stop()`, which returns the record. */
export function watchLoad(everyMs = 5_000): { stop: () => LoadRecord } {
  const before = triple();
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? 0), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(loadavg()[0] ?? 0);
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      return {
        before,
        during: { mean1m: r2(mean), max1m: r2(Math.max(...samples)), samples: samples.length },
        after: triple(),
      };
    },
  };
}

/** One line for a markdown report: the machine, and the load before and during the run. */
export function describeMachine(m: MachineInfo, load: LoadRecord | undefined): string {
  const l = load
    ? `; load average before ${load.before.join(' / ')}, during (1 min) mean ${load.during.mean1m} max ${load.during.max1m}`
    : '';
  return `${m.cpuModel}, nproc ${m.nproc}, ${m.memoryGb} GB, Node ${m.node}${l}`;
}
