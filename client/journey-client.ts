import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { KeyRing } from '../codec/keys.js';
import { erasureMethods } from './erasure-client.js';
import {
  ApplicantDetailsSchema,
  sealApplicantDetails,
  type ApplicantDetails,
} from '../pii/sealed-applicant-details.js';
import {
  DEFAULT_TASK_QUEUE,
  describeIssues,
  JourneyInputSchema,
  StepMappingSchema,
  JOURNEY_WORKFLOW_TYPE,
  journeyWorkflowId,
  startProblems,
  type JourneyInput,
  type StepMapping,
} from '../shared/journey.js';
import { sealStepMapping } from '../pii/sealed-image-refs.js';
import {
  progressQuery,
  provideStepFilesUpdate,
  type JourneyOutcome,
  type JourneyProgress,
} from '../shared/progress.js';
import { IdwiseFlowId, IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import type { StagingTarget } from '../storage/staging.js';
import type { identityJourney } from '../workflows/journey.js';
import {
  explainFailure,
  JourneyAlreadyRanError,
  JourneyFailedError,
  JourneyInputError,
  JourneyNotFoundError,
  JourneyNotRunningError,
  StepFilesRejectedError,
  type InputIssue,
} from './errors.js';
import { discardUploads, prepareUploads, storeUploads, type UploadStepMapping } from './uploads.js';

/** What a backend passes to start a journey: the workflow's input, with applicant details in clear. */
export type StartJourneyRequest = Omit<JourneyInput, 'sealedApplicantDetails' | 'steps'> & {
  /** AML journeys only. Sealed with the PII keys, bound to the journey, before it leaves this process. */
  applicantDetails?: ApplicantDetails;
  /** Image references, or bytes (Buffer, Uint8Array, Readable) the client stages under IDWISE_STAGING_URL. */
  steps?: UploadStepMapping;
};

export interface StartedJourney {
  referenceNo: string;
  workflowId: string;
  runId: string;
  /** True when a journey for this reference was already running and is returned instead of a new one. */
  alreadyRunning: boolean;
}

export interface JourneyDescription {
  referenceNo: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT… */
  status: string;
  startTime: Date;
  closeTime: Date | undefined;
}

export interface JourneyClientOptions {
  client: Client;
  taskQueue?: string;
  /** IDWISE_PII_KEYS (loadPiiKeys): needed only to send applicant details. */
  piiKeys?: KeyRing | null;
  /** IDWISE_STAGING_URL (loadStagingTarget): needed only to pass image bytes. */
  staging?: StagingTarget | null;
  /** IDWISE_MAX_IMAGE_BYTES: the largest image accepted as bytes (6 MiB by default). */
  maxImageBytes?: number;
}

export type JourneyClient = ReturnType<typeof createJourneyClient>;

/** The backend's handle on journeys: one workflow per reference_no, typed by the workflow's own contract. */
export function createJourneyClient({
  client,
  taskQueue = DEFAULT_TASK_QUEUE,
  piiKeys = null,
  staging = null,
  maxImageBytes = 6_291_456,
}: JourneyClientOptions) {
  const handleFor = (referenceNo: string, runId?: string): WorkflowHandle<typeof identityJourney> =>
    client.workflow.getHandle<typeof identityJourney>(journeyWorkflowId(referenceNo), runId);

  async function describe(referenceNo: string): Promise<JourneyDescription> {
    const d = await notFoundAsJourneyError(referenceNo, () => handleFor(referenceNo).describe());
    return toDescription(referenceNo, d);
  }

  async function start(
    input: JourneyInput & { referenceNo: string; flowId: string },
    workflowId: string,
    opts: { rerun?: boolean },
  ): Promise<StartedJourney> {
    try {
      const handle = await client.workflow.start<typeof identityJourney>(JOURNEY_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: opts.rerun
          ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
          : WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `IDWise journey ${input.referenceNo}, flow ${input.flowId}`,
        typedSearchAttributes: [
          { key: IdwiseReferenceNo, value: input.referenceNo },
          { key: IdwiseFlowId, value: input.flowId },
          { key: IdwiseStage, value: 'starting' },
        ],
      });
      return { referenceNo: input.referenceNo, workflowId, runId: handle.firstExecutionRunId, alreadyRunning: false };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const latest = await describe(input.referenceNo);
      if (latest.status === 'RUNNING') {
        return { referenceNo: input.referenceNo, workflowId, runId: latest.runId, alreadyRunning: true };
      }
      throw new JourneyAlreadyRanError(input.referenceNo, latest.status, latest.closeTime, latest.runId);
    }
  }

  return {
    /**
     * Starts the journey for `referenceNo`, or returns the one already running for it. A journey that
     * already ran is started again only with `rerun: true`; otherwise JourneyAlreadyRanError says when it ran.
     */
    async startJourney(request: StartJourneyRequest, opts: { rerun?: boolean } = {}): Promise<StartedJourney> {
      // Bytes are checked and given their staged references first, so one error lists every problem of the input.
      const referenceNo = typeof request.referenceNo === 'string' ? request.referenceNo.trim() : '';
      const uploads = await prepareUploads(request.steps, { referenceNo, staging, maxBytes: maxImageBytes });
      const validated = validate({ ...request, steps: uploads.steps }, piiKeys, uploads.issues);
      // A re-run continues the previous run's IDWise journey when that run failed before IDWise decided.
      const input = opts.rerun ? { ...validated, resumeFailedRun: true } : validated;
      const workflowId = journeyWorkflowId(input.referenceNo);
      const staged = await storeUploads(staging, uploads.pending);
      try {
        const started = await start(input, workflowId, opts);
        if (started.alreadyRunning) await discardUploads(staging, staged); // the running journey has its own images
        return started;
      } catch (err) {
        // Staged for a journey that did not start: nothing else will ever read them.
        await discardUploads(staging, staged);
        throw err;
      }
    },

    describe,

    /** The journey's live state (stage, current step, per-step results), the same data the Web UI shows. */
    async getProgress(referenceNo: string): Promise<JourneyProgress> {
      return notFoundAsJourneyError(referenceNo, () => handleFor(referenceNo).query(progressQuery));
    },

    /** Waits for the journey's outcome; a journey that did not produce one throws JourneyFailedError. */
    async awaitOutcome(referenceNo: string): Promise<JourneyOutcome> {
      try {
        return await notFoundAsJourneyError(referenceNo, () => handleFor(referenceNo).result());
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        const { kind, type, reason } = explainFailure(err.cause);
        throw new JourneyFailedError(referenceNo, kind, type, reason, { cause: err });
      }
    },

    /** Files for steps not submitted yet, or for a step awaiting its retake; returns the step ids accepted. */
    async provideStepFiles(referenceNo: string, given: UploadStepMapping): Promise<string[]> {
      const latest = await describe(referenceNo);
      if (latest.status !== 'RUNNING') throw new JourneyNotRunningError(referenceNo, latest.status, 'take files');
      const uploads = await prepareUploads(given, { referenceNo, staging, maxBytes: maxImageBytes, path: 'steps' });
      if (uploads.issues.length > 0) throw new JourneyInputError(uploads.issues);
      // Checked here as the workflow would, since a sealed reference no longer shows what it holds.
      const parsed = StepMappingSchema.safeParse(uploads.steps ?? {});
      if (!parsed.success)
        throw new StepFilesRejectedError(referenceNo, `invalid step files: ${describeIssues(parsed.error)}`);
      const sealed = sealStepMapping(parsed.data, journeyWorkflowId(referenceNo), piiKeys);
      if (sealed.issues.length > 0) {
        const reasons = sealed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
        throw new StepFilesRejectedError(referenceNo, `invalid step files: ${reasons}`);
      }
      const staged = await storeUploads(staging, uploads.pending);
      try {
        const args: [{ steps: StepMapping }] = [{ steps: sealed.steps }];
        const { accepted } = await handleFor(referenceNo).executeUpdate(provideStepFilesUpdate, { args });
        return accepted;
      } catch (err) {
        await discardUploads(staging, staged);
        if (err instanceof WorkflowUpdateFailedError) {
          throw new StepFilesRejectedError(referenceNo, err.cause?.message ?? err.message, { cause: err });
        }
        throw err;
      }
    },

    /** Asks the journey to stop; it records the stage `cancelled` and fails with a CancelledFailure. */
    async cancel(referenceNo: string): Promise<void> {
      const latest = await describe(referenceNo);
      if (latest.status !== 'RUNNING') throw new JourneyNotRunningError(referenceNo, latest.status, 'be cancelled');
      await handleFor(referenceNo).cancel();
    },

    // eraseJourney, awaitErasure, listDueForErasure (client/erasure-client.ts).
    ...erasureMethods(client, taskQueue),
  };
}

/** Client-side validation: the same schema the workflow checks, so mistakes surface before anything starts. */
function validate(
  request: Omit<StartJourneyRequest, 'steps'> & { steps: StepMapping | undefined },
  piiKeys: KeyRing | null,
  uploadIssues: InputIssue[] = [],
): JourneyInput {
  const { applicantDetails, ...rest } = request;
  const issues: InputIssue[] = [...uploadIssues];
  if ('continued' in rest) issues.push({ path: 'continued', message: 'is internal to the workflow; remove it' });
  const parsed = JourneyInputSchema.safeParse(rest);
  if (!parsed.success)
    issues.push(...parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })));
  else issues.push(...startProblems(parsed.data));
  let sealedApplicantDetails: string | undefined;
  if (applicantDetails !== undefined) {
    const details = ApplicantDetailsSchema.safeParse(applicantDetails);
    if (!details.success) {
      // Paths and messages only: zod's issues do not echo the (PII) values.
      issues.push(
        ...details.error.issues.map((i) => ({ path: ['applicantDetails', ...i.path].join('.'), message: i.message })),
      );
    } else if (!piiKeys) {
      issues.push({
        path: 'applicantDetails',
        message: 'needs IDWISE_PII_KEYS (keyId:base64key) so the details are sealed before they enter workflow history',
      });
    } else if (parsed.success) {
      // Bound to the validated reference and flow: the worker opens it only for this journey.
      const binding = { referenceNo: parsed.data.referenceNo, flowId: parsed.data.flowId };
      sealedApplicantDetails = sealApplicantDetails(details.data, binding, piiKeys);
    }
  }
  if (issues.length > 0 || !parsed.success) throw new JourneyInputError(issues);
  const { steps, issues: refIssues } = sealStepMapping(
    parsed.data.steps,
    journeyWorkflowId(parsed.data.referenceNo),
    piiKeys,
  );
  if (refIssues.length > 0) throw new JourneyInputError(refIssues);
  // The validated, defaulted input goes to the workflow: the Web UI shows exactly what will run (image references
  // in their display form, sealed).
  return { ...parsed.data, steps, ...(sealedApplicantDetails ? { sealedApplicantDetails } : {}) };
}

function toDescription(referenceNo: string, d: WorkflowExecutionDescription): JourneyDescription {
  return {
    referenceNo,
    workflowId: d.workflowId,
    runId: d.runId,
    status: d.status.name,
    startTime: d.startTime,
    closeTime: d.closeTime,
  };
}

async function notFoundAsJourneyError<T>(referenceNo: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new JourneyNotFoundError(referenceNo, journeyWorkflowId(referenceNo));
    throw err;
  }
}
