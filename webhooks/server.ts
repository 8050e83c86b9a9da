import type { Client } from '@temporalio/client';
import Fastify, { type FastifyError } from 'fastify';
import { connectTemporal } from '../client/connection.js';
import { describeIssues } from '../shared/journey.js';
import { IdwiseWebhookSchema, KNOWN_IDWISE_EVENTS } from './event.js';
import { connectWithBackoff, shortReason } from '../worker/connect.js';
import { temporalReachable } from '../worker/health.js';
import { parseWebhookAuth, type WebhookAuth } from './auth.js';
import { WebhookMetrics, type WebhookOutcome } from './metrics.js';
import { signalJourney } from './signal.js';

export const WEBHOOK_PATH = '/idwise/webhooks';
/** IDWise's payloads are a few hundred bytes; 64 KiB leaves room for extensions and refuses floods. */
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export interface WebhookReceiverOptions {
  /** A parsed WebhookAuth or an IDWISE_WEBHOOK_AUTH value. */
  auth: WebhookAuth | string;
  /** An injected Temporal client (tests); the caller keeps ownership. Without it the receiver connects itself. */
  client?: Client;
  /** Environment for connectTemporal when no client is given. */
  env?: NodeJS.ProcessEnv;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Per-signal budget before answering 503. Default 5 s. */
  signalTimeoutMs?: number;
  /** One JSON line per webhook and per lifecycle event. Default: stdout. */
  log?: (line: string) => void;
  /** Temporal refused the connection for good (e.g. a rejected API key): waiting cannot fix it. */
  onConnectFailure?: (err: unknown) => void;
}

export interface WebhookReceiver {
  url: string;
  metrics: WebhookMetrics;
  /** Stops accepting, lets in-flight signals finish, closes the Temporal connection if it opened it. */
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const auth = typeof opts.auth === 'string' ? parseWebhookAuth(opts.auth) : opts.auth;
  const log = opts.log ?? ((line: string) => console.log(line));
  const signalTimeoutMs = opts.signalTimeoutMs ?? 5_000;
  const metrics = new WebhookMetrics();
  const closing = new AbortController();
  let client: Client | null = opts.client ?? null;

  function connectInBackground() {
    const env = opts.env ?? process.env;
    return connectWithBackoff(() => connectTemporal(env), {
      what: 'webhook receiver',
      address: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
      log,
      signal: closing.signal,
    }).then(
      async (connected) => {
        // A connection that lands after close() (an attempt takes up to 10 s) is closed, not leaked.
        if (closing.signal.aborted) return connected.connection.close();
        client = connected;
        log(JSON.stringify({ event: 'temporal-connected', what: 'webhook receiver' }));
      },
      (err: unknown) => {
        if (closing.signal.aborted) return;
        log(JSON.stringify({ event: 'temporal-connect-failed', what: 'webhook receiver', reason: shortReason(err) }));
        opts.onConnectFailure?.(err);
      },
    );
  }

  const app = Fastify({ logger: false, bodyLimit: WEBHOOK_BODY_LIMIT, return503OnClosing: true });
  const logWebhook = (fields: Record<string, unknown>, reply: { elapsedTime: number }) =>
    log(JSON.stringify({ ...fields, ms: Math.round(reply.elapsedTime) }));
  // A refused body is logged by its size, never its content: it is whatever the caller chose to send.
  const sizeOf = (req: { headers: Record<string, unknown> }) => Number(req.headers['content-length']) || null;

  // Once closing, each answer ends its keep-alive connection: close() then waits for requests in flight only,
  // not for idle sockets to time out (72 s by default).
  app.addHook('onSend', async (_req, reply) => {
    if (closing.signal.aborted) void reply.header('connection', 'close');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (req.url.startsWith(WEBHOOK_PATH) && status < 500) metrics.countReceived(null, 'invalid');
    const fields =
      status < 500
        ? { outcome: 'invalid', code: err.code ?? null, bytes: sizeOf(req) }
        : { outcome: 'error', reason: shortReason(err) };
    logWebhook({ event: null, ...fields, status }, reply);
    // Fastify's own 4xx messages say what is wrong with the request (too large, not JSON) and nothing else.
    return reply.code(status).send({ error: status < 500 ? err.message : 'internal error' });
  });

  app.post(WEBHOOK_PATH, {
    onRequest: async (req, reply) => {
      if (auth.check(req.headers)) return;
      metrics.authFailures++;
      logWebhook({ event: null, outcome: 'unauthorized', status: 401 }, reply);
      if (auth.challenge) void reply.header('www-authenticate', auth.challenge);
      return reply.code(401).send({ error: 'unauthorized' });
    },
    handler: async (req, reply) => {
      const parsed = IdwiseWebhookSchema.safeParse(req.body);
      if (!parsed.success) {
        metrics.countReceived(null, 'invalid');
        logWebhook({ event: null, outcome: 'invalid', status: 400, bytes: sizeOf(req) }, reply);
        return reply.code(400).send({ error: `not an IDWise webhook: ${describeIssues(parsed.error)}` });
      }
      const webhook = parsed.data;
      const { eventId, referenceNo } = webhook.body;
      if (!KNOWN_IDWISE_EVENTS.has(webhook.event)) {
        // Not signalled: nothing the journey acts on, and each signal grows its history. 200, so IDWise does not
        // retry (and e-mail its error report) for an event type it adds later.
        metrics.countReceived(webhook.event, 'ignored');
        logWebhook({ event: webhook.event, eventId, referenceNo, outcome: 'ignored', status: 200 }, reply);
        return reply.code(200).send({ status: 'ignored', reason: 'not an event journeys act on' });
      }
      let outcome: Exclude<WebhookOutcome, 'invalid'> = 'temporal-unavailable';
      let reason: string | undefined = 'not connected to Temporal yet';
      if (client) {
        const signalStarted = performance.now();
        ({ outcome, reason } = await signalJourney(client, webhook, signalTimeoutMs));
        metrics.observeSignal((performance.now() - signalStarted) / 1000);
      }
      const status = outcome === 'temporal-unavailable' ? 503 : 200;
      metrics.countReceived(webhook.event, outcome);
      logWebhook({ event: webhook.event, eventId, referenceNo, outcome, status, ...(reason ? { reason } : {}) }, reply);
      return reply
        .code(status)
        .send(status === 200 ? { status: 'accepted' } : { error: 'temporal unavailable, retry' });
    },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = client !== null && (await temporalReachable(client.connection));
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready' });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  );

  await app.listen({ host: opts.host ?? '0.0.0.0', port: opts.port ?? 8788 });
  if (!opts.client) void connectInBackground();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = !opts.host || opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    metrics,
    async close() {
      closing.abort(new Error('webhook receiver closing'));
      await app.close();
      if (!opts.client && client) await client.connection.close();
    },
  };
}
