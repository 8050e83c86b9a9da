import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ValidJourneyInput } from '../shared/journey.js';
import type {
  FlowStep,
  JourneyDecision,
  JourneyProgress,
  JourneyStage,
  RetakeRequest,
  ReviewReport,
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
import { renderDetails } from './journey-details.js';

/**
 * Stages a journey rests in (it waits on a person or on IDWise) or ends in: the ones ops filter on. A lean journey
 * writes IdwiseStage only on these; `starting` (set by the client at start) and `submitting` (an upload, seconds) stay
 * in the progress query and the details but no longer reach the search attribute.
 */
const FILTERED_STAGES: ReadonlySet<JourneyStage> = new Set<JourneyStage>([
  'waiting-for-files',
  'awaiting-processing',
  'awaiting-retake',
  'awaiting-decision',
  'awaiting-review',
  'completed',
  'failed',
  'cancelled',
]);

type Pending = { key: typeof IdwiseStage; value: string };

/**
 * The journey's visible state: the `progress` query, the search attributes ops filter on, and the markdown details in
 * the Web UI. 'every-change' (journeys started before journey-lean-actions) writes the search attributes on every
 * change; 'lean' writes the stage only when a filtered stage changes, with the decision in the same upsert.
 */
export class JourneyState {
  private readonly state: JourneyProgress;
  /** Lean: attribute values changed but not written yet (written with the next filtered stage). */
  private readonly pending = new Map<string, Pending>();
  private written: string | null = null;

  constructor(
    input: ValidJourneyInput,
    carried?: JourneyProgress,
    private readonly writes: 'every-change' | 'lean' = 'every-change',
  ) {
    this.state = carried ?? {
      referenceNo: input.referenceNo,
      flowId: input.flowId,
      journeyId: null,
      stage: 'starting',
      currentStepId: null,
      steps: [],
      decision: null,
      retake: null,
      review: { status: 'not-needed', since: null, reviewedAt: null },
      events: input.options.events,
      error: null,
    };
    // The client sets these at start; upsert only what is missing (a hand-started or batch-started run),
    // since every upsert is a billable action and a visibility write. A continued run inherits them.
    if (!carried) {
      const current = workflowInfo().typedSearchAttributes;
      const wanted = [
        { key: IdwiseReferenceNo, value: input.referenceNo },
        { key: IdwiseFlowId, value: input.flowId },
        { key: IdwiseStage, value: 'starting' },
      ];
      const missing = wanted.filter(({ key, value }) => current.get(key) !== value);
      if (missing.length > 0) upsertSearchAttributes(missing);
    }
    this.render();
  }

  progress(): JourneyProgress {
    return this.state; // serialised on the way out, so callers cannot mutate it
  }

  get steps(): readonly StepReport[] {
    return this.state.steps;
  }

  get journeyId(): string | null {
    return this.state.journeyId;
  }

  /**
   * Written at once in both modes, never deferred: a re-run finds the IDWise journey to resume by it, and the erasure
   * finds every IDWise journey of a reference in these writes, also of a run terminated before it came to rest.
   */
  started(journeyId: string): void {
    this.state.journeyId = journeyId;
    upsertSearchAttributes([{ key: IdwiseJourneyId, value: journeyId }]);
    this.render();
  }

  setSteps(steps: FlowStep[], stepAttempts?: number): void {
    this.state.steps = steps.map((s) => ({
      ...s,
      state: 'pending',
      status: null,
      passed: null,
      concluded: null,
      feedback: null,
      attemptsUsed: 0,
      attemptsLeft: stepAttempts ?? null,
    }));
    this.render();
  }

  step(stepId: string, state: StepState, stage: JourneyStage): void {
    const report = this.find(stepId);
    report.state = state;
    this.state.currentStepId = stepId;
    this.stage(stage);
  }

  /** A submission this journey made (a first attempt or a retake), for attempts used and left. */
  attempted(stepId: string, stepAttempts: number): void {
    const report = this.find(stepId);
    report.attemptsUsed += 1;
    report.attemptsLeft = Math.max(0, stepAttempts - report.attemptsUsed);
  }

  processed(stepId: string, check: StepCheck, skipped: boolean): void {
    const report = this.find(stepId);
    Object.assign(report, { ...check, state: skipped ? 'skipped' : 'processed' });
    // IDWise's word wins over our count: a concluded step has no attempts left, an open one at least one.
    if (report.attemptsLeft !== null && check.concluded !== null) {
      report.attemptsLeft = check.concluded ? 0 : Math.max(1, report.attemptsLeft);
    }
    this.render();
  }

  /** Files provided for a step failed the pre-flight check: the step waits for others, and says why. */
  filesRejected(stepId: string, reason: string): void {
    const report = this.find(stepId);
    report.feedback = { code: 'files_rejected', title: 'Files rejected before upload', details: reason };
    const waiting = this.state.retake?.stepId === stepId ? 'awaiting-retake' : 'waiting-for-files';
    this.step(stepId, waiting, waiting);
  }

  awaitingRetake(retake: RetakeRequest): void {
    this.state.retake = retake;
    this.step(retake.stepId, 'awaiting-retake', 'awaiting-retake');
  }

  retakeClosed(): void {
    this.state.retake = null;
    this.render();
  }

  stage(stage: JourneyStage, decision?: string): void {
    if (this.writes === 'lean') {
      this.leanWrite(stage, decision);
    } else if (stage !== this.state.stage || decision !== undefined) {
      upsertSearchAttributes([
        { key: IdwiseStage, value: stage },
        ...(decision !== undefined ? [{ key: IdwiseDecision, value: decision }] : []),
      ]);
    }
    this.state.stage = stage;
    this.render();
  }

  /** complete-journey and the final processing it starts: no step is current any more. */
  awaitingDecision(): void {
    this.state.currentStepId = null;
    this.stage('awaiting-decision');
  }

  /** The system decision is known and a reviewer must decide: ops filter on Refer + awaiting-review. */
  awaitingReview(decision: JourneyDecision, since: string): void {
    this.state.decision = decision;
    this.state.currentStepId = null;
    this.state.review = { status: 'waiting', since, reviewedAt: null };
    this.stage('awaiting-review', decision.final);
  }

  completed(decision: JourneyDecision, review: ReviewReport): void {
    this.state.decision = decision;
    this.state.review = review;
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

  private leanWrite(stage: JourneyStage, decision?: string): void {
    if (decision !== undefined) this.pending.set(IdwiseDecision.name, { key: IdwiseDecision, value: decision });
    // The stage written last, not the one in memory: submitting between two awaiting-processing writes nothing.
    const current = this.written ?? this.state.stage;
    if (!FILTERED_STAGES.has(stage) || (stage === current && this.pending.size === 0)) return;
    if (stage !== current) this.pending.set(IdwiseStage.name, { key: IdwiseStage, value: stage });
    upsertSearchAttributes([...this.pending.values()] as Parameters<typeof upsertSearchAttributes>[0]);
    this.pending.clear();
    this.written = stage;
  }

  private render(): void {
    renderDetails(this.state);
  }
}
