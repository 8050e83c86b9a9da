import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { freePort } from '../dev/free-port.js';
import { resolveServerBinaries, serverCacheDir } from './binaries.js';
import { initPostgres, postgresPaths, startPostgres, stopPostgres } from './postgres.js';
import { DEFAULT_NAMESPACE, dynamicConfigPath } from './release.js';
import { setUpSchemas, type SchemaStatus } from './schema.js';
import { PORT_NAMES, writeServerConfig, type ServerPorts } from './server-config.js';
import { claimClusterDir, killLeftover, spawnServer, type ServerProcess } from './server-process.js';
import { connectWhenUp, registerNamespace, waitUntilUsable } from './namespace.js';

// A real Temporal cluster on PostgreSQL, without Docker: private PostgreSQL 15, schema by temporal-sql-tool,
// the server built from source once (cluster/binaries.ts). `npm run cluster` (cluster/main.ts), chaos and
// tests start it through startCluster().

export interface ClusterOptions {
  /** Config, logs and pid files; default <cache>/cluster (next to the server binaries). */
  dir?: string;
  /** PostgreSQL data, socket and log; default <dir>/postgres, or a /var/tmp folder when running as root. */
  postgresDir?: string;
  /** Frontend gRPC port; a free one when omitted. */
  port?: number;
  namespace?: string;
  log?: (line: string) => void;
}

export interface RunningCluster {
  address: string;
  namespace: string;
  dir: string;
  /** PostgreSQL's folder (data, socket, log), which may be outside `dir` (see defaultPostgresDir). */
  postgresDir: string;
  /** Seconds each start-up phase took (build, postgres, schema, server, namespace). */
  timings: Record<string, number>;
  schema: SchemaStatus[];
  serverPid(): number;
  /** Server first, then PostgreSQL. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL of the server process (asserted gone), then a fresh one on the same ports and data. */
  restartServer(): Promise<void>;
  /** An immediate (crash-like) PostgreSQL stop and a start on the same port and data. */
  restartPostgres(): Promise<void>;
}

/**
 * A free port below 32768: the server stores membership ports in a smallint column, and the ports the OS
 * hands out for port 0 are above that on Linux.
 */
async function lowFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

export const defaultClusterDir = () => join(serverCacheDir(), '..', 'cluster');

/**
 * As root, PostgreSQL runs as `postgres`, which cannot enter /root or a private temp folder: its data then
 * lives in /var/tmp, in a folder named after the cluster folder (so two clusters never share one).
 */
function defaultPostgresDir(dir: string): string {
  if (process.getuid?.() !== 0) return join(dir, 'postgres');
  const reachable = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]).status === 0;
  if (reachable) return join(dir, 'postgres');
  const id = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);
  return `/var/tmp/idwise-temporal-pg-${id}`;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const dir = opts.dir ?? defaultClusterDir();
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  mkdirSync(dir, { recursive: true });
  const timings: Record<string, number> = {};
  let t = Date.now();
  const phase = (name: string) => {
    timings[name] = Math.round((Date.now() - t) / 100) / 10;
    t = Date.now();
  };

  const bin = resolveServerBinaries(process.env, log);
  phase('binaries');
  const release = claimClusterDir(dir);
  const pg = postgresPaths(opts.postgresDir ?? defaultPostgresDir(dir));
  const pgPort = await freePort();
  if (initPostgres(pg)) log(`initialised PostgreSQL in ${pg.data}`);
  killLeftover(dir);
  startPostgres(pg, pgPort);
  phase('postgres');
  let server: ServerProcess | null = null;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await server?.stop().catch((err: unknown) => log(`stopping the server: ${String(err)}`));
      stopPostgres(pg, 'fast');
      release();
    })());

  try {
    const schema = setUpSchemas({ sqlTool: bin.sql, moduleDir: bin.moduleDir, pg, port: pgPort, log });
    phase('schema');
    const ports = {} as ServerPorts;
    const taken = new Set<number>();
    for (const name of PORT_NAMES)
      ports[name] = name === 'frontend' && opts.port ? opts.port : await lowFreePort(taken);
    const cfg = writeServerConfig(dir, bin.moduleDir, {
      ports,
      postgresPort: pgPort,
      dynamicConfig: dynamicConfigPath(),
    });
    const address = `127.0.0.1:${ports.frontend}`;
    const launch = async () => {
      server = spawnServer({ binary: bin.server, dir, ...cfg });
      const died = server.exited.then((how) => {
        throw new Error(`temporal server exited during start-up (${how}); see ${join(dir, 'server.log')}`);
      });
      const connection = await Promise.race([connectWhenUp(address), died]);
      died.catch(() => undefined);
      return connection;
    };
    const connection = await launch();
    phase('server');
    const added = await registerNamespace(connection, namespace);
    if (added.length > 0) log(`registered search attributes: ${added.join(', ')}`);
    await waitUntilUsable(connection, namespace);
    await connection.close();
    phase('namespace');

    return {
      address,
      namespace,
      dir,
      postgresDir: pg.dir,
      timings,
      schema,
      serverPid: () => server!.pid,
      stop,
      async restartServer() {
        await server!.kill();
        (await launch()).close().catch(() => undefined);
      },
      async restartPostgres() {
        stopPostgres(pg, 'immediate');
        startPostgres(pg, pgPort);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
