import type { Switches, UserFeedback } from './config.js';
import { documentType, extractedFields, ISSUING_COUNTRY } from './fake-data.js';
import { viewStep, type Journey, type StepState } from './journeys.js';
import { evaluateRules, interimAssessment } from './rules.js';

// Get Journey Summary's body (idwise-api.md §5). Field names follow the docs' example; the SDK-only
// fields (is_optional, ui_step_number, recognition, extracted_fields, document_has_back) are the ones the
// spec says the backend may also return.

export interface SummaryContext {
  switches: Switches;
  feedback: Record<string, UserFeedback>;
  now: number;
}

/** step_id as the docs' table says (string) or as their example shows (number), per switch. */
export function serializeStepId(id: string, switches: Switches): string | number {
  return switches.stepIdAsNumber && /^\d+$/.test(id) ? Number(id) : id;
}

function stepResult(journey: Journey, step: StepState, ctx: SummaryContext) {
  const view = viewStep(step, ctx.now);
  if (view.status === 'Not Submitted' && ctx.switches.notSubmittedResult === 'null') return null;
  const failed = view.status === 'Submitted' && !view.passed && !view.skipped;
  const fb = failed ? (ctx.feedback[step.def.type] ?? ctx.feedback.Document) : undefined;
  const result: Record<string, unknown> = {
    status: view.status,
    has_passed_rules: view.passed,
    is_concluded: view.concluded,
    is_skipped: view.skipped,
    error_user_feedback_code: fb?.code ?? null,
    error_user_feedback_title: fb?.title ?? '',
    error_user_feedback_details: fb?.details ?? '',
  };
  if (step.def.type === 'Document' && view.status === 'Submitted' && !view.skipped) {
    result.document_has_back = (view.latest?.images.length ?? 0) > 1;
    if (view.passed) {
      result.recognition = {
        document_type: documentType(step.def),
        issuing_country_code: ISSUING_COUNTRY.code,
        issuing_country_name: ISSUING_COUNTRY.name,
      };
      const fields = extractedFields(step.def, journey.id);
      result.extracted_fields = Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value }]));
    }
  }
  return result;
}

export function stepSummaries(journey: Journey, ctx: SummaryContext) {
  return journey.steps.map((step) => ({
    definition: {
      step_id: serializeStepId(step.def.id, ctx.switches),
      step_type: step.def.type,
      step_title: step.def.title,
      is_optional: step.def.optional,
      ui_step_number: step.index + 1,
    },
    result: stepResult(journey, step, ctx),
  }));
}

export function journeySummary(journey: Journey, ctx: SummaryContext) {
  return {
    journey_id: journey.id,
    is_completed: journey.completedAt !== null,
    step_summaries: stepSummaries(journey, ctx),
    result: interimAssessment(evaluateRules(journey, ctx.now)),
  };
}
