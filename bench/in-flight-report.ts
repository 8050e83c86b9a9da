import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { PhaseResult } from './in-flight-phase.js';
import { describeMachine, type LoadRecord, type MachineInfo } from './machine.js';

// Targets, markdown and the JSON file of `npm run bench -- --in-flight N`.

export interface InFlightTarget {
  name: string;
  pass: boolean;
  detail: string;
}

const RSS_LIMIT_MB = 400;
// Webhooks: journeys held on their first step for the whole hold (10 minutes by default), as the check backs off
// (issue 21); the first minute alone (the window) is reported beside it. Polling: the window, a steady cost.
const HELD_CPU_LIMIT = 0.05;
const POLLING_CPU_LIMIT = 0.5;
const WEBHOOK_DETECTION_P50_MS = 200;

export function checkInFlightTargets(phases: PhaseResult[]): InFlightTarget[] {
  const targets: InFlightTarget[] = [];
  for (const p of phases) {
    const m = p.mode;
    targets.push(
      { name: `${m}: all ${p.journeys} in flight and waiting`, pass: p.allWaiting, detail: String(p.allWaiting) },
      { name: `${m}: 0 failed journeys`, pass: p.failures === 0, detail: String(p.failures) },
      {
        name: `${m}: worker RSS while waiting <= ${RSS_LIMIT_MB} MB`,
        pass: (p.window.workerRssMaxMb ?? Infinity) <= RSS_LIMIT_MB,
        detail: `${p.window.workerRssMaxMb} MB`,
      },
      m === 'webhooks'
        ? {
            name: `webhooks: worker CPU over the hold (${p.hold.heldMinutes} min) <= ${HELD_CPU_LIMIT} core`,
            pass: (p.hold.workerCpuCores ?? Infinity) <= HELD_CPU_LIMIT,
            detail: `${p.hold.workerCpuCores} core`,
          }
        : {
            name: `polling: worker CPU while waiting <= ${POLLING_CPU_LIMIT} core`,
            pass: (p.window.workerCpuCores ?? Infinity) <= POLLING_CPU_LIMIT,
            detail: `${p.window.workerCpuCores} core`,
          },
    );
    if (m === 'webhooks') {
      const p50 = p.detection.heldStep.p50Ms ?? Infinity;
      targets.push({
        name: `webhooks: detection p50 <= ${WEBHOOK_DETECTION_P50_MS} ms`,
        pass: p50 <= WEBHOOK_DETECTION_P50_MS,
        detail: `${p50} ms`,
      });
    }
  }
  return targets;
}

interface Report {
  command: string;
  date: string;
  worker: { idleRssMb: number };
  machine: MachineInfo;
  load: LoadRecord;
  phases: PhaseResult[];
  targets: InFlightTarget[];
}

export function formatInFlight(r: Report): string {
  const cols = r.phases.map((p) => p.mode);
  const row = (label: string, f: (p: PhaseResult) => unknown) =>
    `| ${label} | ${r.phases.map((p) => String(f(p))).join(' | ')} |`;
  const ms = (d: PhaseResult['detection']['heldStep']) => `${d.p50Ms} / ${d.p99Ms} / ${d.maxMs} (${d.count})`;
  return [
    `# In-flight bench ${r.date}`,
    '',
    `\`${r.command}\` (worker idle RSS ${r.worker.idleRssMb.toFixed(0)} MB)`,
    '',
    `machine: ${describeMachine(r.machine, r.load)}`,
    '',
    `| | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    row('journeys in flight', (p) => p.journeys),
    row('released and measured (--release-count)', (p) => p.released),
    row('starts: seconds (per s)', (p) => `${p.startsS} (${p.startsPerS})`),
    row('all first steps submitted after (s)', (p) => p.allSubmittedS),
    row('window while all wait (s)', (p) => p.window.seconds),
    row('worker RSS in window: max / end (MB)', (p) => `${p.window.workerRssMaxMb} / ${p.window.workerRssEndMb}`),
    row('worker CPU while waiting (cores)', (p) => p.window.workerCpuCores),
    row('dev server CPU while waiting (cores)', (p) => p.window.devServerCpuCores),
    row('worker CPU over the whole hold (cores; seconds measured, minutes held)', (p) =>
      (p.hold.seconds ?? 0) > (p.window.seconds ?? 0)
        ? `${p.hold.workerCpuCores} (${p.hold.seconds} s, ${p.hold.heldMinutes} min)`
        : '–',
    ),
    row('dev server CPU over the whole hold (cores)', (p) => p.hold.devServerCpuCores),
    row('other processes over the whole hold (cores)', (p) => p.hold.otherProcessesCores),
    row('summary calls / journey / minute over the hold', (p) => p.hold.summaryCallsPerJourneyPerMinute),
    row('machine cores busy in window', (p) => p.window.machineCoresBusy),
    row('other processes in window (cores)', (p) => p.window.otherProcessesCores),
    row('summary calls / journey / minute', (p) => p.window.summaryCallsPerJourneyPerMinute),
    row('detection, held step: p50 / p99 / max ms (n)', (p) => ms(p.detection.heldStep)),
    row('detection, every step: p50 / p99 / max ms (n)', (p) => ms(p.detection.allSteps)),
    row(
      'where it goes (median ms after processing ended): signal, workflow task started, completed, check started, check done, upload scheduled, started, process call',
      (p) =>
        Object.values(p.detectionBreakdownMs)
          .map((v) => v ?? '–')
          .join(', '),
    ),
    row('failed journeys', (p) => p.failures),
    row('worker peak RSS since start (MB)', (p) => p.workerPeakRssMb),
    row('phase wall time (s)', (p) => p.phaseS),
    '',
    '| target | result | |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.name} | ${t.detail} | ${t.pass ? 'PASS' : 'MISS'} |`),
    '',
  ].join('\n');
}

export async function writeInFlightReport(root: string, date: Date, report: object): Promise<string> {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = await format(JSON.stringify(report), {
    ...(await resolveConfig(join(dir, 'in-flight-latest.json'))),
    parser: 'json',
  });
  writeFileSync(join(dir, 'in-flight-latest.json'), json);
  writeFileSync(join(dir, `in-flight-${date.toISOString().replace(/:/g, '-')}.json`), json);
  return json;
}
