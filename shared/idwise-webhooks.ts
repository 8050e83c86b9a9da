import { defineSignal } from '@temporalio/workflow';

// IDWise's webhooks (idwise-api.md §10) as a journey's workflow receives them from the receiver (webhooks/), which
// validates the posted body (webhooks/event.ts). No zod here: this module is evaluated once per cached workflow.

export const IDWISE_WEBHOOK_EVENT = {
  FinishedStep: 'Finished Step',
  FinishedUserSteps: 'Finished User Steps',
  FinishedJourney: 'Finished Journey',
  UpdatedJourney: 'Updated Journey',
} as const;

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

/** Sent by the webhook receiver to the workflow `journeyWorkflowId(referenceNo)`. */
export const idwiseEventSignal = defineSignal<[IdwiseEventSignal]>('idwiseEvent');
