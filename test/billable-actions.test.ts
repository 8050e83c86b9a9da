import { readMappingFile } from '../client/mapping-file.js';
import { countActions, eventTypeCounts } from '../bench/stats.js';
import { erasureWorkflowId } from '../shared/erasure.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { IdwiseDecision, IdwiseJourneyId, IdwiseStage } from '../shared/search-attributes.js';
import { createJourneyEnv, FLOW_ID_SELFIE, repoRoot, type JourneyEnv } from './helpers/journey-env.js';
import { join } from 'node:path';

// What a passing journey costs in Temporal Cloud billable actions (bench/stats.ts counts them from its history, as
// `npm run bench` does), for the bench's own journey: its flow, mapping and sandbox switches (IDWise processes a step
// in 500 ms and has its decision at once: a final processing that takes longer adds a poll retry, one action each).
// Main before issue 21: 19 (1 start, 9 activities, 9 upserts of which 2 were patch markers' TemporalChangeVersion).

const MAX_ACTIONS = 12;

describe('billable actions of a passing journey', () => {
  let env: JourneyEnv;

  beforeAll(async () => {
    env = await createJourneyEnv({ sandboxSwitches: { processingDelayMs: 500, finalProcessingMs: 0 } });
    await env.startWorker();
  });
  afterAll(async () => env.close());

  it(`stays within ${MAX_ACTIONS} actions, the search attributes ops filter on still right at the end`, async () => {
    const steps = await readMappingFile(join(repoRoot, 'samples/mappings/sandbox-id-and-selfie.json'));
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');

    const handle = env.client.workflow.getHandle(journeyWorkflowId(ref));
    const history = await handle.fetchHistory();
    const actions = countActions(history);
    // The breakdown in the failure says which kind of action grew.
    const breakdown = `${actions.total} actions: ${JSON.stringify({ actions, events: eventTypeCounts(history) })}`;
    expect(actions.total <= MAX_ACTIONS ? 'within' : breakdown).toBe('within');

    const sa = (await handle.describe()).typedSearchAttributes;
    expect([sa.get(IdwiseJourneyId), sa.get(IdwiseStage), sa.get(IdwiseDecision)]).toEqual([
      outcome.journeyId,
      'completed',
      'Complete',
    ]);
  });
});

describe('the erasure of a journey without its own retention option', () => {
  let env: JourneyEnv;

  beforeAll(async () => {
    env = await createJourneyEnv({ defaultRetention: '1h' });
    await env.startWorker();
  });
  afterAll(async () => env.close());

  // The action saved above, when the workers do not erase by default, must not be saved when they do.
  it('is still scheduled when the workers erase by default (IDWISE_RETENTION)', async () => {
    const steps = await readMappingFile(join(repoRoot, 'samples/mappings/sandbox-id-and-selfie.json'));
    const ref = env.ref('pass-');
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps });
    await env.journeys.awaitOutcome(ref);
    const erasure = await env.client.workflow.getHandle(erasureWorkflowId(ref)).describe();
    expect(erasure.status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(erasureWorkflowId(ref)).terminate('test over');
  });
});
