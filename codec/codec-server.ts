import { createHash, timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { EncryptionCodec, PayloadDecryptionFailed } from './encryption-codec.js';
import type { KeyRing } from './keys.js';
import { fromJson, PayloadsBodySchema, toJson } from './payload-json.js';

// Temporal's remote codec protocol for the Web UI and the CLI (`--codec-endpoint`): POST /encode and
// /decode. Anyone who can call /decode reads every journey's data, so every call needs the bearer token;
// only CORS preflights (which carry no data) and /health are answered without it.

export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
export const MIN_TOKEN_LENGTH = 32;

export interface CodecServerOptions {
  keys: KeyRing;
  /** Bearer token every /encode and /decode call must present (at least 32 characters). */
  token: string;
  port?: number;
  host?: string;
  /** Exact origins of the Web UI(s) allowed to call from a browser. */
  corsOrigins?: string[];
  /** Namespaces this server serves (X-Namespace); any when omitted. */
  namespaces?: string[] | null;
  bodyLimit?: number;
  /** One structured line per request; console.log JSON by default. */
  log?: (line: Record<string, unknown>) => void;
}

export interface RunningCodecServer {
  /** Base URL for `--ui-codec-endpoint` / `--codec-endpoint`, e.g. http://127.0.0.1:8789 */
  url: string;
  port: number;
  close(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant time whatever the lengths: both sides are hashed first. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token));
}

export function buildCodecServer(opts: CodecServerOptions): FastifyInstance {
  if (opts.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`the codec server token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const codec: PayloadCodec = new EncryptionCodec(opts.keys);
  const log = opts.log ?? ((line) => console.log(JSON.stringify(line)));
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 4 * 1024 * 1024 });
  const namespaces = opts.namespaces?.length ? new Set(opts.namespaces) : null;

  void app.register(cors, {
    origin: opts.corsOrigins ?? DEFAULT_CORS_ORIGINS,
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['x-namespace', 'content-type', 'authorization'],
    maxAge: 600,
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS' || req.url === '/health') return;
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
    }
    const namespace = req.headers['x-namespace'];
    if (namespaces && (typeof namespace !== 'string' || !namespaces.has(namespace))) {
      return reply.code(403).send({ error: `namespace ${String(namespace ?? '(none)')} is not served here` });
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const count = (req.body as { payloads?: unknown[] } | undefined)?.payloads?.length;
    log({
      event: 'codec-request',
      method: req.method,
      path: req.url,
      namespace: req.headers['x-namespace'] ?? null,
      origin: req.headers.origin ?? null,
      status: reply.statusCode,
      payloads: Array.isArray((req.body as { payloads?: unknown })?.payloads) ? count : null,
      ms: Math.round(reply.elapsedTime),
    });
  });

  app.get('/health', async () => ({ status: 'ok' }));
  for (const op of ['encode', 'decode'] as const) {
    app.post(`/${op}`, async (req, reply) => {
      const body = PayloadsBodySchema.safeParse(req.body);
      if (!body.success) {
        const issues = body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
        return reply
          .code(400)
          .send({ error: `expected { "payloads": [{ "metadata", "data" }] }: ${issues.join('; ')}` });
      }
      try {
        const payloads = await codec[op](body.data.payloads.map(fromJson));
        return { payloads: payloads.map(toJson) };
      } catch (err) {
        if (!(err instanceof PayloadDecryptionFailed)) throw err;
        return reply.code(422).send({ error: err.message });
      }
    });
  }
  return app;
}

/** Starts the codec server; `close()` stops it gracefully (in-flight requests finish). */
export async function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const app = buildCodecServer(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const { port } = app.server.address() as { port: number };
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${urlHost}:${port}`, port, close: () => app.close() };
}
