import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';
import { parseJson, readBody } from './http.js';
import { decode } from './routes.js';
import type { SandboxState } from './state.js';

// Admin endpoints under /_sandbox/. No auth: they exist for tests, demos and benchmarks on the developer's
// machine, which is why the sandbox listens on 127.0.0.1 by default.

export interface AdminAnswer {
  status: number;
  body: unknown;
}

const body = async (req: IncomingMessage) => {
  const buf = await readBody(req, 64 * 1024);
  return buf.length ? parseJson(buf, 400) : {};
};

export async function handleAdmin(req: IncomingMessage, url: URL, state: SandboxState): Promise<AdminAnswer> {
  const path = url.pathname.replace(/^\/_sandbox/, '').replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const write = method === 'PUT' || method === 'POST';
  const ok = (b: unknown): AdminAnswer => ({ status: 200, body: b });

  if (path === '/health' && method === 'GET') {
    return ok({ ok: true, flowIds: state.config.flows.map((f) => f.flowId) });
  }
  if (path === '/counters' && method === 'GET') return ok(state.counters.snapshot());
  const counters = /^\/counters\/([^/]+)$/.exec(path);
  if (counters && method === 'GET') {
    const id = decode(counters[1]!);
    const c = state.counters.journey(id);
    if (!c) throw new ApiError(404, 'missing_requested_resource', `No counters for journey ${id}`);
    return ok(c);
  }
  if (path === '/journeys' && method === 'GET') {
    const ref = url.searchParams.get('reference_no');
    if (!ref) throw new ApiError(400, 'validation_error', 'reference_no is required');
    return ok({ journeys: state.findJourneys(ref) });
  }
  if (path === '/faults') {
    if (method === 'GET') return ok(state.faults.current);
    if (write) return ok(state.setFaults(await body(req)));
    if (method === 'DELETE') return ok((state.faults.reset(), state.faults.current));
  }
  if (path === '/fail-next' && method === 'POST') return ok((state.failNext(await body(req)), { success: true }));
  if (path === '/switches') {
    if (method === 'GET') return ok(state.switches);
    if (write) return ok(state.setSwitches(await body(req)));
  }
  if (path === '/reset' && method === 'POST') return ok((state.reset(), { success: true }));
  throw new ApiError(404, 'missing_requested_resource', `No admin route ${method} /_sandbox${path}`);
}
