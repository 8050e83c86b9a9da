import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, isExecutable } from './temporal-cli.js';

// Finds SeaweedFS's `weed` (a real S3 server for the demo and the tests) without the internet beyond the Go module
// proxy: WEED_PATH, then a cached build beside the Temporal CLI's, else a one-time build with Go into that cache.
// `go install …/weed@version` is refused (the module's go.mod has replace directives), so the module is downloaded
// and built in its own folder, into a staging folder renamed into place: the binary appears whole or not at all.

export const WEED_MODULE = 'github.com/seaweedfs/seaweedfs';
export const WEED_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

type Env = Record<string, string | undefined>;

/** `<cache>/weed-<version>`, beside `<cache>/cli-v1.5.1` (IDWISE_TEMPORAL_CACHE_DIR moves both). */
export function weedCacheDir(env: Env = process.env): string {
  return join(dirname(cacheDir(env)), `weed-${WEED_VERSION}`);
}

/** Builds weed with Go into the cache (about 6 minutes on 2 cores, a 233 MB binary). */
export function buildWeed(env: Env = process.env, log: (line: string) => void = console.error): string {
  const target = weedCacheDir(env);
  mkdirSync(target, { recursive: true });
  const staging = mkdtempSync(join(target, '.build-'));
  try {
    log(`Building SeaweedFS (weed ${WEED_VERSION}) with Go into ${target}; this happens once (about 6 minutes)...`);
    const started = Date.now();
    const download = spawnSync('go', ['mod', 'download', '-json', `${WEED_MODULE}@${WEED_VERSION}`], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = download.status === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
    if (!moduleDir) throw new Error(`go mod download ${WEED_MODULE}@${WEED_VERSION} failed (exit ${download.status})`);
    const build = spawnSync('go', ['build', '-o', join(staging, 'weed'), './weed'], {
      cwd: moduleDir,
      env: { ...env, GOFLAGS: '-trimpath' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (build.status !== 0) throw new Error(`go build of weed failed (exit ${build.status ?? build.signal})`);
    const binary = join(target, 'weed');
    renameSync(join(staging, 'weed'), binary);
    log(`Built SeaweedFS in ${Math.round((Date.now() - started) / 1000)}s: ${binary}`);
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The weed binary: WEED_PATH, the cached build, or a new build (needs Go and the module proxy). */
export function resolveWeed(env: Env = process.env, log: (line: string) => void = console.error): string {
  if (env.WEED_PATH) {
    if (!isExecutable(env.WEED_PATH))
      throw new Error(`WEED_PATH=${env.WEED_PATH} is not an executable file; unset it or fix the path`);
    return env.WEED_PATH;
  }
  const cached = join(weedCacheDir(env), 'weed');
  if (isExecutable(cached)) return cached;
  const go = spawnSync('go', ['version'], { env, stdio: 'ignore' });
  if (go.status !== 0) {
    throw new Error(
      `SeaweedFS (weed) is not built yet and Go is not installed: install Go (e.g. apt-get install golang) so it can ` +
        `be built once into ${weedCacheDir(env)}, or set WEED_PATH to a weed binary`,
    );
  }
  return buildWeed(env, log);
}
