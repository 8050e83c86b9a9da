import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAdmin } from './admin.js';
import { authenticate } from './auth.js';
import type { Operation } from './config.js';
import type { ApiAnswer, ApiContext } from './context.js';
import { ApiError, SERVER_ERRORS, tooManyRequests } from './errors.js';
import type { PlannedFault } from './faults.js';
import { sendError, sendJson, sendText, sleep } from './http.js';
import { completeJourney, getResult, getSummary, startJourney } from './operations.js';
import { processStep } from './process-step.js';
import { matchRoute } from './routes.js';
import type { SandboxState } from './state.js';

// Request pipeline for API routes: route → count → injected latency/fault → Basic auth → handler. Faults
// come before auth because they stand for the network and gateways in front of IDWise.

const HANDLERS: Record<Operation, (ctx: ApiContext) => Promise<ApiAnswer>> = {
  start: startJourney,
  process: processStep,
  summary: getSummary,
  complete: completeJourney,
  result: getResult,
};

export interface ServerOptions {
  /** One line per request: method, path, status, duration, error code. Never headers or bodies. */
  log?: ((line: string) => void) | undefined;
}

export function createSandboxServer(
  state: SandboxState,
  opts: ServerOptions,
): { server: Server; shutdown: AbortController } {
  const shutdown = new AbortController();
  const server = createServer((req, res) => void handle(state, req, res, opts, shutdown.signal));
  return { server, shutdown };
}

async function handle(
  state: SandboxState,
  req: IncomingMessage,
  res: ServerResponse,
  opts: ServerOptions,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  let note = '';
  res.on('close', () => {
    const status = res.headersSent ? String(res.statusCode) : 'dropped';
    opts.log?.(
      `${req.method} ${url.pathname}${url.search} ${status} ${Math.round(performance.now() - started)}ms${note}`,
    );
  });
  let slowBodyMs = 0;
  const isAdmin = url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/');
  try {
    if (isAdmin) {
      const answer = await handleAdmin(req, url, state);
      return await sendJson(res, answer.status, answer.body, { signal });
    }
    const route = matchRoute(req.method, url.pathname);
    if (!route) throw new ApiError(404, 'missing_requested_resource', `No route ${req.method} ${url.pathname}`);
    if ('allow' in route) {
      throw new ApiError(405, 'method_not_allowed', `${url.pathname} takes ${route.allow}`, { Allow: route.allow });
    }
    state.counters.request(route.op);
    const plan = state.faults.plan(route.op);
    slowBodyMs = plan.slowBodyMs;
    await sleep(plan.latencyMs, signal);
    if (plan.fault) {
      state.counters.fault(plan.fault.kind);
      note = ` fault=${plan.fault.kind}`;
      if (plan.fault.kind !== 'slow') return await injectFault(req, res, plan.fault, { signal, slowBodyMs });
    }
    const credential = authenticate(req.headers.authorization, req.socket.remoteAddress, state.config.credentials);
    const ctx = { req, url, pathJourneyId: route.journeyId, credential, state, now: Date.now() };
    const answer = await HANDLERS[route.op](ctx);
    await sendJson(res, answer.status, answer.body, { signal, slowBodyMs });
  } catch (err) {
    // Shutting down, or the client went away mid-request: there is nobody to answer.
    if (signal.aborted || req.socket.destroyed) return void res.destroy();
    const apiError = err instanceof ApiError ? err : unexpected(err, opts);
    if (!isAdmin) state.counters.error(apiError.code);
    note += ` ${apiError.code}`;
    await sendError(res, apiError, { signal, slowBodyMs }).catch(() => res.destroy());
  }
}

function injectFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: PlannedFault,
  opts: { signal: AbortSignal; slowBodyMs: number },
): Promise<void> {
  switch (fault.kind) {
    case 'drop':
      req.socket.destroy();
      return Promise.resolve();
    case '429':
      return sendError(
        res,
        tooManyRequests(fault.retryAfterSeconds, 'Too many requests (sandbox fault injection)'),
        opts,
      );
    case 'malformed':
      // A 200 whose JSON is cut off, as when a proxy truncates a response.
      return sendText(res, 200, '{"success": true, "journey_id": "', opts);
    default:
      return sendError(res, SERVER_ERRORS[fault.status], opts);
  }
}

function unexpected(err: unknown, opts: ServerOptions): ApiError {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(`idwise-sandbox internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return new ApiError(500, 'internal_server_error', 'Unexpected sandbox error (see the sandbox log)');
}
