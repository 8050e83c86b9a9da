import { setTimeout as sleep } from 'node:timers/promises';

// When chaos strikes: the disturbances are spread evenly over the run by the number of journeys settled, so
// each one lands while journeys are in flight; a server or database restart sits between worker kills.

export type ChaosEvent = { kind: 'worker-kill' | 'server-restart' | 'postgres-restart'; afterSettled: number };

export function planEvents(
  kills: number,
  serverRestarts: number,
  postgresRestarts: number,
  journeys: number,
): ChaosEvent[] {
  const kinds: ChaosEvent['kind'][] = Array.from({ length: kills }, () => 'worker-kill');
  // Interleave: the restarts go into the middle of the kill sequence rather than all at the end.
  const insert = (kind: ChaosEvent['kind'], count: number) => {
    for (let i = 0; i < count; i++) kinds.splice(Math.floor(((i + 1) * (kinds.length + 1)) / (count + 1)), 0, kind);
  };
  insert('server-restart', serverRestarts);
  insert('postgres-restart', postgresRestarts);
  return kinds.map((kind, i) => ({ kind, afterSettled: Math.floor(((i + 1) * journeys) / (kinds.length + 2)) }));
}

export interface EventHooks {
  settled(): number;
  total: number;
  killWorker(): Promise<string>;
  restartServer(): Promise<string>;
  restartPostgres(): Promise<string>;
  say(line: string): void;
  /** Called after each disturbance: the bounded wait for outcomes counts from the last one. */
  touched(): void;
}

/** Runs the events in order; stops early (returning fewer lines) if every journey settled first. */
export async function runEvents(events: ChaosEvent[], h: EventHooks): Promise<string[]> {
  const done: string[] = [];
  let previous = -1;
  for (const e of events) {
    // At least one journey settles between two events, so they do not all land in one burst.
    const after = Math.max(e.afterSettled, previous + 1);
    while (h.settled() < after && h.settled() < h.total) await sleep(200);
    if (h.settled() >= h.total) break;
    const t = Date.now();
    const what =
      e.kind === 'worker-kill'
        ? await h.killWorker()
        : e.kind === 'server-restart'
          ? await h.restartServer()
          : await h.restartPostgres();
    h.touched();
    previous = h.settled();
    const line = `${e.kind} at ${h.settled()}/${h.total} settled: ${what} (${((Date.now() - t) / 1000).toFixed(1)}s)`;
    h.say(line);
    done.push(line);
  }
  return done;
}
