import Fastify from 'fastify';
import { verifyJourneyEvent } from '../../events/signature.js';
import { JOURNEY_EVENT_SIGNATURE_HEADER, type JourneyEvent } from '../../shared/journey-events.js';

/** The integrator's backend in miniature: verifies each journey event's signature and keeps what arrived. */
export async function startEventReceiver(secret: string) {
  const received: JourneyEvent[] = [];
  const refused: string[] = [];
  /** References whose events are answered 503 (a backend that is down for them), so they stay undelivered. */
  const unavailableFor = new Set<string>();
  const app = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/events', async (req, reply) => {
    const rawBody = req.body as string;
    try {
      verifyJourneyEvent({ rawBody, header: req.headers[JOURNEY_EVENT_SIGNATURE_HEADER], secret });
    } catch (err) {
      refused.push((err as Error).message);
      return reply.code(401).send();
    }
    const event = JSON.parse(rawBody) as JourneyEvent;
    if (unavailableFor.has(event.referenceNo)) return reply.code(503).send();
    received.push(event);
    return reply.code(204).send();
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `${address}/events`,
    received,
    refused,
    unavailableFor,
    of: (referenceNo: string) => received.filter((e) => e.referenceNo === referenceNo),
    close: () => app.close(),
  };
}
