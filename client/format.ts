import type { FlowStep, JourneyDecision, JourneyOutcome, JourneyProgress, StepReport } from '../shared/progress.js';

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
    ['STEP', 'TYPE', 'TITLE', 'STATE', 'STATUS', 'RESULT', 'ATTEMPTS', 'FEEDBACK'],
    ...steps.map((s) => [
      s.stepId,
      s.type,
      s.title,
      s.state,
      s.status ?? '-',
      s.passed === null ? '-' : s.passed ? 'passed' : 'failed',
      s.attemptsUsed === undefined
        ? '-'
        : `${s.attemptsUsed}${s.attemptsLeft === null ? '' : `/${s.attemptsUsed + s.attemptsLeft}`}`,
      s.feedback ? [s.feedback.code, s.feedback.title].filter(Boolean).join(': ') : '',
    ]),
  ];
}

export function formatProgress(p: JourneyProgress): string {
  const lines = [
    `journey ${p.referenceNo} (flow ${p.flowId}, IDWise journey ${p.journeyId ?? 'not started yet'})`,
    `stage: ${p.stage}${p.currentStepId ? `, step ${p.currentStepId}` : ''}`,
  ];
  if (p.decision) lines.push(`decision: ${describeDecision(p.decision)}`);
  if (p.retake) {
    const fb = p.retake.feedback;
    lines.push(
      `retake requested for step ${p.retake.stepId}: ${fb ? `${fb.title}${fb.code ? ` (${fb.code})` : ''}${fb.details ? ` - ${fb.details}` : ''}` : 'no feedback given'}`,
      `  attempts used ${p.retake.attemptsUsed}, left ${p.retake.attemptsLeft ?? 'unknown'}; waiting until ${p.retake.expiresAt}`,
      `  send new files with: idwise-journey provide-files ${p.referenceNo} --mapping <file.json>`,
    );
  }
  if (p.review.status === 'waiting') lines.push(`awaiting manual review in IDWise Studio since ${p.review.since}`);
  if (p.error) lines.push(`error: ${p.error}`);
  if (p.steps.length > 0) lines.push('', table(stepRows(p.steps)));
  return lines.join('\n');
}

function describeDecision(d: JourneyDecision): string {
  return `${d.final} (system ${d.system}${d.manual ? `, manual ${d.manual}` : ''})`;
}

export function formatOutcome(o: JourneyOutcome): string {
  const lines = [`journey ${o.referenceNo}: ${describeDecision(o.decision)}, IDWise journey ${o.journeyId}`];
  if (o.review?.status === 'reviewed') lines.push(`reviewed at ${o.review.reviewedAt}`);
  if (o.review?.status === 'not-reviewed')
    lines.push('no manual review came within reviewWait: the system decision stands');
  if (o.unansweredRetake) lines.push(`retake of step ${o.unansweredRetake.stepId} went unanswered`);
  if (o.resumed) lines.push('resumed an existing IDWise journey');
  if (o.possiblyOrphanedJourneys) {
    lines.push(
      `warning: ${o.possiblyOrphanedJourneys} start-journey answer(s) were lost: IDWise may hold orphaned journeys for this reference`,
    );
  }
  lines.push('', table(stepRows(o.steps)));
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
