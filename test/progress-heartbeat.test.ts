import { createJourneyActivities } from '../activities/journey-activities.js';
import { progressHeartbeat } from '../activities/progress-heartbeat.js';
import type { IdwiseApi } from '../idwise/index.js';
import { quietActivityEnv } from './helpers/activities.js';

// An upload reports progress per chunk; the activity turns that into at most one heartbeat a second, because every
// heartbeat is encrypted and handed to the SDK's core, which sends the server one per 16 s at most.

describe('upload progress heartbeats', () => {
  it('beats at once, then at most once per interval, with the latest byte count', () => {
    let clock = 10_000;
    const beats: number[] = [];
    const progress = progressHeartbeat(
      1_000,
      ({ bytesSent }) => beats.push(bytesSent),
      () => clock,
    );
    progress(0);
    for (let sent = 1; sent <= 50; sent++) progress(sent * 65_536);
    expect(beats).toEqual([0]);
    clock += 999;
    progress(4_000_000);
    expect(beats).toEqual([0]);
    clock += 1;
    progress(4_100_000);
    clock += 2_500;
    progress(5_000_000);
    expect(beats).toEqual([0, 4_100_000, 5_000_000]);
  });

  it('submitStep heartbeats once for an upload that reports 200 chunks within a second', async () => {
    let chunks = 0;
    const idwise = {
      processStep: async (_req: unknown, opts?: { onProgress?: (bytesSent: number) => void }) => {
        for (let i = 1; i <= 200; i++) {
          opts?.onProgress?.(i * 65_536);
          chunks++;
        }
        return {};
      },
    } as unknown as IdwiseApi;
    const { submitStep } = createJourneyActivities({ idwise });
    const env = quietActivityEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const started = Date.now();
    const r = (await env.run(submitStep, {
      journeyId: 'j-1',
      stepId: '0',
      files: { image: 'https://example.test/front.jpg' },
      notBefore: 0,
    })) as Awaited<ReturnType<typeof submitStep>>;
    expect(chunks).toBe(200);
    expect(r.summaryAt).toBeNull();
    // One beat as the upload starts; a second only if the loop above took a whole second.
    expect(beats[0]).toEqual({ bytesSent: 0 });
    expect(beats.length).toBeLessThanOrEqual(Date.now() - started >= 1_000 ? 2 : 1);
  });
});
