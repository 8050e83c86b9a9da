import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth.js';
import type { Operation, SandboxCredential } from './config.js';
import type { ApiAnswer, ApiContext } from './context.js';
import { ApiError, SERVER_ERRORS, tooManyRequests } from './errors.js';
import type { FaultPlan, PlannedFault } from './faults.js';
import { sendError, sendJson, sendText, sleep } from './http.js';
import { completeJourney, deleteJourney, getResult, getSummary, startJourney } from './operations.js';
import { processStep } from './process-step.js';
import { FASTIFY_ROUTES } from './routes.js';
import type { SandboxState } from './state.js';

// The API routes' pipeline: count → Basic auth → injected latency/fault → handler. Auth comes first so an
// unauthenticated caller never sees (or consumes) a fault; the faults stand for the network and gateways
// between an authenticated client and IDWise.

export interface RequestInfo {
  admin: boolean;
  plan: FaultPlan | null;
  credential: SandboxCredential | null;
  fault?: string;
  errorCode?: string;
}
export type RequestInfos = WeakMap<FastifyRequest, RequestInfo>;

const HANDLERS: Record<Operation, (ctx: ApiContext) => Promise<ApiAnswer>> = {
  start: startJourney,
  process: processStep,
  summary: getSummary,
  complete: completeJourney,
  result: getResult,
  delete: deleteJourney,
};

/** Closes the connection without an answer (drop and lost faults, shutdown, a client that left). */
export function lose(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket?.destroy();
  return reply;
}

interface PipelineDeps {
  signal: AbortSignal;
  infos: RequestInfos;
}

export function apiRoutes(state: SandboxState, deps: PipelineDeps) {
  const { signal, infos } = deps;

  const guard = (op: Operation) => async (request: FastifyRequest, reply: FastifyReply) => {
    const info = infos.get(request)!;
    state.counters.request(op);
    info.credential = authenticate(
      request.headers.authorization,
      request.socket.remoteAddress,
      state.config.credentials,
    );
    const plan = (info.plan = state.faults.plan(op));
    await sleep(plan.latencyMs, signal);
    if (!plan.fault) return;
    state.counters.fault(plan.fault.kind);
    info.fault = plan.fault.kind;
    // slow and lost act on the handled request; the others replace it, so it has no effect at all.
    if (plan.fault.kind !== 'slow' && plan.fault.kind !== 'lost') return injectFault(request, reply, plan.fault);
  };

  const injectFault = (request: FastifyRequest, reply: FastifyReply, fault: PlannedFault) => {
    const opts = { signal, slowBodyMs: infos.get(request)?.plan?.slowBodyMs ?? 0 };
    switch (fault.kind) {
      case 'drop':
        return lose(request, reply);
      case '429':
        return sendError(
          reply,
          tooManyRequests(fault.retryAfterSeconds, 'Too many requests (sandbox fault injection)'),
          opts,
        );
      case 'echo':
        return sendError(
          reply,
          new ApiError(400, 'validation_error', `applicant_details invalid: ${JSON.stringify(request.body ?? null)}`),
          opts,
        );
      case 'malformed':
        // A 200 whose JSON is cut off, as when a proxy truncates a response.
        return sendText(reply, 200, '{"success": true, "journey_id": "', opts);
      default:
        return sendError(reply, SERVER_ERRORS[fault.status], opts);
    }
  };

  const handle = (op: Operation) => async (request: FastifyRequest, reply: FastifyReply) => {
    const info = infos.get(request)!;
    const ctx: ApiContext = {
      req: request.raw,
      body: request.body,
      url: new URL(request.url, 'http://sandbox.invalid'),
      pathJourneyId: (request.params as { journeyId?: string }).journeyId,
      credential: info.credential!,
      state,
      now: Date.now(),
    };
    const answer = await HANDLERS[op](ctx);
    // lost: the effect happened, the answer never arrives (the error handler does the same for errors).
    if (info.plan?.fault?.kind === 'lost') return lose(request, reply);
    return sendJson(reply, answer.status, answer.body, { signal, slowBodyMs: info.plan?.slowBodyMs ?? 0 });
  };

  const register = (app: FastifyInstance, op: Operation, method: 'GET' | 'POST' | 'DELETE', urls: string[]) => {
    for (const url of urls) app.route({ method, url, onRequest: guard(op), handler: handle(op) });
  };

  return async (app: FastifyInstance) => {
    for (const r of FASTIFY_ROUTES) if (r.op !== 'process') register(app, r.op, r.method, r.urls);
    // process-journey-step streams its multipart (or base64 JSON) body itself, with limits that follow
    // maxImageBytes: here every body passes through unread.
    await app.register(async (child) => {
      child.removeAllContentTypeParsers();
      child.addContentTypeParser('*', (_request, _payload, done) => done(null));
      for (const r of FASTIFY_ROUTES) if (r.op === 'process') register(child, r.op, r.method, r.urls);
    });
  };
}
