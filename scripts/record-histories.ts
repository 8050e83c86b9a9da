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
import { startWebhookReceiver, WEBHOOK_PATH } from '../webhooks/server.js';
import { createJourneyWorker } from '../worker/worker.js';

// Records the histories that test/replay.test.ts replays against the current workflow code. Run it when a
// workflow change is meant to be incompatible (and guarded with patched()): `npx tsx scripts/record-histories.ts`,
// or with fixture names (`... lifecycle-webhooks lifecycle-batch`) to record only those.
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
sandbox.admin.setSwitches({ processingDelayMs: 300, finalProcessingMs: 300, autoReviewDelayMs: 60_000 });
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
  // RECORD_PREFIX=lean- keeps the older lifecycle-* fixtures and records today's code beside them (lean-pass, ...).
  const file = process.env.RECORD_PREFIX ? name.replace(/^lifecycle-/, process.env.RECORD_PREFIX) : name;
  writeFileSync(join(out, `${file}.json`), json);
  console.log(`recorded ${file} (${(JSON.parse(json.toString()) as { events: unknown[] }).events.length} events)`);
}

const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);

async function journey(name: string, referenceNo: string, run: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  await run();
  await journeys.awaitOutcome(referenceNo).catch(() => undefined);
  await save(name, journeyWorkflowId(referenceNo));
}

// Histories of the journey as it runs now (patch `journey-lifecycle`), under lifecycle-*. The journey-* and
// batch-run-* files were recorded before that patch, and webhooks-timer-fallback before `step-fallback-retry-policy`;
// they stay, so the code paths those journeys still take keep being replayed too.
const until = async (ref: string, stage: string) => {
  for (let i = 0; i < 300; i++) {
    const p = await journeys.getProgress(ref).catch(() => null);
    if (p?.stage === stage) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${ref} never reached ${stage}`);
};

try {
  mkdirSync(out, { recursive: true });
  const start = (referenceNo: string, extra: Record<string, unknown> = {}) =>
    journeys.startJourney({ referenceNo, flowId: 'sandbox-id-and-selfie', steps: idAndSelfie, ...extra });
  await journey('lifecycle-pass', 'pass-lifecycle-1', () => start('pass-lifecycle-1').then(() => undefined));
  await journey('lifecycle-retake-answered', 'feedback-lifecycle-2', async () => {
    sandbox.admin.failNext({ count: 2, kind: '5xx', routes: ['process', 'summary'] });
    await start('feedback-lifecycle-2');
    await until('feedback-lifecycle-2', 'awaiting-retake');
    await journeys.provideStepFiles('feedback-lifecycle-2', { '0': idAndSelfie['0'] });
  });
  await journey('lifecycle-review-approved', 'refer-lifecycle-3', async () => {
    await start('refer-lifecycle-3', { options: { reviewCheckInterval: '2s' } });
    const p = await until('refer-lifecycle-3', 'awaiting-review');
    sandbox.admin.review(p.journeyId!, 'Approved');
  });
  await journey('lifecycle-files-by-update', 'pass-lifecycle-4', async () => {
    await start('pass-lifecycle-4', { steps: { '0': idAndSelfie['0'] } });
    await until('pass-lifecycle-4', 'waiting-for-files');
    await journeys.provideStepFiles('pass-lifecycle-4', { '2': idAndSelfie['2'] });
  });
  await journey('lifecycle-unknown-step', 'pass-lifecycle-5', async () => {
    await start('pass-lifecycle-5', { steps: { ...idAndSelfie, '9': idAndSelfie['2'] } });
  });
  await journey('lifecycle-resumed-rerun', 'pass-lifecycle-6', async () => {
    await start('pass-lifecycle-6', { steps: { '0': idAndSelfie['0'] }, options: { waitForFilesTimeout: '1s' } });
    await journeys.awaitOutcome('pass-lifecycle-6').catch(() => undefined);
    await journeys.startJourney(
      { referenceNo: 'pass-lifecycle-6', flowId: 'sandbox-id-and-selfie', steps: idAndSelfie },
      { rerun: true },
    );
  });
  const receiver = await startWebhookReceiver({
    auth: 'bearer:record-histories-webhook-token-0123456789',
    client,
    port: 0,
    log: () => {},
  });
  sandbox.admin.setWebhooks({
    url: `${receiver.url}${WEBHOOK_PATH}`,
    auth: 'bearer:record-histories-webhook-token-0123456789',
  });
  await journey('lifecycle-webhooks', 'refer-lifecycle-7', async () => {
    await start('refer-lifecycle-7', { options: { events: 'webhooks', fallbackCheckInterval: '30s' } });
    const p = await until('refer-lifecycle-7', 'awaiting-review');
    sandbox.admin.review(p.journeyId!, 'Rejected');
  });
  // Every event lost: the lost-event checks find both steps, the final decision comes from its poll.
  await journey('lifecycle-webhooks-lost-events', 'pass-lifecycle-8', async () => {
    sandbox.admin.setWebhookFaults({ dropRate: 1 });
    await start('pass-lifecycle-8', { options: { events: 'webhooks', fallbackCheckInterval: '3s' } });
    await journeys.awaitOutcome('pass-lifecycle-8');
    sandbox.admin.setWebhookFaults({ dropRate: 0 });
  });
  // Each step's event arrives while the lost-event check holds its 2 s after a look (3 s after the submission,
  // IDWise done at 3.8 s): the attempt ends with the cancel requested, then the journey checks once.
  await journey('lifecycle-webhooks-event-during-check', 'pass-lifecycle-9', async () => {
    sandbox.admin.setSwitches({ processingDelayMs: 3_800 });
    await start('pass-lifecycle-9', { options: { events: 'webhooks', fallbackCheckInterval: '5s' } });
    await journeys.awaitOutcome('pass-lifecycle-9');
    sandbox.admin.setSwitches({ processingDelayMs: 300 });
  });
  await receiver.close();

  if (wanted('lifecycle-batch')) await recordBatch();
} finally {
  worker.shutdown();
  await running;
  await connection.close();
  await temporal.teardown();
  await codec.close();
  await sandbox.close();
}

async function recordBatch(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'record-batch-'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify(
      [1, 2, 3].map((i) => ({
        referenceNo: `pass-lifecycle-batch-${i}`,
        flowId: 'sandbox-id-and-selfie',
        mapping: idAndSelfie,
      })),
    ),
  );
  const { batchId, workflowId } = await batches.startBatch({
    manifest,
    batchId: 'lifecycle-replay',
    concurrency: 2,
    pageSize: 2,
  });
  await batches.result(batchId);
  // Every run of the chain: the first pages end in continue-as-new, the last one returns the counts.
  const runs = [];
  for await (const r of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs.push(r);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, r] of runs.entries()) {
    await save(`lifecycle-batch-run-${i + 1}-of-${runs.length}`, workflowId, r.runId);
  }
}
