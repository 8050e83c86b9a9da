import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

// IDWise's webhooks (idwise-api.md §10) as they travel from the receiver (webhooks/) to a journey's workflow.
// IDWise sends `{ "event": "<name>", "body": { … } }` with camelCase keys and a stable eventId; payloads "may be
// extended", so unknown fields and unknown event names are kept, never refused. No PII is in them.

export const IDWISE_WEBHOOK_EVENT = {
  FinishedStep: 'Finished Step',
  FinishedUserSteps: 'Finished User Steps',
  FinishedJourney: 'Finished Journey',
  UpdatedJourney: 'Updated Journey',
} as const;

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

/** What the journey receives: the webhook flattened, plus when the receiver got it (ms since the epoch). */
export interface IdwiseEventSignal {
  eventId: string;
  event: string;
  referenceNo: string;
  journeyId: string | null;
  stepId: string | null;
  stepType: string | null;
  systemDecision: string | null;
  manualDecision: string | null;
  finalDecision: string | null;
  action: string | null;
  receivedAt: number;
}

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

/** Sent by the webhook receiver to the workflow `journeyWorkflowId(referenceNo)`. */
export const idwiseEventSignal = defineSignal<[IdwiseEventSignal]>('idwiseEvent');
