import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { JourneyClient } from '../client/journey-client.js';
import type { StepMapping } from '../shared/journey.js';
import type { Counters } from '../sandbox/counters.js';
import type { RunningSandbox } from '../sandbox/index.js';
import { detectionBreakdown, detectionLatencies } from './in-flight-breakdown.js';
import { round, runPool } from './stats.js';
import { readMachineBusySeconds, readProcCpuSeconds, readProcMemory } from './worker-process.js';

// One phase of `npm run bench -- --in-flight N`: N journeys held on their first step (the sandbox keeps it In
// Progress for `holdMs` after each submission), a measuring window while all N wait, then the release, and how
// soon each journey moved on once IDWise had finished (from the sandbox's own timings).

export type EventsMode = 'webhooks' | 'polling';

export interface PhaseSetup {
  mode: EventsMode;
  n: number;
  startConcurrency: number;
  releasePerS: number;
  /** Journeys released and measured (the first submitted); the rest stay held until the run is torn down. */
  releaseCount: number;
  windowS: number;
  holdMs: number;
  /** The webhooks journeys' fallbackCheckInterval (the issue's: 30s). */
  fallbackCheckInterval: string;
  /** Their fallbackCheckMaxInterval (default 5m: the check backs off to it). */
  fallbackCheckMaxInterval: string;
  refPrefix: string;
  flowId: string;
  steps: StepMapping;
  sandbox: RunningSandbox;
  journeys: JourneyClient;
  client: Client;
  workerPid: number;
  devServerPid: number | null;
  /** Turns the sandbox's webhooks on (to the receiver) or off for this phase. */
  useWebhooks: (on: boolean) => void;
  say: (line: string) => void;
}

const SETTLE_MS = 5_000; // after the last submission: its workflow task and first wait are not "waiting" yet
const RELEASED_DELAY_MS = 500; // the next steps' processing once the window is over
const NEVER_MS = 30 * 24 * 3600_000; // a held step beyond --release-count: processing never ends during the run
// IDWise's processing time varies; without jitter every poll would meet its step at the same phase of the 2 s
// interval (a fixed hold is a fixed number of intervals), and polling's detection would measure that alignment.
const JITTER_MS = 2_000;

// The step deadline outlasts the hold and the whole release (the default 10 minutes does not at 10,000 in flight:
// the first journeys submitted are held while the others start, and released last but for the pace).
const options = (p: PhaseSetup) => {
  const stepDeadline = `${Math.ceil(p.holdMs / 1000 + p.releaseCount / p.releasePerS) + 600}s`;
  return p.mode === 'webhooks'
    ? {
        events: p.mode,
        fallbackCheckInterval: p.fallbackCheckInterval,
        fallbackCheckMaxInterval: p.fallbackCheckMaxInterval,
        stepDeadline,
      }
    : { events: p.mode, stepDeadline };
};

const totals = (s: RunningSandbox) => s.admin.totals();

function firstStepSubmitted(s: RunningSandbox, ref: string): boolean {
  const journey = s.admin.findJourneys(ref)[0];
  const counters = journey && s.admin.journeyCounters(journey.journeyId);
  return (counters?.processSubmissions['0'] ?? 0) > 0;
}

/** Whether the ref's first step is due to finish processing during the run (not held beyond --release-count). */
function heldStepEnds(s: RunningSandbox, timings: Counters['timings'], ref: string): boolean {
  const journey = s.admin.findJourneys(ref)[0];
  const readyAt = journey && timings[journey.journeyId]?.steps['0']?.readyAt;
  return typeof readyAt === 'number' && readyAt < Date.now() + NEVER_MS / 2;
}

async function until(what: string, done: () => boolean, timeoutMs: number, say: (l: string) => void) {
  const end = Date.now() + timeoutMs;
  let last = 0;
  while (!done()) {
    if (Date.now() > end) throw new Error(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s`);
    if (Date.now() - last > 10_000) {
      last = Date.now();
      say(`  waiting for ${what}...`);
    }
    await sleep(1_000);
  }
}

export async function runInFlightPhase(p: PhaseSetup) {
  const { sandbox, say, n } = p;
  p.useWebhooks(p.mode === 'webhooks');
  const known = new Set(Object.keys(sandbox.admin.counters().timings));
  const submittedBefore = totals(sandbox).processSubmissions;
  const submitted = () => totals(sandbox).processSubmissions - submittedBefore;
  // The k-th first step submitted ends processing at holdMs + k / releasePerS: the release comes at a set pace, not
  // at whatever pace the journeys were started (a burst of 1000 in 30 s measures a backlog, not detection).
  const releaseStart = Date.now() + p.holdMs;
  let released = false;
  const setDelay = () => {
    const k = submitted();
    const held = k >= p.releaseCount ? NEVER_MS : Math.max(0, releaseStart + (k * 1000) / p.releasePerS - Date.now());
    const base = released ? RELEASED_DELAY_MS : held;
    sandbox.admin.setSwitches({ processingDelayMs: base + Math.floor(Math.random() * JITTER_MS) });
  };
  setDelay();
  const jitter = setInterval(setDelay, 20);

  say(`${p.mode}: starting ${n} journeys, ${p.startConcurrency} starts at a time...`);
  const t0 = performance.now();
  const t0Epoch = Date.now();
  let started = 0;
  const progress = setInterval(() => {
    void readProcMemory(p.workerPid).then(
      ({ rssMb }) =>
        say(`  ${p.mode}: ${started}/${n} started, ${submitted()} submitted, worker ${rssMb.toFixed(0)} MB`),
      () => undefined,
    );
  }, 10_000);
  try {
    await runPool(n, p.startConcurrency, async (i) => {
      const ref = `${p.refPrefix}-${i}`;
      await p.journeys.startJourney({
        referenceNo: ref,
        flowId: p.flowId,
        steps: p.steps,
        options: options(p),
      });
      started++;
      // A lane is free again once its journey waits: what is bounded is journeys being set up (starting IDWise,
      // uploading), not just start calls; 10,000 set up at once would thrash any bounded workflow cache.
      while (!firstStepSubmitted(sandbox, ref)) await sleep(250);
    });
    const startsS = (performance.now() - t0) / 1000;
    await until(`all ${n} first steps submitted`, () => submitted() >= n, p.holdMs, say);
    const submittedS = (performance.now() - t0) / 1000;
    say(
      `  ${p.mode}: ${n} started in ${startsS.toFixed(1)} s, all first steps submitted after ${submittedS.toFixed(1)} s`,
    );
    await sleep(SETTLE_MS);

    // The window ends before the first held step is released, so every journey waits throughout.
    const timings = sandbox.admin.counters().timings;
    const ids = Object.keys(timings).filter((id) => !known.has(id));
    const firstReady = Math.min(...ids.map((id) => timings[id]!.steps['0']?.readyAt ?? Infinity));
    const windowMs = Math.min(p.windowS * 1000, firstReady - Date.now() - 2_000);
    if (windowMs < 10_000) throw new Error(`only ${windowMs} ms left before the first release: raise --hold-s`);
    say(`  ${p.mode}: measuring ${(windowMs / 1000).toFixed(0)} s while all ${n} wait...`);
    const snapshot = async (): Promise<Snapshot> => ({
      ...(await cpu(p)),
      summary: totals(sandbox).summaryCalls,
      submitted: submitted(),
    });
    const before = await snapshot();
    const rss: number[] = [];
    const tw = performance.now();
    await sampleRssUntil(p.workerPid, Date.now() + windowMs, rss);
    const after = await snapshot();
    const memory = await readProcMemory(p.workerPid);
    const window = {
      ...spanFigures(before, after, (performance.now() - tw) / 1000, n, rss),
      workerRssEndMb: round(memory.rssMb, 1),
    };
    // Printed now: a run stopped during the release (10,000s take long) still has its waiting figures.
    say(`  ${p.mode}: window ${JSON.stringify(window)}`);

    // The whole hold, from the window's start to 2 s before the first release: what holding the journeys costs
    // over minutes, as the lost-event check backs off (the first minute, the window, is its busiest).
    const holdEnd = firstReady - 2_000;
    if (Date.now() < holdEnd - 1_000) say(`  ${p.mode}: measuring the rest of the hold (${holdSeconds(holdEnd)} s)...`);
    await sampleRssUntil(p.workerPid, holdEnd, rss);
    const end = await snapshot();
    const hold = {
      ...spanFigures(before, end, (performance.now() - tw) / 1000, n, rss),
      // The longest any journey had then waited on its first step (the first submitted), in minutes.
      heldMinutes: round((Date.now() - t0Epoch) / 60_000, 1),
    };
    say(`  ${p.mode}: hold ${JSON.stringify(hold)}`);

    released = true;
    // With --release-count, the journeys measured are those whose held step ends (the first submitted).
    const heldTimings = p.releaseCount >= n ? null : sandbox.admin.counters().timings;
    const measured = Array.from({ length: n }, (_, i) => i).filter(
      (i) => !heldTimings || heldStepEnds(sandbox, heldTimings, `${p.refPrefix}-${i}`),
    );
    say(`  ${p.mode}: released; waiting for ${measured.length} of the ${n} outcomes...`);
    let failures = 0;
    const failureSamples: string[] = [];
    const outcomeIds: (string | null)[] = Array.from({ length: n }, () => null);
    await runPool(measured.length, 100, async (j) => {
      const i = measured[j]!;
      try {
        const o = await p.journeys.awaitOutcome(`${p.refPrefix}-${i}`);
        outcomeIds[i] = o.journeyId;
        if (o.decision.final !== 'Complete') throw new Error(`decision ${o.decision.final}`);
      } catch (err) {
        failures++;
        if (failureSamples.length < 5) failureSamples.push(`journey ${i}: ${(err as Error).message}`);
      }
    });
    const totalS = (performance.now() - t0) / 1000;
    const finalTimings = sandbox.admin.counters().timings;
    const refs = Array.from({ length: n }, (_, i) => `${p.refPrefix}-${i}`);
    return {
      mode: p.mode,
      journeys: n,
      released: measured.length,
      startsS: round(startsS, 1),
      startsPerS: round(n / startsS, 1),
      allSubmittedS: round(submittedS, 1),
      phaseS: round(totalS, 1),
      // Nothing moved past its first step during the window and the hold: all N were in flight and waiting.
      allWaiting: after.submitted === before.submitted && end.submitted === n,
      window,
      hold,
      workerPeakRssMb: round(memory.hwmMb, 1),
      detection: detectionLatencies(finalTimings, outcomeIds),
      // Medians of 20 sampled histories, ms after the held step's processing ended; sampled from the measured journeys
      // only (with --release-count, the others never moved on).
      detectionBreakdownMs: await detectionBreakdown(
        p.client,
        measured.map((i) => refs[i]!),
        measured.map((i) => outcomeIds[i] ?? null),
        finalTimings,
      ),
      failures,
      failureSamples,
    };
  } finally {
    clearInterval(progress);
    clearInterval(jitter);
  }
}

export type PhaseResult = Awaited<ReturnType<typeof runInFlightPhase>>;

const holdSeconds = (holdEnd: number) => Math.round((holdEnd - Date.now()) / 1000);

type Snapshot = Awaited<ReturnType<typeof cpu>> & { summary: number; submitted: number };

/** Worker RSS every second until `endAt` (ms since the epoch), into `rss`. */
async function sampleRssUntil(pid: number, endAt: number, rss: number[]) {
  while (Date.now() < endAt) {
    rss.push((await readProcMemory(pid)).rssMb);
    await sleep(Math.max(0, Math.min(1_000, endAt - Date.now())));
  }
}

/** What one measured span (the window, the hold) cost, from the snapshots at its ends. */
function spanFigures(before: Snapshot, after: Snapshot, seconds: number, n: number, rss: number[]) {
  const used = (k: keyof Snapshot) => Number(after[k]) - Number(before[k]);
  return {
    seconds: round(seconds, 1),
    workerCpuCores: round(used('worker') / seconds, 3),
    devServerCpuCores: round(used('devServer') / seconds, 3),
    machineCoresBusy: round(used('machine') / seconds, 2),
    // Everything but the worker, the dev server and this process (client, sandbox, receiver): what competed.
    otherProcessesCores: round(
      Math.max(0, used('machine') - used('worker') - used('devServer') - used('bench')) / seconds,
      2,
    ),
    summaryCallsPerJourneyPerMinute: round(used('summary') / n / (seconds / 60), 2),
    workerRssMaxMb: round(Math.max(...rss), 1),
  };
}

async function cpu(p: PhaseSetup) {
  return {
    worker: await readProcCpuSeconds(p.workerPid),
    devServer: p.devServerPid === null ? Number.NaN : await readProcCpuSeconds(p.devServerPid),
    machine: await readMachineBusySeconds(),
    bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
}
