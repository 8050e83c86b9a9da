import { setTimeout as sleep } from 'node:timers/promises';
import { JourneyAlreadyRanError, JourneyFailedError } from '../client/errors.js';
import type { JourneyClient } from '../client/journey-client.js';
import type { JourneyInput, StepMapping } from '../shared/journey.js';

type JourneyOptions = NonNullable<JourneyInput['options']>;

// The load side of chaos: start journeys (at most `concurrency` waiting at once) and wait for each outcome,
// riding out server restarts: a start or a wait that fails because the server is away is tried again until
// the deadline. A journey with no outcome by then is "stuck", one whose workflow failed is "failed".

export type JourneyState =
  | { ref: string; status: 'completed'; journeyId: string; decision: string }
  | { ref: string; status: 'failed'; reason: string }
  | { ref: string; status: 'stuck'; reason: string };

export interface DriveOptions {
  journeys: JourneyClient;
  refs: string[];
  flowId: string;
  steps: StepMapping;
  /** Journey options for every start (e.g. webhooks mode). */
  options?: JourneyOptions;
  concurrency: number;
  /** Absolute time (ms) after which a journey still without an outcome counts as stuck. */
  deadline: () => number;
  onSettled?: (state: JourneyState) => void;
}

const transient = (err: unknown) => !(err instanceof JourneyFailedError);

/** The call, or an error once the deadline passes (a long poll left behind is settled quietly). */
async function beforeDeadline<T>(deadline: () => number, call: () => Promise<T>): Promise<T> {
  const work = call();
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const check = () => {
      if (Date.now() > deadline()) reject(new Error('no outcome before the deadline'));
      else timer = setTimeout(check, 1_000);
    };
    check();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function untilDeadline<T>(deadline: () => number, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await beforeDeadline(deadline, call);
    } catch (err) {
      if (!transient(err) || Date.now() > deadline()) throw err;
      await sleep(1_000);
    }
  }
}

async function runOne(o: DriveOptions, ref: string): Promise<JourneyState> {
  try {
    await untilDeadline(o.deadline, async () => {
      try {
        await o.journeys.startJourney({
          referenceNo: ref,
          flowId: o.flowId,
          steps: o.steps,
          ...(o.options ? { options: o.options } : {}),
        });
      } catch (err) {
        // A start that reached the server before its answer was lost: the journey exists (and may be done).
        if (!(err instanceof JourneyAlreadyRanError)) throw err;
      }
    });
  } catch (err) {
    return { ref, status: 'stuck', reason: `never started: ${(err as Error).message}` };
  }
  try {
    const outcome = await untilDeadline(o.deadline, () => o.journeys.awaitOutcome(ref));
    return { ref, status: 'completed', journeyId: outcome.journeyId, decision: outcome.decision.final };
  } catch (err) {
    if (err instanceof JourneyFailedError) return { ref, status: 'failed', reason: err.message };
    return { ref, status: 'stuck', reason: (err as Error).message };
  }
}

export async function driveJourneys(o: DriveOptions): Promise<JourneyState[]> {
  const results: JourneyState[] = new Array(o.refs.length);
  let next = 0;
  const lane = async () => {
    while (next < o.refs.length) {
      const i = next++;
      results[i] = await runOne(o, o.refs[i]!);
      o.onSettled?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.refs.length) }, lane));
  return results;
}
