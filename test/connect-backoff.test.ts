import { connectWithBackoff } from '../worker/connect.js';

// The backoff itself, without a server: attempts, log lines, bounds, SIGTERM, and errors that waiting cannot fix.
// test/temporal-outage.test.ts runs it for real in a worker process.

const refused = () => Object.assign(new Error('tcp connect error: Connection refused\n    at somewhere'), { code: 14 });

describe('connectWithBackoff', () => {
  it('retries with growing, bounded, jittered waits and logs one line per failed attempt', async () => {
    const lines: string[] = [];
    let calls = 0;
    const result = await connectWithBackoff(
      async () => {
        if (++calls < 6) throw refused();
        return 'connected';
      },
      { what: 'worker', address: '127.0.0.1:1', log: (l) => lines.push(l), initialMs: 10, maxMs: 40 },
    );
    expect(result).toBe('connected');
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(logged[0]).toEqual({
      event: 'temporal-unreachable',
      what: 'worker',
      attempt: 1,
      retryInMs: expect.any(Number),
      address: '127.0.0.1:1',
      reason: 'tcp connect error: Connection refused',
    });
    // Attempt n waits between half and all of min(maxMs, initialMs * 2^(n-1)).
    logged.forEach((l, i) => {
      const ceiling = Math.min(40, 10 * 2 ** i);
      expect(l.retryInMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(l.retryInMs).toBeLessThanOrEqual(ceiling);
    });
  });

  it('stops waiting when its signal is aborted (SIGTERM)', async () => {
    const stop = new AbortController();
    const waiting = connectWithBackoff(
      async () => {
        throw refused();
      },
      {
        what: 'worker',
        // Aborted while the first wait is being scheduled; a wait that ignored it would outlast jest's timeout.
        log: () => stop.abort(new Error('shutdown requested')),
        initialMs: 600_000,
        maxMs: 600_000,
        signal: stop.signal,
      },
    );
    await expect(waiting).rejects.toThrow('shutdown requested');
  });

  it('throws at once what waiting cannot fix: a rejected API key, an unreadable certificate', async () => {
    const lines: string[] = [];
    const unauthenticated = Object.assign(new Error('16 UNAUTHENTICATED: bad key'), { code: 16 });
    const missingFile = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x.pem' });
    for (const err of [unauthenticated, missingFile]) {
      await expect(
        connectWithBackoff(
          async () => {
            throw err;
          },
          { what: 'worker', log: (l) => lines.push(l) },
        ),
      ).rejects.toBe(err);
    }
    expect(lines).toEqual([]);
  });
});
