import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ClientConnectConfig } from '@temporalio/envconfig/lib/types.js';
import { z } from 'zod';
import { IMAGE_SOURCES_HELP, loadIdwiseConfig, type IdwiseConfig } from '../idwise/index.js';
import { parsePiiKey } from '../pii/sealed-applicant-details.js';
import { DEFAULT_TASK_QUEUE } from '../shared/journey.js';

export interface WorkerConfig {
  taskQueue: string;
  namespace: string;
  temporal: ClientConnectConfig;
  idwise: IdwiseConfig;
  piiKey: Buffer | null;
  /** Prometheus scrape address, e.g. 0.0.0.0:9464; metrics are off when null. */
  metricsBind: string | null;
  /** Server-side cap on IDWise calls per second across all workers of the task queue. */
  maxIdwiseCallsPerSecond: number | null;
}

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);
const WorkerEnvSchema = z.object({
  TEMPORAL_TASK_QUEUE: z.preprocess(blankAsUnset, z.string().default(DEFAULT_TASK_QUEUE)),
  IDWISE_PII_KEY: z.preprocess(blankAsUnset, z.string().optional()),
  IDWISE_METRICS_BIND: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[^:]+:\d+$/, 'use host:port, e.g. 0.0.0.0:9464')
      .optional(),
  ),
  IDWISE_MAX_CALLS_PER_SECOND: z.preprocess(
    blankAsUnset,
    z.coerce.number({ error: 'must be a number, e.g. 10' }).positive('must be a number above 0, e.g. 10').optional(),
  ),
});

/** Reads the worker's whole configuration once, listing every problem in one error. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const idwise = attempt(() => loadIdwiseConfig(env));
  // Without either, every image and manifest would be refused: say so at start, not per journey.
  if (!env.IDWISE_IMAGE_ROOTS?.trim() && !env.IDWISE_IMAGE_HOSTS?.trim())
    problems.push(`IDWISE_IMAGE_ROOTS and IDWISE_IMAGE_HOSTS are both unset: ${IMAGE_SOURCES_HELP}`);
  const piiKey =
    parsed.success && parsed.data.IDWISE_PII_KEY ? attempt(() => parsePiiKey(parsed.data.IDWISE_PII_KEY)) : null;
  const temporal = attempt(() => loadClientConnectConfig({ overrideEnvVars: definedOnly(env) }));
  if (problems.length > 0 || !parsed.success || !idwise || !temporal || piiKey === undefined) {
    throw new Error(`invalid worker configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze({
    taskQueue: parsed.data.TEMPORAL_TASK_QUEUE,
    namespace: temporal.namespace ?? 'default',
    temporal,
    idwise,
    piiKey,
    metricsBind: parsed.data.IDWISE_METRICS_BIND ?? null,
    maxIdwiseCallsPerSecond: parsed.data.IDWISE_MAX_CALLS_PER_SECOND ?? null,
  });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
