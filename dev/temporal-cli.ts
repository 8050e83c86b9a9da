import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';

// Finds a Temporal CLI (dev server + Web UI) without the internet. Order: TEMPORAL_CLI_PATH, `temporal` on
// PATH, a cached local build, a one-time `go install` into that cache, and last the SDK's own download.
// Later CLI tags carry a `replace` directive that `go install pkg@version` refuses, so v1.5.1 is pinned.

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const CLI_VERSION = 'v1.5.1';

export type CliSource = 'env' | 'path' | 'cache' | 'built' | 'download';
export interface ResolvedCli {
  source: CliSource;
  executable: EphemeralServerExecutable;
  path: string | null;
}

type Env = Record<string, string | undefined>;

/** Where one-time downloads and builds (the Temporal CLI, Node 24 for CI) go, outside the repository. */
export function cacheRoot(env: Env = process.env): string {
  return env.IDWISE_TEMPORAL_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'idwise-temporal');
}

export function cacheDir(env: Env = process.env): string {
  return join(cacheRoot(env), `cli-${CLI_VERSION}`);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: Env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Builds the CLI with Go into the cache; the binary appears there atomically or not at all. */
export function buildWithGo(env: Env = process.env, log: (line: string) => void = console.error): string {
  const target = cacheDir(env);
  mkdirSync(target, { recursive: true });
  const staging = mkdtempSync(join(target, '.build-'));
  log(`Building the Temporal CLI ${CLI_VERSION} with Go into ${target}; this happens once (a few minutes)...`);
  const started = Date.now();
  const result = spawnSync('go', ['install', `${CLI_MODULE}@${CLI_VERSION}`], {
    env: { ...env, GOBIN: staging, GOFLAGS: '-trimpath' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${CLI_MODULE}@${CLI_VERSION} failed (exit ${result.status ?? result.signal})`);
  }
  const binary = join(target, 'temporal');
  renameSync(join(staging, 'temporal'), binary);
  rmSync(staging, { recursive: true, force: true });
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s: ${binary}`);
  return binary;
}

export function resolveTemporalCli(env: Env = process.env, log: (line: string) => void = console.error): ResolvedCli {
  const existing = (source: CliSource, path: string): ResolvedCli => ({
    source,
    path,
    executable: { type: 'existing-path', path },
  });
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) {
      throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file; unset it or fix the path`);
    }
    return existing('env', env.TEMPORAL_CLI_PATH);
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return existing('path', fromPath);
  const cached = join(cacheDir(env), 'temporal');
  if (isExecutable(cached)) return existing('cache', cached);
  if (onPath('go', env)) return existing('built', buildWithGo(env, log));
  log('No Temporal CLI and no Go found: falling back to the SDK download (needs internet).');
  return { source: 'download', path: null, executable: { type: 'cached-download' } };
}
