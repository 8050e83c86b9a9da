import { randomBytes } from 'node:crypto';
import { startCodecServer, type RunningCodecServer } from '../codec/codec-server.js';
import { EncryptionCodec } from '../codec/encryption-codec.js';
import { generateKeyList, parseKeyRing } from '../codec/keys.js';
import { toJson } from '../codec/payload-json.js';
import { loadCodecServerConfig } from '../codec/server-config.js';

// The codec server over real HTTP: Temporal's remote codec protocol, bearer auth, CORS for the Web UI,
// validation, and request logs that never carry payloads.

const UI = 'http://127.0.0.1:8233';
const token = randomBytes(32).toString('base64url');
const keyList = generateKeyList(['srv']);
const keys = parseKeyRing('IDWISE_CODEC_KEYS', keyList);
const plain = {
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from('{"image":"/srv/selfie-of-jane.jpg"}').toString('base64'),
};

describe('codec server', () => {
  let server: RunningCodecServer;
  const lines: Record<string, unknown>[] = [];
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-namespace': 'default',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startCodecServer({ keys, token, corsOrigins: [UI], log: (l) => lines.push(l) });
  });
  afterAll(() => server.close());

  it('encodes and decodes payloads in the remote codec protocol', async () => {
    const encoded = await post('/encode', { payloads: [plain] });
    expect(encoded.status).toBe(200);
    const { payloads } = (await encoded.json()) as { payloads: (typeof plain)[] };
    expect(Buffer.from(payloads[0]!.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(payloads[0]!.data, 'base64').toString()).not.toContain('selfie');
    const decoded = await post('/decode', { payloads });
    expect(await decoded.json()).toEqual({ payloads: [plain] });
  });

  it('decodes what a worker encrypted, and passes plain payloads through', async () => {
    const [fromWorker] = await new EncryptionCodec(keys).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"ok"') },
    ]);
    const res = await post('/decode', { payloads: [toJson(fromWorker!), plain] });
    const body = (await res.json()) as { payloads: (typeof plain)[] };
    expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toBe('"ok"');
    expect(body.payloads[1]).toEqual(plain);
  });

  it('refuses calls without the right bearer token', async () => {
    expect((await post('/decode', { payloads: [] }, { authorization: '' })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await post('/encode', { payloads: [] }, { authorization: token })).status).toBe(401);
  });

  it('answers the Web UI CORS preflight without auth, for its exact origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual([
      'x-namespace',
      'content-type',
      'authorization',
    ]);
    const other = await preflight('http://127.0.0.1:8233.evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post('/decode', { payloads: [] }, { origin: UI });
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  });

  it('validates the body and says what it expected', async () => {
    const bad = await post('/decode', { payloads: [{ data: 'not base64!' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/payloads\.0\.data: must be base64/);
    expect((await post('/decode', '{not json')).status).toBe(400);
    expect((await post('/decode', { payloads: [plain] }, { 'content-type': 'text/plain' })).status).toBe(400);
  });

  it('reports an undecryptable payload as 422 naming the key id', async () => {
    const [foreign] = await new EncryptionCodec(parseKeyRing('X', generateKeyList(['elsewhere']))).encode([
      { metadata: {}, data: Buffer.from('x') },
    ]);
    const res = await post('/decode', { payloads: [toJson(foreign!)] });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/key id "elsewhere"/);
  });

  it('has an unauthenticated health endpoint', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('logs one line per request, with the namespace and without payloads or the token', () => {
    const decodes = lines.filter((l) => l.path === '/decode' && l.status === 200);
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes[0]).toMatchObject({ event: 'codec-request', method: 'POST', namespace: 'default', payloads: 1 });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(plain.data);
    expect(all).not.toContain(token);
  });

  it('refuses bodies above its limit with 413', async () => {
    const small = await startCodecServer({ keys, token, bodyLimit: 1024, log: () => undefined });
    try {
      const res = await fetch(`${small.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ payloads: [{ data: Buffer.alloc(2048).toString('base64') }] }),
      });
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('serves only the configured namespaces when told to', async () => {
    const narrow = await startCodecServer({ keys, token, namespaces: ['kyc'], log: () => undefined });
    try {
      const call = (ns: string) =>
        fetch(`${narrow.url}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-namespace': ns },
          body: JSON.stringify({ payloads: [] }),
        });
      expect((await call('kyc')).status).toBe(200);
      expect((await call('default')).status).toBe(403);
    } finally {
      await narrow.close();
    }
  });
});

describe('codec server configuration', () => {
  it('needs a token of at least 32 characters and valid keys, and never echoes them', () => {
    const weak = 'k:' + Buffer.alloc(32).toString('base64');
    let message = '';
    try {
      loadCodecServerConfig({ IDWISE_CODEC_TOKEN: 'short-token', IDWISE_CODEC_KEYS: weak });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/IDWISE_CODEC_TOKEN must be at least 32 characters/);
    expect(message).toMatch(/IDWISE_CODEC_KEYS entry 1 \(key id "k"\) is all zero bytes/);
    expect(message).not.toContain('short-token');
    expect(() => loadCodecServerConfig({ IDWISE_CODEC_KEYS: keyList })).toThrow(/IDWISE_CODEC_TOKEN is required/);
  });

  it('defaults to 127.0.0.1:8789 and the dev server UI origins', () => {
    const config = loadCodecServerConfig({ IDWISE_CODEC_TOKEN: token, IDWISE_CODEC_KEYS: keyList });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8789, namespaces: null });
    expect(config.corsOrigins).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
    const custom = loadCodecServerConfig({
      IDWISE_CODEC_TOKEN: token,
      IDWISE_CODEC_KEYS: keyList,
      IDWISE_CODEC_CORS_ORIGINS: 'https://temporal.example.com/, https://ops.example.com',
    });
    expect(custom.corsOrigins).toEqual(['https://temporal.example.com', 'https://ops.example.com']);
  });
});
