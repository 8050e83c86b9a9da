import type { WebhookEventName } from './webhook-config.js';

// What the sandbox sent, for admin.webhookLog() and GET /_sandbox/webhook-log: one entry per delivery, in the
// order the events happened, with its state. Bounded, so a long benchmark does not grow without limit.

/** An event's fields besides eventId (stepId, systemDecision, …). */
export type WebhookFields = { journeyId: string; referenceNo: string } & Record<string, unknown>;
export type WebhookBody = { eventId: string } & WebhookFields;
export interface WebhookPayload {
  event: WebhookEventName;
  body: WebhookBody;
}

export type WebhookStatus = 'pending' | 'delivered' | 'failed' | 'dropped';
export interface WebhookLogEntry {
  eventId: string;
  event: WebhookEventName;
  journeyId: string;
  referenceNo: string;
  status: WebhookStatus;
  attempts: number;
  /** The second delivery of an event sent twice by the duplicateRate fault. */
  duplicate: boolean;
  /** HTTP status of the last attempt; null before any, or after a network error or timeout. */
  httpStatus: number | null;
}

const MAX_LOG = 10_000;

export class WebhookLog {
  private entries: WebhookLogEntry[] = [];

  record(payload: WebhookPayload, duplicate: boolean): WebhookLogEntry {
    const { eventId, journeyId, referenceNo } = payload.body;
    const entry: WebhookLogEntry = {
      eventId,
      event: payload.event,
      journeyId,
      referenceNo,
      status: 'pending',
      attempts: 0,
      duplicate,
      httpStatus: null,
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_LOG) this.entries.splice(0, this.entries.length - MAX_LOG);
    return entry;
  }

  list(): WebhookLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}
