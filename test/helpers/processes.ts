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

/** Runs the published CLI entry point (bin/idwise-journey.js) and collects its output (run's codec keys by default). */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runEntry(['bin/idwise-journey.js', ...args], env);
}

/** Runs `node <args>` from the repository (e.g. ['--import', 'tsx', 'worker/main.ts']) to its exit. */
export function runEntry(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
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

/** Starts `worker/main.ts` in its own process (run's codec keys by default); resolves once it polls its task queue. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, workerProcessArgs(), {
      cwd: repoRoot,
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
