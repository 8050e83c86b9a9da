import type { RunningSandbox } from '../sandbox/index.js';

// The IDWise side of chaos: 5xx, 429, dropped connections and "lost after acting" answers (IDWise did the
// work, the answer never arrived) at `rate` each, and the 2 s poll rule enforced with 429s (so a violation is
// refused and counted). Sandboxes without the `lost` fault yet refuse `lostRate`; chaos then runs without it.

export function injectFaults(sandbox: RunningSandbox, rate: number): { lost: boolean } {
  sandbox.admin.setSwitches({ pollRule: '429' });
  const base = { errorRate: rate, rateLimitRate: rate, dropRate: rate };
  try {
    sandbox.admin.setFaults({ ...base, lostRate: rate } as Parameters<typeof sandbox.admin.setFaults>[0]);
    // Accepted and counted as a fault kind of its own: the sandbox really injects it.
    return { lost: 'lost' in sandbox.admin.totals().faults };
  } catch {
    sandbox.admin.setFaults(base);
    return { lost: false };
  }
}
