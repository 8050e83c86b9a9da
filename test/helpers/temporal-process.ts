import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../dev/dynamic-config.js';
import { resolveTemporalCli } from '../../dev/temporal-cli.js';
import { SEARCH_ATTRIBUTES } from '../../shared/search-attributes.js';

// A file-backed Temporal dev server as a plain child process (not the SDK's ephemeral server), so a test can
// SIGKILL it and start it again on the same port and SQLite file: an outage that Temporal's state survives.

const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export function startDevServerProcess(opts: { port: number; dbFilename: string }): ChildProcess {
  const cli = resolveTemporalCli();
  if (!cli.path) throw new Error('these tests need a local Temporal CLI (see dev/temporal-cli.ts)');
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(opts.port)];
  args.push('--db-filename', opts.dbFilename, '--sqlite-pragma', 'journal_mode=WAL');
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`);
  args.push(...DEV_SERVER_DYNAMIC_CONFIG);
  // detached: its own process group, so the kill reaches everything it started.
  return spawn(cli.path, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
}

export { isAlive } from '../../dev/process-alive.js';

/** SIGKILLs a detached child's whole process group and waits until the child is reaped. */
export async function killGroup(child: ChildProcess | null): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}
