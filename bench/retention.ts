import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowIdReusePolicy } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { inheritedEnv, workerEnv } from '../chaos/worker-env.js';
import { createJourneyClient } from '../client/journey-client.js';
import { getDataConverter } from '../codec/data-converter.js';
import { generateKeyList } from '../codec/keys.js';
import { startDevServer } from '../dev/dev-server.js';
import { startSandbox } from '../sandbox/index.js';
import { ERASE_WORKFLOW_TYPE, erasureWorkflowId, type ErasureInput } from '../shared/erasure.js';
import { IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import { writeWorkflowBundle } from '../worker/bundle.js';
import { machineInfo, watchLoad } from './machine.js';
import { findChildPid, readProcCpuSeconds, readProcMemory, startBenchWorker } from './worker-process.js';

// `npm run bench -- --retention N [--window-s 60]`: what N ended journeys waiting out their retention cost, for the
// two mechanisms issue 18 weighs, on a file-backed dev server (SQLite, WAL) and the worker as its own process:
//  - timer: one erasure per journey, started with a start delay of the retention (what the worker does:
//    activities/retention.ts). N open executions that run no workflow task until due.
//  - sweep: no open execution; N closed journeys found by a periodic visibility query on CloseTime (a Schedule's
//    sweep). Measured: the cost of that query over N closed executions.
// Reported per mechanism: scheduling time, open executions, server and worker RSS and CPU over an idle window,
// the database's size, and the list query ops run (list --due-for-erasure, or the sweep's query).

export interface RetentionSettings {
  n: number;
  windowS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inParallel<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function runRetention(
  s: RetentionSettings,
  root: string,
  say: (line: string) => void,
  cleanups: (() => Promise<unknown>)[],
): Promise<string> {
  const noop = () => undefined;
  Runtime.install({ logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: say } });
  const dir = mkdtempSync(join(tmpdir(), 'idwise-bench-retention-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const dbFilename = join(dir, 'temporal.sqlite');
  const sandbox = await startSandbox({ port: 0 });
  cleanups.push(() => sandbox.close());
  const temporal = await startDevServer({ dbFilename });
  cleanups.push(() => temporal.teardown());
  const serverPid = await findChildPid(process.pid, 'temporal');
  if (!serverPid) throw new Error('dev server process not found');
  const bundlePath = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'), { ...console, info: noop });
  const codecKeys = generateKeyList(['bench']);
  const client = new Client({
    connection: temporal.connection,
    dataConverter: getDataConverter({ IDWISE_CODEC_KEYS: codecKeys }),
  });
  const taskQueue = `idwise-bench-retention-${Date.now()}`;
  const journeys = createJourneyClient({ client, taskQueue });
  const worker = await startBenchWorker({
    cwd: root,
    env: {
      ...inheritedEnv(),
      ...workerEnv({
        codecKeys,
        temporalAddress: temporal.address,
        namespace: 'default',
        taskQueue,
        sandbox,
        workflowBundle: bundlePath,
      }),
    },
  });
  cleanups.push(() => worker.stop());
  const ids = Array.from({ length: s.n }, (_, i) => `pass-ret-${i}`);
  const dbMb = () => {
    const size = (f: string) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return (size(dbFilename) + size(`${dbFilename}-wal`)) / 1024 / 1024;
  };

  /** Server and worker over an idle window: RSS at its end, CPU cores used during it. */
  const idle = async () => {
    const [s0, w0] = [await readProcCpuSeconds(serverPid), await readProcCpuSeconds(worker.pid)];
    await sleep(s.windowS * 1000);
    const [s1, w1] = [await readProcCpuSeconds(serverPid), await readProcCpuSeconds(worker.pid)];
    return {
      serverRssMb: Math.round((await readProcMemory(serverPid)).rssMb),
      serverCores: +((s1 - s0) / s.windowS).toFixed(3),
      workerRssMb: Math.round((await readProcMemory(worker.pid)).rssMb),
      workerCores: +((w1 - w0) / s.windowS).toFixed(3),
      dbMb: +dbMb().toFixed(1),
      load: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    };
  };
  const timed = async <T>(fn: () => Promise<T>) => {
    const t = performance.now();
    const value = await fn();
    return { value, ms: Math.round(performance.now() - t) };
  };
  const open = async () => (await client.workflow.count('ExecutionStatus = "Running"')).count;

  const load = watchLoad();
  say(`retention bench: ${s.n} journeys, idle window ${s.windowS} s, ${cpus().length} cores (${cpus()[0]?.model})`);
  const baseline = await idle();
  say(`baseline: ${JSON.stringify(baseline)}`);

  // Timer: what scheduleErasure starts for each ended journey (a 30-day start delay).
  const scheduled = await timed(() =>
    inParallel(ids, 50, (ref) => {
      const input: ErasureInput = {
        referenceNo: ref,
        reason: 'retention 30d after the journey ended',
        trigger: 'retention',
        knownJourneyIds: ['0123456789abcdef01234567'],
      };
      return client.workflow.start(ERASE_WORKFLOW_TYPE, {
        workflowId: erasureWorkflowId(ref),
        taskQueue,
        args: [input],
        startDelay: '30d',
        memo: { knownJourneyIds: input.knownJourneyIds, dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
        typedSearchAttributes: [
          { key: IdwiseReferenceNo, value: ref },
          { key: IdwiseStage, value: 'erasure-scheduled' },
        ],
      });
    }),
  );
  say(`timer: ${s.n} delayed erasures started in ${scheduled.ms} ms`);
  await sleep(5_000); // visibility catches up
  const timer = {
    startMs: scheduled.ms,
    openExecutions: await open(),
    ...(await idle()),
    listDueMs: (await timed(() => journeys.listDueForErasure())).ms,
  };
  say(`timer: ${JSON.stringify(timer)}`);
  await inParallel(ids, 50, (ref) => client.workflow.getHandle(erasureWorkflowId(ref)).terminate('bench'));

  // Sweep: N closed executions (deliverJourneyEvents of no event: one workflow task each) and the sweep's query.
  const closed = await timed(() =>
    inParallel(ids, 50, (ref) =>
      client.workflow.execute('deliverJourneyEvents', {
        workflowId: `idwise-journey-${ref}`,
        taskQueue,
        args: [[]],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [{ key: IdwiseReferenceNo, value: ref }],
      }),
    ),
  );
  await sleep(5_000);
  const sweepQuery = `WorkflowType = "deliverJourneyEvents" AND ExecutionStatus != "Running" AND CloseTime < "${new Date().toISOString()}"`;
  const sweepList = await timed(async () => {
    let n = 0;
    for await (const wf of client.workflow.list({ query: sweepQuery })) n += wf.workflowId ? 1 : 0;
    return n;
  });
  const sweep = {
    closeMs: closed.ms,
    openExecutions: await open(),
    ...(await idle()),
    sweepFound: sweepList.value,
    sweepListMs: sweepList.ms,
    sweepCountMs: (await timed(() => client.workflow.count(sweepQuery))).ms,
  };
  say(`sweep: ${JSON.stringify(sweep)}`);
  return JSON.stringify(
    {
      n: s.n,
      windowS: s.windowS,
      cpu: `${cpus().length} x ${cpus()[0]?.model}`,
      machine: machineInfo(),
      load: load.stop(),
      baseline,
      timer,
      sweep,
    },
    null,
    2,
  );
}
