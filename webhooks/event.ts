import { z } from 'zod';
import type { IdwiseEventSignal } from '../shared/idwise-webhooks.js';

// The body IDWise posts (idwise-api.md §10): `{ "event": "<name>", "body": { … } }` with camelCase keys and a stable
// eventId. Payloads "may be extended", so unknown fields and unknown event names are kept, never refused. No PII is
// in them.

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));

/** The body IDWise posts. `stepId` comes as "1" in the docs; a number is accepted and kept as a string. */
export const IdwiseWebhookSchema = z.looseObject({
  event: z.string().trim().min(1, 'event is required'),
  body: z.looseObject({
    eventId: z.string().trim().min(1, 'body.eventId is required'),
    referenceNo: z.string().trim().min(1, 'body.referenceNo is required'),
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
