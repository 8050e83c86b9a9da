import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { idwiseEventSignal } from '../shared/idwise-webhooks.js';
import { toEventSignal, type IdwiseWebhook } from './event.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { shortReason } from '../worker/connect.js';
import type { WebhookOutcome } from './metrics.js';

export interface SignalResult {
  outcome: Exclude<WebhookOutcome, 'invalid'>;
  /** Why Temporal refused, for the log line (a gRPC status message, never a payload). */
  reason?: string;
}

/**
 * Hands one webhook to its journey. Answers with what IDWise should be told: signalled (200), a journey this
 * deployment never ran or that already closed (200: retrying cannot help), or Temporal unavailable (503: IDWise
 * retries after 5, 10 and 15 minutes). The deadline keeps a slow Temporal from holding IDWise's connection.
 */
export async function signalJourney(client: Client, webhook: IdwiseWebhook, timeoutMs: number): Promise<SignalResult> {
  const handle = client.workflow.getHandle(journeyWorkflowId(webhook.body.referenceNo));
  try {
    await client.connection.withDeadline(Date.now() + timeoutMs, () =>
      handle.signal(idwiseEventSignal, toEventSignal(webhook, Date.now())),
    );
    return { outcome: 'signalled' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { outcome: 'unknown-journey' };
    return { outcome: 'temporal-unavailable', reason: shortReason(err) };
  }
}
