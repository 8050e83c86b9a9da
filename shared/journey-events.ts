// Journey events the worker POSTs to the integrator's backend (IDWISE_EVENTS_URL), so it learns when to ask
// the applicant for files and when the decision is final without polling Temporal. Ids, stages, step ids,
// feedback codes and decisions only: never names, birth dates, image paths or URLs.

export const JOURNEY_EVENT_TYPES = [
  'journey.needs-files',
  'journey.needs-retake',
  'journey.awaiting-review',
  'journey.decided',
  'journey.failed',
  /** Sent by the erasure workflow once the journey's data is gone (ids and counts only). */
  'journey.erased',
] as const;
export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];

export interface JourneyEvent {
  /** Stable across retries and replays (`<workflowId>/<type>/<discriminator>`): receivers de-duplicate on it. */
  id: string;
  type: JourneyEventType;
  /** ISO-8601, the workflow's time when the event happened. */
  createdAt: string;
  referenceNo: string;
  workflowId: string;
  journeyId: string | null;
  data: Record<string, unknown>;
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with IDWISE_EVENTS_SECRET, the scheme Persona and
 * Onfido use: the timestamp is signed too, so a captured request cannot be replayed later.
 */
export const JOURNEY_EVENT_SIGNATURE_HEADER = 'idwise-temporal-signature';
export const JOURNEY_EVENT_ID_HEADER = 'idwise-temporal-event-id';
