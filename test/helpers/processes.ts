import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot, testCodecEnv } from './journey-env.js';
import { workerProcessArgs } from '../../worker/node-flags.js';

// Child processes for tests that need a real process boundary: the CLI's exit codes, a worker killed with SIGKILL.

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI's entry point from the sources (the package's bin is its build, dist/client/main.js, which
 * test/pack-install.test.ts runs) and collects its output (run's codec keys by default).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runEntry(['--import', 'tsx', 'client/main.ts', ...args], env);
}

/** Runs `node <args>` from the repository (e.g. ['--import', 'tsx', 'worker/main.ts']), or from `cwd`, to its exit. */
export function runEntry(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...cleanEnv(), ...testCodecEnv(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts `worker/main.ts` in its own process (run's codec keys by default), or `node <args>` in `cwd` (a worker
 * started from the installed package); resolves once it polls its task queue.
 */
export function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  command: { args: string[]; cwd: string } = { args: workerProcessArgs(), cwd: repoRoot },
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command.args, {
      cwd: command.cwd,
      env: { ...cleanEnv(), ...testCodecEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"idwise-worker-started"')) resolve(child);
    });
  });
}

/** The test process's environment without anything that would point children at another Temporal or IDWise. */
/** This process's environment without the settings a test passes explicitly (and without DEBUG, which adds stacks). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|IDWISE_|DEBUG$)/.test(k)));
}
