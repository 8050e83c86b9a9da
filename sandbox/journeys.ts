import { randomBytes } from 'node:crypto';
import type { SandboxFlow, SandboxStep } from './config.js';
import type { StoredImage } from './images.js';
import { scenarioFor, type Scenario } from './scenarios.js';

// Journey state. A step's status is derived from the clock when read (an attempt is In Progress until its
// readyAt; the result is final from finalAt), so answers never depend on a timer having fired. Timers
// (lifecycle.ts) only send the webhooks for those same moments.

export interface Attempt {
  submittedAt: number;
  /** When processing ends; Infinity for the stuck scenario. */
  readyAt: number;
  passed: boolean;
  skipped: boolean;
  images: StoredImage[];
}

export interface StepState {
  def: SandboxStep;
  index: number;
  attempts: Attempt[];
}

export interface ApplicantDetails {
  full_name: string;
  birth_date?: string | undefined;
  sex?: string | undefined;
  address?: string | undefined;
  nationality_code?: string | undefined;
}

export interface Journey {
  id: string;
  referenceNo: string;
  flow: SandboxFlow;
  environment: string;
  scenario: Scenario;
  applicantDetails: ApplicantDetails | undefined;
  startedAt: number;
  /** When complete-journey was accepted (or autoComplete fired): the user steps are done, is_completed. */
  completedAt: number | null;
  /** When final processing ends: the result's end_time, and the system decision is final from then on. */
  finalAt: number | null;
  /** A reviewer's decision on a Refer journey (admin review, or the review- scenarios). */
  review: { decision: ManualDecision; at: number } | null;
  steps: StepState[];
  lastSummaryAt: number | null;
  lastSubmittedStep: string | null;
  /** Set by Delete PII: the journey is gone from the store; its pending timers send nothing more. */
  deleted: boolean;
}

export type ManualDecision = 'Approved' | 'Rejected';

export const finalProcessingEnded = (journey: Journey, now: number) =>
  journey.finalAt !== null && journey.finalAt <= now;

export type StepStatus = 'Not Submitted' | 'In Progress' | 'Submitted';

export interface StepView {
  status: StepStatus;
  latest: Attempt | undefined;
  passed: boolean;
  skipped: boolean;
  /** Passed, skipped, or out of attempts (idwise-api.md §5). */
  concluded: boolean;
  /** Attempts whose processing has ended. */
  processed: number;
}

export function viewStep(step: StepState, now: number): StepView {
  const latest = step.attempts.at(-1);
  if (!latest)
    return { status: 'Not Submitted', latest, passed: false, skipped: false, concluded: false, processed: 0 };
  if (latest.readyAt > now) {
    const processed = step.attempts.length - 1;
    return { status: 'In Progress', latest, passed: false, skipped: false, concluded: false, processed };
  }
  const passed = latest.passed && !latest.skipped;
  const concluded = passed || latest.skipped || step.attempts.length >= step.def.maxAttempts;
  return { status: 'Submitted', latest, passed, skipped: latest.skipped, concluded, processed: step.attempts.length };
}

export const findStep = (journey: Journey, stepId: string) => journey.steps.find((s) => s.def.id === stepId);

/** Journey ids look like the docs' 24-hex Mongo ids; clients must treat them as opaque anyway. */
const newJourneyId = () => randomBytes(12).toString('hex');

export class JourneyStore {
  private readonly byId = new Map<string, Journey>();
  // Indexed so resumeByReference and findJourneys stay cheap in a benchmark with many journeys.
  private readonly byRef = new Map<string, Journey[]>();

  create(flow: SandboxFlow, referenceNo: string, environment: string, details: ApplicantDetails | undefined): Journey {
    const journey: Journey = {
      id: newJourneyId(),
      referenceNo,
      flow,
      environment,
      scenario: scenarioFor(referenceNo),
      applicantDetails: details,
      startedAt: Date.now(),
      completedAt: null,
      finalAt: null,
      review: null,
      steps: flow.steps.map((def, index) => ({ def, index, attempts: [] })),
      lastSummaryAt: null,
      lastSubmittedStep: null,
      deleted: false,
    };
    this.byId.set(journey.id, journey);
    this.byRef.set(referenceNo, [...(this.byRef.get(referenceNo) ?? []), journey]);
    return journey;
  }

  get(id: string): Journey | undefined {
    return this.byId.get(id);
  }

  /** Delete PII: the journey, its images and applicant details are forgotten. */
  delete(journey: Journey): void {
    journey.deleted = true;
    journey.applicantDetails = undefined;
    for (const step of journey.steps) for (const attempt of step.attempts) attempt.images = [];
    this.byId.delete(journey.id);
    const rest = (this.byRef.get(journey.referenceNo) ?? []).filter((j) => j !== journey);
    if (rest.length > 0) this.byRef.set(journey.referenceNo, rest);
    else this.byRef.delete(journey.referenceNo);
  }

  byReference(referenceNo: string): Journey[] {
    return [...(this.byRef.get(referenceNo) ?? [])];
  }

  clear(): void {
    this.byId.clear();
    this.byRef.clear();
  }
}
