import { z } from 'zod';
import type { IdwiseEventSignal } from '../shared/idwise-webhooks.js';

// The body IDWise posts (idwise-api.md §10): `{ "event": "<name>", "body": { … } }` with camelCase keys and a stable
// eventId. Payloads "may be extended": unknown fields are dropped, never refused. Every kept field is capped, since
// what is kept goes into the journey's history and the receiver's log: an authenticated caller posting 60 KB names
// must not grow either. No PII is in them.

/** IDWise's documented event names (idwise-api.md §10). Others are answered 200 but never signalled to a journey. */
export const KNOWN_IDWISE_EVENTS: ReadonlySet<string> = new Set([
  'Finished Step',
  'Finished User Steps',
  'Finished Journey',
  'Updated Journey',
  'Manually Reviewed',
  'AML Monitor Update',
  'Step Submitted',
  'Finished Spot Check',
]);

export const MAX_EVENT_NAME_LENGTH = 64;
export const MAX_EVENT_ID_LENGTH = 128;
/** Ids, step types and decisions: IDWise's are a few dozen characters. */
const MAX_FIELD_LENGTH = 200;

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)))
  .refine((v) => v === null || v.length <= MAX_FIELD_LENGTH, `must be at most ${MAX_FIELD_LENGTH} characters`);

/** The body IDWise posts. `stepId` comes as "1" in the docs; a number is accepted and kept as a string. */
export const IdwiseWebhookSchema = z.object({
  event: z
    .string()
    .trim()
    .min(1, 'event is required')
    .max(MAX_EVENT_NAME_LENGTH, `event must be at most ${MAX_EVENT_NAME_LENGTH} characters`),
  body: z.object({
    eventId: z
      .string()
      .trim()
      .min(1, 'body.eventId is required')
      .max(MAX_EVENT_ID_LENGTH, `body.eventId must be at most ${MAX_EVENT_ID_LENGTH} characters`),
    referenceNo: z.string().trim().min(1, 'body.referenceNo is required').max(100, 'body.referenceNo is too long'),
    journeyId: optionalText,
    stepId: optionalText,
    stepType: optionalText,
    systemDecision: optionalText,
    manualDecision: optionalText,
    finalDecision: optionalText,
    action: optionalText,
  }),
});
export type IdwiseWebhook = z.output<typeof IdwiseWebhookSchema>;

export function toEventSignal(webhook: IdwiseWebhook, receivedAt: number): IdwiseEventSignal {
  const b = webhook.body;
  return {
    eventId: b.eventId,
    event: webhook.event,
    referenceNo: b.referenceNo,
    journeyId: b.journeyId,
    stepId: b.stepId,
    stepType: b.stepType,
    systemDecision: b.systemDecision,
    manualDecision: b.manualDecision,
    finalDecision: b.finalDecision,
    action: b.action,
    receivedAt,
  };
}
