import { cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import got, { RequestError } from 'got';
import { signJourneyEvent } from '../events/signature.js';
import {
  JOURNEY_EVENT_ID_HEADER,
  JOURNEY_EVENT_SIGNATURE_HEADER,
  type JourneyEvent,
} from '../shared/journey-events.js';

/** Failure type of an undelivered journey event: retryable, the workflow's retry policy decides how long. */
export const JOURNEY_EVENT_DELIVERY_FAILED = 'JourneyEventDeliveryFailed';

export interface EventActivitiesConfig {
  /** IDWISE_EVENTS_URL; events are off when unset. */
  url?: string | null | undefined;
  /** IDWISE_EVENTS_SECRET; required with a URL. */
  secret?: string | null | undefined;
  /** Whole-request budget per attempt. Default 10 s. */
  timeoutMs?: number | undefined;
}

export function createEventActivities({ url, secret, timeoutMs = 10_000 }: EventActivitiesConfig = {}) {
  if (url && !secret) throw new Error('journey events need a signing secret (IDWISE_EVENTS_SECRET) with the URL');
  const http = got.extend({
    // Temporal's retry policy is the only retry layer.
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    // A redirect would send a signed event somewhere the integrator did not configure.
    followRedirect: false,
    throwHttpErrors: false,
  });

  return {
    async deliverJourneyEvent(event: JourneyEvent): Promise<{ delivered: boolean }> {
      if (!url || !secret) return { delivered: false };
      // Serialised once: the bytes signed are the bytes sent.
      const body = JSON.stringify(event);
      const signature = signJourneyEvent(secret, body, Math.floor(Date.now() / 1000));
      let status: number;
      try {
        const res = await http.post(url, {
          body,
          headers: {
            'content-type': 'application/json',
            [JOURNEY_EVENT_ID_HEADER]: event.id,
            [JOURNEY_EVENT_SIGNATURE_HEADER]: signature,
          },
          signal: cancellationSignal(),
        });
        status = res.statusCode;
      } catch (err) {
        // The transport's code only (ECONNREFUSED, ETIMEDOUT): got's message would quote the URL.
        const code = err instanceof RequestError ? err.code : 'ERR_UNKNOWN';
        throw ApplicationFailure.retryable(
          `journey event ${event.type} not delivered: ${code}`,
          JOURNEY_EVENT_DELIVERY_FAILED,
        );
      }
      if (status < 200 || status >= 300) {
        // The status only: the receiver's body is its own business and may echo the event back.
        throw ApplicationFailure.retryable(
          `journey event ${event.type} not delivered: HTTP ${status}`,
          JOURNEY_EVENT_DELIVERY_FAILED,
        );
      }
      log.info('journey event delivered', { eventId: event.id, type: event.type, status });
      return { delivered: true };
    },
  };
}
