import type { FlowStep, JourneyOutcome, JourneyProgress, StepReport } from '../shared/progress.js';

// Plain-text renderings for the CLI and the demo. No PII reaches them: progress and outcome carry ids,
// step titles, statuses and IDWise's user feedback only.

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function stepRows(steps: readonly StepReport[]): string[][] {
  return [
    ['STEP', 'TYPE', 'TITLE', 'STATE', 'STATUS', 'RESULT', 'FEEDBACK'],
    ...steps.map((s) => [
      s.stepId,
      s.type,
      s.title,
      s.state,
      s.status ?? '-',
      s.passed === null ? '-' : s.passed ? 'passed' : 'failed',
      s.feedback ? [s.feedback.code, s.feedback.title].filter(Boolean).join(': ') : '',
    ]),
  ];
}

export function formatProgress(p: JourneyProgress): string {
  const lines = [
    `journey ${p.referenceNo} (flow ${p.flowId}, IDWise journey ${p.journeyId ?? 'not started yet'})`,
    `stage: ${p.stage}${p.currentStepId ? `, step ${p.currentStepId}` : ''}`,
  ];
  if (p.decision) lines.push(`decision: ${p.decision.final} (system ${p.decision.system})`);
  if (p.error) lines.push(`error: ${p.error}`);
  if (p.steps.length > 0) lines.push('', table(stepRows(p.steps)));
  return lines.join('\n');
}

export function formatOutcome(o: JourneyOutcome): string {
  const manual = o.decision.manual ? `, manual ${o.decision.manual}` : '';
  const lines = [
    `journey ${o.referenceNo}: ${o.decision.final} (system ${o.decision.system}${manual}), IDWise journey ${o.journeyId}`,
    '',
    table(stepRows(o.steps)),
  ];
  if (o.ruleResults.length > 0) {
    lines.push('', table([['RULE', 'RESULT'], ...o.ruleResults.map((r) => [r.name, r.result])]));
  }
  return lines.join('\n');
}

export function formatFlowSteps(steps: readonly FlowStep[]): string {
  return table([
    ['STEP_ID', 'TYPE', 'TITLE', 'OPTIONAL'],
    ...steps.map((s) => [s.stepId, s.type, s.title, s.optional ? 'yes' : 'no']),
  ]);
}

/** Where ops find a journey in the Temporal Web UI. */
export function webUiLink(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
