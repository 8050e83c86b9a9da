import { sleep } from '@temporalio/activity';

/**
 * Spaces this worker's Get Journey Summary calls for one journey at least `intervalMs` apart, measured from the end
 * of the previous call, whatever asked for them. The workflow's notBefore is the plan; this is the guard for when the
 * plan cannot see everything: a task delivered twice after a server crash, two attempts overlapping. IDWise's
 * sanction for a faster call is blocking the API key, which stops every applicant, so both are worth having.
 */
export class SummaryPacer {
  /** Per journey: settles with when its latest call ended. Insertion order is recency, so the oldest go first. */
  private readonly tails = new Map<string, Promise<number>>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxJourneys = 10_000,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}

  async run<T>(journeyId: string, call: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(journeyId);
    let ended!: (at: number) => void;
    const mine = new Promise<number>((resolve) => (ended = resolve));
    this.tails.delete(journeyId);
    this.tails.set(journeyId, mine);
    if (this.tails.size > this.maxJourneys) this.tails.delete(this.tails.keys().next().value!);
    try {
      const lastEnded = previous ? await previous : 0;
      const wait = lastEnded + this.intervalMs - Date.now();
      if (wait > 0) await this.wait(wait);
      return await call();
    } finally {
      ended(Date.now());
    }
  }
}
