import { activityInfo, cancellationSignal, heartbeat, log, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isIdwiseError, mayHaveActed, type IdwiseApi, type JourneySummary } from '../idwise/index.js';
import type { ApplicantDetails, SealBinding } from '../pii/sealed-applicant-details.js';
import { ErrorType } from '../shared/errors.js';
import type { StepCheck } from '../shared/progress.js';
import { MIN_SUMMARY_INTERVAL_MS, type StepFiles, type StepMapping } from '../shared/journey.js';
import { expectedRetry, failureOf, mapFailures } from './failures.js';
import { checkImages, openedFiles, type PreflightDeps } from './preflight.js';
import { noteProcessed, type StepTiming } from './processing-times.js';
import { firstBeatAfterMs, progressHeartbeat } from './progress-heartbeat.js';
import { SummaryPacer } from './summary-pacer.js';
import { countPossiblyOrphanedStart, countSummaryCall, type SummaryPurpose } from './metrics.js';
import { hasSubmission, isProcessed, retakeLanded, toFlowSteps, toResultSummary, toStepCheck } from './mapping.js';

export interface ActivityDeps {
  idwise: IdwiseApi;
  /** Opens sealed applicant_details of the journey `binding`; absent when the worker has no PII keys. */
  openApplicantDetails?: (sealed: string, binding: SealBinding) => ApplicantDetails;
  /** Whether IDWISE_EVENTS_URL is set: journeys schedule no event deliveries (no history) when it is not. */
  eventsEnabled?: boolean;
  /** Whether IDWISE_STAGING_URL is set: journeys of a deployment without staging skip deleteStagedImages. */
  stagingEnabled?: boolean;
  /** Whether IDWISE_RETENTION is set (not `none`): journeys without a retention option schedule no erasure if not. */
  retentionByDefault?: boolean;
}

/** Waits out IDWise's summary rate rule, measured from the journey's previous summary call. */
export async function notBefore(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await sleep(wait);
}

export function findStep(summary: JourneySummary, stepId: string) {
  const step = summary.step_summaries.find((s) => s.definition.step_id === stepId);
  if (!step) {
    const ids = summary.step_summaries.map((s) => s.definition.step_id).join(', ');
    throw ApplicationFailure.nonRetryable(`journey has no step ${stepId}; its steps are ${ids}`, ErrorType.UnknownStep);
  }
  return step;
}

/** One per worker process: every summary call of every activity goes through it (see SummaryPacer). */
const pacer = new SummaryPacer(MIN_SUMMARY_INTERVAL_MS);

/**
 * Every summary call goes through one reader: counted, spaced by the worker's pacer, and a 429's Retry-After never
 * undercuts the 2 s rule.
 */
export function summaryReader(idwise: IdwiseApi) {
  /** `endBy` (local ms): the call is aborted if still in flight then, and not made if its turn comes later. */
  return (journeyId: string, purpose: SummaryPurpose, endBy?: number) => {
    countSummaryCall(purpose);
    return mapFailures(
      () =>
        pacer.run(journeyId, () => {
          const left = endBy === undefined ? null : endBy - Date.now();
          if (left !== null && left <= 0) throw new SummaryTurnMissed();
          const signal =
            left === null ? cancellationSignal() : AbortSignal.any([cancellationSignal(), AbortSignal.timeout(left)]);
          return idwise.getJourneySummary(journeyId, { signal });
        }),
      { minRetryDelayMs: MIN_SUMMARY_INTERVAL_MS },
    );
  };
}

/** A summary call whose turn (the pacer's wait) came after its caller's `endBy`: nothing was sent. */
export class SummaryTurnMissed extends Error {
  override readonly name = 'SummaryTurnMissed';
  constructor() {
    super('no summary call made: its turn came too late in the attempt');
  }
}

/** Step codes IDWise answers when an earlier attempt of this very submission already landed (idwise-api.md §8). */
const LANDED_CODES = new Set(['step_in_progress', 'step_concluded']);

export function createJourneyActivities(deps: ActivityDeps & PreflightDeps) {
  const { idwise, openApplicantDetails, eventsEnabled = false, stagingEnabled = false } = deps;
  const retentionByDefault = deps.retentionByDefault ?? false;
  const signal = () => ({ signal: cancellationSignal() });
  const getSummary = summaryReader(idwise);
  /** A submitted step's first look; a failed look is no failed upload: the journey's poll looks next. */
  const firstLook = async (journeyId: string, stepId: string, at: number) => {
    try {
      await notBefore(at);
      const { result } = findStep(await getSummary(journeyId, 'step-check'), stepId);
      return { summaryAt: Date.now(), check: isProcessed(result) ? toStepCheck(result) : null };
    } catch (err) {
      log.warn('first look after the upload failed; the poll looks next', {
        journeyId,
        stepId,
        error: err instanceof Error ? err.message : String(err),
      });
      // The call may have reached IDWise: the poll keeps 2 s from now.
      return { summaryAt: Date.now(), check: null };
    }
  };

  /**
   * The steps of a journey just started, read in the start's own attempt. A failed read must not fail the attempt (its
   * retry would start a second journey): the journey then reads them with getFlowSteps, as before.
   */
  const stepsFromSummary = async (journeyId: string) => {
    try {
      const summary = await getSummary(journeyId, 'flow-steps');
      return { steps: toFlowSteps(summary.step_summaries), checkedAt: Date.now() };
    } catch (err) {
      log.warn('flow steps not read with the start; the journey reads them next', {
        journeyId,
        error: err instanceof Error ? err.message : String(err),
      });
      return { steps: [], checkedAt: null };
    }
  };

  return {
    /**
     * IDWise has no idempotency key and no lookup by reference, so a start whose answer was lost may have created a
     * journey. Retrying is the least harmful choice (the applicant goes on); each such retry is counted (carried
     * across attempts in the heartbeat details), logged with the reference and returned, so ops can find it.
     */
    async startJourney(req: {
      flowId: string;
      referenceNo: string;
      sealedApplicantDetails?: string | undefined;
      /** Images to check first: bad input never creates an IDWise journey (no separate activity, no extra history). */
      checkFirst?: StepMapping;
      /** When the start response lists no steps, read them from the summary here (one activity, not two). */
      withSteps?: boolean;
    }) {
      if (req.checkFirst) await checkImages(req.checkFirst, deps);
      const prior = (activityInfo().heartbeatDetails as { possiblyOrphaned?: number } | undefined)?.possiblyOrphaned;
      const possiblyOrphaned = prior ?? 0;
      if (req.sealedApplicantDetails && !openApplicantDetails) {
        throw ApplicationFailure.nonRetryable(
          'the journey carries sealed applicant details but this worker has no IDWISE_PII_KEYS to open them',
          ErrorType.ApplicantDetailsUnreadable,
        );
      }
      const applicantDetails = req.sealedApplicantDetails
        ? openApplicantDetails!(req.sealedApplicantDetails, { referenceNo: req.referenceNo, flowId: req.flowId })
        : undefined;
      try {
        const res = await idwise.startJourney(
          { flowId: req.flowId, referenceNo: req.referenceNo, applicantDetails },
          signal(),
        );
        log.info('IDWise journey started', { journeyId: res.journey_id, flowId: req.flowId, possiblyOrphaned });
        const learned = { possiblyOrphaned, eventsEnabled, stagingEnabled, retentionByDefault };
        const steps = toFlowSteps(res.step_summaries);
        if (steps.length > 0 || !req.withSteps) return { journeyId: res.journey_id, steps, ...learned };
        return { journeyId: res.journey_id, ...(await stepsFromSummary(res.journey_id)), ...learned };
      } catch (err) {
        const ambiguous = isIdwiseError(err) && mayHaveActed(err);
        // Failure reports carry the last heartbeat details to the next attempt.
        heartbeat({ possiblyOrphaned: possiblyOrphaned + (ambiguous ? 1 : 0) });
        if (ambiguous) {
          countPossiblyOrphanedStart();
          log.warn('IDWise start-journey answer lost after it may have acted: retrying may leave an orphaned journey', {
            referenceNo: req.referenceNo,
            flowId: req.flowId,
            error: err.kind,
          });
        }
        throw failureOf(err, ambiguous ? { retryable: true } : {});
      }
    },

    async getFlowSteps({ journeyId }: { journeyId: string }) {
      const summary = await getSummary(journeyId, 'flow-steps');
      return { steps: toFlowSteps(summary.step_summaries), checkedAt: Date.now() };
    },

    /**
     * Submits one attempt of a step. A retry may follow an attempt whose upload reached IDWise before the worker
     * died: it asks first, so a step is never submitted twice (a second submission would use up an attempt).
     * Returns when that check called the summary, so the journey's next call keeps the 2 s rule.
     */
    async submitStep(req: {
      journeyId: string;
      stepId: string;
      files: StepFiles;
      notBefore: number;
      attempt?: number;
      /**
       * Polling: once uploaded, look whether IDWise processed it, when the 2 s rule lets this journey (the first
       * attempt of the summary poll, made here: no activity and no workflow task of its own when it answers).
       */
      look?: boolean;
    }): Promise<{ summaryAt: number | null; check?: StepCheck | null }> {
      const { journeyId, stepId, files } = req;
      const stepAttempt = req.attempt ?? 1;
      let summaryAt: number | null = null;
      if (activityInfo().attempt > 1) {
        await notBefore(req.notBefore);
        const summary = await getSummary(journeyId, 'resubmit-check');
        summaryAt = Date.now();
        const { result } = findStep(summary, stepId);
        if (stepAttempt === 1 ? hasSubmission(result) : retakeLanded(result)) {
          log.info('step already submitted by an earlier attempt', { journeyId, stepId, stepAttempt });
          return { summaryAt };
        }
      }
      const progress = progressHeartbeat({ firstAfterMs: firstBeatAfterMs(activityInfo().heartbeatTimeoutMs) });
      const opened = openedFiles(files, deps);
      const upload =
        'skip' in opened
          ? { journeyId, stepId, isSkipped: true }
          : { journeyId, stepId, image: opened.image, ...(opened.image2 ? { image2: opened.image2 } : {}) };
      try {
        await idwise.processStep(upload, { ...signal(), onProgress: progress });
      } catch (err) {
        // After a lost answer IDWise may refuse the repeat because the first one landed: that is success.
        if (activityInfo().attempt > 1 && isIdwiseError(err) && LANDED_CODES.has(err.errorCode ?? '')) {
          log.info('step already submitted by an earlier attempt', { journeyId, stepId, stepAttempt });
          return { summaryAt };
        }
        // Every retry starts with a summary call, so a 429's Retry-After on the upload must not undercut 2 s either.
        throw failureOf(err, { minRetryDelayMs: MIN_SUMMARY_INTERVAL_MS });
      }
      log.info('IDWise step submitted', { journeyId, stepId, stepAttempt, skipped: 'skip' in files });
      return req.look
        ? firstLook(journeyId, stepId, Math.max(req.notBefore, (summaryAt ?? 0) + MIN_SUMMARY_INTERVAL_MS))
        : { summaryAt };
    },

    /**
     * One summary call. `pending: 'throw'` (polling) makes "not processed yet" a BENIGN retryable failure, so the
     * activity's fixed-interval retry policy is the poll; `'return'` (webhooks) answers it as data, for a journey
     * that waits on the event and checks only when it arrives or its fallback timer fires.
     */
    async checkStepProcessed(
      req: {
        journeyId: string;
        stepId: string;
        notBefore: number;
        pending?: 'throw' | 'return';
      } & StepTiming,
    ) {
      if (activityInfo().attempt === 1) await notBefore(req.notBefore);
      const summary = await getSummary(req.journeyId, 'step-check');
      const checkedAt = Date.now();
      const { result } = findStep(summary, req.stepId);
      const status = result?.status ?? 'Not Submitted';
      if (!isProcessed(result)) {
        if (req.pending === 'return') return { check: null, checkedAt, summaryCalls: 1 };
        throw expectedRetry(ErrorType.StepNotProcessed, `step ${req.stepId} not processed yet (status: ${status})`);
      }
      noteProcessed(req);
      // The attempt number is the count of summary calls this step needed (a metric the workflow records).
      return { check: toStepCheck(result), checkedAt, summaryCalls: activityInfo().attempt };
    },

    /**
     * Completing twice is refused by IDWise (journey_completed); after a lost answer that refusal means done. With
     * `readResult`, the result is read once right after (the first look of the final-decision poll, made here).
     */
    async completeJourney({ journeyId, readResult }: { journeyId: string; readResult?: boolean }) {
      try {
        await idwise.completeJourney(journeyId, signal());
      } catch (err) {
        if (!(isIdwiseError(err) && err.errorCode === 'journey_completed')) throw failureOf(err);
        log.info('IDWise journey already completed', { journeyId });
      }
      if (!readResult) return undefined;
      try {
        const result = toResultSummary(await mapFailures(() => idwise.getJourneyResult(journeyId, signal())));
        return { result: result.endTime === null || result.decision.system === 'Incomplete' ? null : result };
      } catch (err) {
        log.warn('result not read after complete; the journey polls it next', {
          journeyId,
          error: err instanceof Error ? err.message : String(err),
        });
        return { result: null };
      }
    },

    async getJourneyResult({ journeyId }: { journeyId: string }) {
      return toResultSummary(await mapFailures(() => idwise.getJourneyResult(journeyId, signal())));
    },
  };
}
