import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { StepMapping } from './journey.js';

export type JourneyStage =
  | 'starting'
  | 'waiting-for-files'
  | 'submitting'
  | 'awaiting-processing'
  | 'completing'
  | 'completed'
  | 'failed'
  | 'cancelled';

export type StepState = 'pending' | 'waiting-for-files' | 'submitting' | 'processing' | 'processed' | 'skipped';

export interface StepFeedback {
  code: string | null;
  title: string;
  details: string;
}

/** One step as the workflow knows it; the same shape appears in progress and in the outcome. */
export interface StepReport {
  stepId: string;
  type: string;
  title: string;
  optional: boolean;
  state: StepState;
  /** IDWise's step status ("Submitted", "In Progress", …), null before the first check. */
  status: string | null;
  passed: boolean | null;
  concluded: boolean | null;
  feedback: StepFeedback | null;
}

export interface JourneyDecision {
  system: string;
  manual: string | null;
  final: string;
}

export interface JourneyProgress {
  referenceNo: string;
  flowId: string;
  journeyId: string | null;
  stage: JourneyStage;
  currentStepId: string | null;
  steps: StepReport[];
  decision: JourneyDecision | null;
  /** Why the journey failed, when it did (no PII, no secrets). */
  error: string | null;
}

export interface RuleOutcome {
  key: string;
  name: string;
  result: string;
}

export interface JourneyOutcome {
  journeyId: string;
  referenceNo: string;
  flowId: string;
  decision: JourneyDecision;
  steps: StepReport[];
  ruleResults: RuleOutcome[];
}

export interface ProvideStepFilesInput {
  steps: StepMapping;
}
export interface ProvideStepFilesResult {
  /** Step ids whose files were accepted. */
  accepted: string[];
}

export const progressQuery = defineQuery<JourneyProgress>('progress');
export const provideStepFilesUpdate = defineUpdate<ProvideStepFilesResult, [ProvideStepFilesInput]>('provideStepFiles');

/** A step of the flow, as the flow itself reports it (never hard-coded). */
export interface FlowStep {
  stepId: string;
  type: string;
  title: string;
  optional: boolean;
}

/** What one Get Journey Summary says about one processed step. */
export interface StepCheck {
  status: string;
  passed: boolean | null;
  concluded: boolean | null;
  feedback: StepFeedback | null;
}

export interface JourneyResultSummary {
  decision: JourneyDecision;
  ruleResults: RuleOutcome[];
}
