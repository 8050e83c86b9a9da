import { z } from 'zod';

// IDWise's responses are only partly documented (idwise-api.md §3–§7) and "may be extended", so every object
// is loose (unknown fields kept), optional fields accept null, and enums list the known values (§11) while
// still accepting new ones as plain strings: a new decision value must not fail a running journey.

/** Known values first for readers and editors; any other string still parses. */
const openEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.enum(values), z.string()]) as unknown as z.ZodType<T[number] | (string & {})>;

export const SYSTEM_DECISIONS = ['Incomplete', 'Complete', 'Refer', 'Rejected', 'Approved'] as const;
export const MANUAL_DECISIONS = ['Approved', 'Rejected'] as const;
export const FINAL_DECISIONS = ['Approved', 'Rejected', 'Complete', 'Incomplete', 'Refer'] as const;
export const STEP_STATUSES = ['Not Submitted', 'In Progress', 'Submitted', 'Incomplete'] as const;
export const STEP_TYPES = ['Document', 'Selfie', 'Finish'] as const;
export const RULE_RESULTS = ['Passed', 'Failed', 'CouldNotApply'] as const;

/** The docs show step ids both as "0" and 0; the result keys documents by the string form. */
const StepIdSchema = z.union([z.string().min(1), z.number()]).transform(String);
const str = z.string().nullish();
const bool = z.boolean().nullish();

export const StepDefinitionSchema = z.looseObject({
  step_id: StepIdSchema,
  step_type: openEnum(STEP_TYPES).nullish(),
  step_title: str,
  is_optional: bool,
  document_side: str,
  ui_step_number: z.number().nullish(),
});

export const StepResultSchema = z.looseObject({
  status: openEnum(STEP_STATUSES).nullish(),
  has_passed_rules: bool,
  is_concluded: bool,
  is_skipped: bool,
  error_user_feedback_code: str,
  error_user_feedback_title: str,
  error_user_feedback_details: str,
});

export const StepSummarySchema = z.looseObject({
  definition: StepDefinitionSchema,
  /** null until the step has been submitted. */
  result: StepResultSchema.nullable().default(null),
});

const RuleSchema = z.looseObject({ name: str, result: openEnum(RULE_RESULTS).nullish() });

export const RuleAssessmentSchema = z.looseObject({
  interim_rule_assessment: openEnum(['Passed', 'Failed']).nullish(),
  interim_rule_details: z.record(z.string(), RuleSchema).nullish(),
});

export const StartJourneyResponseSchema = z.looseObject({
  journey_id: z.string().min(1),
  reference_no: str,
  is_completed: bool,
  /** Empty in the documented example: step ids may have to come from Get Journey Summary instead. */
  step_summaries: z
    .array(StepSummarySchema)
    .nullish()
    .transform((s) => s ?? []),
});

export const JourneySummarySchema = z.looseObject({
  journey_id: z.string().min(1),
  is_completed: z.boolean(),
  step_summaries: z
    .array(StepSummarySchema)
    .nullish()
    .transform((s) => s ?? []),
  /** The docs call it `result`; the SDK's copy of the same JSON calls it `journey_result`. */
  result: RuleAssessmentSchema.nullish(),
  journey_result: RuleAssessmentSchema.nullish(),
});

/** Process and complete answer `{ "success": true }` at most; any 2xx means accepted (§4, §6). */
export const AcknowledgementSchema = z.looseObject({ success: z.boolean().optional() });

const DocumentSchema = z.looseObject({
  step_title: str,
  progress: openEnum(['Completed', 'Started', 'NotStarted']).nullish(),
  has_passed_rules: bool,
  document_type: str,
  document_subtype: str,
  issuing_country: str,
  issuing_country_code: str,
});

const SelfieSchema = z.looseObject({
  status: openEnum(['Complete', 'Refer', 'Not Started']).nullish(),
  has_passed_rules: bool,
  is_live: bool,
  liveness_status_code: str,
});

export const RuleResultSchema = z.looseObject({
  name: str,
  result: openEnum(['Passed', 'Failed']).nullish(),
  description: str,
});

export const JourneyResultSchema = z.looseObject({
  journey_id: z.string().min(1),
  flow_id: str,
  reference_number: str,
  start_time: str,
  end_time: str,
  system_decision: openEnum(SYSTEM_DECISIONS).nullish(),
  manual_decision: openEnum(MANUAL_DECISIONS).nullish(),
  /** When a reviewer decided; not in IDWise's docs ([G], the sandbox sends it), so the journey falls back to when it saw the decision. */
  manual_review_time: str,
  final_decision: openEnum(FINAL_DECISIONS).nullish(),
  documents: z.record(z.string(), DocumentSchema).nullish(),
  selfie: SelfieSchema.nullish(),
  rule_results: z.record(z.string(), RuleResultSchema).nullish(),
});

/** IDWise's error body (idwise-api.md §8); parsed leniently because proxies answer with their own bodies. */
export const ErrorEnvelopeSchema = z.looseObject({
  message: z.string().optional().catch(undefined),
  error_code: z.string().optional().catch(undefined),
});

export type StepDefinition = z.infer<typeof StepDefinitionSchema>;
export type StepResult = z.infer<typeof StepResultSchema>;
export type StepSummary = z.infer<typeof StepSummarySchema>;
export type RuleAssessment = z.infer<typeof RuleAssessmentSchema>;
export type StartJourneyResponse = z.infer<typeof StartJourneyResponseSchema>;
export type JourneySummary = z.infer<typeof JourneySummarySchema>;
export type ProcessStepResponse = z.infer<typeof AcknowledgementSchema>;
export type CompleteJourneyResponse = z.infer<typeof AcknowledgementSchema>;
export type JourneyResult = z.infer<typeof JourneyResultSchema>;
export type JourneyRuleResult = z.infer<typeof RuleResultSchema>;
