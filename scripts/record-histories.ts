import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createBatchClient } from '../client/batch-client.js';
import { Client } from '@temporalio/client';
import { createJourneyClient } from '../client/journey-client.js';
import { startDemoCodec } from '../codec/demo-codec.js';
import { startDevServer } from '../dev/dev-server.js';
import { resolveTemporalCli } from '../dev/temporal-cli.js';
import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { startSandbox } from '../sandbox/index.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { createJourneyWorker } from '../worker/worker.js';

// Records the histories that test/replay.test.ts replays against the current workflow code. Run it when a
// workflow change is meant to be incompatible (and guarded with patched()): `npx tsx scripts/record-histories.ts`.
// Journeys run encrypted, as in production; the CLI saves them decoded through a codec server, so the
// fixtures stay plain and replay without keys (the replay test runs them through the codec anyway).

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test/fixtures/histories');
const img = (name: string) => join(root, 'samples/images', name);
const idAndSelfie = {
  '0': { image: img('id-front.jpg'), image2: img('id-back.jpg') },
  '2': { image: img('selfie.jpg') },
};

Runtime.install({ logger: new DefaultLogger('ERROR') });
const temporal = await startDevServer();
const codecToken = randomBytes(32).toString('hex');
const codec = await startDemoCodec('http://127.0.0.1:8233', { IDWISE_CODEC_TOKEN: codecToken });
const client = new Client({ connection: temporal.connection, dataConverter: codec.dataConverter });
const sandbox = await startSandbox();
sandbox.admin.setSwitches({ processingDelayMs: 300 });
const connection = await NativeConnection.connect({ address: temporal.address });
const idwiseConfig = loadIdwiseConfig({
  IDWISE_BASE_URL: sandbox.baseUrl,
  IDWISE_API_KEY: sandbox.credentials.key,
  IDWISE_API_SECRET: sandbox.credentials.secret,
  IDWISE_IMAGE_ROOTS: [join(root, 'samples'), tmpdir()].join(','),
});
const idwise = createIdwiseClient(idwiseConfig);
const taskQueue = 'record-histories';
const worker = await createJourneyWorker({
  connection,
  namespace: 'default',
  taskQueue,
  idwise,
  dataConverter: codec.dataConverter,
  imageSources: idwiseConfig.imageSources,
  maxImageBytes: idwiseConfig.maxImageBytes,
});
const running = worker.run();
const journeys = createJourneyClient({ client, taskQueue });
const batches = createBatchClient({ client, taskQueue });

// The CLI's JSON is the format users get from `temporal workflow show --output json` and the Web UI.
const cli = resolveTemporalCli().path!;
async function save(name: string, workflowId: string, runId?: string): Promise<void> {
  const run = runId ? ['--run-id', runId] : [];
  // Asynchronous: the CLI calls the codec server in this very process, which must stay free to answer.
  const { stdout: json } = await promisify(execFile)(
    cli,
    [
      'workflow',
      'show',
      '-w',
      workflowId,
      ...run,
      '--address',
      temporal.address,
      '--output',
      'json',
      '--codec-endpoint',
      codec.url,
      '--codec-auth',
      `Bearer ${codecToken}`,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(out, `${name}.json`), json);
  console.log(`recorded ${name} (${(JSON.parse(json.toString()) as { events: unknown[] }).events.length} events)`);
}

async function journey(name: string, referenceNo: string, run: () => Promise<void>): Promise<void> {
  await run();
  await journeys.awaitOutcome(referenceNo).catch(() => undefined);
  await save(name, journeyWorkflowId(referenceNo));
}

try {
  mkdirSync(out, { recursive: true });
  await journey('journey-pass', 'pass-replay-1', async () => {
    await journeys.startJourney({ referenceNo: 'pass-replay-1', flowId: 'sandbox-id-and-selfie', steps: idAndSelfie });
  });
  await journey('journey-feedback-retried-5xx', 'feedback-replay-2', async () => {
    sandbox.admin.failNext({ count: 2, kind: '5xx', routes: ['process', 'summary'] });
    await journeys.startJourney({
      referenceNo: 'feedback-replay-2',
      flowId: 'sandbox-id-and-selfie',
      steps: idAndSelfie,
    });
  });
  await journey('journey-skip-optional', 'pass-replay-3', async () => {
    sandbox.admin.setSwitches({ startReturnsSteps: true });
    await journeys.startJourney({
      referenceNo: 'pass-replay-3',
      flowId: 'sandbox-passport-selfie-poa',
      steps: { '10': { image: img('passport.png') }, '20': { image: img('selfie.jpg') } },
    });
  });
  sandbox.admin.setSwitches({ startReturnsSteps: false });
  await journey('journey-files-by-update', 'pass-replay-4', async () => {
    await journeys.startJourney({
      referenceNo: 'pass-replay-4',
      flowId: 'sandbox-id-and-selfie',
      steps: { '0': idAndSelfie['0'] },
    });
    for (;;) {
      if ((await journeys.getProgress('pass-replay-4')).stage === 'waiting-for-files') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await journeys.provideStepFiles('pass-replay-4', { '2': idAndSelfie['2'] });
  });
  await journey('journey-unknown-step', 'pass-replay-5', async () => {
    await journeys.startJourney({
      referenceNo: 'pass-replay-5',
      flowId: 'sandbox-id-and-selfie',
      steps: { ...idAndSelfie, '9': idAndSelfie['2'] },
    });
  });

  const dir = mkdtempSync(join(tmpdir(), 'record-batch-'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify(
      [1, 2, 3].map((i) => ({
        referenceNo: `pass-replay-batch-${i}`,
        flowId: 'sandbox-id-and-selfie',
        mapping: idAndSelfie,
      })),
    ),
  );
  const { batchId, workflowId } = await batches.startBatch({
    manifest,
    batchId: 'replay',
    concurrency: 2,
    pageSize: 2,
  });
  await batches.result(batchId);
  // Every run of the chain: the first pages end in continue-as-new, the last one returns the counts.
  const runs = [];
  for await (const r of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs.push(r);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, r] of runs.entries()) await save(`batch-run-${i + 1}-of-${runs.length}`, workflowId, r.runId);
} finally {
  worker.shutdown();
  await running;
  await connection.close();
  await temporal.teardown();
  await codec.close();
  await sandbox.close();
}
