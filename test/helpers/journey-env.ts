import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { EventActivitiesConfig } from '../../activities/index.js';
import { createJourneyClient, type JourneyClient } from '../../client/journey-client.js';
import { getDataConverter } from '../../codec/data-converter.js';
import type { KeyRing } from '../../codec/keys.js';
import { createIdwiseClient, loadIdwiseConfig, type IdwiseApi, type ImageSources } from '../../idwise/index.js';
import { startSandbox, type RunningSandbox, type SandboxSwitches } from '../../sandbox/index.js';
import type { StagingTarget } from '../../storage/staging.js';
import { createJourneyWorker } from '../../worker/worker.js';

// Everything a journey test needs, real and local: the run's dev server (global setup), a fresh IDWise
// sandbox over HTTP, the project's IDWise client pointed at it, and an in-process worker on a task queue
// of its own, so test files running side by side never take each other's tasks.

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const images = {
  front: join(repoRoot, 'samples/images/id-front.jpg'),
  back: join(repoRoot, 'samples/images/id-back.jpg'),
  selfie: join(repoRoot, 'samples/images/selfie.jpg'),
  passport: join(repoRoot, 'samples/images/passport.png'),
  proofOfAddress: join(repoRoot, 'samples/images/proof-of-address.pdf'),
};
export const FLOW_ID_SELFIE = 'sandbox-id-and-selfie';
export const FLOW_PASSPORT_POA = 'sandbox-passport-selfie-poa';

/** The run's codec keys (global setup), in the env form workers and CLIs read them. */
export const testCodecEnv = (): { IDWISE_CODEC_KEYS: string } => ({
  IDWISE_CODEC_KEYS: process.env.TEMPORAL_TEST_CODEC_KEYS!,
});
/** The data converter every test client and worker uses: the codec with the run's keys. */
export const testDataConverter = () => getDataConverter(testCodecEnv());

export interface JourneyEnv {
  sandbox: RunningSandbox;
  idwise: IdwiseApi;
  /** Where this env's workers may read images from (IDWISE_IMAGE_ROOTS). */
  imageSources: ImageSources;
  client: Client;
  journeys: JourneyClient;
  taskQueue: string;
  /** Starts (or restarts) the in-process worker; `run` resolves when it stops. */
  startWorker(): Promise<Worker>;
  stopWorker(): Promise<void>;
  /** A unique reference_no with a scenario prefix (pass-, refer-, feedback-, reject-, stuck-). */
  ref(prefix?: string): string;
  close(): Promise<void>;
}

let runtimeQuiet = false;
function quietRuntime(): void {
  if (runtimeQuiet) return;
  runtimeQuiet = true;
  // Worker logs would drown jest's output; failures surface through assertions, SDK errors still print.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** The samples and the temp folder (where tests write their files): IDWISE_IMAGE_ROOTS of test workers. */
export const TEST_IMAGE_ROOTS = [join(repoRoot, 'samples'), tmpdir()].join(',');

export async function createJourneyEnv(
  opts: {
    sandboxSwitches?: Partial<SandboxSwitches>;
    imageRoots?: string;
    /** IDWISE_IMAGE_HOSTS of the worker; none by default. */
    imageHosts?: string;
    events?: EventActivitiesConfig;
    /** More IDWISE_* settings for the worker, e.g. IDWISE_IMAGE_BUCKETS and IDWISE_S3_* (test/helpers/storage.ts). */
    idwiseEnv?: Record<string, string>;
    /** IDWISE_STAGING_URL of the worker and the client. */
    staging?: StagingTarget;
    /** IDWISE_PII_KEYS of client and worker: image references are then sealed in history. */
    piiKeys?: KeyRing;
    /** IDWISE_RETENTION of the worker. */
    defaultRetention?: string;
  } = {},
): Promise<JourneyEnv> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const workflowBundlePath = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  if (!address || !workflowBundlePath) throw new Error('run tests through jest: globalSetup starts the dev server');
  quietRuntime();
  const sandbox = await startSandbox({ port: 0 });
  sandbox.admin.setSwitches({ processingDelayMs: 200, ...opts.sandboxSwitches });
  const idwiseConfig = loadIdwiseConfig({
    IDWISE_BASE_URL: sandbox.baseUrl,
    IDWISE_API_KEY: sandbox.credentials.key,
    IDWISE_API_SECRET: sandbox.credentials.secret,
    IDWISE_IMAGE_ROOTS: opts.imageRoots ?? TEST_IMAGE_ROOTS,
    ...(opts.imageHosts ? { IDWISE_IMAGE_HOSTS: opts.imageHosts } : {}),
    ...opts.idwiseEnv,
  });
  const idwise = createIdwiseClient(idwiseConfig);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomUUID()}`;
  const journeys = createJourneyClient({
    client,
    taskQueue,
    staging: opts.staging ?? null,
    piiKeys: opts.piiKeys ?? null,
  });

  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  const stopWorker = async () => {
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    worker = null;
    running = null;
  };

  return {
    sandbox,
    idwise,
    imageSources: idwiseConfig.imageSources,
    client,
    journeys,
    taskQueue,
    async startWorker() {
      await stopWorker();
      worker = await createJourneyWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        idwise,
        imageSources: idwiseConfig.imageSources,
        maxImageBytes: idwiseConfig.maxImageBytes,
        workflowBundlePath,
        ...(opts.events ? { events: opts.events } : {}),
        staging: opts.staging ?? null,
        ...(opts.piiKeys ? { piiKeys: opts.piiKeys } : {}),
        dataConverter: testDataConverter(),
        ...(opts.defaultRetention ? { defaultRetention: opts.defaultRetention } : {}),
      });
      running = worker.run();
      return worker;
    },
    stopWorker,
    ref: (prefix = 'pass-') => `${prefix}${randomUUID().slice(0, 13)}`,
    async close() {
      await stopWorker();
      await nativeConnection.close();
      await connection.close();
      await sandbox.close();
    },
  };
}

/** Polls `read` until `ok` (tests only: the product itself never polls by hand). */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
