import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { workerEnv, inheritedEnv } from '../chaos/worker-env.js';
import { createJourneyClient } from '../client/journey-client.js';
import { readMappingFile } from '../client/mapping-file.js';
import { getDataConverter } from '../codec/data-converter.js';
import { generateKeyList } from '../codec/keys.js';
import { startDevServer } from '../dev/dev-server.js';
import { startSandbox } from '../sandbox/index.js';
import { startWebhookReceiver, WEBHOOK_PATH } from '../webhooks/server.js';
import { writeWorkflowBundle } from '../worker/bundle.js';
import { runInFlightPhase, type EventsMode, type PhaseResult } from './in-flight-phase.js';
import { checkInFlightTargets, formatInFlight, writeInFlightReport } from './in-flight-report.js';
import { machineInfo, watchLoad } from './machine.js';
import { findChildPid, startBenchWorker } from './worker-process.js';

// `npm run bench -- --in-flight N`: one worker holding N journeys that wait on IDWise, first with webhooks (sandbox →
// the real receiver in this process → signal), then polling, each with its own N journeys. See bench/README.md.

export interface InFlightSettings {
  journeys: number;
  startConcurrency: number;
  /** Held steps whose processing ends per second, in submission order. */
  releasePerS: number;
  /** --release-count: how many held steps end (the first submitted); null: all. */
  releaseCount: number | null;
  windowS: number;
  holdS: number;
  fallbackCheckInterval: string;
  fallbackCheckMaxInterval: string;
  modes: EventsMode[];
  /** IDWISE_MAX_CACHED_WORKFLOWS for the worker; null leaves the worker's default. */
  maxCachedWorkflows: number | null;
  json: boolean;
}

const FLOW_ID = 'sandbox-id-and-selfie';

export async function runInFlight(
  s: InFlightSettings,
  root: string,
  say: (line: string) => void,
  cleanups: (() => Promise<unknown>)[],
): Promise<{ code: number; json: string; markdown: string }> {
  const date = new Date();
  const runId = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const load = watchLoad();
  const noop = () => undefined;
  const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => say(m) };
  Runtime.install({ logger: quietLogger });
  say(
    `in-flight bench ${runId}: ${s.journeys} journeys per mode (${s.modes.join(', ')}), window ${s.windowS} s, ` +
      `hold ${s.holdS} s, webhooks fallback ${s.fallbackCheckInterval} up to ${s.fallbackCheckMaxInterval}, ${s.startConcurrency} starts at a time, release ${s.releaseCount ?? 'all'} at ${s.releasePerS}/s, cache ${s.maxCachedWorkflows ?? 'worker default'}`,
  );

  const sandbox = await startSandbox({ port: 0 });
  cleanups.push(() => sandbox.close());
  sandbox.admin.setSwitches({ pollRule: 'count' });
  const steps = await readMappingFile(join(root, 'samples/mappings/sandbox-id-and-selfie.json'));
  say('starting the Temporal dev server and bundling the workflows...');
  const temporal = await startDevServer({});
  cleanups.push(() => temporal.teardown());
  const dir = mkdtempSync(join(tmpdir(), 'idwise-bench-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const bundlePath = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'), quietLogger);

  const codecEnv = { IDWISE_CODEC_KEYS: generateKeyList(['bench']) };
  const client = new Client({ connection: temporal.connection, dataConverter: getDataConverter(codecEnv) });
  const taskQueue = `idwise-bench-${runId}`;
  const journeys = createJourneyClient({ client, taskQueue });

  // The receiver as deployed, with this process's client: the sandbox posts to it, it signals the journey.
  const auth = `bearer:${randomBytes(24).toString('base64url')}`;
  const receiver = await startWebhookReceiver({ auth, client, host: '127.0.0.1', port: 0, log: noop });
  cleanups.push(() => receiver.close());
  const useWebhooks = (on: boolean) =>
    void sandbox.admin.setWebhooks(on ? { url: `${receiver.url}${WEBHOOK_PATH}`, auth } : { url: null });

  const worker = await startBenchWorker({
    cwd: root,
    env: {
      ...inheritedEnv(),
      ...workerEnv({
        codecKeys: codecEnv.IDWISE_CODEC_KEYS,
        temporalAddress: temporal.address,
        namespace: 'default',
        taskQueue,
        sandbox,
        workflowBundle: bundlePath,
      }),
      ...(s.maxCachedWorkflows ? { IDWISE_MAX_CACHED_WORKFLOWS: String(s.maxCachedWorkflows) } : {}),
    },
  });
  cleanups.push(() => worker.stop());
  say(`worker pid ${worker.pid}, ${worker.idleRssMb.toFixed(0)} MB RSS idle`);
  const devServerPid = await findChildPid(process.pid, 'temporal');

  const phases: PhaseResult[] = [];
  for (const mode of s.modes) {
    const phase = runInFlightPhase({
      mode,
      n: s.journeys,
      startConcurrency: s.startConcurrency,
      releasePerS: s.releasePerS,
      releaseCount: s.releaseCount ?? s.journeys,
      windowS: s.windowS,
      holdMs: s.holdS * 1000,
      fallbackCheckInterval: s.fallbackCheckInterval,
      fallbackCheckMaxInterval: s.fallbackCheckMaxInterval,
      refPrefix: `pass-if-${mode}-${runId}`,
      flowId: FLOW_ID,
      steps,
      sandbox,
      journeys,
      client,
      workerPid: worker.pid,
      devServerPid,
      useWebhooks,
      say,
    });
    phases.push(await Promise.race([phase, worker.died]));
  }

  const targets = checkInFlightTargets(phases);
  const report = {
    runId,
    date: date.toISOString(),
    command: commandLine(s),
    machine: machineInfo(),
    load: load.stop(),
    settings: { ...s, flowId: FLOW_ID, heldStepProcessingS: s.holdS },
    worker: { idleRssMb: worker.idleRssMb },
    phases,
    targets,
    pass: targets.every((t) => t.pass),
  };
  const json = await writeInFlightReport(root, date, report);
  return { code: report.pass ? 0 : 1, json, markdown: formatInFlight(report) };
}

function commandLine(s: InFlightSettings): string {
  return (
    `npm run bench -- --in-flight ${s.journeys} --window-s ${s.windowS} --hold-s ${s.holdS} ` +
    `--start-concurrency ${s.startConcurrency} --release-per-s ${s.releasePerS} --modes ${s.modes.join(',')}` +
    (s.releaseCount ? ` --release-count ${s.releaseCount}` : '') +
    (s.fallbackCheckInterval !== '30s' ? ` --fallback-check-interval ${s.fallbackCheckInterval}` : '') +
    (s.fallbackCheckMaxInterval !== '5m' ? ` --fallback-check-max-interval ${s.fallbackCheckMaxInterval}` : '') +
    (s.maxCachedWorkflows ? ` --max-cached-workflows ${s.maxCachedWorkflows}` : '')
  );
}
