import type { RunningSandbox } from '../sandbox/index.js';
import { round } from './stats.js';

// The IDWise call rate a run produced, from the sandbox's request counter sampled over time: the busiest
// 1-second window and the average, to hold against IDWISE_MAX_CALLS_PER_SECOND (which the Temporal server
// enforces for the whole task queue, however many workers poll it).

export interface CallRate {
  /** The configured task-queue-wide limit, null when none was set. */
  limit: number | null;
  /** Most API requests (faulted ones included) in any 1 s window. */
  maxIn1s: number | null;
  /** Requests / seconds over the phase. */
  averagePerS: number | null;
}

const totalRequests = (sandbox: RunningSandbox) =>
  Object.values(sandbox.admin.totals().requests).reduce((a, b) => a + b, 0);

export function sampleCallRate(sandbox: RunningSandbox, limit: number | null, everyMs = 100) {
  const samples: [number, number][] = [[Date.now(), totalRequests(sandbox)]];
  const timer = setInterval(() => samples.push([Date.now(), totalRequests(sandbox)]), everyMs);
  return {
    stop(): CallRate {
      clearInterval(timer);
      samples.push([Date.now(), totalRequests(sandbox)]);
      let max = 0;
      let j = 0;
      // Two pointers: for each sample, the calls since the last sample at least 1 s older.
      for (let i = 0; i < samples.length; i++) {
        while (j < i && samples[i]![0] - samples[j + 1]![0] >= 1_000) j++;
        if (samples[i]![0] - samples[j]![0] >= 1_000) max = Math.max(max, samples[i]![1] - samples[j]![1]);
      }
      const [t0, c0] = samples[0]!;
      const [t1, c1] = samples.at(-1)!;
      return { limit, maxIn1s: t1 - t0 >= 1_000 ? max : null, averagePerS: round((c1 - c0) / ((t1 - t0) / 1000)) };
    },
  };
}
