import {
  ParentClosePolicy,
  proxyActivities,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { createEventActivities } from '../activities/events.js';
import type { ValidJourneyInput } from '../shared/journey.js';
import type { JourneyEvent, JourneyEventType } from '../shared/journey-events.js';

type EventActivities = ReturnType<typeof createEventActivities>;

// Delivery is durable because it is an activity: Temporal retries it while the backend is down. From the journey it
// has half a minute of retries; a receiver that stays down must not hold the journey back, so what is still
// undelivered when the journey ends is handed to a detached outbox workflow that keeps trying for a day.
const delivery = { startToCloseTimeout: '15s', retry: { initialInterval: '1s', backoffCoefficient: 2 } } as const;
const { deliverJourneyEvent: deliverNow } = proxyActivities<EventActivities>({
  ...delivery,
  scheduleToCloseTimeout: '30s',
  retry: { ...delivery.retry, maximumInterval: '10s' },
});
const { deliverJourneyEvent } = proxyActivities<EventActivities>({
  ...delivery,
  scheduleToCloseTimeout: '24h',
  retry: { ...delivery.retry, maximumInterval: '10m' },
});

export class JourneyOutbox {
  /**
   * False once the workers said they send no events (no IDWISE_EVENTS_URL): nothing is scheduled then. Unknown
   * (true) until the first IDWise activity answers.
   */
  enabled = true;
  private readonly undelivered = new Map<string, JourneyEvent>();
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly input: ValidJourneyInput,
    /** The IDWise journey id once known: events name it so the backend can look it up in IDWise Studio. */
    private readonly journeyId: () => string | null,
  ) {}

  /** Sends an event without waiting for it; `discriminator` makes its id stable (what it is about). */
  emit(type: JourneyEventType, discriminator: string, data: Record<string, unknown>): void {
    if (!this.enabled) return;
    const { workflowId } = workflowInfo();
    const event: JourneyEvent = {
      id: `${workflowId}/${type}/${discriminator}`,
      type,
      createdAt: new Date().toISOString(),
      referenceNo: this.input.referenceNo,
      workflowId,
      journeyId: this.journeyId(),
      data,
    };
    this.undelivered.set(event.id, event);
    const sent = deliverNow(event).then(
      () => void this.undelivered.delete(event.id),
      () => undefined, // still undelivered: flush() hands it to the outbox workflow
    );
    this.pending.push(sent);
  }

  /** Waits for every event sent so far (each gives up within 30 s); what is left goes on in an outbox workflow. */
  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
    if (this.undelivered.size === 0) return;
    const { workflowId, runId } = workflowInfo();
    await startChild(deliverJourneyEvents, {
      workflowId: `${workflowId}/events/${runId}`,
      args: [[...this.undelivered.values()]],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `deliver ${this.undelivered.size} journey event(s) for ${this.input.referenceNo}`,
    });
    this.undelivered.clear();
  }
}

/** Keeps delivering a finished journey's last events (each an activity with a day of retries). */
export async function deliverJourneyEvents(events: JourneyEvent[]): Promise<void> {
  await Promise.allSettled(events.map((event) => deliverJourneyEvent(event)));
}
