import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type EventActivitiesConfig } from '../activities/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import type { KeyRing } from '../codec/keys.js';
import { createIdwiseClient, type IdwiseApi, type ImageSources } from '../idwise/index.js';
import {
  openApplicantDetails,
  sealApplicantDetails,
  type ApplicantDetails,
  type SealBinding,
} from '../pii/sealed-applicant-details.js';
import type { StagingTarget } from '../storage/staging.js';
import { preloadModules, webpackConfigHook, workflowsPath } from './bundle.js';
import type { WorkerConfig } from './config.js';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  idwise: IdwiseApi;
  /** Where pre-flight checks and batch manifests may read from (IDWISE_IMAGE_ROOTS/HOSTS); nothing when absent. */
  imageSources?: ImageSources;
  /** IDWISE_MAX_IMAGE_BYTES, for the pre-flight checks. */
  maxImageBytes?: number;
  /** IDWISE_STAGING_URL: where clients stage uploads; journeys delete theirs when they end. */
  staging?: StagingTarget | null;
  /** The payload codec's converter (codec/data-converter.ts): required, history is never written in clear. */
  dataConverter: DataConverter;
  piiKeys?: KeyRing | null;
  /** A prebuilt bundle (tests, production); otherwise workflows are bundled at start. */
  workflowBundlePath?: string;
  maxIdwiseCallsPerSecond?: number | null;
  /** How long in-flight IDWise calls may finish after SIGTERM before they are cancelled (and retried elsewhere). */
  shutdownGraceTime?: Duration;
  /** Where journey events go (IDWISE_EVENTS_URL/SECRET); deliverJourneyEvent reports not delivered without. */
  events?: EventActivitiesConfig | null;
  /** IDWISE_MAX_CACHED_WORKFLOWS: the sticky cache's bound (the SDK's default grows with the heap limit). */
  maxCachedWorkflows?: number;
  /** IDWISE_MAX_CONCURRENT_ACTIVITIES (the SDK's default is 100). */
  maxConcurrentActivities?: number;
  /** IDWISE_RETENTION: for journeys whose retention option is unset (default none). */
  defaultRetention?: string;
}

/** The composition root's last step: activities around the injected client, plus the workflows. */
export function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  const { piiKeys } = opts;
  const activities = createActivities({
    idwise: opts.idwise,
    ...(opts.imageSources ? { imageSources: opts.imageSources } : {}),
    ...(opts.maxImageBytes ? { maxImageBytes: opts.maxImageBytes } : {}),
    events: opts.events ?? null,
    staging: opts.staging ?? null,
    ...(opts.defaultRetention ? { defaultRetention: opts.defaultRetention } : {}),
    piiKeys: piiKeys ?? null,
    ...(piiKeys
      ? {
          openApplicantDetails: (sealed: string, binding: SealBinding) =>
            openApplicantDetails(sealed, binding, piiKeys),
          sealApplicantDetails: (details: ApplicantDetails, binding: SealBinding) =>
            sealApplicantDetails(details, binding, piiKeys),
        }
      : {}),
  });
  return Worker.create({
    connection: opts.connection,
    dataConverter: opts.dataConverter,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    ...(opts.shutdownGraceTime ? { shutdownGraceTime: opts.shutdownGraceTime } : {}),
    ...(opts.maxCachedWorkflows ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...(opts.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities } : {}),
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath, bundlerOptions: { webpackConfigHook, preloadModules } }),
    ...(opts.maxIdwiseCallsPerSecond
      ? // Server-side and shared by every worker of the queue: IDWise's quota holds however many we run.
        // Eager dispatch would bypass it, so it is off when a limit is set.
        {
          maxTaskQueueActivitiesPerSecond: opts.maxIdwiseCallsPerSecond,
          maxEagerActivityReservationsPerWorkflowTask: 0,
        }
      : {}),
  });
}

export function workerOptionsFromConfig(
  config: WorkerConfig,
  connection: NativeConnection,
  env: NodeJS.ProcessEnv = process.env,
): JourneyWorkerOptions {
  return {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    idwise: createIdwiseClient(config.idwise),
    imageSources: config.idwise.imageSources,
    maxImageBytes: config.idwise.maxImageBytes,
    staging: config.staging,
    dataConverter: createDataConverter(config.codecKeys),
    piiKeys: config.piiKeys,
    maxIdwiseCallsPerSecond: config.maxIdwiseCallsPerSecond,
    events: config.events,
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentActivities: config.maxConcurrentActivities,
    defaultRetention: config.defaultRetention,
    // Long enough for an upload in flight to land; a deploy then never cuts one off halfway.
    shutdownGraceTime: '20s',
    ...(env.IDWISE_WORKFLOW_BUNDLE ? { workflowBundlePath: env.IDWISE_WORKFLOW_BUNDLE } : {}),
  };
}
