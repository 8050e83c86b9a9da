// Every timer the sandbox sets (step processing ends, final processing, automatic reviews, webhook delays and
// retries) goes through here, so reset() and close() can cancel them all and no callback outlives its state.

/** setTimeout's largest delay; longer ones (a 5-minute retry is fine, Infinity is not) are not scheduled. */
const MAX_DELAY = 2 ** 31 - 1;

export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Runs `fn` after `ms` (0 or less: on the next turn of the event loop). */
  after(ms: number, fn: () => void): void {
    if (!(ms <= MAX_DELAY)) return;
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        try {
          fn();
        } catch (err) {
          this.onError(err);
        }
      },
      Math.max(0, ms),
    );
    // A sandbox inside a test or a script must not keep the process alive on its own.
    timer.unref();
    this.pending.add(timer);
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
