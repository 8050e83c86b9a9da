import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ClientConnectConfig } from '@temporalio/envconfig/lib/types.js';
import { z } from 'zod';
import { loadCodecKeys } from '../codec/data-converter.js';
import type { KeyRing } from '../codec/keys.js';
import { loadEventsConfig, type JourneyEventsConfig } from '../events/config.js';
import { IMAGE_SOURCES_HELP, loadIdwiseConfig, type IdwiseConfig } from '../idwise/index.js';
import { loadPiiKeys } from '../pii/sealed-applicant-details.js';
import { retentionProblem } from '../shared/retention.js';
import { DEFAULT_TASK_QUEUE } from '../shared/journey.js';
import { loadStagingTarget } from '../storage/staging-config.js';
import type { StagingTarget } from '../storage/staging.js';

export interface WorkerConfig {
  taskQueue: string;
  namespace: string;
  temporal: ClientConnectConfig;
  idwise: IdwiseConfig;
  /** IDWISE_CODEC_KEYS: encrypts every payload; required. */
  codecKeys: KeyRing;
  /** IDWISE_PII_KEYS: opens sealed applicant details; null when journeys carry none. */
  piiKeys: KeyRing | null;
  /** Prometheus scrape address, e.g. 0.0.0.0:9464; metrics are off when null. */
  metricsBind: string | null;
  /** Server-side cap on IDWise calls per second across all workers of the task queue. */
  maxIdwiseCallsPerSecond: number | null;
  /** host:port of the worker's /healthz and /readyz; off when null. */
  healthBind: string | null;
  /** IDWISE_STAGING_URL: where clients stage uploads (journeys delete theirs at the end); null when unset. */
  staging: StagingTarget | null;
  /** Where journey events are POSTed, signed; off when null. */
  events: JourneyEventsConfig | null;
  /** Journeys kept in the sticky workflow cache; beyond it a waiting journey is evicted and replayed from history. */
  maxCachedWorkflows: number;
  /** Activities this worker runs at once; most wait on IDWise or hold a lost-event check's 2 s, not on the CPU. */
  maxConcurrentActivities: number;
  /** IDWISE_RETENTION: how long after it ends a journey without a retention option is erased; `none` keeps it. */
  defaultRetention: string;
}

/**
 * Bounds memory however many journeys wait: a waiting journey runs no workflow task (its checks are activity retries)
 * until its event or a check's answer wakes it, and then its history is replayed. 1000 waiting journeys with 200
 * cached: 282 MB and detection p50 217-265 ms; all cached: 424 MB and 160 ms (bench/README.md, 2026-12-04).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/**
 * The SDK's default is 100. In webhooks mode each waiting journey's lost-event check holds its slot ~2 s per
 * fallbackCheckInterval (the 2 s rule): 10,000 waiting at 30 s keep ~700 slots busy, doing nothing but wait.
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 1000;

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);
const WorkerEnvSchema = z.object({
  TEMPORAL_TASK_QUEUE: z.preprocess(blankAsUnset, z.string().default(DEFAULT_TASK_QUEUE)),
  IDWISE_METRICS_BIND: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[^:]+:\d+$/, 'use host:port, e.g. 0.0.0.0:9464')
      .optional(),
  ),
  IDWISE_WORKER_HEALTH_BIND: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[^:]+:\d+$/, 'use host:port, e.g. 0.0.0.0:9465')
      .optional(),
  ),
  IDWISE_MAX_CACHED_WORKFLOWS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a whole number, e.g. 200' })
      .int('must be a whole number, e.g. 200')
      .min(2, 'must be at least 2, e.g. 200')
      .default(DEFAULT_MAX_CACHED_WORKFLOWS),
  ),
  IDWISE_MAX_CONCURRENT_ACTIVITIES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a whole number, e.g. 1000' })
      .int('must be a whole number, e.g. 1000')
      .min(1, 'must be at least 1, e.g. 1000')
      .default(DEFAULT_MAX_CONCURRENT_ACTIVITIES),
  ),
  IDWISE_RETENTION: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        const problem = retentionProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('none'),
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
  if (!env.IDWISE_IMAGE_ROOTS?.trim() && !env.IDWISE_IMAGE_HOSTS?.trim() && !env.IDWISE_IMAGE_BUCKETS?.trim())
    problems.push(`IDWISE_IMAGE_ROOTS and IDWISE_IMAGE_HOSTS are both unset: ${IMAGE_SOURCES_HELP}`);
  const codecKeys = attempt(() => loadCodecKeys(env));
  const piiKeys = attempt(() => loadPiiKeys(env));
  const temporal = attempt(() => loadClientConnectConfig({ overrideEnvVars: definedOnly(env) }));
  const events = attempt(() => loadEventsConfig(env));
  const staging = idwise ? attempt(() => loadStagingTarget(env, idwise.imageSources)) : null;
  if (
    problems.length > 0 ||
    !parsed.success ||
    !idwise ||
    !temporal ||
    !codecKeys ||
    piiKeys === undefined ||
    events === undefined ||
    staging === undefined
  ) {
    throw new Error(`invalid worker configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return withRedactedSecrets({
    taskQueue: parsed.data.TEMPORAL_TASK_QUEUE,
    namespace: temporal.namespace ?? 'default',
    temporal,
    idwise,
    codecKeys,
    piiKeys,
    metricsBind: parsed.data.IDWISE_METRICS_BIND ?? null,
    maxIdwiseCallsPerSecond: parsed.data.IDWISE_MAX_CALLS_PER_SECOND ?? null,
    healthBind: parsed.data.IDWISE_WORKER_HEALTH_BIND ?? null,
    events,
    staging,
    maxCachedWorkflows: parsed.data.IDWISE_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivities: parsed.data.IDWISE_MAX_CONCURRENT_ACTIVITIES,
    defaultRetention: parsed.data.IDWISE_RETENTION,
  });
}

const REDACTED = '[redacted]';

/**
 * A config logged whole by accident shows no secret: the IDWise secret and the key rings redact themselves, and
 * here the events signing secret, the Temporal API key and a TLS client key. Non-enumerable hooks, so spreads and
 * the fields themselves stay plain data.
 */
function withRedactedSecrets(config: WorkerConfig): WorkerConfig {
  const safe = () => {
    const connection = config.temporal.connectionOptions;
    const tls = connection.tls;
    const pair = typeof tls === 'object' && tls?.clientCertPair;
    return {
      ...config,
      temporal: {
        ...config.temporal,
        connectionOptions: {
          ...connection,
          ...(connection.apiKey !== undefined ? { apiKey: REDACTED } : {}),
          ...(pair ? { tls: { ...tls, clientCertPair: { ...pair, key: REDACTED } } } : {}),
        },
      },
      events: config.events ? { ...config.events, secret: REDACTED } : null,
    };
  };
  Object.defineProperty(config, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), { value: safe, enumerable: false });
  return Object.freeze(config);
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
