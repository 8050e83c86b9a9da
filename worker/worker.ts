import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createIdwiseClient, type IdwiseApi } from '../idwise/index.js';
import type { KeyRing } from '../codec/keys.js';
import { createDataConverter } from '../codec/data-converter.js';
import {
  openApplicantDetails,
  sealApplicantDetails,
  type ApplicantDetails,
  type SealBinding,
} from '../pii/sealed-applicant-details.js';
import { webpackConfigHook, workflowsPath } from './bundle.js';
import type { WorkerConfig } from './config.js';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  idwise: IdwiseApi;
  /** The payload codec's converter (codec/data-converter.ts): required, history is never written in clear. */
  dataConverter: DataConverter;
  piiKeys?: KeyRing | null;
  /** A prebuilt bundle (tests, production); otherwise workflows are bundled at start. */
  workflowBundlePath?: string;
  maxIdwiseCallsPerSecond?: number | null;
  /** How long in-flight IDWise calls may finish after SIGTERM before they are cancelled (and retried elsewhere). */
  shutdownGraceTime?: Duration;
}

/** The composition root's last step: activities around the injected client, plus the workflows. */
export function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  const { piiKeys } = opts;
  const activities = createActivities({
    idwise: opts.idwise,
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
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath, bundlerOptions: { webpackConfigHook } }),
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

export function workerOptionsFromConfig(config: WorkerConfig, connection: NativeConnection): JourneyWorkerOptions {
  return {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    idwise: createIdwiseClient(config.idwise),
    dataConverter: createDataConverter(config.codecKeys),
    piiKeys: config.piiKeys,
    maxIdwiseCallsPerSecond: config.maxIdwiseCallsPerSecond,
    // Long enough for an upload in flight to land; a deploy then never cuts one off halfway.
    shutdownGraceTime: '20s',
    ...(process.env.IDWISE_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.IDWISE_WORKFLOW_BUNDLE } : {}),
  };
}
