import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../cluster/index.js';
import { connectWhenUp, waitUntilUsable } from '../cluster/namespace.js';
import { DEFAULT_NAMESPACE, SEARCH_ATTRIBUTES } from '../cluster/release.js';
import { freePort } from '../dev/free-port.js';
import { resolveTemporalCli } from '../dev/temporal-cli.js';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../dev/dynamic-config.js';
import { isAlive } from '../dev/process-alive.js';

// The Temporal server chaos runs against, behind one interface: a file-backed dev server (SQLite, so a
// SIGKILL loses nothing that was committed) that chaos spawns itself on a fixed port so it can be restarted,
// or the PostgreSQL cluster of `npm run cluster`.

export interface ChaosTemporal {
  kind: 'dev-server' | 'cluster';
  address: string;
  namespace: string;
  restartServer(): Promise<void>;
  /** Only the cluster has a database process to restart. */
  restartPostgres: (() => Promise<void>) | null;
  stop(): Promise<void>;
}

export async function startDevServerForChaos(log: (line: string) => void): Promise<ChaosTemporal> {
  const cli = resolveTemporalCli(process.env, log);
  if (!cli.path) throw new Error('chaos needs a local Temporal CLI binary (npm run temporal:cli builds one)');
  const dir = mkdtempSync(join(tmpdir(), 'idwise-chaos-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    join(dir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    ...SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]),
    ...DEV_SERVER_DYNAMIC_CONFIG,
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(cli.path!, args, { stdio: 'ignore', detached: true });
    const connection = await connectWhenUp(address);
    await waitUntilUsable(connection, DEFAULT_NAMESPACE);
    await connection.close();
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  await launch();
  return {
    kind: 'dev-server',
    address,
    namespace: DEFAULT_NAMESPACE,
    async restartServer() {
      const pid = child.pid!;
      await kill('SIGKILL');
      if (isAlive(pid)) throw new Error(`dev server ${pid} still alive after SIGKILL`);
      await launch();
    },
    restartPostgres: null,
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startClusterForChaos(log: (line: string) => void): Promise<ChaosTemporal> {
  const started = Date.now();
  const cluster = await startCluster({ log });
  const phases = Object.entries(cluster.timings).map(([k, v]) => `${k} ${v}s`);
  log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${phases.join(', ')})`);
  return {
    kind: 'cluster',
    address: cluster.address,
    namespace: cluster.namespace,
    restartServer: () => cluster.restartServer(),
    restartPostgres: () => cluster.restartPostgres(),
    stop: () => cluster.stop(),
  };
}
