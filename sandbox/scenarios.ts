// Outcomes are chosen by the reference_no prefix, so a test or a demo picks its scenario without any
// sandbox-specific API: the same client code runs against the sandbox and the real IDWise.

/** Longest first, so a prefix that starts another one's name can never swallow it. */
export const SCENARIOS = [
  'review-approve',
  'review-reject',
  'feedback',
  'exhaust',
  'reject',
  'refer',
  'stuck',
  'pass',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** `Refer-42` and `refer-42` are the same scenario; an unknown prefix behaves like `pass-`. */
export function scenarioFor(referenceNo: string): Scenario {
  const lower = referenceNo.trim().toLowerCase();
  return SCENARIOS.find((s) => lower.startsWith(`${s}-`)) ?? 'pass';
}

/** refer- and the review- scenarios fail rule no_duplicate_applicant, so their system decision is Refer. */
export const failsUniqueness = (scenario: Scenario) =>
  scenario === 'refer' || scenario === 'review-approve' || scenario === 'review-reject';

/** The decision a reviewer gives automatically, autoReviewDelayMs after final processing ends. */
export function autoReviewDecision(scenario: Scenario): 'Approved' | 'Rejected' | null {
  if (scenario === 'review-approve') return 'Approved';
  return scenario === 'review-reject' ? 'Rejected' : null;
}

/**
 * Whether attempt `attempt` (1-based) of the step at `stepIndex` (flow order) passes its initial checks.
 * feedback: the first step's first attempt fails with user feedback; a resubmission passes.
 * exhaust:  every attempt of the first step fails, so it concludes unpassed after maxAttempts.
 */
export function attemptPasses(scenario: Scenario, stepIndex: number, attempt: number): boolean {
  if (stepIndex !== 0) return true;
  if (scenario === 'feedback') return attempt > 1;
  return scenario !== 'exhaust';
}

/** stuck: every submission stays In Progress forever. */
export const neverFinishes = (scenario: Scenario) => scenario === 'stuck';
