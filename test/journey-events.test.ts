import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Fastify, { type FastifyInstance } from 'fastify';
import { createEventActivities, JOURNEY_EVENT_DELIVERY_FAILED } from '../activities/events.js';
import {
  JOURNEY_EVENT_ID_HEADER,
  JOURNEY_EVENT_SIGNATURE_HEADER,
  JourneyEventSignatureError,
  verifyJourneyEvent,
  type JourneyEvent,
} from '../client/index.js';
import { loadEventsConfig } from '../events/config.js';
import { signJourneyEvent } from '../events/signature.js';

// Journey events leave the worker signed; the integrator's backend (here a Fastify receiver built the way our
// README tells integrators to build one) verifies the raw bytes before it trusts them.

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const event: JourneyEvent = {
  id: 'idwise-journey-pass-1/journey.decided/final',
  type: 'journey.decided',
  createdAt: '2026-11-26T10:00:00.000Z',
  referenceNo: 'pass-1',
  workflowId: 'idwise-journey-pass-1',
  journeyId: 'j-1',
  data: { finalDecision: 'Complete' },
};
const failureOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

describe('journey event signature', () => {
  const body = JSON.stringify(event);
  const now = 1_800_000_000;
  const header = signJourneyEvent(SECRET, body, now);

  it('verifies what it signed, as string or Buffer', () => {
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(() => verifyJourneyEvent({ rawBody: body, header, secret: SECRET, nowSec: now + 10 })).not.toThrow();
    expect(() => verifyJourneyEvent({ rawBody: Buffer.from(body), header, secret: SECRET, nowSec: now })).not.toThrow();
  });

  it.each([
    ['a tampered body', { rawBody: body.replace('Complete', 'Rejected') }, 'mismatch'],
    ['a tampered timestamp', { header: header.replace('t=1800000000', 't=1800000001') }, 'mismatch'],
    ['another secret', { secret: 'another-secret-0123456789abcdef0123456789' }, 'mismatch'],
    ['a stale timestamp', { nowSec: now + 301 }, 'stale-timestamp'],
    ['a timestamp from the future', { nowSec: now - 301 }, 'stale-timestamp'],
    ['no header', { header: undefined }, 'missing-header'],
    ['a header without v1', { header: 't=1800000000' }, 'malformed-header'],
  ])('refuses %s', (_what, change, reason) => {
    const attempt = () => verifyJourneyEvent({ rawBody: body, header, secret: SECRET, nowSec: now, ...change });
    expect(attempt).toThrow(JourneyEventSignatureError);
    expect(attempt).toThrow(expect.objectContaining({ reason }));
  });

  it.each([
    ['NaN (Number of an unset variable)', Number(undefined)],
    ['Infinity', Infinity],
    ['zero', 0],
    ['a negative number', -5],
  ])('refuses a tolerance of %s instead of accepting any age', (_what, toleranceSec) => {
    const ancient = signJourneyEvent(SECRET, body, now - 10 * 365 * 86_400);
    const attempt = () =>
      verifyJourneyEvent({ rawBody: body, header: ancient, secret: SECRET, nowSec: now, toleranceSec });
    expect(attempt).toThrow(/toleranceSec as a finite number of seconds above 0/);
  });

  it('accepts any of several secrets, so a secret can be rotated', () => {
    const old = signJourneyEvent('old-secret-0123456789abcdef0123456789abcdef', body, now);
    expect(() =>
      verifyJourneyEvent({
        rawBody: body,
        header: old,
        secret: [SECRET, 'old-secret-0123456789abcdef0123456789abcdef'],
        nowSec: now,
      }),
    ).not.toThrow();
  });
});

describe('deliverJourneyEvent', () => {
  let app: FastifyInstance;
  let url: string;
  const received: { id: unknown; verified: boolean; body: JourneyEvent }[] = [];
  let answers: number[] = [];

  beforeAll(async () => {
    app = Fastify({ logger: false });
    // Keep the raw body: the signature covers the bytes, not a re-serialisation of the parsed JSON.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, raw, done) => done(null, raw));
    app.post('/events', async (req, reply) => {
      let verified = true;
      try {
        verifyJourneyEvent({
          rawBody: req.body as string,
          header: req.headers[JOURNEY_EVENT_SIGNATURE_HEADER],
          secret: SECRET,
        });
      } catch {
        verified = false;
      }
      received.push({ id: req.headers[JOURNEY_EVENT_ID_HEADER], verified, body: JSON.parse(req.body as string) });
      return reply.code(answers.shift() ?? 200).send({ echo: 'receiver-private-detail' });
    });
    app.post('/hang', () => new Promise(() => undefined));
    app.post('/moved', async (_req, reply) => reply.redirect('/events', 307));
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}`;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    received.length = 0;
    answers = [];
  });

  const run = (cfg: Parameters<typeof createEventActivities>[0]) =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(
      createEventActivities(cfg).deliverJourneyEvent,
      event,
    );

  it('is delivered on the retry after the receiver answered 500, signed and verifiable both times', async () => {
    answers = [500, 200];
    const cfg = { url: `${url}/events`, secret: SECRET };
    const failure = await failureOf(run(cfg));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: JOURNEY_EVENT_DELIVERY_FAILED, nonRetryable: false });
    expect((failure as Error).message).toBe('journey event journey.decided not delivered: HTTP 500');

    await expect(run(cfg)).resolves.toEqual({ delivered: true });
    expect(received).toHaveLength(2);
    for (const r of received) expect(r).toEqual({ id: event.id, verified: true, body: event });
  });

  it('reports { delivered: false } at once when no URL is configured', async () => {
    await expect(run({})).resolves.toEqual({ delivered: false });
    expect(received).toHaveLength(0);
  });

  it('does not follow redirects and fails on its own timeout, naming neither URL nor body', async () => {
    const moved = await failureOf(run({ url: `${url}/moved`, secret: SECRET }));
    expect((moved as Error).message).toBe('journey event journey.decided not delivered: HTTP 307');
    const slow = await failureOf(run({ url: `${url}/hang`, secret: SECRET, timeoutMs: 300 }));
    expect(slow).toMatchObject({ type: JOURNEY_EVENT_DELIVERY_FAILED, nonRetryable: false });
    expect((slow as Error).message).toBe('journey event journey.decided not delivered: ETIMEDOUT');
    expect(received).toHaveLength(0);
  });
});

describe('events configuration', () => {
  it.each([
    [{ IDWISE_EVENTS_URL: 'http://backend.example.com/e', IDWISE_EVENTS_SECRET: SECRET }, /must be https/],
    [{ IDWISE_EVENTS_URL: 'https://backend.example.com/e' }, /IDWISE_EVENTS_SECRET is required/],
    [{ IDWISE_EVENTS_URL: 'https://backend.example.com/e', IDWISE_EVENTS_SECRET: 'short' }, /at least 32/],
    [{ IDWISE_EVENTS_SECRET: SECRET }, /IDWISE_EVENTS_URL is not/],
  ])('refuses %j', (env, message) => {
    expect(() => loadEventsConfig(env)).toThrow(message);
  });

  it('accepts https anywhere and http on loopback; off when unset', () => {
    expect(loadEventsConfig({})).toBeNull();
    expect(loadEventsConfig({ IDWISE_EVENTS_URL: 'http://127.0.0.1:9000/e', IDWISE_EVENTS_SECRET: SECRET })).toEqual({
      url: 'http://127.0.0.1:9000/e',
      secret: SECRET,
    });
    expect(
      loadEventsConfig({ IDWISE_EVENTS_URL: 'https://b.example.com/e', IDWISE_EVENTS_SECRET: SECRET }),
    ).not.toBeNull();
  });
});
