import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { freePort } from '../dev/free-port.js';
import { JOURNEY_WORKFLOW_TYPE, journeyWorkflowId } from '../shared/journey.js';
import { parseWebhookAuth } from '../webhooks/auth.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/server.js';
import { repoRoot, testCodecEnv } from './helpers/journey-env.js';

// The receiver against the run's real dev server. Journeys are started on a task queue no worker polls, so
// every signal the receiver delivers stays visible in the workflow's history, where these tests look for it.

const TOKEN = 'tok-0123456789abcdef0123456789abcdef';
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('webhook receiver', () => {
  let connection: Connection;
  let client: Client;
  let receiver: WebhookReceiver;
  const logs: string[] = [];

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    client = new Client({ connection, namespace: 'default' });
    receiver = await startWebhookReceiver({
      auth: `bearer:${TOKEN}`,
      client,
      host: '127.0.0.1',
      port: 0,
      log: (l) => logs.push(l),
    });
  });
  afterAll(async () => {
    await receiver.close();
    await connection.close();
  });

  /** A journey workflow that exists but never runs: its history collects the signals. */
  async function parkedJourney(): Promise<string> {
    const ref = `parked-${randomUUID().slice(0, 13)}`;
    await client.workflow.start(JOURNEY_WORKFLOW_TYPE, {
      taskQueue: `no-worker-${randomUUID()}`,
      workflowId: journeyWorkflowId(ref),
      args: [{ flowId: 'f', referenceNo: ref }],
    });
    return ref;
  }
  async function signalsOf(ref: string): Promise<{ name: string; input: Record<string, unknown> }[]> {
    const history = await client.workflow.getHandle(journeyWorkflowId(ref)).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((a) => !!a)
      .map((a) => ({ name: a.signalName!, input: defaultPayloadConverter.fromPayload(a.input!.payloads![0]!) }));
  }
  const post = (body: unknown, headers: Record<string, string> = bearer) =>
    fetch(`${receiver.url}/idwise/webhooks`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const metric = async (line: string) => {
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.split(' ').pop()) : 0;
  };
  const webhook = (ref: string, eventId: string = randomUUID(), extra: Record<string, unknown> = {}) => ({
    event: 'Finished Step',
    body: { eventId, referenceNo: ref, journeyId: 'j-1', stepId: 1, stepType: 'Document', ...extra },
  });

  it('signals the journey and answers 200 once Temporal has the signal in its history', async () => {
    const ref = await parkedJourney();
    const before = await metric('idwise_webhooks_signal_seconds_count');
    const res = await post(webhook(ref, 'evt-1'));
    expect(res.status).toBe(200);
    expect(await signalsOf(ref)).toEqual([
      {
        name: 'idwiseEvent',
        input: expect.objectContaining({
          eventId: 'evt-1',
          event: 'Finished Step',
          referenceNo: ref,
          journeyId: 'j-1',
          stepId: '1',
          stepType: 'Document',
          systemDecision: null,
          receivedAt: expect.any(Number),
        }),
      },
    ]);
    expect(await metric('idwise_webhooks_received_total{event="Finished Step",outcome="signalled"}')).toBeGreaterThan(
      0,
    );
    expect(await metric('idwise_webhooks_signal_seconds_count')).toBe(before + 1);
    expect(logs.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ event: 'Finished Step', eventId: 'evt-1', referenceNo: ref, outcome: 'signalled' }),
    );
  });

  it('drops unknown fields, and answers an unknown event name 200 without signalling it (issue 20, item 5)', async () => {
    const ref = await parkedJourney();
    const res = await post({
      event: 'Brand New Event',
      extra: 1,
      body: { eventId: 'n1', referenceNo: ref, more: true },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored' });
    expect(await metric('idwise_webhooks_received_total{event="other",outcome="ignored"}')).toBeGreaterThan(0);
    expect((await post(webhook(ref, 'n2', { more: true }))).status).toBe(200);
    const signals = await signalsOf(ref);
    expect(signals.map((s) => s.input.eventId)).toEqual(['n2']);
    expect(signals[0]!.input).not.toHaveProperty('more');
  });

  it('refuses a 60 KB event name or eventId before signalling, and logs the body by size only (issue 20, item 5)', async () => {
    const ref = await parkedJourney();
    const huge = 'Finished Step'.padEnd(60_000, 'x');
    const marker = `needle-${randomUUID()}`;
    const bodies = [
      { event: huge, body: { eventId: 'e1', referenceNo: ref } },
      { event: 'Finished Step', body: { eventId: `${marker}${'y'.repeat(60_000)}`, referenceNo: ref } },
      { event: 'E'.repeat(65), body: { eventId: 'e2', referenceNo: ref } },
      { event: 'Finished Step', body: { eventId: 'e'.repeat(129), referenceNo: ref } },
      { event: 'Finished Step', body: { eventId: 'e3', referenceNo: ref, stepType: 'z'.repeat(60_000) } },
    ];
    const logsBefore = logs.length;
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(/at most|too long/);
    }
    // Not JSON at all: Fastify's parser refuses it, the log still says how big it was.
    expect((await post(`{"event": "${marker}`)).status).toBe(400);
    expect(await signalsOf(ref)).toEqual([]);
    const lines = logs.slice(logsBefore);
    expect(lines).toHaveLength(bodies.length + 1);
    for (const line of lines) {
      expect(line.length).toBeLessThan(300);
      expect(JSON.parse(line)).toMatchObject({ outcome: 'invalid', bytes: expect.any(Number) });
    }
    expect(lines.join('\n')).not.toContain(marker);
  });

  it('answers 200 to both posts of a duplicate eventId: de-duplicating is the journey workflow’s job', async () => {
    const ref = await parkedJourney();
    expect((await post(webhook(ref, 'dup'))).status).toBe(200);
    expect((await post(webhook(ref, 'dup'))).status).toBe(200);
    expect((await signalsOf(ref)).map((s) => s.input.eventId)).toEqual(['dup', 'dup']);
  });

  it('refuses missing or wrong credentials with a bare 401 and never logs them', async () => {
    const ref = await parkedJourney();
    const before = await metric('idwise_webhooks_auth_failures_total');
    for (const headers of [
      { 'content-type': 'application/json' },
      { ...bearer, authorization: 'Bearer wrong-token' },
      { ...bearer, authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    ]) {
      const res = await post(webhook(ref), headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    expect(await metric('idwise_webhooks_auth_failures_total')).toBe(before + 3);
    expect(await signalsOf(ref)).toEqual([]);
    expect(logs.join('\n')).not.toMatch(/wrong-token|Bearer|tok-0123/);
  });

  it('answers 200 for a journey this deployment never started or that has closed, and counts it', async () => {
    const before = await metric('idwise_webhooks_unknown_journey_total');
    expect((await post(webhook(`never-${randomUUID()}`))).status).toBe(200);
    const closed = await parkedJourney();
    await client.workflow.getHandle(journeyWorkflowId(closed)).terminate('test');
    expect((await post(webhook(closed))).status).toBe(200);
    expect(await metric('idwise_webhooks_unknown_journey_total')).toBe(before + 2);
  });

  it.each([
    ['no referenceNo', { event: 'Finished Step', body: { eventId: 'e' } }, /body\.referenceNo/],
    ['no event', { body: { eventId: 'e', referenceNo: 'r' } }, /event/],
    ['no body', { event: 'Finished Step' }, /body/],
    ['not JSON', '{"event":', /JSON/],
  ])('answers 400 to a body with %s', async (_what, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const res = await post(webhook('r', 'big', { padding: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
  });

  it('is healthy and ready with Temporal up', async () => {
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(200);
  });

  it('answers 503 while Temporal is unreachable, so IDWise retries', async () => {
    const down = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const lonely = await startWebhookReceiver({
      auth: `bearer:${TOKEN}`,
      client: down,
      host: '127.0.0.1',
      port: 0,
      signalTimeoutMs: 2_000,
      log: () => undefined,
    });
    try {
      const res = await fetch(`${lonely.url}/idwise/webhooks`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify(webhook('r')),
      });
      expect(res.status).toBe(503);
      expect((await fetch(`${lonely.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${lonely.url}/healthz`)).status).toBe(200);
      expect(lonely.metrics.render()).toMatch(/event="Finished Step",outcome="temporal-unavailable"} 1/);
    } finally {
      await lonely.close();
      await down.connection.close();
    }
  });
});

describe('webhook receiver shutdown', () => {
  it('finishes a signal in flight before close() resolves, and takes no new webhooks', async () => {
    let release!: () => void;
    const signalled = new Promise<void>((r) => (release = r));
    let inFlight!: () => void;
    const arrived = new Promise<void>((r) => (inFlight = r));
    // A client whose signal waits for the test: the only way to hold a request in flight on purpose.
    const slow = {
      workflow: { getHandle: () => ({ signal: () => (inFlight(), signalled) }) },
      connection: { withDeadline: (_d: number, fn: () => Promise<unknown>) => fn() },
    } as unknown as Client;
    const receiver = await startWebhookReceiver({
      auth: 'none',
      client: slow,
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
    const body = JSON.stringify({ event: 'Finished Journey', body: { eventId: 'e', referenceNo: 'r' } });
    const post = () =>
      fetch(`${receiver.url}/idwise/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const pending = post();
    await arrived;
    let closed = false;
    const closing = receiver.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    release();
    expect((await pending).status).toBe(200);
    await closing;
    await expect(post()).rejects.toThrow();
  });
});

describe('IDWISE_WEBHOOK_AUTH', () => {
  const h = (headers: Record<string, string>) => headers;
  it('checks basic credentials and custom headers', () => {
    const basic = parseWebhookAuth('basic:idwise:pa:ss-0123456789abcdef0123456789');
    const encoded = (v: string) => `Basic ${Buffer.from(v).toString('base64')}`;
    expect(basic.check(h({ authorization: encoded('idwise:pa:ss-0123456789abcdef0123456789') }))).toBe(true);
    expect(basic.check(h({ authorization: encoded('idwise:pa') }))).toBe(false);
    const header = parseWebhookAuth('header:X-Idwise-Key:k:1-0123456789abcdef0123456789ab');
    expect(header.check(h({ 'x-idwise-key': 'k:1-0123456789abcdef0123456789ab' }))).toBe(true);
    expect(header.check(h({ 'x-idwise-key': 'k:2' }))).toBe(false);
    expect(header.check(h({}))).toBe(false);
    expect(parseWebhookAuth('none').check(h({}))).toBe(true);
  });

  it.each(['bearer:a', 'bearer:0123456789abcdef0123456789abcde', 'basic:idwise:short', 'header:X-Key:short'])(
    'refuses %j: the secret must be at least 32 characters, and is never echoed (issue 20, item 5)',
    (spec) => {
      const attempt = () => parseWebhookAuth(spec);
      expect(attempt).toThrow(/IDWISE_WEBHOOK_AUTH's secret is \d+ characters: use at least 32/);
      const secret = spec.split(':').pop()!;
      if (secret.length > 1) expect(attempt).not.toThrow(secret);
    },
  );

  it.each([undefined, '', 'bearer:', 'basic:user', 'header:Bad Name:v', 'token:x', 'none:x'])(
    'refuses %j naming the four forms, never echoing the value',
    (spec) => {
      expect(() => parseWebhookAuth(spec)).toThrow(/bearer:<token> \| basic:<user>:<password> \| header:.* \| none/);
    },
  );
});

describe('npm run webhooks', () => {
  const start = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', 'webhooks/main.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...testCodecEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('refuses to start without IDWISE_WEBHOOK_AUTH', async () => {
    const child = start({});
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(err).toMatch(/IDWISE_WEBHOOK_AUTH is required: bearer:<token>/);
  });

  it('starts, signals through its own connection, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = start({
      IDWISE_WEBHOOK_AUTH: `bearer:${TOKEN}`,
      IDWISE_WEBHOOK_PORT: String(port),
      IDWISE_WEBHOOK_HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = once(child, 'exit');
    const deadline = Date.now() + 60_000;
    while (!out.includes('"temporal-connected"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('"idwise-webhooks-started"');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const res = await fetch(`http://127.0.0.1:${port}/idwise/webhooks`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ event: 'Finished Journey', body: { eventId: 'e', referenceNo: `never-${randomUUID()}` } }),
    });
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(() => process.kill(child.pid!, 0)).toThrow();
  });
});
