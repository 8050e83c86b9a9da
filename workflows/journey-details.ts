import { setCurrentDetails } from '@temporalio/workflow';
import type { JourneyProgress } from '../shared/progress.js';

// The Web UI's "Current Details" panel. The UI shows it in a short frame: stage, decision, what the journey
// waits for and any error first, then the steps, ids last.

// IDWise's titles and feedback are free text: a '|' would break the table.
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderDetails(s: JourneyProgress): void {
  const head = [`**Stage:** ${s.stage}${s.currentStepId ? ` (step ${s.currentStepId})` : ''}`];
  if (s.decision) {
    const manual = s.decision.manual ? `, manual: ${s.decision.manual}` : '';
    head.push(`**Decision:** ${s.decision.final} (system: ${s.decision.system}${manual})`);
  }
  const lines = [head.join(' · '), ''];
  if (s.retake) {
    const fb = s.retake.feedback;
    lines.push(
      `**Waiting for a retake of step ${s.retake.stepId}:** ${cell(fb ? `${fb.title} (${fb.code ?? 'no code'})` : 'no feedback')}` +
        ` · attempts used ${s.retake.attemptsUsed}, left ${s.retake.attemptsLeft ?? '?'} · until ${s.retake.expiresAt}`,
      '',
    );
  }
  if (s.review.status === 'waiting') lines.push(`**Waiting for manual review** since ${s.review.since}`, '');
  if (s.review.status === 'reviewed') lines.push(`**Reviewed** at ${s.review.reviewedAt}`, '');
  if (s.review.status === 'not-reviewed') lines.push('**No manual review came**: the system decision stands', '');
  if (s.error) lines.push(`**Error:** ${s.error}`, '');
  if (s.steps.length > 0) {
    lines.push('| Step | Type | Title | State | Result | Attempts | Feedback |', '|---|---|---|---|---|---|---|');
    for (const step of s.steps) {
      const result = step.passed === null ? '' : step.passed ? 'passed' : 'failed';
      const attempts = `${step.attemptsUsed ?? 0}${step.attemptsLeft === null || step.attemptsLeft === undefined ? '' : ` (${step.attemptsLeft} left)`}`;
      const cells = [step.stepId, step.type, step.title, step.state, result, attempts, step.feedback?.title ?? ''];
      lines.push(`| ${cells.map(cell).join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(`**IDWise journey:** ${s.journeyId ?? '(not started)'} · **events:** ${s.events}`);
  setCurrentDetails(lines.join('\n'));
}
