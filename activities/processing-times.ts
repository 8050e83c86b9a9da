// How long IDWise takes to process each step type, as this worker process saw it (submission to found processed):
// the lost-event check looks when that time has passed, whatever its back-off has grown to (step-fallback.ts).
// Per process and in memory: a restarted worker starts from the back-off alone until it has seen a few steps again.

const KEEP = 20;
const MIN_SAMPLES = 3;
const seen = new Map<string, number[]>();

export interface StepTiming {
  /** When the journey began this attempt (submission), ms since the epoch. */
  submittedAt?: number;
  stepType?: string;
}

/** Records one step found processed (older workflow code passes no timing: nothing to learn). */
export function noteProcessed(t: StepTiming, now = Date.now()): void {
  if (t.submittedAt === undefined || !t.stepType) return;
  const list = seen.get(t.stepType) ?? [];
  list.push(Math.max(0, now - t.submittedAt));
  if (list.length > KEEP) list.shift();
  seen.set(t.stepType, list);
}

/** When a step of this type submitted at `submittedAt` is usually processed by (the 90th percentile), if known. */
export function usuallyProcessedBy(t: StepTiming): number | null {
  const list = t.stepType ? seen.get(t.stepType) : undefined;
  if (t.submittedAt === undefined || !list || list.length < MIN_SAMPLES) return null;
  const sorted = [...list].sort((a, b) => a - b);
  return t.submittedAt + sorted[Math.floor(0.9 * (sorted.length - 1))]!;
}

/** For tests: forget what was seen. */
export function forgetProcessingTimes(): void {
  seen.clear();
}
