import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../cluster/release.js';
import { inheritedEnv } from './worker-env.js';
import { isAlive } from '../dev/process-alive.js';
import { workerProcessArgs } from '../worker/node-flags.js';

// Journey workers as real processes (`node --import tsx worker/main.ts`, as `npm run worker` runs it), so a
// kill is a real SIGKILL of the process that holds tasks, not a graceful in-process shutdown.

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  stderrTail(): string;
}

/** Resolves once the worker reports that it polls; rejects when it exits first or takes over a minute. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, workerProcessArgs(), {
    cwd: repoRoot,
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    tail.push(l);
    if (tail.length > 10) tail.shift();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start within 60 s: ${tail.join('\n')}`));
    }, 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited during start (${code ?? signal}): ${tail.join('\n')}`));
    });
    // Activity logs go to stdout; reading every line keeps the pipe from filling up.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"idwise-worker-started"')) {
        clearTimeout(timer);
        resolve({ pid: child.pid!, child, stderrTail: () => tail.join('\n') });
      }
    });
  });
}

/**
 * Starts a worker, retrying while the server is unreachable: the SDK does not retry a worker's first
 * connection, so a worker started during a server restart exits at once.
 */
export async function startWorker(env: Record<string, string>, timeoutMs = 120_000): Promise<WorkerProcess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await spawnWorker(env);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(1_000);
    }
  }
}

/** SIGKILL, then proof that the pid is gone (reaped, and signal 0 finds no such process). */
export async function killWorker(w: WorkerProcess): Promise<void> {
  const exited = w.child.exitCode === null && w.child.signalCode === null ? once(w.child, 'exit') : null;
  w.child.kill('SIGKILL');
  const [, signal] = exited ? ((await exited) as [number | null, string | null]) : [null, w.child.signalCode];
  if (signal !== 'SIGKILL' && exited) throw new Error(`worker ${w.pid} ended by ${String(signal)}, not SIGKILL`);
  if (isAlive(w.pid)) throw new Error(`worker ${w.pid} is still alive after SIGKILL`);
}

/** SIGTERM (graceful), SIGKILL after graceMs. */
export async function stopWorker(w: WorkerProcess, graceMs = 20_000): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = once(w.child, 'exit');
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
  await exited.finally(() => clearTimeout(timer));
}
