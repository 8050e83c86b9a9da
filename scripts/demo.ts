import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { JourneyFailedError } from '../client/errors.js';
import { formatOutcome, webUiLink } from '../client/format.js';
import { createJourneyClient, type JourneyClient, type StartJourneyRequest } from '../client/journey-client.js';
import { readMappingFile } from '../client/mapping-file.js';
import { startDemoCodec } from '../codec/demo-codec.js';
import { startDevServer } from '../dev/dev-server.js';
import { freePort } from '../dev/free-port.js';
import { createIdwiseClient, describeConfig, IMAGE_SOURCES_HELP, loadIdwiseConfig } from '../idwise/index.js';
import { loadPiiKeys } from '../pii/sealed-applicant-details.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWebhookReceiver, WEBHOOK_PATH } from '../webhooks/server.js';
import { startDemoBackend } from './demo-backend.js';
import { startDemoStorage, type DemoStorage } from './demo-storage.js';
import { loadStagingTarget } from '../storage/staging-config.js';
import { journeyWorkflowId } from '../shared/journey.js';
import type { JourneyOutcome, JourneyProgress, JourneyStage } from '../shared/progress.js';
import { createJourneyWorker } from '../worker/worker.js';

// `npm run demo`: the whole product on one machine. A Temporal dev server with its Web UI, the IDWise
// sandbox (or the real IDWise when credentials are set), a worker, and three journeys run to their decision, one
// per image source: one passing from photos in object storage (s3://, a local SeaweedFS), one from photos the
// applicant's app uploaded (bytes staged by the client) whose first photo fails and is retaken with an upload, and
// one from files, referred and then approved by a reviewer.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { keep: { type: 'boolean' } }, strict: true });
const say = (line: string) => process.stdout.write(`${line}\n`);

interface DemoJourney {
  label: string;
  referenceNo: string;
  flowId: string;
  steps: NonNullable<StartJourneyRequest['steps']>;
  options?: StartJourneyRequest['options'];
  /** What the demo does when the journey reaches a stage: plays the applicant (a retake) or the reviewer. */
  on?: Partial<Record<JourneyStage, (p: JourneyProgress) => Promise<string>>>;
}

async function idwiseTarget(runId: string): Promise<{
  env: NodeJS.ProcessEnv;
  journeys: DemoJourney[];
  sandbox: RunningSandbox | null;
  storage: DemoStorage | null;
}> {
  const env = process.env;
  if (env.IDWISE_API_KEY || env.IDWISE_API_SECRET || env.IDWISE_FLOW_ID) {
    // Real IDWise: the flow's step ids are the integrator's to map (idwise-journey steps --flow <id>).
    const missing = ['IDWISE_API_KEY', 'IDWISE_API_SECRET', 'IDWISE_FLOW_ID', 'IDWISE_DEMO_MAPPING'].filter(
      (k) => !env[k],
    );
    if (missing.length > 0) {
      throw new Error(
        `to run the demo against the real IDWise set ${missing.join(', ')} (IDWISE_DEMO_MAPPING is a mapping file ` +
          'for your flow; print a template with: npx idwise-journey steps --flow <flow_id>), or unset IDWISE_API_KEY, ' +
          'IDWISE_API_SECRET and IDWISE_FLOW_ID to use the sandbox',
      );
    }
    if (!env.IDWISE_IMAGE_ROOTS && !env.IDWISE_IMAGE_HOSTS)
      throw new Error(`for the real IDWise, ${IMAGE_SOURCES_HELP}`);
    const steps = await readMappingFile(env.IDWISE_DEMO_MAPPING!);
    return {
      env,
      sandbox: null,
      storage: null,
      journeys: [{ label: 'your flow', referenceNo: `demo-${runId}`, flowId: env.IDWISE_FLOW_ID!, steps }],
    };
  }
  const sandbox = await startSandbox({ port: 0 });
  // Seconds instead of IDWise's minutes, so the whole lifecycle fits in the demo.
  sandbox.admin.setSwitches({ processingDelayMs: 1_000, finalProcessingMs: 1_000 });
  const idAndSelfie = await readMappingFile(join(root, 'samples/mappings/sandbox-id-and-selfie.json'));
  const passport = await readMappingFile(join(root, 'samples/mappings/sandbox-passport-selfie-poa.json'));
  const storage = await startDemoStorage(join(root, 'samples'), say);
  const objects = await storage.asObjects(idAndSelfie);
  // What the applicant's app sent the backend: bytes in memory, never a file the workers can read.
  const uploaded = (name: string) => readFileSync(join(root, 'samples/images', name));
  const uploads = {
    '0': { image: uploaded('id-front.jpg'), image2: uploaded('id-back.jpg') },
    '2': { image: uploaded('selfie.jpg') },
  };
  return {
    sandbox,
    storage,
    env: {
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
      IDWISE_IMAGE_ROOTS: join(root, 'samples'),
      ...storage.env,
    },
    journeys: [
      {
        label: objects ? 'passing, photos in S3' : 'passing, files',
        referenceNo: `pass-demo-${runId}`,
        flowId: 'sandbox-id-and-selfie',
        steps: objects ?? idAndSelfie,
      },
      {
        label: 'retake, uploaded photos',
        referenceNo: `feedback-demo-${runId}`,
        flowId: 'sandbox-id-and-selfie',
        steps: uploads,
        on: {
          'awaiting-retake': async (p) => {
            // The applicant takes a new photo in the app; the backend hands the bytes over with provideStepFiles.
            const retake = { image: uploaded('id-front.jpg'), image2: uploads['0'].image2 };
            await journeysRef.current!.provideStepFiles(p.referenceNo, { [p.retake!.stepId]: retake });
            return `the applicant uploaded a new photo for step ${p.retake!.stepId} (feedback was: ${p.retake!.feedback?.title ?? 'none'})`;
          },
        },
      },
      {
        label: 'referred, then approved, files',
        referenceNo: `refer-demo-${runId}`,
        flowId: 'sandbox-passport-selfie-poa',
        steps: passport,
        options: { reviewCheckInterval: '2s' },
        on: {
          'awaiting-review': async (p) => {
            sandbox.admin.review(p.journeyId!, 'Approved');
            return 'a reviewer in IDWise Studio approved it (the demo plays the reviewer through the sandbox)';
          },
        },
      },
    ],
  };
}

/** The client, once connected, for the stage hooks above. */
const journeysRef: { current: JourneyClient | null } = { current: null };

/**
 * Prints a journey's stages as they happen (a timeline), runs the demo's hook for a stage once, and returns the
 * outcome. Reading progress in a loop is the demo's own presentation, not how the product waits.
 */
async function follow(journeys: JourneyClient, j: DemoJourney, t0: number): Promise<JourneyOutcome> {
  const outcome = journeys.awaitOutcome(j.referenceNo);
  const done = outcome.then(
    () => true,
    () => true,
  );
  let last = '';
  const acted = new Set<string>();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
  while (!(await Promise.race([done, sleep(250).then(() => false)]))) {
    const p = await journeys.getProgress(j.referenceNo).catch(() => null);
    if (!p) continue;
    const stage = `${p.stage}${p.currentStepId ? ` (step ${p.currentStepId})` : ''}`;
    if (stage !== last) say(`  ${at()} [${j.label}] ${(last = stage)}`);
    const hook = j.on?.[p.stage];
    if (hook && !acted.has(p.stage)) {
      acted.add(p.stage);
      say(`  ${at()} [${j.label}] ${await hook(p)}`);
    }
  }
  return outcome;
}

async function main(): Promise<void> {
  const started = Date.now();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // Everything started is stopped in reverse order, whatever fails on the way.
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const target = await idwiseTarget(runId);
    if (target.sandbox) cleanup.push(() => target.sandbox!.close());
    if (target.storage) cleanup.push(() => target.storage!.close());
    const idwiseConfig = loadIdwiseConfig(target.env);
    const staging = loadStagingTarget(target.env, idwiseConfig.imageSources);
    say(`IDWise: ${target.sandbox ? 'local sandbox' : 'real API'}, ${describeConfig(idwiseConfig)}`);
    if (target.storage)
      say(`images: files, ${target.storage.describe}, uploads staged under ${target.env.IDWISE_STAGING_URL}`);

    const [port, uiPort] = [await freePort(), await freePort()];
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const codec = await startDemoCodec(uiUrl);
    cleanup.push(() => codec.close());
    say(codec.note);
    say('starting the Temporal dev server with its Web UI...');
    const temporal = await startDevServer({ ui: true, port, uiPort, codecEndpoint: codec.url });
    cleanup.push(() => temporal.teardown());
    const taskQueue = 'idwise-journeys-demo';
    const client = new Client({ connection: temporal.connection, dataConverter: codec.dataConverter });
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
    const labelOf = (ref: string) => target.journeys.find((j) => j.referenceNo === ref)?.label ?? ref;
    // The backend's side: the signed journey events it would act on (ask for a photo, store the decision).
    const backend = await startDemoBackend((e) =>
      say(`  ${at()} [${labelOf(e.referenceNo)}] backend received ${e.type} (signature verified)`),
    );
    cleanup.push(() => backend.close());
    // With the sandbox, IDWise's webhooks drive the journeys through the receiver (IDWISE_WEBHOOKS=off: polling).
    const webhooks = target.sandbox !== null && (process.env.IDWISE_WEBHOOKS ?? 'on').toLowerCase() !== 'off';
    if (webhooks) {
      const token = randomBytes(24).toString('hex');
      const receiver = await startWebhookReceiver({ auth: `bearer:${token}`, client, port: 0, log: () => {} });
      cleanup.push(() => receiver.close());
      target.sandbox!.admin.setWebhooks({ url: `${receiver.url}${WEBHOOK_PATH}`, auth: `bearer:${token}` });
      say(`IDWise webhooks: the sandbox posts them to the receiver at ${receiver.url}${WEBHOOK_PATH}`);
    }
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    cleanup.push(() => nativeConnection.close());
    const worker: Worker = await createJourneyWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      idwise: createIdwiseClient(idwiseConfig),
      imageSources: idwiseConfig.imageSources,
      maxImageBytes: idwiseConfig.maxImageBytes,
      piiKeys: loadPiiKeys(process.env),
      dataConverter: codec.dataConverter,
      events: { url: backend.url, secret: backend.secret },
      staging,
    });
    const workerRun = worker.run();
    cleanup.push(async () => {
      // On Ctrl-C the SDK has already begun shutting the worker down itself.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });
    const journeys = createJourneyClient({ client, taskQueue, staging, piiKeys: loadPiiKeys(process.env) });
    journeysRef.current = journeys;

    say(
      `running ${target.journeys.length} journeys (${webhooks ? 'webhooks' : 'polling'}) on task queue ${taskQueue}:\n`,
    );
    for (const j of target.journeys) {
      await journeys.startJourney({
        referenceNo: j.referenceNo,
        flowId: j.flowId,
        steps: j.steps,
        options: { ...j.options, events: webhooks ? 'webhooks' : 'polling' },
      });
    }
    const results = await Promise.allSettled(target.journeys.map((j) => follow(journeys, j, t0)));
    say('');
    let failures = 0;
    for (const [i, j] of target.journeys.entries()) {
      const link = webUiLink(uiUrl, 'default', journeyWorkflowId(j.referenceNo));
      const result = results[i]!;
      if (result.status === 'fulfilled') {
        say(
          `== ${j.label}: decision ${result.value.decision.final}\n${formatOutcome(result.value)}\nweb ui: ${link}\n`,
        );
        continue;
      }
      if (!(result.reason instanceof JourneyFailedError)) throw result.reason;
      failures += 1;
      say(`== ${j.label}: FAILED ${result.reason.message}\nweb ui: ${link}\n`);
    }
    if (target.storage) say(`staged uploads left after the journeys ended: ${await target.storage.stagedLeft()}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s. All journeys: ${uiUrl}/namespaces/default/workflows`);
    if (flags.keep) {
      say('--keep: everything stays up for the Web UI; press Ctrl-C to stop.');
      // `on`: Ctrl-C arrives twice (terminal and tsx's relay); the second must not cut the clean-up short.
      await new Promise<void>((resolve) => {
        process.on('SIGINT', resolve);
        process.on('SIGTERM', resolve);
      });
    }
    process.exitCode = failures > 0 ? 1 : 0;
  } finally {
    for (const close of cleanup.reverse()) {
      await close().catch((err: unknown) =>
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
