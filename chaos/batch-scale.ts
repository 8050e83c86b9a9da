import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { batchWorkflowId, createBatchClient } from '../client/batch-client.js';
import { startSandbox } from '../sandbox/index.js';
import type { BatchProgress } from '../shared/batch-progress.js';
import { writeWorkflowBundle } from '../worker/bundle.js';
import { writeScaleManifest } from './batch-manifest.js';
import { startClusterForChaos, startDevServerForChaos } from './dev-server.js';
import { runScript, type Script } from './run-script.js';
import { startFleet } from './fleet.js';

// `npm run batch:scale`: a 2,000-row manifest run as one batch on the PostgreSQL cluster, in pages small enough
// to force 20+ runs (continue-as-new), then re-run with `rerun: failed` from the CSV version of the same
// manifest once the missing image exists: only the failed rows may start again. Reports the longest run's
// history, the wall times and whether only failures were touched. Exit 1 when a check fails.

const { values: f } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    'page-size': { type: 'string', default: '80' },
    concurrency: { type: 'string', default: '25' },
    workers: { type: 'string', default: '1' },
    'fail-every': { type: 'string', default: '100' },
    'dev-server': { type: 'boolean', default: false },
  },
  strict: true,
});
const int = (name: keyof typeof f, min: number) => {
  const n = Number(f[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number >= ${min}, got ${String(f[name])}`);
    process.exit(2);
  }
  return n;
};
const [rows, pageSize, concurrency, workerCount, failEvery] = [
  int('rows', 1),
  int('page-size', 1),
  int('concurrency', 1),
  int('workers', 1),
  int('fail-every', 2),
];

Runtime.install({ logger: new DefaultLogger('ERROR') });

async function main({ say, onCleanup }: Script): Promise<number> {
  const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const sandbox = await startSandbox({ port: 0 });
  onCleanup(() => sandbox.close());
  // Quick IDWise (no final processing): this measures the batch's paging, windows and histories, not IDWise.
  sandbox.admin.setSwitches({ processingDelayMs: 200, finalProcessingMs: 0 });
  const temporal = f['dev-server'] ? await startDevServerForChaos(say) : await startClusterForChaos(say);
  onCleanup(() => temporal.stop());
  const dir = mkdtempSync(join(tmpdir(), 'idwise-batch-scale-'));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const quiet = {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: say,
    error: say,
  };
  const bundle = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'), quiet);
  const taskQueue = `idwise-batch-scale-${runId}`;
  const m = writeScaleManifest(join(dir, 'manifest'), runId, rows, failEvery);
  const { client } = await startFleet(
    { onCleanup },
    { temporal, workers: workerCount, env: { imageRoots: [m.dir], taskQueue, sandbox, workflowBundle: bundle } },
  );
  const batches = createBatchClient({ client, taskQueue });
  say(
    `${temporal.kind} at ${temporal.address}; ${rows} rows (${m.failing.size} fail until their image exists), pages of ${pageSize}, ${concurrency} in flight`,
  );

  const run = async (batchId: string, manifest: string): Promise<{ p: BatchProgress; wallS: number }> => {
    const t0 = Date.now();
    await batches.startBatch({ batchId, manifest, pageSize, concurrency, rerun: 'failed' });
    const ticker = setInterval(() => {
      batches.progress(batchId).then(
        (p) =>
          say(
            `  ${batchId}: ${p.completed} completed, ${p.failed} failed, ${p.skipped} skipped, ${p.running} running of ${p.total ?? '?'}`,
          ),
        () => undefined,
      );
    }, 15_000);
    try {
      const p = await batches.result(batchId);
      return { p, wallS: Math.round((Date.now() - t0) / 100) / 10 };
    } finally {
      clearInterval(ticker);
    }
  };

  const first = await run(`scale-${runId}`, m.json);
  say(
    `first run: ${first.p.completed} completed, ${first.p.failed} failed, ${first.p.skipped} skipped in ${first.wallS}s`,
  );
  const before = new Map(m.refs.map((r) => [r, sandbox.admin.findJourneys(r).length]));
  m.provideLateImage();
  const rerun = await run(`scale-${runId}-rerun`, m.csv);
  say(
    `re-run (CSV, rerun: failed): ${rerun.p.started} started, ${rerun.p.completed} completed, ${rerun.p.failed} failed, ${rerun.p.skipped} skipped in ${rerun.wallS}s`,
  );
  const touched = m.refs.filter((r) => sandbox.admin.findJourneys(r).length !== before.get(r));
  const touchedOutsideFailures = touched.filter((r) => !m.failing.has(r)).length;

  // Every run of the first batch (one per page): the longest history, from describe and from the history itself.
  const runsInfo: { runId: string; events: number; bytes: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${batchWorkflowId(`scale-${runId}`)}'` })) {
    const d = await client.workflow.getHandle(w.workflowId, w.runId).describe();
    runsInfo.push({ runId: w.runId, events: d.historyLength, bytes: d.historySize ?? Number.NaN });
  }
  const longest = runsInfo.reduce((a, b) => (b.events > a.events ? b : a), runsInfo[0]!);
  const history = await client.workflow.getHandle(batchWorkflowId(`scale-${runId}`), longest.runId).fetchHistory();
  const result = {
    event: 'idwise-batch-scale-result',
    temporal: temporal.kind,
    rows,
    pageSize,
    concurrency,
    workers: workerCount,
    expectedFailures: m.failing.size,
    first: { ...first.p, failures: undefined, skips: undefined, wallS: first.wallS },
    rerun: { ...rerun.p, failures: undefined, skips: undefined, wallS: rerun.wallS },
    batchRuns: runsInfo.length,
    longestRun: {
      events: longest.events,
      historySizeBytes: longest.bytes,
      fetchedEvents: history.events?.length ?? null,
    },
    touchedByRerun: touched.length,
    touchedOutsideFailures,
  };
  const ok =
    first.p.completed === rows - m.failing.size &&
    first.p.failed === m.failing.size &&
    runsInfo.length >= 20 &&
    rerun.p.started === m.failing.size &&
    rerun.p.completed === m.failing.size &&
    rerun.p.skipped === rows - m.failing.size &&
    touchedOutsideFailures === 0;
  say(`batch runs (continue-as-new): ${runsInfo.length}; longest run ${longest.events} events, ${longest.bytes} bytes`);
  say(`re-run touched ${touched.length} references, ${touchedOutsideFailures} outside the failed ones`);
  say(ok ? 'PASS' : 'FAIL');
  console.log(JSON.stringify({ ...result, pass: ok }));
  return ok ? 0 : 1;
}

runScript('batch:scale', main);
