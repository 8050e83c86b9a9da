import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isAlive } from '../dev/process-alive.js';

// The Temporal server (all four services in one process) as a child with its output in <dir>/server.log.
// Its own process group, so a Ctrl-C in the terminal reaches only `npm run cluster`, which then stops the
// server before PostgreSQL. Its pid is kept in <dir>/server.pid to clean up after a parent that was killed.

export interface ServerProcess {
  pid: number;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the pid is gone. */
  kill(): Promise<void>;
}

/**
 * Claims `dir` for this process. A cluster whose owner still runs is refused (its PostgreSQL and server would
 * otherwise be taken over and stopped); an owner that died leaves only leftovers, which the caller cleans up.
 */
export function claimClusterDir(dir: string): () => void {
  const ownerFile = join(dir, 'owner.pid');
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `a cluster already runs from ${dir} (process ${owner}); stop it first or use another folder (npm run cluster -- --dir <folder>)`,
    );
  }
  writeFileSync(ownerFile, String(process.pid));
  return () => rmSync(ownerFile, { force: true });
}

/** Kills a server a previous run left behind (its pid file names it, its command line confirms it). */
export function killLeftover(dir: string): void {
  const pidFile = join(dir, 'server.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const cmdline =
    Number.isInteger(pid) && existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (cmdline.includes(join(dir, 'config'))) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
}

export function spawnServer(opts: { binary: string; dir: string; configDir: string; env: string }): ServerProcess {
  const log = createWriteStream(join(opts.dir, 'server.log'), { flags: 'a' });
  const child: ChildProcess = spawn(
    opts.binary,
    ['--root', opts.dir, '--config', relative(opts.dir, opts.configDir), '--env', opts.env, '--allow-no-auth', 'start'],
    { cwd: opts.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const pid = child.pid!;
  writeFileSync(join(opts.dir, 'server.pid'), String(pid));
  const exited = once(child, 'exit').then(([code, signal]) => {
    rmSync(join(opts.dir, 'server.pid'), { force: true });
    return (code as number | null) ?? (signal as string);
  });
  const waitGone = async () => {
    await exited;
    // The exit event means the process is reaped; the check proves the pid is really gone.
    if (isAlive(pid)) throw new Error(`temporal server pid ${pid} is still alive after exit`);
  };
  return {
    pid,
    exited,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await waitGone().finally(() => clearTimeout(timer));
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await waitGone();
    },
  };
}
