import type { RunningSandbox } from '../sandbox/index.js';
import type { JourneyState } from './journeys.js';

// What a chaos run found, from the journeys' outcomes and the IDWise sandbox's own counters.

export interface ChaosFindings {
  journeys: number;
  completed: number;
  failed: number;
  stuck: number;
  /** Completed with a decision other than the pass- scenario's. */
  wrongDecision: number;
  /**
   * (IDWise journey, step) pairs with more than one accepted submission. With pass- references every attempt
   * passes, so a step never legitimately needs a retake: any second submission is a double.
   */
  stepsSubmittedTwice: number;
  pollRuleViolations: number;
  /** IDWise journeys for a reference other than the one its workflow completed with (or extra ones). */
  possiblyOrphanedJourneys: number;
  /** References whose workflow started more than one IDWise journey. */
  referencesWithSeveralJourneys: number;
  samples: { failed: string[]; stuck: string[]; doubles: string[]; orphans: string[]; violations: string[] };
}

export function findings(sandbox: RunningSandbox, states: JourneyState[], expectedDecision: string): ChaosFindings {
  const f: ChaosFindings = {
    journeys: states.length,
    completed: 0,
    failed: 0,
    stuck: 0,
    wrongDecision: 0,
    stepsSubmittedTwice: 0,
    pollRuleViolations: sandbox.admin.totals().pollRuleViolations,
    possiblyOrphanedJourneys: 0,
    referencesWithSeveralJourneys: 0,
    samples: { failed: [], stuck: [], doubles: [], orphans: [], violations: [] },
  };
  const sample = (list: string[], s: string) => void (list.length < 5 && list.push(s));
  for (const s of states) {
    if (s.status === 'completed') {
      f.completed++;
      if (s.decision !== expectedDecision) f.wrongDecision++;
    } else if (s.status === 'failed') {
      f.failed++;
      sample(f.samples.failed, `${s.ref}: ${s.reason}`);
    } else {
      f.stuck++;
      sample(f.samples.stuck, `${s.ref}: ${s.reason}`);
    }
    const matches = sandbox.admin.findJourneys(s.ref);
    if (matches.length > 1) f.referencesWithSeveralJourneys++;
    const kept = s.status === 'completed' ? s.journeyId : matches[0]?.journeyId;
    for (const m of matches) {
      if (m.journeyId !== kept) {
        f.possiblyOrphanedJourneys++;
        sample(f.samples.orphans, `${s.ref}: ${m.journeyId}`);
      }
      const c = sandbox.admin.journeyCounters(m.journeyId);
      if (c?.pollRuleViolations) {
        const byStep = JSON.stringify(c.summaryCallsByStep);
        sample(f.samples.violations, `${s.ref}: ${c.pollRuleViolations} (summary calls by step ${byStep})`);
      }
      for (const [step, n] of Object.entries(c?.processSubmissions ?? {})) {
        if (n > 1) {
          f.stepsSubmittedTwice++;
          sample(f.samples.doubles, `${s.ref} journey ${m.journeyId} step ${step}: ${n} submissions`);
        }
      }
    }
  }
  return f;
}

export const passed = (f: ChaosFindings) =>
  f.completed === f.journeys && f.wrongDecision === 0 && f.stepsSubmittedTwice === 0 && f.pollRuleViolations === 0;

export function describeFindings(f: ChaosFindings, faults: Record<string, number>, say: (line: string) => void): void {
  say(
    `completed ${f.completed}/${f.journeys}, failed ${f.failed}, stuck ${f.stuck}, wrong decision ${f.wrongDecision}`,
  );
  say(`steps submitted twice: ${f.stepsSubmittedTwice}; poll-rule violations: ${f.pollRuleViolations}`);
  say(
    `possibly orphaned IDWise journeys: ${f.possiblyOrphanedJourneys} ` +
      `(references with several: ${f.referencesWithSeveralJourneys})`,
  );
  say(`IDWise faults injected: ${JSON.stringify(faults)}`);
  for (const [kind, list] of Object.entries(f.samples)) for (const s of list) say(`  ${kind}: ${s}`);
}
