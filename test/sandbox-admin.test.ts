import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { expectError, ID_FLOW, rawRequest, sandboxApi, uid } from './helpers/sandbox-api.js';

// The admin endpoints are a test and demo tool, but not an open door: Bearer token, JSON-only writes validated
// with zod, Host header of the sandbox itself. Also the Fastify layer's own errors in IDWise's envelope, and a
// close() that waits for nothing.

let sb: RunningSandbox;
const api = sandboxApi(() => sb);
const { call, admin } = api;
const TOKEN = 'test-admin-token-1234';

beforeAll(async () => {
  sb = await startSandbox({ port: 0, adminToken: TOKEN });
});
afterAll(() => sb.close());
beforeEach(() => sb.admin.reset());

const port = () => new URL(sb.baseUrl).port;

describe('admin token', () => {
  it('uses the configured token, or a random one per start', async () => {
    expect(sb.adminToken).toBe(TOKEN);
    const other = await startSandbox({ port: 0 });
    try {
      expect(other.adminToken).toMatch(/^[\w-]{32}$/);
      expect(other.adminToken).not.toBe(TOKEN);
    } finally {
      await other.close();
    }
    await expect(startSandbox({ port: 0, adminToken: 'short' })).rejects.toThrow(/adminToken/);
  });

  it('refuses admin requests without the token or with a wrong one; health stays open', async () => {
    const missing = await call('_sandbox/counters', { auth: null });
    expectError(missing, 401, 'missing_authorization_header');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectError(await call('_sandbox/counters', { auth: 'Bearer wrong-token-xyz' }), 401, 'invalid_credentials');
    expectError(await call('_sandbox/counters', { auth: `Basic ${TOKEN}` }), 401, 'invalid_credentials');
    expectError(await call('_sandbox/reset', { method: 'POST', auth: null }), 401, 'missing_authorization_header');
    expect((await admin('counters')).status).toBe(200);
    expect((await call('_sandbox/health', { auth: null })).status).toBe(200);
  });
});

describe('admin writes', () => {
  it('accept only application/json (415 otherwise) and validate with strict zod objects', async () => {
    const text = await call('_sandbox/switches', {
      method: 'PUT',
      auth: `Bearer ${TOKEN}`,
      headers: { 'Content-Type': 'text/plain' },
      json: { autoComplete: true },
    });
    expectError(text, 415, 'unsupported_media_type');
    const form = await call('_sandbox/faults', { method: 'POST', auth: `Bearer ${TOKEN}`, form: new FormData() });
    expectError(form, 415, 'unsupported_media_type');
    const unknown = await admin<{ message: string }>('switches', 'PUT', { autoComplet: true });
    expectError(unknown, 400, 'validation_error');
    expect(unknown.body.message).toMatch(/autoComplet/);
    const badRate = await admin<{ message: string }>('faults', 'PUT', { lostRate: 3 });
    expectError(badRate, 400, 'validation_error');
    expect(badRate.body.message).toMatch(/lostRate/);
    expect((await admin('switches', 'PUT', { finalProcessingMs: 5 })).body).toMatchObject({ finalProcessingMs: 5 });
    expect((await admin('faults', 'PUT', { lostRate: 0.5 })).body).toMatchObject({ lostRate: 0.5 });
    expect((await admin('reset', 'POST')).status).toBe(200);
    expect(sb.admin.counters().totals.faults.lost).toBe(0);
  });

  it('answers 404 in the envelope for unknown admin routes', async () => {
    expectError(await admin('nope'), 404, 'missing_requested_resource');
  });
});

describe('Host header', () => {
  it('must name the sandbox itself for admin requests (DNS-rebinding protection)', async () => {
    const url = `${sb.baseUrl}_sandbox/counters`;
    const auth = { Authorization: `Bearer ${TOKEN}` };
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `LOCALHOST:${port()}`]) {
      expect((await rawRequest(url, { headers: { ...auth, Host: host } })).status).toBe(200);
    }
    for (const host of [`evil.example:${port()}`, 'localhost', `localhost:1`, `127.0.0.1.evil.example:${port()}`]) {
      const res = await rawRequest(url, { headers: { ...auth, Host: host } });
      expect({ status: res.status, code: (JSON.parse(res.body) as { error_code: string }).error_code }).toEqual({
        status: 403,
        code: 'forbidden_host',
      });
    }
    const health = await rawRequest(`${sb.baseUrl}_sandbox/health`, { headers: { Host: 'evil.example' } });
    expect(health.status).toBe(200);
  });
});

describe('the HTTP layer answers its own errors in the envelope', () => {
  it('413 for an oversized JSON body, 415 for a non-JSON start, validation_error for bad JSON', async () => {
    const big = { flow_id: ID_FLOW, reference_no: `pass-${uid()}`, pad: 'x'.repeat(70 * 1024) };
    expectError(await call('v2/start-journey', { json: big }), 413, 'file_too_large');
    const text = await call('v2/start-journey', { headers: { 'Content-Type': 'text/plain' }, json: {} });
    expectError(text, 415, 'unsupported_media_type');
    const bad = await fetch(`${sb.baseUrl}v2/complete-journey`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: '{"journey_id": ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ success: false, error_code: 'validation_error' });
    sb.admin.setSwitches({ validationErrorStatus: 422 });
    expectError(await call('v2/start-journey', { json: undefined, method: 'POST' }), 422, 'validation_error');
  });

  it('a body too large is refused after auth: without credentials it is a 401', async () => {
    const big = { pad: 'x'.repeat(70 * 1024) };
    expectError(await call('v2/start-journey', { json: big, auth: null }), 401, 'missing_authorization_header');
  });
});

describe('close()', () => {
  it('does not wait for injected latency or a slow body', async () => {
    const other = await startSandbox({ port: 0 });
    other.admin.setFaults({ latencyMs: 60_000, routes: ['summary'] });
    other.admin.failNext({ count: 1, kind: 'slow', routes: ['result'], slowBodyMs: 60_000 });
    const auth = { Authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}` };
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        () => 'cut off',
      );
    const waiting = outcome(fetch(`${other.baseUrl}v2/get-journey-summary?journey_id=x`, { headers: auth }));
    const slow = outcome(
      fetch(`${other.baseUrl}v2/get-journey-result?journey_id=x`, { headers: auth }).then((r) => r.text()),
    );
    await sleep(200);
    const timer = new AbortController();
    const closed = await Promise.race([
      other.close().then(() => 'closed'),
      sleep(10_000, 'still waiting', { signal: timer.signal }),
    ]);
    timer.abort();
    expect(closed).toBe('closed');
    expect(await waiting).toBe('cut off');
    expect(await slow).toBe('cut off');
  });
});
