import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// A private PostgreSQL 15 for the cluster: its own data folder, port and unix-socket folder, listening on
// loopback only. The machine's default cluster is never touched. PostgreSQL refuses to run as root, so as
// root every pg_ctl/initdb runs as the `postgres` user and the folder is handed to that user.

export const PG_BIN = process.env.IDWISE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const DB_USER = 'temporal';

export interface PostgresPaths {
  /** Holds data/, socket/ and postgres.log. */
  dir: string;
  data: string;
  socket: string;
  log: string;
}

export const postgresPaths = (dir: string): PostgresPaths => ({
  dir,
  data: join(dir, 'data'),
  socket: join(dir, 'socket'),
  log: join(dir, 'postgres.log'),
});

const isRoot = () => process.getuid?.() === 0;

function pgUser(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the unprivileged `postgres` user (apt-get install postgresql)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function pg(
  bin: string,
  args: string[],
  opts: { check?: boolean; ownSession?: boolean } = {},
): { status: number | null; output: string } {
  const cmd = join(PG_BIN, bin);
  const asUser = isRoot() ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
  // The postmaster gets a session of its own: a terminal's Ctrl-C must reach only our process, which then
  // stops the Temporal server before PostgreSQL.
  const argv = opts.ownSession ? ['setsid', ...asUser] : asUser;
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${bin} could not run (${r.error.message}); is PostgreSQL 15 installed in ${PG_BIN}?`);
  const output = `${r.stdout}${r.stderr}`.trim();
  if (opts.check !== false && r.status !== 0) throw new Error(`${bin} ${args[0] ?? ''} failed: ${output}`);
  return { status: r.status, output };
}

/** Creates the folders (owned by `postgres` as root) and runs initdb once. Returns true when it initialised. */
export function initPostgres(p: PostgresPaths): boolean {
  const owner = pgUser();
  // Parents with the default mode (the `postgres` user must pass through them), ours private.
  mkdirSync(dirname(p.dir), { recursive: true });
  for (const d of [p.dir, p.socket]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    if (owner) chownSync(d, owner.uid, owner.gid);
  }
  if (existsSync(join(p.data, 'PG_VERSION'))) return false;
  // trust on loopback and the private socket only: nothing else can reach this instance.
  pg('initdb', ['-D', p.data, '-A', 'trust', '-U', DB_USER, '-E', 'UTF8', '--no-instructions']);
  return true;
}

export function postgresRunning(p: PostgresPaths): boolean {
  return pg('pg_ctl', ['-D', p.data, 'status'], { check: false }).status === 0;
}

export function startPostgres(p: PostgresPaths, port: number): void {
  // A postmaster left by a process that died without cleaning up: stop it, so what runs is ours.
  if (postgresRunning(p)) stopPostgres(p, 'fast');
  const options = `-p ${port} -k ${p.socket} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on`;
  pg('pg_ctl', ['-D', p.data, '-o', options, '-l', p.log, '-w', '-t', '60', 'start'], { ownSession: true });
}

/** `fast` rolls back open transactions and shuts down cleanly; `immediate` is a crash (recovery on next start). */
export function stopPostgres(p: PostgresPaths, mode: 'fast' | 'immediate' = 'fast'): void {
  if (!postgresRunning(p)) return;
  pg('pg_ctl', ['-D', p.data, '-m', mode, '-w', '-t', '60', 'stop']);
}

/** One SQL statement through psql on the private socket; null when it fails (e.g. the database is missing). */
export function psql(p: PostgresPaths, port: number, db: string, sql: string): string | null {
  const r = pg('psql', ['-h', p.socket, '-p', String(port), '-U', DB_USER, '-d', db, '-tAX', '-c', sql], {
    check: false,
  });
  return r.status === 0 ? r.output : null;
}
