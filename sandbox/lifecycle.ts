import type { Switches } from './config.js';
import { ApiError } from './errors.js';
import {
  finalProcessingEnded,
  viewStep,
  type Attempt,
  type Journey,
  type ManualDecision,
  type StepState,
} from './journeys.js';
import { evaluateRules, provisionalDecision } from './rules.js';
import { autoReviewDecision } from './scenarios.js';
import type { Timers } from './timers.js';
import type { WebhookEventName } from './webhook-config.js';
import type { WebhookSender } from './webhooks.js';

// A journey's life after its calls (idwise-api.md §5, §6, §10): an attempt's processing ends (Finished Step),
// the user steps are done (Finished User Steps), final processing ends (Finished Journey), a reviewer decides
// a Refer journey (Updated Journey). The moments are stored on the journey, so answers are derived from the
// clock; the timers here only send the webhooks at those moments.

export interface LifecycleDeps {
  switches: () => Switches;
  timers: Timers;
  webhooks: WebhookSender;
}

export class Lifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  /** An accepted attempt (or skip): Finished Step when its processing ends, then the autoComplete check. */
  attemptAccepted(journey: Journey, step: StepState, attempt: Attempt, now: number): void {
    this.deps.timers.after(attempt.readyAt - now, () => {
      this.emit('Finished Step', journey, { stepId: step.def.id, stepType: step.def.type });
      this.settle(journey, Date.now());
    });
  }

  /**
   * The autoComplete switch ([G] in idwise-api.md §14): lock the journey once every mandatory step has
   * concluded, as of the moment the last of them finished processing.
   */
  settle(journey: Journey, now: number): void {
    if (journey.completedAt !== null || !this.deps.switches().autoComplete) return;
    const mandatory = journey.steps.filter((s) => !s.def.optional);
    if (!mandatory.every((s) => viewStep(s, now).concluded)) return;
    const finished = mandatory.map((s) => s.attempts.at(-1)?.readyAt ?? journey.startedAt);
    this.complete(journey, Math.max(journey.startedAt, ...finished), now);
  }

  /** The user steps are done (complete-journey, or autoComplete as of `at`): final processing starts. */
  complete(journey: Journey, at: number, now: number): void {
    journey.completedAt = at;
    journey.finalAt = at + this.deps.switches().finalProcessingMs;
    // Not final yet ([G]): the decision the data gives so far; Get Journey Result still says Incomplete.
    this.emit('Finished User Steps', journey, { systemDecision: this.decision(journey, now) });
    this.deps.timers.after(journey.finalAt - now, () => this.finalProcessingEnded(journey));
  }

  /** A reviewer's decision; only for a Refer journey whose final processing has ended, and only once. */
  review(journey: Journey, decision: ManualDecision, now: number): void {
    const refuse = (why: string) => new ApiError(409, 'journey_not_reviewable', `Journey ${journey.id} ${why}`);
    if (!finalProcessingEnded(journey, now)) {
      throw refuse('has not finished final processing: complete it and wait for end_time');
    }
    const system = this.decision(journey, now);
    if (system !== 'Refer') throw refuse(`has system decision ${system}: only Refer journeys are reviewed`);
    if (journey.review) throw refuse(`was already reviewed (${journey.review.decision})`);
    journey.review = { decision, at: now };
    this.emit('Updated Journey', journey, {
      systemDecision: system,
      manualDecision: decision,
      finalDecision: decision,
      action: 'Manual Review',
    });
  }

  private finalProcessingEnded(journey: Journey): void {
    this.emit('Finished Journey', journey, { systemDecision: this.decision(journey, Date.now()) });
    const auto = autoReviewDecision(journey.scenario);
    if (!auto) return;
    this.deps.timers.after(this.deps.switches().autoReviewDelayMs, () => {
      // A person may have been quicker through the admin endpoint.
      if (journey.review === null && this.decision(journey, Date.now()) === 'Refer') {
        this.review(journey, auto, Date.now());
      }
    });
  }

  private decision(journey: Journey, now: number) {
    return provisionalDecision(journey, evaluateRules(journey, now), this.deps.switches());
  }

  private emit(event: WebhookEventName, journey: Journey, fields: Record<string, unknown>): void {
    // A journey erased by Delete PII says nothing more, whatever its timers had planned.
    if (journey.deleted) return;
    this.deps.webhooks.emit(event, { journeyId: journey.id, referenceNo: journey.referenceNo, ...fields });
  }
}
