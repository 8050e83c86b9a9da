import { setTimeout as delay } from 'node:timers/promises';
import { SummaryPacer } from '../activities/summary-pacer.js';

// The worker-side guard of IDWise's summary rule: calls for one journey never overlap and start at least the
// interval after the previous one ended, even when two callers ask at once (a task delivered twice).

describe('SummaryPacer', () => {
  const wait = (ms: number) => delay(ms).then(() => undefined);

  it('spaces calls for the same journey from the end of the previous one', async () => {
    const pacer = new SummaryPacer(200, 100, wait);
    const spans: [number, number][] = [];
    const call = async () => {
      const start = Date.now();
      await delay(50);
      spans.push([start, Date.now()]);
    };
    await Promise.all([pacer.run('j1', call), pacer.run('j1', call), pacer.run('j1', call)]);
    expect(spans).toHaveLength(3);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0] - spans[i - 1]![1]).toBeGreaterThanOrEqual(199);
  });

  it('lets other journeys go at once, and a failed call still counts as a call', async () => {
    const pacer = new SummaryPacer(300, 100, wait);
    const started: Record<string, number> = {};
    const t0 = Date.now();
    await expect(
      pacer.run('a', async () => {
        started.a1 = Date.now() - t0;
        throw new Error('IDWise said 503');
      }),
    ).rejects.toThrow('503');
    await Promise.all([
      pacer.run('b', async () => void (started.b = Date.now() - t0)),
      pacer.run('a', async () => void (started.a2 = Date.now() - t0)),
    ]);
    expect(started.b).toBeLessThan(100);
    expect(started.a2! - started.a1!).toBeGreaterThanOrEqual(299);
  });
});
