import type { Switches } from './config.js';
import { finalProcessingEnded, viewStep, type Journey, type StepState, type StepView } from './journeys.js';
import { failsUniqueness } from './scenarios.js';

// Rule results and the system decision, derived from step states. Rule keys and names are the documented
// ones (idwise-api.md §5, §11). The scenario decides which rule fails: refer → no_duplicate_applicant,
// reject → same_subject (a face mismatch concludes the step rather than asking for a retry, §5).

export type RuleOutcome = 'Passed' | 'Failed' | 'CouldNotApply';

export interface RuleCheck {
  key: string;
  name: string;
  description: string;
  result: RuleOutcome;
  /** Steps the rule looked at, for rule_results[].details. */
  steps: { step: StepState; result: RuleOutcome }[];
}

interface Viewed {
  step: StepState;
  view: StepView;
}

const outcome = (v: StepView): RuleOutcome =>
  v.passed ? 'Passed' : v.status === 'Submitted' ? 'Failed' : 'CouldNotApply';

function worst(results: RuleOutcome[]): RuleOutcome {
  if (results.includes('Failed')) return 'Failed';
  return results.includes('CouldNotApply') ? 'CouldNotApply' : 'Passed';
}

export function evaluateRules(journey: Journey, now: number): RuleCheck[] {
  const viewed: Viewed[] = journey.steps.map((step) => ({ step, view: viewStep(step, now) }));
  const idDoc = viewed.find((v) => v.step.def.type === 'Document');
  const selfie = viewed.find((v) => v.step.def.type === 'Selfie');
  const rules: RuleCheck[] = [];

  // Skipped optional documents are not validated; unsubmitted mandatory ones cannot be yet.
  const docs = viewed.filter((v) => v.step.def.type === 'Document' && !v.view.skipped);
  const docChecks = docs
    .filter((v) => !v.step.def.optional || v.step.attempts.length > 0)
    .map((v) => ({ step: v.step, result: outcome(v.view) }));
  if (docChecks.length > 0) {
    const description = 'Checks that the documents are authentic, valid and readable';
    rules.push({ key: 'document_validation', name: 'Document Validation', description, ...pack(docChecks) });
  }
  if (idDoc && selfie) {
    const both = idDoc.view.passed && selfie.view.passed;
    const result: RuleOutcome = !both ? 'CouldNotApply' : journey.scenario === 'reject' ? 'Failed' : 'Passed';
    const steps = [idDoc, selfie].map((v) => ({ step: v.step, result }));
    const description = 'Checks that the selfie matches the face on the document';
    rules.push({ key: 'same_subject', name: 'Same Person', description, result, steps });
  }
  if (idDoc) {
    const result: RuleOutcome = idDoc.view.passed ? 'Passed' : 'CouldNotApply';
    const description = 'Checks that the applicant is of legal age';
    rules.push({ key: 'under_age', name: 'Under Age', description, result, steps: [{ step: idDoc.step, result }] });
  }
  const anyPassed = viewed.some((v) => v.view.passed);
  const unique: RuleOutcome = !anyPassed ? 'CouldNotApply' : failsUniqueness(journey.scenario) ? 'Failed' : 'Passed';
  rules.push({
    key: 'no_duplicate_applicant',
    name: 'Unique Applicant',
    description: 'Checks that the applicant has not been verified before under another reference',
    result: unique,
    steps: [],
  });
  return rules;
}

function pack(steps: RuleCheck['steps']): Pick<RuleCheck, 'result' | 'steps'> {
  return { result: worst(steps.map((s) => s.result)), steps };
}

/** The interim assessment shown in Get Journey Summary while the journey runs. */
export function interimAssessment(rules: RuleCheck[]) {
  return {
    interim_rule_assessment: rules.some((r) => r.result === 'Failed') ? 'Failed' : 'Passed',
    interim_rule_details: Object.fromEntries(rules.map((r) => [r.key, { name: r.name, result: r.result }])),
  };
}

export type SystemDecision = 'Incomplete' | 'Approved' | 'Complete' | 'Refer' | 'Rejected';

/**
 * The decision the submitted data gives once the user steps are done: Rejected (reject-), Refer if any rule
 * did not pass, else passDecision; Incomplete before completion.
 */
export function provisionalDecision(journey: Journey, rules: RuleCheck[], switches: Switches): SystemDecision {
  if (journey.completedAt === null) return 'Incomplete';
  if (journey.scenario === 'reject') return 'Rejected';
  return rules.every((r) => r.result === 'Passed') ? switches.passDecision : 'Refer';
}

/** What Get Journey Result reports: Incomplete until final processing has ended (end_time is set). */
export function systemDecision(journey: Journey, rules: RuleCheck[], switches: Switches, now: number): SystemDecision {
  return finalProcessingEnded(journey, now) ? provisionalDecision(journey, rules, switches) : 'Incomplete';
}
