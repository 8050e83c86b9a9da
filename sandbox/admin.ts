import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sameSecret } from './auth.js';
import { ApiError } from './errors.js';
import type { SandboxState } from './state.js';
import { viewSettings } from './webhook-config.js';

// Admin endpoints under /_sandbox/, for tests, demos and benchmarks. They can reset and rewire the sandbox,
// so they are not an open door: a Bearer token (printed at start), JSON-only writes validated with zod, and
// a Host header that must name the sandbox itself, so a web page cannot reach them through DNS rebinding.
// GET /_sandbox/health alone is open: it tells nothing but the flow ids.

export interface AdminOptions {
  token: string;
  hosts: () => ReadonlySet<string>;
}

const ADMIN_BODY_LIMIT = 64 * 1024;

function checkAccess(request: FastifyRequest, opts: AdminOptions): void {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!opts.hosts().has(host)) {
    throw new ApiError(403, 'forbidden_host', `Admin endpoints answer only to the sandbox's own address, not ${host}`);
  }
  const header = request.headers.authorization?.trim() ?? '';
  const bearer = { 'WWW-Authenticate': 'Bearer realm="idwise-sandbox-admin"' };
  if (!header) {
    const msg = 'Admin endpoints need Authorization: Bearer <adminToken> (printed in the start-up line)';
    throw new ApiError(401, 'missing_authorization_header', msg, bearer);
  }
  const m = /^bearer\s+(\S+)$/i.exec(header);
  if (!m || !sameSecret(m[1]!, opts.token)) {
    throw new ApiError(401, 'invalid_credentials', 'Wrong admin token', bearer);
  }
}

/** A missing body is an empty patch; a body is JSON (anything else was refused with 415 already). */
const patch = (request: FastifyRequest) => request.body ?? {};

export function adminRoutes(state: SandboxState, opts: AdminOptions) {
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT },
      app.getDefaultJsonParser('error', 'error'),
    );
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.url !== '/_sandbox/health') checkAccess(request, opts);
    });
    app.setNotFoundHandler(async (request) => {
      const path = request.url.split('?')[0];
      throw new ApiError(404, 'missing_requested_resource', `No admin route ${request.method} ${path}`);
    });

    app.get('/health', async () => ({ ok: true, flowIds: state.config.flows.map((f) => f.flowId) }));

    app.get('/counters', async () => state.counters.snapshot());
    app.get<{ Params: { journeyId: string } }>('/counters/:journeyId', async (request) => {
      const id = request.params.journeyId;
      const c = state.counters.journey(id);
      if (!c) throw new ApiError(404, 'missing_requested_resource', `No counters for journey ${id}`);
      return c;
    });
    app.get<{ Querystring: { reference_no?: unknown } }>('/journeys', async (request) => {
      const ref = request.query.reference_no;
      if (typeof ref !== 'string' || !ref) throw new ApiError(400, 'validation_error', 'reference_no is required');
      return { journeys: state.findJourneys(ref) };
    });
    app.post<{ Params: { journeyId: string } }>('/journeys/:journeyId/review', async (request) => {
      const journeyId = request.params.journeyId;
      state.review(journeyId, request.body);
      const decision = (request.body as { decision: string }).decision;
      return { success: true, journeyId, manualDecision: decision };
    });

    app.get('/faults', async () => state.faults.current);
    app.route({ method: ['PUT', 'POST'], url: '/faults', handler: async (r) => state.setFaults(patch(r)) });
    app.delete('/faults', async () => (state.faults.reset(), state.faults.current));
    app.post('/fail-next', async (request) => (state.failNext(request.body), { success: true }));

    app.get('/switches', async () => state.switches);
    app.route({ method: ['PUT', 'POST'], url: '/switches', handler: async (r) => state.setSwitches(patch(r)) });
    app.post('/reset', async () => (state.reset(), { success: true }));

    app.get('/webhooks', async () => viewSettings(state.webhooks.settings));
    app.route({ method: ['PUT', 'POST'], url: '/webhooks', handler: async (r) => state.setWebhooks(patch(r)) });
    app.get('/webhook-faults', async () => state.webhooks.faults);
    const setWebhookFaults = async (r: FastifyRequest) => state.setWebhookFaults(patch(r));
    app.route({ method: ['PUT', 'POST'], url: '/webhook-faults', handler: setWebhookFaults });
    app.get('/webhook-log', async () => ({ deliveries: state.webhooks.log() }));
  };
}
