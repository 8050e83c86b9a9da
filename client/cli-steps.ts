import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { toFlowSteps } from '../activities/mapping.js';
import type { FlowStep } from '../shared/progress.js';
import { parse, UsageError, type CliIo } from './cli-args.js';
import { formatFlowSteps } from './format.js';
import { mappingTemplate } from './mapping-file.js';

/**
 * `steps`: the guide asks integrators to fill the mapping table from the step ids the flow itself returns.
 * IDWise has no "describe flow" call, so `--flow` starts a probe journey (reference steps-probe-<time>, left
 * incomplete) and reads its summary; `--journey` reads an existing journey's summary instead.
 * The table goes to stderr and the template JSON to stdout, so `> mapping.json` captures just the template.
 */
export async function stepsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { flow: { type: 'string' }, journey: { type: 'string' } });
  if (positionals.length > 0 || !!values.flow === !!values.journey) {
    throw new UsageError('steps needs exactly one of --flow <flow_id> or --journey <journey_id>');
  }
  const idwise = createIdwiseClient(loadIdwiseConfig(io.env));
  let journeyId = values.journey;
  let steps: FlowStep[] = [];
  if (values.flow) {
    const started = await idwise.startJourney({ flowId: values.flow, referenceNo: `steps-probe-${Date.now()}` });
    journeyId = started.journey_id;
    steps = toFlowSteps(started.step_summaries);
    io.err(`started probe journey ${journeyId} on flow ${values.flow} to read its steps (it stays incomplete)`);
  }
  if (steps.length === 0) steps = toFlowSteps((await idwise.getJourneySummary(journeyId!)).step_summaries);
  if (steps.length === 0) throw new UsageError(`journey ${journeyId} reports no steps`);
  io.err(formatFlowSteps(steps));
  io.out(JSON.stringify(mappingTemplate(steps), null, 2));
  return 0;
}
