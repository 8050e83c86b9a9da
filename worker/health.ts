import Fastify from 'fastify';

// The worker's readiness for an orchestrator (Kubernetes readinessProbe, compose healthcheck): /healthz says the
// process lives, /readyz says it polls its task queue on a reachable Temporal. A worker waiting out an outage is
// alive but not ready, which is exactly what a rolling deploy needs to know.

export interface HealthServerOptions {
  /** host:port, as IDWISE_WORKER_HEALTH_BIND. */
  bind: string;
  /** True when the process can do its work right now. */
  ready: () => Promise<boolean>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** Splits host:port (IPv6 in brackets) for listen(). */
export function parseBind(bind: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(bind.trim());
  if (!m || Number(m[2]) > 65535) throw new Error(`invalid bind address "${bind}": use host:port, e.g. 0.0.0.0:9465`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Answers readiness from a probe that resolves true/false; a probe that throws counts as not ready. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  // Probes carry no work worth waiting for: close() drops their connections instead of waiting out keep-alive.
  const app = Fastify({ logger: false, bodyLimit: 1024, forceCloseConnections: true });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = await opts.ready().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready' });
  });
  const { host, port } = parseBind(opts.bind);
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, close: () => app.close() };
}

interface ProbeableConnection {
  withDeadline<R>(deadline: number, fn: () => Promise<R>): Promise<R>;
  workflowService: { getSystemInfo(req: object): Promise<unknown> };
}

/** One cheap round trip (the call the SDK itself uses to check a connection), bounded so a probe never hangs. */
export async function temporalReachable(connection: ProbeableConnection, timeoutMs = 2_000): Promise<boolean> {
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
