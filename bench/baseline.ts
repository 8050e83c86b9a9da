import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessed } from '../activities/mapping.js';
import type { IdwiseApi } from '../idwise/index.js';
import { MIN_SUMMARY_INTERVAL_MS, type StepMapping } from '../shared/journey.js';

// The baseline: the plain script a team writes without Temporal. One async function per applicant makes the
// same IDWise calls as the journey workflow, in the same order, through the same IDWise client, with the same
// 2 s spacing of summary calls. No retries, no durability, no visibility: a crash loses the applicant's place.

export interface BaselineOutcome {
  journeyId: string;
  decision: string;
  summaryCalls: number;
}

export async function runBaselineJourney(
  idwise: IdwiseApi,
  req: { flowId: string; referenceNo: string; steps: StepMapping },
): Promise<BaselineOutcome> {
  let summaryCalls = 0;
  let lastSummaryAt: number | null = null;
  const summary = async (journeyId: string) => {
    // IDWise allows one summary call per 2 s per journey: wait out the rest of the interval.
    if (lastSummaryAt !== null) {
      const wait = lastSummaryAt + MIN_SUMMARY_INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
    }
    summaryCalls++;
    const s = await idwise.getJourneySummary(journeyId);
    lastSummaryAt = Date.now();
    return s;
  };

  const started = await idwise.startJourney({ flowId: req.flowId, referenceNo: req.referenceNo });
  const journeyId = started.journey_id;
  // As in the workflow: the step list from the start answer, else (as in IDWise's example) from the summary.
  const stepSummaries =
    started.step_summaries.length > 0 ? started.step_summaries : (await summary(journeyId)).step_summaries;

  for (const { definition } of stepSummaries) {
    const stepId = definition.step_id;
    const files = req.steps[stepId] ?? (definition.is_optional ? { skip: true as const } : undefined);
    if (!files) throw new Error(`no files for required step ${stepId}`);
    await idwise.processStep(
      'skip' in files
        ? { journeyId, stepId, isSkipped: true }
        : { journeyId, stepId, image: files.image, ...(files.image2 ? { image2: files.image2 } : {}) },
    );
    // A hand-written wait loop, allowed in the baseline only: exactly what the product avoids (there, the
    // check is one activity whose retry policy is the poll, durable across crashes and visible in the UI).
    for (;;) {
      const s = await summary(journeyId);
      const step = s.step_summaries.find((x) => x.definition.step_id === stepId);
      if (!step) throw new Error(`journey ${journeyId} has no step ${stepId}`);
      if (isProcessed(step.result)) break;
    }
  }

  await idwise.completeJourney(journeyId);
  // complete-journey starts IDWise's final processing: the decision counts once end_time is set (as the workflow
  // waits for it, at the same 2 s cadence).
  let result = await idwise.getJourneyResult(journeyId);
  while (!result.end_time || result.system_decision === 'Incomplete') {
    await sleep(MIN_SUMMARY_INTERVAL_MS);
    result = await idwise.getJourneyResult(journeyId);
  }
  return { journeyId, decision: result.final_decision ?? result.system_decision ?? 'unknown', summaryCalls };
}
