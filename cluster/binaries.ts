import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir as cliCacheDir } from '../dev/temporal-cli.js';
import { SERVER_MODULE, SERVER_PACKAGES, TEMPORAL_SERVER_VERSION } from './release.js';

// The Temporal server and temporal-sql-tool for `npm run cluster`, built once with Go into the same cache as
// the CLI (no Docker, no downloads but the Go module proxy). Both binaries appear there together or not at all.

type Env = Record<string, string | undefined>;

export interface ServerBinaries {
  server: string;
  sql: string;
  /** The server module in the Go module cache: its schema/ and config/ folders. */
  moduleDir: string;
  /** 'cache' when both were there, 'built' when this call built them. */
  source: 'cache' | 'built';
  buildSeconds: number | null;
}

export const serverCacheDir = (env: Env = process.env) =>
  join(dirname(cliCacheDir(env)), `server-v${TEMPORAL_SERVER_VERSION}`);

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function go(args: string[], env: Env, inherit: boolean): string {
  const r = spawnSync('go', args, {
    env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', inherit ? 'inherit' : 'pipe'],
  });
  if (r.error) throw new Error(`go ${args[0]} could not run (${r.error.message}): install Go 1.24+ or put it on PATH`);
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r.stdout.trim();
}

/** Where Go keeps the server module; downloads it (module proxy) when the module cache was cleaned. */
function serverModuleDir(env: Env): string {
  const dir = join(go(['env', 'GOMODCACHE'], env, false), `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`);
  if (!existsSync(join(dir, 'schema')))
    go(['mod', 'download', `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`], env, true);
  return dir;
}

export function resolveServerBinaries(
  env: Env = process.env,
  log: (line: string) => void = console.error,
): ServerBinaries {
  const target = serverCacheDir(env);
  const server = join(target, 'temporal-server');
  const sql = join(target, 'temporal-sql-tool');
  if (isExecutable(server) && isExecutable(sql)) {
    return { server, sql, moduleDir: serverModuleDir(env), source: 'cache', buildSeconds: null };
  }
  mkdirSync(target, { recursive: true });
  const staging = mkdtempSync(join(target, '.build-'));
  log(
    `Building the Temporal server and temporal-sql-tool v${TEMPORAL_SERVER_VERSION} with Go into ${target}; ` +
      'this happens once (a few minutes on a cold Go cache)...',
  );
  const started = Date.now();
  try {
    const pkgs = Object.values(SERVER_PACKAGES).map((p) => `${p}@v${TEMPORAL_SERVER_VERSION}`);
    go(['install', ...pkgs], { ...env, GOBIN: staging, GOFLAGS: '-trimpath' }, true);
    // Built to staging first, then renamed: a half-finished build never looks like a cached one.
    renameSync(join(staging, 'sql'), sql);
    renameSync(join(staging, 'server'), server);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  log(`Built the Temporal server in ${buildSeconds}s: ${server}`);
  return { server, sql, moduleDir: serverModuleDir(env), source: 'built', buildSeconds };
}
