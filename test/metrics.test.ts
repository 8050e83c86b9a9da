import type { ChildProcess } from 'node:child_process';
import { freePort } from '../dev/free-port.js';
import {
  createJourneyEnv,
  FLOW_ID_SELFIE,
  images,
  TEST_IMAGE_ROOTS,
  waitFor,
  type JourneyEnv,
} from './helpers/journey-env.js';
import { startWorkerProcess } from './helpers/processes.js';

// The worker's Prometheus endpoint, scraped before and after a journey. The SDK runtime is one per
// process, so the worker runs as its own process, exactly as `npm run worker` runs it.

/** Sum of every sample of a metric whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([\d.eE+-]+|NaN)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const tags = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => tags.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

describe('worker metrics', () => {
  let env: JourneyEnv;
  let worker: ChildProcess | null = null;
  let metricsUrl: string;

  beforeAll(async () => {
    env = await createJourneyEnv();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = await startWorkerProcess({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      IDWISE_BASE_URL: env.sandbox.baseUrl,
      IDWISE_API_KEY: env.sandbox.credentials.key,
      IDWISE_API_SECRET: env.sandbox.credentials.secret,
      IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
      IDWISE_WORKFLOW_BUNDLE: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!,
      IDWISE_METRICS_BIND: `127.0.0.1:${port}`,
    });
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    await env.close();
  });

  it('exposes SDK metrics and moves our journey, step, summary and error metrics', async () => {
    const scrape = async () => (await fetch(metricsUrl)).text();
    // The slot gauges appear with the pollers' first report, a moment after the start line on a busy machine.
    const before = await waitFor('the slot gauges', scrape, (text) =>
      /^temporal_worker_task_slots_available\{/m.test(text),
    );
    expect(before).toMatch(/^temporal_worker_task_slots_available\{/m);

    env.sandbox.admin.failNext({ count: 1, kind: '5xx', routes: ['start'] });
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } },
    });
    await env.journeys.awaitOutcome(ref);
    // Workflow metrics are flushed on the worker's metrics cadence; read until the finish shows up.
    let after = await scrape();
    for (let i = 0; i < 50 && sample(after, 'idwise_journeys_finished', { decision: 'Complete' }) === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await scrape();
    }

    const delta = (name: string, labels?: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('idwise_journeys_started')).toBe(1);
    // Caller input never becomes a label: flow ids would make one series per flow without bound.
    expect(after).not.toMatch(/flow_id=/);
    expect(delta('idwise_journeys_finished', { outcome: 'completed', decision: 'Complete' })).toBe(1);
    expect(delta('idwise_step_processing_seconds_count', { step_type: 'Document' })).toBe(1);
    expect(delta('idwise_step_processing_seconds_count', { step_type: 'Selfie' })).toBe(1);
    expect(delta('idwise_summary_calls_per_step_count')).toBe(2);
    expect(delta('idwise_summary_calls', { purpose: 'flow-steps' })).toBe(1);
    expect(delta('idwise_summary_calls', { purpose: 'step-check' })).toBeGreaterThanOrEqual(2);
    expect(delta('idwise_api_errors', { kind: 'server', retryable: 'true' })).toBe(1);
  });
});
