import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { eventually, expectError, sandboxApi, uid } from './helpers/sandbox-api.js';

// IDWise's webhooks (idwise-api.md §10) as the sandbox sends them, received by a real Fastify server: every
// event with its body, stable eventIds across retries, the retry schedule, and the webhook faults.

interface Received {
  event: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
  hookToken: string | string[] | undefined;
}

let sb: RunningSandbox;
let receiver: FastifyInstance;
let receiverUrl: string;
let received: Received[] = [];
/** Status codes the receiver answers, one per request, then 200. */
let answers: number[] = [];
const api = sandboxApi(() => sb);
const { admin, start, submit, complete, result } = api;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  receiver = Fastify();
  receiver.post('/idwise', async (request, reply) => {
    received.push({
      ...(request.body as { event: string; body: Record<string, unknown> }),
      authorization: request.headers.authorization,
      hookToken: request.headers['x-hook-token'],
    });
    return reply.code(answers.shift() ?? 200).send({ ok: true });
  });
  await receiver.listen({ port: 0, host: '127.0.0.1' });
  receiverUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/idwise`;
  sb = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
beforeEach(() => {
  sb.admin.reset();
  received = [];
  answers = [];
  sb.admin.setSwitches({ processingDelayMs: 20, pollRule: 'off', finalProcessingMs: 100, autoReviewDelayMs: 100 });
  sb.admin.setWebhooks({ url: receiverUrl, auth: 'bearer:hook-secret', retryScheduleMs: [200, 400, 600] });
});

const ofEvent = (name: string) => received.filter((r) => r.event === name);
async function runJourney(ref: string): Promise<string> {
  const id = await start(ref);
  await submit(id, '0');
  await submit(id, '2');
  await sleep(80);
  expect((await complete(id)).status).toBe(200);
  return id;
}

describe('webhook events', () => {
  it('sends Finished Step, Finished User Steps, Finished Journey and Updated Journey with camelCase bodies', async () => {
    const ref = `refer-${uid()}`;
    const id = await runJourney(ref);
    await eventually(() => expect(ofEvent('Finished Journey')).toHaveLength(1));
    const review = await admin(`journeys/${id}/review`, 'POST', { decision: 'Approved' });
    expect(review.status).toBe(200);
    await eventually(() => expect(received).toHaveLength(5));
    const common = { eventId: expect.stringMatching(UUID), journeyId: id, referenceNo: ref };
    // The two Finished Step deliveries run concurrently, so they may arrive in either order.
    const rank = (r: Received) =>
      `${['Finished Step', 'Finished User Steps', 'Finished Journey'].indexOf(r.event) + 1 || 9}${String(r.body.stepId)}`;
    const sorted = [...received].sort((a, b) => rank(a).localeCompare(rank(b)));
    expect(sorted.map(({ event, body }) => ({ event, body }))).toEqual([
      { event: 'Finished Step', body: { ...common, stepId: '0', stepType: 'Document' } },
      { event: 'Finished Step', body: { ...common, stepId: '2', stepType: 'Selfie' } },
      { event: 'Finished User Steps', body: { ...common, systemDecision: 'Refer' } },
      { event: 'Finished Journey', body: { ...common, systemDecision: 'Refer' } },
      {
        event: 'Updated Journey',
        body: {
          ...common,
          systemDecision: 'Refer',
          manualDecision: 'Approved',
          finalDecision: 'Approved',
          action: 'Manual Review',
        },
      },
    ]);
    expect(new Set(received.map((r) => r.body.eventId)).size).toBe(5);
    expect(received.every((r) => r.authorization === 'Bearer hook-secret')).toBe(true);
    expect(sb.admin.webhookLog().map((e) => e.status)).toEqual(Array(5).fill('delivered'));
    expect(sb.admin.counters().webhooks['Finished Step']).toEqual({
      delivered: 2,
      attempts: 2,
      failed: 0,
      dropped: 0,
      duplicated: 0,
    });
  });

  it('sends Updated Journey for the automatic review of review-reject- journeys, and events for autoComplete', async () => {
    sb.admin.setSwitches({ autoComplete: true });
    sb.admin.setWebhooks({ auth: 'header:X-Hook-Token:abc' });
    const ref = `review-reject-${uid()}`;
    const id = await start(ref);
    await submit(id, '0');
    await submit(id, '2');
    await eventually(() => expect(ofEvent('Updated Journey')).toHaveLength(1));
    expect(ofEvent('Finished User Steps')).toHaveLength(1);
    expect(received.every((r) => r.hookToken === 'abc' && r.authorization === undefined)).toBe(true);
    expect(ofEvent('Finished Journey')[0]!.body).toMatchObject({ systemDecision: 'Refer', journeyId: id });
    expect(ofEvent('Updated Journey')[0]!.body).toMatchObject({
      manualDecision: 'Rejected',
      finalDecision: 'Rejected',
    });
    expect((await result(id)).body.final_decision).toBe('Rejected');
  });

  it('sends nothing while no url is set', async () => {
    sb.admin.setWebhooks({ url: null });
    await runJourney(`pass-${uid()}`);
    await sleep(400);
    expect(received).toEqual([]);
    expect(sb.admin.webhookLog()).toEqual([]);
  });
});

describe('retries', () => {
  it('retries a 500 on the schedule with the same eventId: 500, 500, 200 is three attempts', async () => {
    answers = [500, 500];
    const id = await start();
    await submit(id, '0');
    await eventually(() => expect(sb.admin.webhookLog()[0]?.status).toBe('delivered'));
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.body.eventId)).size).toBe(1);
    expect(sb.admin.webhookLog()).toEqual([
      expect.objectContaining({ event: 'Finished Step', journeyId: id, status: 'delivered', attempts: 3 }),
    ]);
    expect(sb.admin.counters().webhooks['Finished Step']).toMatchObject({ delivered: 1, attempts: 3, failed: 0 });
  });

  it('gives up after the last retry and counts it; a network error is retried the same way', async () => {
    answers = [503, 503, 503, 503];
    sb.admin.setWebhooks({ retryScheduleMs: [100, 100] });
    const id = await start();
    await submit(id, '0');
    await eventually(() => expect(sb.admin.webhookLog()[0]?.status).toBe('failed'));
    expect(received).toHaveLength(3);
    expect(sb.admin.counters().webhooks['Finished Step']).toMatchObject({ delivered: 0, attempts: 3, failed: 1 });

    sb.admin.reset();
    sb.admin.setWebhooks({ url: 'http://127.0.0.1:9/nowhere', retryScheduleMs: [50], timeoutMs: 2_000 });
    const other = await start();
    await submit(other, '0');
    await eventually(() => expect(sb.admin.webhookLog()[0]).toMatchObject({ status: 'failed', attempts: 2 }));
  });

  it('reset() cancels pending retries', async () => {
    answers = [500];
    sb.admin.setWebhooks({ retryScheduleMs: [300] });
    const id = await start();
    await submit(id, '0');
    await eventually(() => expect(received).toHaveLength(1));
    sb.admin.reset();
    await sleep(500);
    expect(received).toHaveLength(1);
  });
});

describe('webhook faults', () => {
  it('duplicateRate sends an event twice with the same eventId', async () => {
    sb.admin.setWebhookFaults({ duplicateRate: 1 });
    const id = await start();
    await submit(id, '0');
    await eventually(() => expect(received).toHaveLength(2));
    expect(received[0]!.body).toEqual(received[1]!.body);
    expect(sb.admin.webhookLog().map((e) => e.duplicate)).toEqual([false, true]);
    // The receiver can answer before the sandbox has counted the second delivery as done.
    await eventually(() =>
      expect(sb.admin.counters().webhooks['Finished Step']).toMatchObject({ delivered: 2, duplicated: 1 }),
    );
  });

  it('dropRate never sends the event, and counts it', async () => {
    sb.admin.setWebhookFaults({ dropRate: 1 });
    await runJourney(`pass-${uid()}`);
    await eventually(() => expect(sb.admin.webhookLog()).toHaveLength(4));
    await sleep(300);
    expect(received).toEqual([]);
    expect(sb.admin.webhookLog().every((e) => e.status === 'dropped' && e.attempts === 0)).toBe(true);
    expect(sb.admin.counters().webhooks['Finished Journey']).toMatchObject({ dropped: 1, attempts: 0 });
  });

  it('reorder sends a journey’s held events newest first; delayMs holds them longer', async () => {
    sb.admin.setSwitches({ processingDelayMs: 0, finalProcessingMs: 0 });
    // Long enough that all four events are held together even when the machine is busy (CI runs many suites).
    sb.admin.setWebhookFaults({ reorder: true, delayMs: 5_000 });
    const id = await start();
    await submit(id, '0');
    await submit(id, '2');
    // Both Finished Step events emitted (and held) before completing: under load a 0 ms processing timer can fire
    // after the complete call, which would emit Finished User Steps first and change the order this test pins.
    await eventually(() => expect(sb.admin.webhookLog()).toHaveLength(2));
    expect((await complete(id)).status).toBe(200);
    expect(received).toEqual([]);
    await eventually(() => expect(received).toHaveLength(4));
    const emitted = sb.admin.webhookLog().map((e) => e.eventId);
    expect(received.map((r) => r.body.eventId)).toEqual([...emitted].reverse());
    expect(received.map((r) => r.event)).toEqual([
      'Finished Journey',
      'Finished User Steps',
      'Finished Step',
      'Finished Step',
    ]);
  });
});

describe('configuration', () => {
  it('reads and changes settings over HTTP, masks the secret, names the bad field', async () => {
    const put = await admin('webhooks', 'PUT', { auth: 'basic:idwise:pa55', timeoutMs: 3_000 });
    expect(put.body).toEqual({
      url: receiverUrl,
      auth: 'basic:idwise:***',
      retryScheduleMs: [200, 400, 600],
      timeoutMs: 3_000,
    });
    expect((await admin('webhooks')).body).toEqual(put.body);
    const badAuth = await admin<{ message: string }>('webhooks', 'PUT', { auth: 'token:abc' });
    expectError(badAuth, 400, 'validation_error');
    expect(badAuth.body.message).toMatch(/^Invalid webhooks: auth: auth must be none, bearer:<token>/);
    const badUrl = await admin<{ message: string }>('webhooks', 'PUT', { url: 'ftp://example.com/x' });
    expect(badUrl.body.message).toMatch(/url/);
    expect((await admin('webhook-faults', 'PUT', { duplicateRate: 0.5, reorder: true })).body).toEqual({
      duplicateRate: 0.5,
      dropRate: 0,
      delayMs: 0,
      reorder: true,
    });
    expectError(await admin('webhook-faults', 'PUT', { reorder: 'yes' }), 400, 'validation_error');
    expect((await admin<{ deliveries: unknown[] }>('webhook-log')).body).toEqual({ deliveries: [] });
  });

  it('takes webhooks from startSandbox options as the baseline reset() comes back to', async () => {
    const other = await startSandbox({ port: 0, webhooks: { url: receiverUrl, auth: 'none' } });
    try {
      other.admin.setWebhooks({ url: null });
      other.admin.reset();
      expect(other.admin.webhooks()).toMatchObject({ url: receiverUrl, auth: 'none' });
    } finally {
      await other.close();
    }
    await expect(startSandbox({ port: 0, webhooks: { auth: 'bearer:' } })).rejects.toThrow(/auth/);
  });
});
