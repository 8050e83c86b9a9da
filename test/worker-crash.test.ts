import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createJourneyEnv, FLOW_ID_SELFIE, images, TEST_IMAGE_ROOTS, type JourneyEnv } from './helpers/journey-env.js';
import { startWorkerProcess } from './helpers/processes.js';

// The promise of the project: a worker that dies mid-journey loses nothing. A real worker process is
// killed with SIGKILL (no graceful shutdown) while IDWise processes a step; a new one finishes the journey.

describe('worker killed with SIGKILL mid-journey', () => {
  let env: JourneyEnv;
  let worker: ChildProcess | null = null;

  beforeAll(async () => {
    env = await createJourneyEnv({ sandboxSwitches: { processingDelayMs: 3_000 } });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await env.close();
  });

  const workerEnv = () => ({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    IDWISE_BASE_URL: env.sandbox.baseUrl,
    IDWISE_API_KEY: env.sandbox.credentials.key,
    IDWISE_API_SECRET: env.sandbox.credentials.secret,
    IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
    IDWISE_WORKFLOW_BUNDLE: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!,
  });

  it('resumes on a new worker and submits every step exactly once', async () => {
    worker = await startWorkerProcess(workerEnv());
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } },
    });

    // Kill while step 0 is uploaded and IDWise is still processing it.
    for (;;) {
      const p = await env.journeys.getProgress(ref);
      if (p.stage === 'awaiting-processing' && p.currentStepId === '0') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const exited = once(worker, 'exit');
    worker.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');

    worker = await startWorkerProcess(workerEnv());
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    expect(outcome.steps.map((s) => [s.stepId, s.state])).toEqual([
      ['0', 'processed'],
      ['2', 'processed'],
    ]);
    const counters = env.sandbox.admin.journeyCounters(outcome.journeyId)!;
    expect(counters.processSubmissions).toEqual({ '0': 1, '2': 1 });
    expect(counters.pollRuleViolations).toBe(0);
    expect(env.sandbox.admin.findJourneys(ref)).toHaveLength(1);
  });
});
