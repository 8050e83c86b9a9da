import { join } from 'node:path';
import { generateKeyList } from '../codec/keys.js';
import type { RunningSandbox } from '../sandbox/index.js';
import { repoRoot } from '../cluster/release.js';

// Everything a journey worker process needs, in one place: chaos and the multi-worker bench both start
// workers with it. Nothing else from this shell's TEMPORAL_* / IDWISE_* leaks in (see inheritedEnv).

export interface WorkerEnvOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  sandbox: Pick<RunningSandbox, 'baseUrl' | 'credentials'>;
  /** A prebuilt workflow bundle (worker/bundle.ts writeWorkflowBundle), so restarts do not re-bundle. */
  workflowBundle: string;
  maxCallsPerSecond?: number | null;
  metricsBind?: string | null;
  /** Folders the worker may read images from (default: the repository's samples/). */
  imageRoots?: string[];
  /** IDWISE_CODEC_KEYS for the workers; the caller's client must use the same (codecKeysFor). */
  codecKeys?: string;
}

/** The run's codec keys: this shell's IDWISE_CODEC_KEYS, or fresh ones for this run only. */
export const codecKeysFor = (from: NodeJS.ProcessEnv = process.env) =>
  from.IDWISE_CODEC_KEYS ?? generateKeyList(['chaos']);

/** Variables other engineers' features add to the worker; passed on from this shell when set here. */
const PASS_THROUGH = ['IDWISE_CODEC_KEYS', 'IDWISE_PII_KEYS'] as const;

export function workerEnv(o: WorkerEnvOptions, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: o.namespace,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    IDWISE_BASE_URL: o.sandbox.baseUrl,
    IDWISE_API_KEY: o.sandbox.credentials.key,
    IDWISE_API_SECRET: o.sandbox.credentials.secret,
    IDWISE_WORKFLOW_BUNDLE: o.workflowBundle,
    // The sample mappings point at samples/images; a worker that restricts image paths must allow them.
    IDWISE_IMAGE_ROOTS: from.IDWISE_IMAGE_ROOTS ?? (o.imageRoots ?? [join(repoRoot, 'samples')]).join(','),
    // As in the worker image (deploy/worker.Dockerfile): fewer glibc malloc arenas for the core's threads.
    MALLOC_ARENA_MAX: from.MALLOC_ARENA_MAX ?? '2',
  };
  if (o.codecKeys) env.IDWISE_CODEC_KEYS = o.codecKeys;
  if (o.maxCallsPerSecond) env.IDWISE_MAX_CALLS_PER_SECOND = String(o.maxCallsPerSecond);
  if (o.metricsBind) env.IDWISE_METRICS_BIND = o.metricsBind;
  for (const name of PASS_THROUGH) if (from[name] && !env[name]) env[name] = from[name]!;
  return env;
}

/** This process's environment without TEMPORAL_* / IDWISE_* (PATH, HOME, NODE_OPTIONS... stay). */
export function inheritedEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(from).filter(([k]) => !/^(TEMPORAL_|IDWISE_)/.test(k)));
}
