import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { verifyJourneyEvent } from '../events/signature.js';
import { JOURNEY_EVENT_SIGNATURE_HEADER, type JourneyEvent } from '../shared/journey-events.js';

/**
 * The integrator's backend in miniature, for the demo: receives the signed journey events, checks each signature
 * and hands the event to `onEvent`. Returns the URL and secret to give the worker (IDWISE_EVENTS_URL/_SECRET).
 */
export async function startDemoBackend(onEvent: (event: JourneyEvent) => void) {
  const secret = randomBytes(32).toString('hex');
  const app = Fastify({ bodyLimit: 64 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/journey-events', async (req, reply) => {
    const rawBody = req.body as string;
    verifyJourneyEvent({ rawBody, header: req.headers[JOURNEY_EVENT_SIGNATURE_HEADER], secret });
    onEvent(JSON.parse(rawBody) as JourneyEvent);
    return reply.code(204).send();
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${base}/journey-events`, secret, close: () => app.close() };
}
