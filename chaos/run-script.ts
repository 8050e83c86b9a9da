// The frame of chaos's scripts: cleanups run in reverse order of registration, once, on success, failure,
// SIGINT or SIGTERM; the script's promise decides the exit code.

export interface Script {
  say(line: string): void;
  /** Registers a cleanup; the last registered runs first. */
  onCleanup(fn: () => Promise<unknown>): void;
}

export function runScript(prefix: string, main: (s: Script) => Promise<number>): void {
  const say = (line: string) => void process.stderr.write(`[${prefix}] ${line}\n`);
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => say(`cleanup: ${String(err)}`));
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      say(`${sig}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // A call still retrying when its connection closes (a progress poll during shutdown) throws outside any
  // promise chain; it must not cut the cleanup short and leave PostgreSQL or a server running.
  process.on('uncaughtException', (err) => {
    say(`uncaught during ${cleaning ? 'shutdown' : 'the run'}: ${err.message}`);
    if (!cleaning) void cleanup().finally(() => process.exit(1));
  });
  main({ say, onCleanup: (fn) => void cleanups.push(fn) })
    .then(
      (code) => (process.exitCode = code),
      (err: unknown) => {
        say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        process.exitCode = 1;
      },
    )
    .finally(() => cleanup());
}
