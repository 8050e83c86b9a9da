import type { JourneyResult, StepResult, StepSummary } from '../idwise/index.js';
import type { FlowStep, JourneyResultSummary, StepCheck } from '../shared/progress.js';

// IDWise's snake_case API objects become the workflow's small domain types here, so history carries
// only what the journey needs (no extracted fields, no image paths, no applicant data).

export function toFlowSteps(summaries: readonly StepSummary[]): FlowStep[] {
  return summaries.map(({ definition }) => ({
    stepId: definition.step_id,
    type: definition.step_type ?? 'Unknown',
    title: definition.step_title ?? `Step ${definition.step_id}`,
    optional: definition.is_optional ?? false,
  }));
}

/** "Processed" = IDWise has a result for the step that is neither not-submitted nor still in progress. */
export function isProcessed(result: StepResult | null | undefined): result is StepResult {
  return !!result && result.status !== 'Not Submitted' && result.status !== 'In Progress';
}

export function hasSubmission(result: StepResult | null | undefined): boolean {
  return !!result && result.status !== 'Not Submitted';
}

/**
 * Whether a retake (a second or later attempt) reached IDWise. Before it lands the step still shows the failed
 * attempt; after, it is In Progress, passed, or concluded. IDWise exposes no attempt ids, so a retake that landed,
 * was processed and failed again without concluding looks like one that never landed (possible only with more
 * than 2 attempts per step); then it is submitted again and IDWise may answer step_in_progress, which counts as landed.
 */
export function retakeLanded(result: StepResult | null | undefined): boolean {
  return !!result && (result.status === 'In Progress' || !!result.has_passed_rules || !!result.is_concluded);
}

export function toStepCheck(result: StepResult): StepCheck {
  const code = result.error_user_feedback_code ?? null;
  const title = result.error_user_feedback_title ?? '';
  const details = result.error_user_feedback_details ?? '';
  return {
    status: result.status ?? 'Unknown',
    passed: result.has_passed_rules ?? null,
    concluded: result.is_concluded ?? null,
    feedback: code || title || details ? { code, title, details } : null,
  };
}

export function toResultSummary(result: JourneyResult): JourneyResultSummary {
  const system = result.system_decision ?? 'Incomplete';
  const manual = result.manual_decision ?? null;
  return {
    decision: { system, manual, final: result.final_decision ?? manual ?? system },
    endTime: result.end_time ?? null,
    reviewedAt: result.manual_review_time ?? null,
    ruleResults: Object.entries(result.rule_results ?? {}).map(([key, rule]) => ({
      key,
      name: rule?.name ?? key,
      result: rule?.result ?? 'Unknown',
    })),
  };
}
