import { setTimeout as sleep } from 'node:timers/promises';
import { createJourneyActivities } from '../activities/journey-activities.js';
import { firstBeatAfterMs, progressHeartbeat } from '../activities/progress-heartbeat.js';
import type { IdwiseApi } from '../idwise/index.js';
import { quietActivityEnv } from './helpers/activities.js';

// An upload reports progress per chunk; the activity turns that into heartbeats only once the upload has run half its
// heartbeat timeout, then at most one a second: every beat is encrypted and handed to the SDK's core, and every beat
// that reaches the server is a billable action.

/** An IDWise client whose upload reports `chunks` chunks of 64 KiB, `gapMs` apart. */
function uploading(chunks: number, gapMs: number): IdwiseApi {
  return {
    processStep: async (_req: unknown, opts?: { onProgress?: (bytesSent: number) => void }) => {
      for (let i = 1; i <= chunks; i++) {
        if (gapMs) await sleep(gapMs);
        opts?.onProgress?.(i * 65_536);
      }
      return {};
    },
  } as unknown as IdwiseApi;
}

const request = { journeyId: 'j-1', stepId: '0', files: { image: 'https://example.test/front.jpg' }, notBefore: 0 };

describe('upload progress heartbeats', () => {
  it('beats first after firstAfterMs, then at most once per interval, with the latest byte count', () => {
    let clock = 10_000;
    const beats: number[] = [];
    const progress = progressHeartbeat({
      everyMs: 1_000,
      firstAfterMs: 10_000,
      beat: ({ bytesSent }) => beats.push(bytesSent),
      now: () => clock,
    });
    progress(0);
    for (let sent = 1; sent <= 50; sent++) progress(sent * 65_536);
    clock += 9_999;
    progress(4_000_000);
    expect(beats).toEqual([]);
    clock += 1;
    progress(4_100_000);
    progress(4_200_000);
    expect(beats).toEqual([4_100_000]);
    clock += 999;
    progress(4_300_000);
    clock += 1;
    progress(4_400_000);
    clock += 2_500;
    progress(5_000_000);
    expect(beats).toEqual([4_100_000, 4_400_000, 5_000_000]);
  });

  it('waits half the heartbeat timeout for the first beat, or one interval without one', () => {
    expect(firstBeatAfterMs(20_000)).toBe(10_000);
    expect(firstBeatAfterMs(undefined)).toBe(1_000);
  });

  it('submitStep sends no heartbeat for an upload that ends within half its heartbeat timeout', async () => {
    const { submitStep } = createJourneyActivities({ idwise: uploading(200, 0) });
    const env = quietActivityEnv({ heartbeatTimeoutMs: 20_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const r = (await env.run(submitStep, request)) as Awaited<ReturnType<typeof submitStep>>;
    expect(r.summaryAt).toBeNull();
    expect(beats).toEqual([]);
  });

  it('submitStep beats with the bytes sent once a slow upload passes half its heartbeat timeout', async () => {
    // A 200 ms heartbeat timeout: the first beat is due after 100 ms of an upload that lasts ~400 ms.
    const { submitStep } = createJourneyActivities({ idwise: uploading(8, 50) });
    const env = quietActivityEnv({ heartbeatTimeoutMs: 200 });
    const beats: { bytesSent: number }[] = [];
    env.on('heartbeat', (d: { bytesSent: number }) => beats.push(d));
    await env.run(submitStep, request);
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]!.bytesSent).toBeGreaterThanOrEqual(2 * 65_536);
    expect(beats[0]!.bytesSent).toBeLessThan(8 * 65_536);
  });
});
