import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ValidJourneyInput } from '../shared/journey.js';
import type {
  FlowStep,
  JourneyDecision,
  JourneyProgress,
  JourneyStage,
  StepCheck,
  StepReport,
  StepState,
} from '../shared/progress.js';
import {
  IdwiseDecision,
  IdwiseFlowId,
  IdwiseJourneyId,
  IdwiseReferenceNo,
  IdwiseStage,
} from '../shared/search-attributes.js';

/**
 * The journey's visible state. Every change goes to three places at once, so they never disagree:
 * the `progress` query, the search attributes ops filter on, and the markdown details in the Web UI.
 */
export class JourneyState {
  private readonly state: JourneyProgress;

  constructor(input: ValidJourneyInput) {
    this.state = {
      referenceNo: input.referenceNo,
      flowId: input.flowId,
      journeyId: null,
      stage: 'starting',
      currentStepId: null,
      steps: [],
      decision: null,
      error: null,
    };
    // The client sets these at start; upsert only what is missing (a hand-started or batch-started run),
    // since every upsert is a billable action and a visibility write.
    const current = workflowInfo().typedSearchAttributes;
    const wanted = [
      { key: IdwiseReferenceNo, value: input.referenceNo },
      { key: IdwiseFlowId, value: input.flowId },
      { key: IdwiseStage, value: 'starting' },
    ];
    const missing = wanted.filter(({ key, value }) => current.get(key) !== value);
    if (missing.length > 0) upsertSearchAttributes(missing);
    this.render();
  }

  progress(): JourneyProgress {
    return this.state; // serialised on the way out, so callers cannot mutate it
  }

  get steps(): readonly StepReport[] {
    return this.state.steps;
  }

  started(journeyId: string): void {
    this.state.journeyId = journeyId;
    upsertSearchAttributes([{ key: IdwiseJourneyId, value: journeyId }]);
    this.render();
  }

  setSteps(steps: FlowStep[]): void {
    this.state.steps = steps.map((s) => ({
      ...s,
      state: 'pending',
      status: null,
      passed: null,
      concluded: null,
      feedback: null,
    }));
    this.render();
  }

  step(stepId: string, state: StepState, stage: JourneyStage): void {
    const report = this.find(stepId);
    report.state = state;
    this.state.currentStepId = stepId;
    this.stage(stage);
  }

  processed(stepId: string, check: StepCheck, skipped: boolean): void {
    Object.assign(this.find(stepId), { ...check, state: skipped ? 'skipped' : 'processed' });
    this.render();
  }

  stage(stage: JourneyStage, decision?: string): void {
    if (stage !== this.state.stage || decision !== undefined) {
      upsertSearchAttributes([
        { key: IdwiseStage, value: stage },
        ...(decision !== undefined ? [{ key: IdwiseDecision, value: decision }] : []),
      ]);
    }
    this.state.stage = stage;
    this.render();
  }

  completed(decision: JourneyDecision): void {
    this.state.decision = decision;
    this.state.currentStepId = null;
    this.stage('completed', decision.final); // one upsert for both: ops filter on them together
  }

  failed(stage: 'failed' | 'cancelled', reason: string): void {
    this.state.error = reason;
    this.stage(stage);
  }

  private find(stepId: string): StepReport {
    const report = this.state.steps.find((s) => s.stepId === stepId);
    if (!report) throw new Error(`step ${stepId} is not part of this flow`);
    return report;
  }

  private render(): void {
    const s = this.state;
    // The UI shows this in a short frame: stage, decision and error first, then the steps, ids last.
    const head = [`**Stage:** ${s.stage}${s.currentStepId ? ` (step ${s.currentStepId})` : ''}`];
    if (s.decision) head.push(`**Decision:** ${s.decision.final} (system: ${s.decision.system})`);
    const lines = [head.join(' · '), ''];
    if (s.error) lines.push(`**Error:** ${s.error}`, '');
    if (s.steps.length > 0) {
      lines.push('| Step | Type | Title | State | Result | Feedback |', '|---|---|---|---|---|---|');
      for (const step of s.steps) {
        const result = step.passed === null ? '' : step.passed ? 'passed' : 'failed';
        const cells = [step.stepId, step.type, step.title, step.state, result, step.feedback?.title ?? ''];
        // IDWise's titles and feedback are free text: a '|' would break the table.
        lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
      }
      lines.push('');
    }
    lines.push(`**IDWise journey:** ${s.journeyId ?? '(not started)'}`);
    setCurrentDetails(lines.join('\n'));
  }
}
