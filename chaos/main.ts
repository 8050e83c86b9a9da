import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createJourneyClient } from '../client/journey-client.js';
import { readMappingFile } from '../client/mapping-file.js';
import { repoRoot } from '../cluster/release.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { startWebhookReceiver, WEBHOOK_PATH } from '../webhooks/server.js';
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
    // Journeys driven by IDWise's webhooks through a receiver in this process, with events dropped, duplicated and
    // reordered, and a short lost-event check: it races the events, which is where the 2 s rule is at stake.
    webhooks: { type: 'boolean', default: false },
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

  const journeyOptions = flags.webhooks ? await useWebhooks(sandbox, client, onCleanup) : undefined;
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
    ...(journeyOptions ? { options: journeyOptions } : {}),
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
      webhooks: flags.webhooks,
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

async function useWebhooks(sandbox: RunningSandbox, client: Client, onCleanup: Script['onCleanup']) {
  const auth = `bearer:${randomBytes(24).toString('hex')}`;
  const receiver = await startWebhookReceiver({ auth, client, port: 0, log: () => undefined });
  onCleanup(() => receiver.close());
  // Retries scaled down from IDWise's 5/10/15 minutes, so a delivery refused during the server restart lands in time.
  sandbox.admin.setWebhooks({ url: `${receiver.url}${WEBHOOK_PATH}`, auth, retryScheduleMs: [2_000, 5_000, 10_000] });
  sandbox.admin.setWebhookFaults({ dropRate: 0.2, duplicateRate: 0.1, reorder: true });
  say(`webhooks through ${receiver.url}: 20% dropped, 10% twice, reordered; lost-event check every 3 s`);
  return { events: 'webhooks' as const, fallbackCheckInterval: '3s' };
}

runScript('chaos', main);
