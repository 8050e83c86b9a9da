import { getHeapStatistics } from 'node:v8';

/**
 * V8 flags every worker process runs with: `npm run worker` (and so the image), chaos, the bench and the tests'
 * worker processes. Measured with 1000 journeys waiting (bench/README.md): a smaller young generation (16 MB
 * semi-spaces by default, per thread) and an old-space limit that makes V8 collect the start burst's garbage instead
 * of growing the heap took worker RSS from 543 to 338 MB max; the CPU while waiting stayed within its run-to-run spread
 * (0.092 core with 16 MB semi-spaces, 0.097 with 4, in two 300 s windows). The limit is per V8 isolate: the workflow
 * thread's heap holds the workflow cache (~150 KB per cached journey), see heapWarning.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256'] as const;

/** `node` arguments that start a worker process from the repository, as `npm run worker` does (or another entry). */
export const workerProcessArgs = (extraNodeFlags: readonly string[] = [], entry = 'worker/main.ts') => [
  ...WORKER_NODE_FLAGS,
  ...extraNodeFlags,
  '--import',
  'tsx',
  entry,
];

/** Rough V8 heap a cache of `cached` journeys needs in the workflow thread: the SDK and bundle, plus ~250 KB each. */
export const heapNeededMb = (cached: number) => 80 + Math.ceil(cached / 4);

/** A warning line when the cache will not fit this process's heap limit (a larger cache without a larger limit). */
export function heapWarning(maxCachedWorkflows: number): string | null {
  const limitMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
  const neededMb = heapNeededMb(maxCachedWorkflows);
  if (limitMb >= neededMb) return null;
  return JSON.stringify({
    event: 'idwise-worker-heap-too-small',
    heapLimitMb: limitMb,
    maxCachedWorkflows,
    neededMb,
    fix: `lower IDWISE_MAX_CACHED_WORKFLOWS, or raise the heap limit (NODE_OPTIONS=--max-old-space-size=${neededMb})`,
  });
}
