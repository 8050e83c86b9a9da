import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { ErrorType } from '../shared/errors.js';
import type { StepMapping } from '../shared/journey.js';
import type { FlowStep, StepCheck } from '../shared/progress.js';
import { acts, preflightOptions } from './activity-options.js';
import type { JourneyContext } from './journey-steps.js';

/** Where each step of the IDWise journey stands when the workflow takes it over. */
export interface StepEntry {
  submitted: boolean;
  check: StepCheck | null;
}

export interface Opened {
  journeyId: string;
  steps: FlowStep[];
  /** Empty for a new journey; from the summary for a resumed one. */
  states: Record<string, StepEntry>;
  /** IDWise already completed the journey (resumed after complete-journey): go straight to its decision. */
  completed: boolean;
  resumed: boolean;
  possiblyOrphaned: number;
  /** Whether the workers send journey events (IDWISE_EVENTS_URL): none are scheduled when they do not. */
  eventsEnabled: boolean;
  /** Whether the workers stage uploads (IDWISE_STAGING_URL); absent in states continued before it was known. */
  stagingEnabled?: boolean;
  /** Whether the workers erase journeys by default (IDWISE_RETENTION); known to lean journeys started here. */
  retentionByDefault?: boolean;
}

/** Step types that take an image (idwise-api.md §5; Proof of Address reports as Document). */
const IMAGE_STEP_TYPES = new Set(['Document', 'Selfie']);

/**
 * Checks the images, then starts the IDWise journey, or continues an existing one (input journeyId, or the
 * previous run's on a re-run). Step ids come only from the flow's own answers: the start response, else the summary.
 */
export async function openJourney(ctx: JourneyContext): Promise<Opened> {
  const { input, journey, opts } = ctx;
  // The images are checked by the first IDWise activity itself, before it calls IDWise.
  const checkFirst = hasImages(input.steps) ? input.steps : undefined;

  let journeyId = input.journeyId ?? null;
  if (!journeyId && input.resumeFailedRun) {
    const previous = await acts.findResumableJourney.executeWithOptions(
      { ...opts.call, summary: 'look for the IDWise journey of the previous run' },
      [{ workflowId: workflowInfo().workflowId, runId: workflowInfo().runId }],
    );
    journeyId = previous?.journeyId ?? null;
  }

  let opened: Opened;
  if (journeyId) {
    journey.stage('starting');
    const found = await acts.reconcileJourney.executeWithOptions(
      { ...opts.call, summary: `resume IDWise journey ${journeyId}` },
      [{ journeyId, notBefore: 0, ...(checkFirst ? { checkFirst } : {}) }],
    );
    ctx.lastSummaryAt = found.checkedAt;
    opened = { journeyId, ...found, resumed: true, possiblyOrphaned: 0 };
    ctx.outbox.enabled = found.eventsEnabled;
  } else {
    const started = await acts.startJourney.executeWithOptions(
      {
        ...opts.call,
        summary: `${checkFirst ? 'check the images, then ' : ''}start journey ${input.referenceNo} on flow ${input.flowId}`,
      },
      [
        {
          flowId: input.flowId,
          referenceNo: input.referenceNo,
          sealedApplicantDetails: input.sealedApplicantDetails,
          ...(checkFirst ? { checkFirst } : {}),
          ...(ctx.lean ? { withSteps: true } : {}),
        },
      ],
    );
    let steps = started.steps;
    if ('checkedAt' in started && started.checkedAt !== null) ctx.lastSummaryAt = started.checkedAt;
    // The guide's start response lists no steps; then the flow's own summary is the source of step ids (a lean
    // journey's start read it already, unless that read failed).
    if (steps.length === 0) {
      const fromSummary = await acts.getFlowSteps.executeWithOptions(
        { ...opts.call, summary: 'read the flow steps from the journey summary' },
        [{ journeyId: started.journeyId }],
      );
      steps = fromSummary.steps;
      ctx.lastSummaryAt = fromSummary.checkedAt;
    }
    opened = {
      journeyId: started.journeyId,
      steps,
      states: {},
      completed: false,
      resumed: false,
      possiblyOrphaned: started.possiblyOrphaned,
      eventsEnabled: started.eventsEnabled,
      stagingEnabled: started.stagingEnabled,
      ...(ctx.lean ? { retentionByDefault: started.retentionByDefault } : {}),
    };
    // Known from here on: a journey that fails on its flow's steps below schedules no event either.
    ctx.outbox.enabled = started.eventsEnabled;
  }
  journey.started(opened.journeyId);
  if (opened.steps.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `flow ${input.flowId} reported no steps for journey ${opened.journeyId}`,
      ErrorType.UnknownStep,
    );
  }
  journey.setSteps(opened.steps, input.options.stepAttempts);
  rejectUnknownSteps([...ctx.files.keys()], opened.steps, input.flowId);
  if (!opened.completed) rejectImagelessRequiredSteps(ctx, opened);
  return opened;
}

const hasImages = (steps: StepMapping) => Object.values(steps).some((f) => !('skip' in f));

/** Files that arrive by update are checked before they are submitted, as the input's were before the start. */
export async function preflight(steps: StepMapping): Promise<void> {
  const images = Object.values(steps).filter((f) => !('skip' in f)).length;
  if (images === 0) return;
  // Part of the stage the journey is in (starting, or waiting for files): no search-attribute write of its own.
  // A regular activity, not a local one: it must run where the images are, which is where the uploads run.
  await acts.preflightImages.executeWithOptions(
    { ...preflightOptions, summary: `check the images of ${images} step(s) before IDWise sees them` },
    [{ steps }],
  );
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

/**
 * An AML or other non-document step takes no image: skipped when optional, and when required a clear failure now,
 * naming the step, rather than a 24-hour wait for files nobody can provide. Files mapped for it are sent as given.
 */
function rejectImagelessRequiredSteps(ctx: JourneyContext, opened: Opened): void {
  const stuck = opened.steps.filter(
    (s) => !IMAGE_STEP_TYPES.has(s.type) && !s.optional && !ctx.files.has(s.stepId) && !concluded(opened, s.stepId),
  );
  if (stuck.length > 0) {
    const names = stuck.map((s) => `${s.stepId} (${s.type}, ${s.title})`).join(', ');
    throw ApplicationFailure.nonRetryable(
      `required step(s) ${names} take no image, so this journey cannot submit them: make them optional in the flow ` +
        'or have IDWise complete them, or map files for them if they accept a document',
      ErrorType.NonImageStep,
    );
  }
}

export const concluded = (opened: Opened, stepId: string) => {
  const check = opened.states[stepId]?.check;
  return !!check && (check.concluded !== false || check.passed === true);
};
