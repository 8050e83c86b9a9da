import { setHandler } from '@temporalio/workflow';
import { idwiseEventSignal, IDWISE_WEBHOOK_EVENT, type IdwiseEventSignal } from '../shared/idwise-webhooks.js';

/** Event ids remembered for de-duplication: IDWise retries with the same id, a few times, within an hour. */
const REMEMBERED_EVENT_IDS = 200;

/**
 * IDWise's webhooks as the receiver signals them (webhooks/). Events may come twice, late or out of order, so the
 * inbox only records facts (step X finished at t, the journey finished at t, a reviewer decided at t) and the
 * journey compares them with when it last looked; it never acts on an event's order. Kept across continue-as-new.
 */
export class IdwiseInbox {
  private readonly seen: string[];
  private readonly stepFinishedAt = new Map<string, number>();
  private journeyFinishedAt = 0;
  private reviewedAt = 0;
  /** Events received (after de-duplication), for the progress query and tests. */
  received = 0;

  constructor(carried: string[] = []) {
    this.seen = [...carried];
    setHandler(idwiseEventSignal, (event) => this.accept(event));
  }

  /** Event ids to carry into a continued run. */
  get seenIds(): string[] {
    return [...this.seen];
  }

  private accept(event: IdwiseEventSignal): void {
    if (this.seen.includes(event.eventId)) return;
    this.seen.push(event.eventId);
    if (this.seen.length > REMEMBERED_EVENT_IDS) this.seen.shift();
    this.received += 1;
    // Workflow time, not the receiver's clock: "after the journey last looked" must compare like with like.
    const at = Date.now();
    switch (event.event) {
      case IDWISE_WEBHOOK_EVENT.FinishedStep:
        if (event.stepId !== null) this.stepFinishedAt.set(event.stepId, at);
        break;
      case IDWISE_WEBHOOK_EVENT.FinishedJourney:
        this.journeyFinishedAt = at;
        break;
      case IDWISE_WEBHOOK_EVENT.UpdatedJourney:
        // Updated Journey also reports AML and step amendments; only a manual decision ends a review wait.
        if (event.manualDecision !== null) this.reviewedAt = at;
        break;
      default:
      // Finished User Steps and names IDWise adds later carry nothing the journey waits for.
    }
  }

  stepFinishedSince(stepId: string, since: number): boolean {
    return (this.stepFinishedAt.get(stepId) ?? 0) >= since;
  }

  journeyFinishedSince(since: number): boolean {
    return this.journeyFinishedAt >= since;
  }

  reviewedSince(since: number): boolean {
    return this.reviewedAt >= since;
  }
}
