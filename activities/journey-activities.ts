import { activityInfo, cancellationSignal, heartbeat, log, sleep } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { IdwiseApi, JourneySummary } from '../idwise/index.js';
import type { ApplicantDetails, SealBinding } from '../pii/sealed-applicant-details.js';
import { ErrorType } from '../shared/errors.js';
import type { StepFiles } from '../shared/journey.js';
import { mapFailures } from './failures.js';
import { countSummaryCall, type SummaryPurpose } from './metrics.js';
import { hasSubmission, isProcessed, toFlowSteps, toResultSummary, toStepCheck } from './mapping.js';

export interface ActivityDeps {
  idwise: IdwiseApi;
  /** Opens sealed applicant_details of the journey `binding`; absent when the worker has no PII keys. */
  openApplicantDetails?: (sealed: string, binding: SealBinding) => ApplicantDetails;
}

/** Waits out IDWise's summary rate rule, measured from the journey's previous summary call. */
async function notBefore(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await sleep(wait);
}

function findStep(summary: JourneySummary, stepId: string) {
  const step = summary.step_summaries.find((s) => s.definition.step_id === stepId);
  if (!step) {
    const ids = summary.step_summaries.map((s) => s.definition.step_id).join(', ');
    throw ApplicationFailure.nonRetryable(`journey has no step ${stepId}; its steps are ${ids}`, ErrorType.UnknownStep);
  }
  return step;
}

export function createJourneyActivities({ idwise, openApplicantDetails }: ActivityDeps) {
  const signal = () => ({ signal: cancellationSignal() });
  const getSummary = (journeyId: string, purpose: SummaryPurpose) => {
    countSummaryCall(purpose);
    return mapFailures(() => idwise.getJourneySummary(journeyId, signal()));
  };

  return {
    async startJourney(req: { flowId: string; referenceNo: string; sealedApplicantDetails?: string | undefined }) {
      if (req.sealedApplicantDetails && !openApplicantDetails) {
        throw ApplicationFailure.nonRetryable(
          'the journey carries sealed applicant details but this worker has no IDWISE_PII_KEYS to open them',
          ErrorType.ApplicantDetailsUnreadable,
        );
      }
      const applicantDetails = req.sealedApplicantDetails
        ? openApplicantDetails!(req.sealedApplicantDetails, { referenceNo: req.referenceNo, flowId: req.flowId })
        : undefined;
      const res = await mapFailures(() =>
        idwise.startJourney({ flowId: req.flowId, referenceNo: req.referenceNo, applicantDetails }, signal()),
      );
      log.info('IDWise journey started', { journeyId: res.journey_id, flowId: req.flowId });
      return { journeyId: res.journey_id, steps: toFlowSteps(res.step_summaries) };
    },

    async getFlowSteps({ journeyId }: { journeyId: string }) {
      const summary = await getSummary(journeyId, 'flow-steps');
      return { steps: toFlowSteps(summary.step_summaries), checkedAt: Date.now() };
    },

    async submitStep(req: { journeyId: string; stepId: string; files: StepFiles; notBefore: number }) {
      const { journeyId, stepId, files } = req;
      // A retry may follow an attempt whose upload reached IDWise before the worker died: ask first,
      // so a step is never submitted twice (a second submission would use up one of its attempts).
      if (activityInfo().attempt > 1) {
        await notBefore(req.notBefore);
        const summary = await getSummary(journeyId, 'resubmit-check');
        if (hasSubmission(findStep(summary, stepId).result)) {
          log.info('step already submitted by an earlier attempt', { journeyId, stepId });
          return;
        }
      }
      heartbeat({ bytesSent: 0 });
      const upload =
        'skip' in files
          ? { journeyId, stepId, isSkipped: true }
          : { journeyId, stepId, image: files.image, ...(files.image2 ? { image2: files.image2 } : {}) };
      await mapFailures(() =>
        idwise.processStep(upload, { ...signal(), onProgress: (bytesSent) => heartbeat({ bytesSent }) }),
      );
      log.info('IDWise step submitted', { journeyId, stepId, skipped: 'skip' in files });
    },

    async checkStepProcessed(req: { journeyId: string; stepId: string; notBefore: number }) {
      if (activityInfo().attempt === 1) await notBefore(req.notBefore);
      const summary = await getSummary(req.journeyId, 'step-check');
      const checkedAt = Date.now();
      const { result } = findStep(summary, req.stepId);
      const status = result?.status ?? 'Not Submitted';
      if (!isProcessed(result)) {
        // Expected while IDWise works: BENIGN keeps these attempts out of failure logs and metrics.
        throw ApplicationFailure.create({
          message: `step ${req.stepId} not processed yet (status: ${status})`,
          type: ErrorType.StepNotProcessed,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      // The attempt number is the count of summary calls this step needed (a metric the workflow records).
      return { check: toStepCheck(result), checkedAt, summaryCalls: activityInfo().attempt };
    },

    async completeJourney({ journeyId }: { journeyId: string }) {
      // Completing twice is an error at IDWise; a retry after a lost response checks first.
      if (activityInfo().attempt > 1) {
        const summary = await getSummary(journeyId, 'complete-check');
        if (summary.is_completed) return;
      }
      await mapFailures(() => idwise.completeJourney(journeyId, signal()));
    },

    async getJourneyResult({ journeyId }: { journeyId: string }) {
      return toResultSummary(await mapFailures(() => idwise.getJourneyResult(journeyId, signal())));
    },
  };
}
