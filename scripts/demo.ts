import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { JourneyFailedError } from '../client/errors.js';
import { formatOutcome, webUiLink } from '../client/format.js';
import { createJourneyClient } from '../client/journey-client.js';
import { readMappingFile } from '../client/mapping-file.js';
import { startDemoCodec } from '../codec/demo-codec.js';
import { startDevServer } from '../dev/dev-server.js';
import { freePort } from '../dev/free-port.js';
import { createIdwiseClient, describeConfig, loadIdwiseConfig } from '../idwise/index.js';
import { loadPiiKeys } from '../pii/sealed-applicant-details.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { journeyWorkflowId, type StepMapping } from '../shared/journey.js';
import { createJourneyWorker } from '../worker/worker.js';

// `npm run demo`: the whole product on one machine. A Temporal dev server with its Web UI, the IDWise
// sandbox (or the real IDWise when credentials are set), a worker, and three journeys run to their decision.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { keep: { type: 'boolean' } }, strict: true });
const say = (line: string) => process.stdout.write(`${line}\n`);

interface DemoJourney {
  label: string;
  referenceNo: string;
  flowId: string;
  steps: StepMapping;
}

async function idwiseTarget(
  runId: string,
): Promise<{ env: NodeJS.ProcessEnv; journeys: DemoJourney[]; sandbox: RunningSandbox | null }> {
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
    const steps = await readMappingFile(env.IDWISE_DEMO_MAPPING!);
    return {
      env,
      sandbox: null,
      journeys: [{ label: 'your flow', referenceNo: `demo-${runId}`, flowId: env.IDWISE_FLOW_ID!, steps }],
    };
  }
  const sandbox = await startSandbox({ port: 0 });
  const idAndSelfie = await readMappingFile(join(root, 'samples/mappings/sandbox-id-and-selfie.json'));
  const passport = await readMappingFile(join(root, 'samples/mappings/sandbox-passport-selfie-poa.json'));
  return {
    sandbox,
    env: {
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
    },
    journeys: [
      { label: 'passing', referenceNo: `pass-demo-${runId}`, flowId: 'sandbox-id-and-selfie', steps: idAndSelfie },
      { label: 'referred', referenceNo: `refer-demo-${runId}`, flowId: 'sandbox-passport-selfie-poa', steps: passport },
      {
        label: 'step with feedback',
        referenceNo: `feedback-demo-${runId}`,
        flowId: 'sandbox-id-and-selfie',
        steps: idAndSelfie,
      },
    ],
  };
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
    const idwiseConfig = loadIdwiseConfig(target.env);
    say(`IDWise: ${target.sandbox ? 'local sandbox' : 'real API'}, ${describeConfig(idwiseConfig)}`);

    const [port, uiPort] = [await freePort(), await freePort()];
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const codec = await startDemoCodec(uiUrl);
    cleanup.push(() => codec.close());
    say(codec.note);
    say('starting the Temporal dev server with its Web UI...');
    const temporal = await startDevServer({ ui: true, port, uiPort, codecEndpoint: codec.url });
    cleanup.push(() => temporal.teardown());
    const taskQueue = 'idwise-journeys-demo';
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    cleanup.push(() => nativeConnection.close());
    const worker: Worker = await createJourneyWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      idwise: createIdwiseClient(idwiseConfig),
      piiKeys: loadPiiKeys(process.env),
      dataConverter: codec.dataConverter,
    });
    const workerRun = worker.run();
    cleanup.push(async () => {
      // On Ctrl-C the SDK has already begun shutting the worker down itself.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });
    const client = new Client({ connection: temporal.connection, dataConverter: codec.dataConverter });
    const journeys = createJourneyClient({ client, taskQueue });

    say(`running ${target.journeys.length} journeys on task queue ${taskQueue}...\n`);
    for (const j of target.journeys) {
      await journeys.startJourney({ referenceNo: j.referenceNo, flowId: j.flowId, steps: j.steps });
    }
    let failures = 0;
    for (const j of target.journeys) {
      const link = webUiLink(uiUrl, 'default', journeyWorkflowId(j.referenceNo));
      try {
        const outcome = await journeys.awaitOutcome(j.referenceNo);
        say(`== ${j.label}: decision ${outcome.decision.final}\n${formatOutcome(outcome)}\nweb ui: ${link}\n`);
      } catch (err) {
        if (!(err instanceof JourneyFailedError)) throw err;
        failures += 1;
        say(`== ${j.label}: FAILED ${err.message}\nweb ui: ${link}\n`);
      }
    }
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s. All journeys: ${uiUrl}/namespaces/default/workflows`);
    if (flags.keep) {
      say('--keep: everything stays up for the Web UI; press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
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
