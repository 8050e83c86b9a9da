import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { durationToMs, formatMs } from '../shared/duration.js';
import { ErrorType } from '../shared/errors.js';
import { explainFailure } from '../shared/failures.js';
import { describeIssues, type JourneyInput, type StepFiles } from '../shared/journey.js';
import {
  progressQuery,
  provideStepFilesUpdate,
  type FlowStep,
  type JourneyOutcome,
  type ProvideStepFilesInput,
} from '../shared/progress.js';
import { acts, journeyActivityOptions } from './activity-options.js';
import { JourneyState } from './journey-state.js';
import { journeyMetrics } from './metrics.js';
import { parseJourneyInput, parseStepMapping, validStepMapping } from './validation.js';

/** What the frozen code returned; the fields added since are absent. */
type LegacyJourneyOutcome = Pick<
  JourneyOutcome,
  'journeyId' | 'referenceNo' | 'flowId' | 'decision' | 'steps' | 'ruleResults'
>;

/**
 * FROZEN: the journey as it ran before the lifecycle (retakes, final processing, review, resume, pre-flight,
 * events). Journeys started on that code replay through this function (identityJourney checks the
 * `journey-lifecycle` patch), so its commands must never change. Delete it with deprecatePatch() once no
 * history started before the patch is open anywhere.
 */
export async function legacyIdentityJourney(rawInput: JourneyInput): Promise<LegacyJourneyOutcome> {
  const parsed = parseJourneyInput(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid journey input: ${describeIssues(parsed.error)}`,
      ErrorType.InvalidInput,
    );
  }
  const input = parsed.data;
  const journey = new JourneyState(input);
  const files = new Map<string, StepFiles>(Object.entries(input.steps));
  const submitted = new Set<string>();

  setHandler(progressQuery, () => journey.progress());
  setHandler(
    provideStepFilesUpdate,
    ({ steps }: ProvideStepFilesInput) => {
      for (const [stepId, stepFiles] of Object.entries(validStepMapping(steps))) files.set(stepId, stepFiles);
      return { accepted: Object.keys(steps) };
    },
    { validator: (update) => validateProvidedFiles(update, journey.steps, submitted) },
  );

  const opts = journeyActivityOptions(input.options);
  journeyMetrics.started();
  try {
    const { journeyId, steps: startSteps } = await acts.startJourney.executeWithOptions(
      { ...opts.call, summary: `start journey ${input.referenceNo} on flow ${input.flowId}` },
      [{ flowId: input.flowId, referenceNo: input.referenceNo, sealedApplicantDetails: input.sealedApplicantDetails }],
    );
    journey.started(journeyId);

    // The guide's start response lists no steps; then the flow's own summary is the source of step ids.
    let steps = startSteps;
    let lastSummaryAt: number | null = null;
    if (steps.length === 0) {
      const fromSummary = await acts.getFlowSteps.executeWithOptions(
        { ...opts.call, summary: 'read the flow steps from the journey summary' },
        [{ journeyId }],
      );
      steps = fromSummary.steps;
      lastSummaryAt = fromSummary.checkedAt;
    }
    if (steps.length === 0) {
      throw ApplicationFailure.nonRetryable(
        `flow ${input.flowId} reported no steps for journey ${journeyId}`,
        ErrorType.UnknownStep,
      );
    }
    journey.setSteps(steps);
    rejectUnknownSteps([...files.keys()], steps, input.flowId);

    for (const step of steps) {
      const label = `step ${step.stepId}: ${step.type}, ${step.title}`;
      let stepFiles = files.get(step.stepId) ?? (step.optional ? { skip: true as const } : undefined);
      if (!stepFiles) {
        journey.step(step.stepId, 'waiting-for-files', 'waiting-for-files');
        const timeout = durationToMs(input.options.waitForFilesTimeout);
        if (!(await condition(() => files.has(step.stepId), timeout))) {
          throw ApplicationFailure.nonRetryable(
            `no files for required ${label} within ${formatMs(timeout)}; supply them with provideStepFiles and re-run the journey`,
            ErrorType.StepFilesTimeout,
          );
        }
        stepFiles = files.get(step.stepId)!;
      }
      const skip = 'skip' in stepFiles;
      journey.step(step.stepId, 'submitting', 'submitting');
      submitted.add(step.stepId);
      const submittedAt = Date.now();
      const notBefore = lastSummaryAt === null ? 0 : lastSummaryAt + opts.interval;
      await acts.submitStep.executeWithOptions({ ...opts.upload, summary: `${skip ? 'skip' : 'submit'} ${label}` }, [
        { journeyId, stepId: step.stepId, files: stepFiles, notBefore },
      ]);

      journey.step(step.stepId, 'processing', 'awaiting-processing');
      const checked = await awaitProcessed(journeyId, step, label, lastSummaryAt, opts, input.options.stepDeadline);
      lastSummaryAt = checked.checkedAt;
      journey.processed(step.stepId, checked.check!, skip);
      journeyMetrics.stepProcessed(step.type, (Date.now() - submittedAt) / 1000, checked.summaryCalls ?? 1);
    }

    journey.stage('completing');
    await acts.completeJourney.executeWithOptions({ ...opts.call, summary: 'complete journey' }, [{ journeyId }]);
    const result = await acts.getJourneyResult.executeWithOptions({ ...opts.call, summary: 'get journey result' }, [
      { journeyId },
    ]);
    journey.completed(result.decision, { status: 'not-needed', since: null, reviewedAt: null });
    journeyMetrics.finished('completed', result.decision.final);
    return {
      journeyId,
      referenceNo: input.referenceNo,
      flowId: input.flowId,
      decision: result.decision,
      steps: [...journey.steps],
      ruleResults: result.ruleResults,
    };
  } catch (err) {
    const outcome = isCancellation(err) ? 'cancelled' : 'failed';
    journey.failed(outcome, outcome === 'cancelled' ? 'cancelled' : explainFailure(err).reason);
    journeyMetrics.finished(outcome, 'none');
    throw err;
  }
}

async function awaitProcessed(
  journeyId: string,
  step: FlowStep,
  label: string,
  lastSummaryAt: number | null,
  opts: ReturnType<typeof journeyActivityOptions>,
  deadline: string | number,
) {
  // The first check waits out the 2 s rule since the previous summary call; retries are spaced by the policy.
  const notBefore = lastSummaryAt === null ? 0 : lastSummaryAt + opts.interval;
  try {
    return await acts.checkStepProcessed.executeWithOptions({ ...opts.check, summary: `check ${label} processed` }, [
      { journeyId, stepId: step.stepId, notBefore },
    ]);
  } catch (err) {
    // The deadline shows up two ways: a timeout during an attempt, or the server refusing a retry that
    // would start after it (retry state TIMEOUT, carrying the last "not processed yet").
    if (
      err instanceof ActivityFailure &&
      (err.cause instanceof TimeoutFailure || err.retryState === RetryState.TIMEOUT)
    ) {
      throw ApplicationFailure.nonRetryable(
        `IDWise did not finish processing ${label} within ${formatMs(durationToMs(deadline))} (stepDeadline)`,
        ErrorType.StepProcessingTimeout,
      );
    }
    throw err;
  }
}

function rejectUnknownSteps(keys: string[], steps: FlowStep[], flowId: string): void {
  const known = new Set(steps.map((s) => s.stepId));
  const unknown = keys.filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `step mapping has step id(s) ${unknown.join(', ')} that flow ${flowId} does not have; its steps are ${[...known].join(', ')}`,
      ErrorType.UnknownStep,
    );
  }
}

function validateProvidedFiles(
  update: ProvideStepFilesInput,
  steps: readonly { stepId: string }[],
  submitted: Set<string>,
) {
  const parsed = parseStepMapping(update?.steps);
  if (!parsed.success) throw new Error(`invalid step files: ${describeIssues(parsed.error)}`);
  const ids = Object.keys(parsed.data);
  if (ids.length === 0) throw new Error('provideStepFiles needs at least one step id');
  if (steps.length > 0) {
    const known = new Set(steps.map((s) => s.stepId));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new Error(`unknown step id(s) ${unknown.join(', ')}; this flow has ${[...known].join(', ')}`);
  }
  const late = ids.filter((id) => submitted.has(id));
  if (late.length > 0) throw new Error(`step(s) ${late.join(', ')} were already submitted; files can no longer change`);
}
