import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { StepMapping } from './journey.js';

export type JourneyStage =
  | 'starting'
  | 'waiting-for-files'
  | 'submitting'
  | 'awaiting-processing'
  | 'awaiting-retake'
  | 'completing'
  | 'awaiting-decision'
  | 'awaiting-review'
  | 'completed'
  | 'failed'
  | 'cancelled';

export type StepState =
  | 'pending'
  | 'waiting-for-files'
  | 'submitting'
  | 'processing'
  | 'awaiting-retake'
  | 'processed'
  | 'skipped';

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
  /** Attempts this journey submitted (retakes included); IDWise counts attempts per step. */
  attemptsUsed: number;
  /** Attempts IDWise still allows (its default is 2 per step, option stepAttempts); null when unknown. */
  attemptsLeft: number | null;
}

/** A failed attempt IDWise lets the applicant retake; cleared once new files arrive. */
export interface RetakeRequest {
  stepId: string;
  feedback: StepFeedback | null;
  attemptsUsed: number;
  attemptsLeft: number | null;
  /** ISO time the retake was asked for, and when the journey stops waiting (retakeTimeout). */
  requestedAt: string;
  expiresAt: string;
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
  /** The retake the journey is waiting for, in stage awaiting-retake. */
  retake: RetakeRequest | null;
  review: ReviewReport;
  /** How step and decision changes are detected: IDWise webhooks, or summary checks alone. */
  events: JourneyEventsMode;
  /** Why the journey failed, when it did (no PII, no secrets). */
  error: string | null;
}

export type JourneyEventsMode = 'polling' | 'webhooks';

/**
 * Manual review in IDWise Studio (idwise-api.md §10, §11): `not-needed` when the system decision needed none,
 * `waiting` while a reviewer has not decided, `reviewed`, or `not-reviewed` when reviewWait passed without one.
 */
export interface ReviewReport {
  status: 'not-needed' | 'waiting' | 'reviewed' | 'not-reviewed';
  /** ISO times: when the wait began, when the reviewer decided (IDWise's time when it says, else when seen). */
  since: string | null;
  reviewedAt: string | null;
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
  /** system: IDWise's; manual: the reviewer's (null without review); final: the one that counts. */
  decision: JourneyDecision;
  /** IDWise's end of final processing (its end_time), when it says. */
  decidedAt: string | null;
  review: ReviewReport;
  steps: StepReport[];
  ruleResults: RuleOutcome[];
  /** The retake that went unanswered within retakeTimeout; the journey completed with what IDWise had. */
  unansweredRetake: RetakeRequest | null;
  /** True when this run continued an existing IDWise journey (input journeyId, or a re-run of a failed run). */
  resumed: boolean;
  /**
   * start-journey calls whose answer was lost after they may have reached IDWise (timeout, reset): each may have
   * left a journey at IDWise that nothing completes. IDWise has no lookup by reference, so they are counted here,
   * in a metric and a log line, for ops to reconcile in IDWise Studio.
   */
  possiblyOrphanedJourneys: number;
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
  /** IDWise's end_time: null while final processing runs. */
  endTime: string | null;
  /** When the reviewer decided, if IDWise says (sandbox: manual_review_time). */
  reviewedAt: string | null;
}
