import { activityInfo, cancellationSignal, Context, log } from '@temporalio/activity';
import type { IdwiseApi } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import type { StepMapping } from '../shared/journey.js';
import type { StepCheck } from '../shared/progress.js';
import { IdwiseJourneyId, IdwiseStage } from '../shared/search-attributes.js';
import { expectedRetry, mapFailures } from './failures.js';
import { lastLookMs } from './last-look.js';
import { checkImages, type PreflightDeps } from './preflight.js';
import { notBefore, summaryReader } from './journey-activities.js';
import { hasSubmission, isProcessed, toFlowSteps, toResultSummary, toStepCheck } from './mapping.js';

/**
 * Data, or a BENIGN retryable failure under a fixed-interval retry policy (polling): see checkStepProcessed. Near the
 * poll's deadline the next attempt is moved to just before it, so a decision made in the last interval (a reviewer's,
 * hours into a reviewWait of days) is still read.
 */
function pending(kind: 'throw' | 'return' | undefined, type: string, message: string): null {
  if (kind === 'return') return null;
  throw expectedRetry(type, message, lastLookMs(activityInfo().attempt));
}

/** After complete-journey (idwise-api.md §6, §7): the result, IDWise's decision after final processing, and review. */
export function createDecisionActivities(
  deps: { idwise: IdwiseApi; eventsEnabled?: boolean; stagingEnabled?: boolean } & PreflightDeps,
) {
  const { idwise, eventsEnabled = false, stagingEnabled = false } = deps;
  const getSummary = summaryReader(idwise);
  const readResult = async (journeyId: string) =>
    toResultSummary(await mapFailures(() => idwise.getJourneyResult(journeyId, { signal: cancellationSignal() })));

  return {
    /** Final processing is over once end_time is set and the decision is no longer Incomplete. */
    async awaitFinalDecision(req: { journeyId: string; pending?: 'throw' | 'return' }) {
      const result = await readResult(req.journeyId);
      if (result.endTime === null || result.decision.system === 'Incomplete') {
        return pending(req.pending, ErrorType.DecisionNotFinal, 'IDWise final processing has not ended yet');
      }
      return result;
    },

    /** A reviewer in IDWise Studio decided once manual_decision is set (§10, §11). */
    async awaitReview(req: { journeyId: string; pending?: 'throw' | 'return' }) {
      const result = await readResult(req.journeyId);
      if (result.decision.manual === null) {
        return pending(req.pending, ErrorType.ReviewPending, 'no manual decision yet');
      }
      return { ...result, reviewedAt: result.reviewedAt ?? new Date().toISOString() };
    },

    /** Where an existing IDWise journey stands, so a resumed workflow submits only what is not concluded. */
    async reconcileJourney(req: { journeyId: string; notBefore: number; checkFirst?: StepMapping }) {
      if (req.checkFirst) await checkImages(req.checkFirst, deps);
      if (activityInfo().attempt === 1) await notBefore(req.notBefore);
      const summary = await getSummary(req.journeyId, 'reconcile');
      const checkedAt = Date.now();
      const states: Record<string, { submitted: boolean; check: StepCheck | null }> = {};
      for (const { definition, result } of summary.step_summaries) {
        states[definition.step_id] = {
          submitted: hasSubmission(result),
          check: isProcessed(result) ? toStepCheck(result) : null,
        };
      }
      const steps = toFlowSteps(summary.step_summaries);
      return { steps, states, completed: summary.is_completed, checkedAt, eventsEnabled, stagingEnabled };
    },

    /**
     * A re-run continues the IDWise journey of this reference's previous run when that run ended without a
     * decision: starting another would upload the same documents again, which IDWise's duplicate rules flag.
     */
    async findResumableJourney(req: { workflowId: string; runId: string }) {
      const escaped = req.workflowId.replace(/["\\]/g, '\\$&');
      let latest: { runId: string; start: number; journeyId: string | null; status: string; stage: string } | null =
        null;
      for await (const run of Context.current().client.workflow.list({ query: `WorkflowId = "${escaped}"` })) {
        if (run.runId === req.runId || (latest && latest.start >= run.startTime.getTime())) continue;
        const sa = run.typedSearchAttributes;
        latest = {
          runId: run.runId,
          start: run.startTime.getTime(),
          journeyId: sa.get(IdwiseJourneyId) ?? null,
          status: run.status.name,
          stage: sa.get(IdwiseStage) ?? 'unknown',
        };
      }
      const resumable = !!latest?.journeyId && latest.status !== 'COMPLETED' && latest.status !== 'RUNNING';
      log.info('previous run looked up for a re-run', { previousRun: latest?.runId ?? null, resumable });
      return resumable ? { journeyId: latest!.journeyId, previousRunId: latest!.runId } : null;
    },
  };
}
