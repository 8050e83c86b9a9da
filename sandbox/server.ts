import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { adminRoutes } from './admin.js';
import { ApiError } from './errors.js';
import { sendError } from './http.js';
import { apiRoutes, lose, type RequestInfos } from './pipeline.js';
import { matchRoute } from './routes.js';
import type { SandboxState } from './state.js';

// The Fastify app: API routes (pipeline.ts), admin routes under /_sandbox/ (admin.ts), and one error path that
// answers IDWise's envelope for everything, Fastify's own 400/404/413/415s included.

export interface ServerOptions {
  /** One JSON line per request: method, url, status, duration, fault, error code. Never headers or bodies. */
  log?: ((line: string) => void) | undefined;
  adminToken: string;
  /** Host header values admin requests may carry (DNS-rebinding protection); read per request. */
  adminHosts: () => ReadonlySet<string>;
}

export interface SandboxServer {
  app: FastifyInstance;
  /** Aborted by close(): injected latency and slow bodies stop waiting. */
  shutdown: AbortController;
}

const ENVELOPE_400 = JSON.stringify(new ApiError(400, 'validation_error', 'Malformed HTTP request').toBody());

export function createSandboxServer(state: SandboxState, opts: ServerOptions): SandboxServer {
  const shutdown = new AbortController();
  const signal = shutdown.signal;
  const infos: RequestInfos = new WeakMap();
  const answerError = (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const info = infos.get(request);
    // Shutting down, the client went away, or the lost fault: there is nobody to answer.
    if (signal.aborted || request.raw.socket?.destroyed || info?.plan?.fault?.kind === 'lost') {
      return lose(request, reply);
    }
    const admin = info?.admin ?? false;
    const apiError = toApiError(err, admin ? 400 : state.switches.validationErrorStatus, opts.log);
    if (!admin) state.counters.error(apiError.code);
    if (info) info.errorCode = apiError.code;
    return sendError(reply, apiError, { signal, slowBodyMs: info?.plan?.slowBodyMs ?? 0 });
  };

  const app = Fastify({
    logger: false,
    // close() must not wait for keep-alive sockets or a slow body.
    forceCloseConnections: true,
    exposeHeadRoutes: false,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (err, request, reply) => void answerError(err, request, reply),
    clientErrorHandler: (_err, socket) => {
      if (!socket.writable) return void socket.destroy();
      const head = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(ENVELOPE_400)}\r\nConnection: close\r\n\r\n`;
      socket.end(head + ENVELOPE_400);
    },
  });
  // Start and complete take JSON only; process-journey-step reads its own body (pipeline.ts).
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const info = { admin: /^\/_sandbox(?:[/?]|$)/.test(request.url), plan: null, credential: null };
    infos.set(request, info);
    const log = opts.log;
    if (log) {
      reply.raw.once('close', () => {
        const { fault, errorCode } = infos.get(request) ?? {};
        const line = {
          event: 'idwise-sandbox-request',
          method: request.method,
          url: request.url,
          status: reply.raw.headersSent ? reply.raw.statusCode : 'dropped',
          ms: Math.round(performance.now() - started),
          ...(fault ? { fault } : {}),
          ...(errorCode ? { errorCode } : {}),
        };
        log(JSON.stringify(line));
      });
    }
    done();
  });
  app.setErrorHandler((err, request, reply) => answerError(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    const route = matchRoute(request.method, pathname);
    const err =
      route && 'allow' in route
        ? new ApiError(405, 'method_not_allowed', `${pathname} takes ${route.allow}`, { Allow: route.allow })
        : new ApiError(404, 'missing_requested_resource', `No route ${request.method} ${pathname}`);
    return answerError(err, request, reply);
  });
  void app.register(apiRoutes(state, { signal, infos }));
  void app.register(adminRoutes(state, { token: opts.adminToken, hosts: opts.adminHosts }), { prefix: '/_sandbox' });
  return { app, shutdown };
}

/** Fastify's own errors in IDWise's envelope; anything unexpected is logged and answered as a 500. */
function toApiError(err: unknown, validationStatus: 400 | 422, log: ServerOptions['log']): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'file_too_large', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(validationStatus, 'validation_error', 'Request body must be valid JSON');
    case 'FST_ERR_BAD_URL':
      return new ApiError(400, 'validation_error', 'The URL is malformed');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(414, 'validation_error', 'A path segment is too long');
  }
  if (err instanceof SyntaxError || (e.statusCode === 400 && e.code?.startsWith('FST_ERR_CTP'))) {
    return new ApiError(validationStatus, 'validation_error', 'Request body must be valid JSON');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError(e.statusCode, 'validation_error', e.message ?? 'Bad request');
  }
  const write = log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  write(JSON.stringify({ event: 'idwise-sandbox-internal-error', error: detail }));
  return new ApiError(500, 'internal_server_error', 'Unexpected sandbox error (see the sandbox log)');
}
