import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createJourneyClient } from '../client/journey-client.js';
import { readMappingFile } from '../client/mapping-file.js';
import { repoRoot } from '../cluster/release.js';
import { startSandbox } from '../sandbox/index.js';
import { writeWorkflowBundle } from '../worker/bundle.js';
import { startClusterForChaos, startDevServerForChaos, type ChaosTemporal } from './dev-server.js';
import { injectFaults } from './faults.js';
import { driveJourneys, type JourneyState } from './journeys.js';
import { describeFindings, findings, passed } from './report.js';
import { planEvents, runEvents } from './events.js';
import { runScript, type Script } from './run-script.js';
import { startFleet } from './fleet.js';
import { killWorker, startWorker } from './workers.js';

// `npm run chaos`: journeys through worker SIGKILLs, a Temporal server SIGKILL (and, with --cluster, a
// PostgreSQL restart) while the IDWise sandbox injects faults. Human lines on stderr, one JSON line on stdout.
// Exit 1 unless every journey completed with no step submitted twice and no poll-rule violation.

const { values: flags } = parseArgs({
  options: {
    journeys: { type: 'string', default: '200' },
    'worker-kills': { type: 'string', default: '5' },
    'server-restarts': { type: 'string', default: '1' },
    cluster: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '25' },
    'fault-rate': { type: 'string', default: '0.03' },
    'processing-delay-ms': { type: 'string', default: '500' },
    'wait-s': { type: 'string', default: '180' },
  },
  strict: true,
});

function num(name: keyof typeof flags, min: number, max = Number.MAX_SAFE_INTEGER, integer = true): number {
  const raw = String(flags[name]);
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    console.error(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${raw}`);
    process.exit(2);
  }
  return n;
}

const say = (line: string) => void process.stderr.write(`[chaos] ${line}\n`);
const N = num('journeys', 1);
const opts = {
  kills: num('worker-kills', 0),
  serverRestarts: num('server-restarts', 0),
  workers: num('workers', 1, 16),
  concurrency: num('concurrency', 1, 500),
  faultRate: num('fault-rate', 0, 0.5, false),
  processingDelayMs: num('processing-delay-ms', 0),
  waitMs: num('wait-s', 10) * 1000,
};

Runtime.install({ logger: new DefaultLogger('ERROR') });

async function main({ onCleanup }: Script): Promise<number> {
  const t0 = Date.now();
  const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const taskQueue = `idwise-chaos-${runId}`;
  say(
    `${N} journeys, ${opts.kills} worker kills, ${opts.serverRestarts} server restarts, ${flags.cluster ? 'cluster (PostgreSQL)' : 'dev server (SQLite file)'}`,
  );
  const sandbox = await startSandbox({ port: 0 });
  onCleanup(() => sandbox.close());
  sandbox.admin.setSwitches({ processingDelayMs: opts.processingDelayMs });
  const { lost } = injectFaults(sandbox, opts.faultRate);
  say(
    `IDWise faults at ${opts.faultRate} each: 5xx, 429, dropped connections` +
      (lost ? ', lost after acting' : ' (NOT lost-after-acting: this sandbox refuses lostRate)') +
      '; poll rule enforced with 429',
  );

  const temporal: ChaosTemporal = flags.cluster ? await startClusterForChaos(say) : await startDevServerForChaos(say);
  onCleanup(() => temporal.stop());
  const dir = mkdtempSync(join(tmpdir(), 'idwise-chaos-bundle-'));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const bundle = await writeWorkflowBundle(join(dir, 'workflow-bundle.js'), {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: say,
    error: say,
  });
  const { env, workers, client } = await startFleet(
    { onCleanup },
    { temporal, workers: opts.workers, env: { taskQueue, sandbox, workflowBundle: bundle } },
  );
  say(`${temporal.kind} at ${temporal.address}; worker pids ${workers.map((w) => w.pid).join(', ')}`);

  const journeys = createJourneyClient({ client, taskQueue });
  const steps = await readMappingFile(join(repoRoot, 'samples/mappings/sandbox-id-and-selfie.json'));
  const refs = Array.from({ length: N }, (_, i) => `pass-chaos-${runId}-${i}`);

  let settled = 0;
  let lastDisturbance = Date.now();
  const events = planEvents(opts.kills, opts.serverRestarts, temporal.restartPostgres ? 1 : 0, N);
  const drive = driveJourneys({
    journeys,
    refs,
    flowId: 'sandbox-id-and-selfie',
    steps,
    concurrency: opts.concurrency,
    deadline: () => lastDisturbance + opts.waitMs,
    onSettled: () => void settled++,
  });
  let kills = 0;
  const log: string[] = await runEvents(events, {
    settled: () => settled,
    total: N,
    killWorker: async () => {
      const i = kills++ % workers.length;
      const victim = workers[i]!;
      await killWorker(victim);
      workers[i] = await startWorker(env);
      return `worker pid ${victim.pid} SIGKILLed (gone), restarted as ${workers[i]!.pid}`;
    },
    restartServer: async () => {
      await temporal.restartServer();
      return `${temporal.kind} SIGKILLed and restarted`;
    },
    restartPostgres: async () => {
      await temporal.restartPostgres!();
      return 'PostgreSQL stopped (immediate) and started';
    },
    say,
    touched: () => (lastDisturbance = Date.now()),
  }).catch((err: unknown) => [`chaos event failed: ${String(err)}`]);
  const states: JourneyState[] = await drive;
  const f = findings(sandbox, states, 'Complete');
  const wallS = Math.round((Date.now() - t0) / 100) / 10;
  const counters = sandbox.admin.totals();
  say(`events: ${log.length} of ${events.length} planned; wall time ${wallS}s`);
  describeFindings(f, counters.faults, say);
  const ok = passed(f) && log.length === events.length;
  say(ok ? 'PASS' : 'FAIL');
  console.log(
    JSON.stringify({
      event: 'idwise-chaos-result',
      pass: ok,
      temporal: temporal.kind,
      lostFault: lost,
      ...opts,
      eventsPlanned: events.length,
      events: log,
      ...f,
      faultsInjected: counters.faults,
      wallS,
    }),
  );
  return ok ? 0 : 1;
}

runScript('chaos', main);
