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
  return {
    decision: { system, manual: result.manual_decision ?? null, final: result.final_decision ?? system },
    ruleResults: Object.entries(result.rule_results ?? {}).map(([key, rule]) => ({
      key,
      name: rule?.name ?? key,
      result: rule?.result ?? 'Unknown',
    })),
  };
}
