import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { RerunPolicySchema } from '../shared/batch.js';
import type { BatchProgress } from '../shared/batch-progress.js';
import { DEFAULT_TASK_QUEUE } from '../shared/journey.js';
import { createBatchClient, OVERLAP_POLICIES, type BatchClient, type OverlapPolicy } from './batch-client.js';
import { one, parse, UsageError, type CliIo, type Command } from './cli-args.js';
import { connectTemporal } from './connection.js';
import { BatchFailedError, explainFailure } from './errors.js';
import { table } from './format.js';
import { precheckManifest } from './input-file.js';

async function batchClient(io: CliIo): Promise<BatchClient> {
  return createBatchClient({
    client: await connectTemporal(io.env),
    taskQueue: io.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  });
}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number of at least 1, got "${value}"`);
  return n;
}

function rerunOption(value: string | undefined) {
  if (value === undefined) return undefined;
  const parsed = RerunPolicySchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--rerun must be failed (skip completed journeys) or all, got "${value}"`);
  return parsed.data;
}

/** `[#######.......] 35/50  failed 2  skipped 1  4.1/s  ETA 4s` */
export function progressLine(p: BatchProgress, elapsedMs: number, width = 28): string {
  const finished = p.completed + p.failed + p.skipped;
  const total = p.total ?? 0;
  const filled = total > 0 ? Math.round((finished / total) * width) : 0;
  const rate = elapsedMs > 0 ? finished / (elapsedMs / 1000) : 0;
  const eta = rate > 0 && total > finished ? `${Math.ceil((total - finished) / rate)}s` : p.done ? '0s' : '?';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${p.total ?? '?'}  ` +
    `done ${p.completed}  failed ${p.failed}  skipped ${p.skipped}  running ${p.running}  ${rate.toFixed(1)}/s  ETA ${eta}`
  );
}

function summary(p: BatchProgress): string {
  const lines = [
    `batch ${p.batchId}: ${p.completed} completed, ${p.failed} failed, ${p.skipped} skipped of ${p.total ?? '?'}`,
  ];
  const decisions = Object.entries(p.decisions);
  if (decisions.length > 0) lines.push(`decisions: ${decisions.map(([d, n]) => `${d} ${n}`).join(', ')}`);
  for (const f of p.failures) lines.push(`  failed  row ${f.row} ${f.referenceNo ?? '-'}: ${f.reason}`);
  for (const s of p.skips.slice(0, 20)) lines.push(`  skipped row ${s.row} ${s.referenceNo ?? '-'}: ${s.reason}`);
  return lines.join('\n');
}

async function batchRun(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    concurrency: { type: 'string' },
    rerun: { type: 'string' },
    id: { type: 'string' },
    'page-size': { type: 'string' },
    json: { type: 'boolean' },
  });
  const manifest = one(positionals, 'manifest file');
  await precheckManifest(manifest);
  const batches = await batchClient(io);
  const concurrency = intOption(values.concurrency, 'concurrency');
  const pageSize = intOption(values['page-size'], 'page-size');
  const rerun = rerunOption(values.rerun);
  const { batchId, workflowId } = await batches.startBatch({
    manifest,
    ...(values.id ? { batchId: values.id } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(pageSize ? { pageSize } : {}),
    ...(rerun ? { rerun } : {}),
  });
  io.err(`batch ${batchId} started (workflow ${workflowId})`);

  // Display only: the batch runs on its own; this reads its progress query until it ends.
  const started = Date.now();
  let ended = false;
  const result = batches.result(batchId).finally(() => (ended = true));
  // On a terminal the bar redraws in place; in logs and pipes it prints a line every 2 s.
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  while (!ended) {
    await Promise.race([result.catch(() => undefined), sleep(tty ? 250 : 1000)]);
    const p = ended ? null : await batches.progress(batchId).catch(() => null);
    if (!p) continue;
    if (tty) process.stderr.write(`\r${progressLine(p, Date.now() - started)}`);
    else if (Date.now() - lastPrinted >= 2000) {
      io.err(progressLine(p, Date.now() - started));
      lastPrinted = Date.now();
    }
  }
  const final = await result.catch((err: unknown) => {
    if (!(err instanceof WorkflowFailedError)) throw err;
    throw new BatchFailedError(batchId, explainFailure(err.cause).reason, { cause: err });
  });
  if (tty) process.stderr.write(`\r${progressLine(final, Date.now() - started)}\n`);
  else io.err(progressLine(final, Date.now() - started));
  io.out(values.json ? JSON.stringify(final, null, 2) : summary(final));
  return final.failed > 0 ? 1 : 0;
}

async function schedule(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const batches = await batchClient(io);
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(rest, {
        manifest: { type: 'string' },
        every: { type: 'string' },
        cron: { type: 'string' },
        overlap: { type: 'string' },
        concurrency: { type: 'string' },
        rerun: { type: 'string' },
        paused: { type: 'boolean' },
        note: { type: 'string' },
      });
      const scheduleId = one(positionals, 'schedule id');
      if (!values.manifest) throw new UsageError('--manifest <file> is required');
      await precheckManifest(values.manifest);
      if (values.overlap && !OVERLAP_POLICIES.includes(values.overlap as OverlapPolicy)) {
        throw new UsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
      }
      const concurrency = intOption(values.concurrency, 'concurrency');
      const rerun = rerunOption(values.rerun);
      await batches.createSchedule({
        scheduleId,
        batch: { manifest: values.manifest, ...(concurrency ? { concurrency } : {}), ...(rerun ? { rerun } : {}) },
        ...(values.every ? { every: values.every } : {}),
        ...(values.cron ? { cron: values.cron } : {}),
        overlap: (values.overlap as OverlapPolicy | undefined) ?? 'skip',
        paused: values.paused ?? false,
        ...(values.note ? { note: values.note } : {}),
      });
      io.out(`schedule ${scheduleId} created`);
      return 0;
    }
    case 'list': {
      parse(rest, {});
      const list = await batches.listSchedules();
      io.out(
        list.length === 0
          ? 'no schedules'
          : table([
              ['SCHEDULE', 'PAUSED', 'NEXT RUN', 'NOTE'],
              ...list.map((s) => [s.scheduleId, s.paused ? 'yes' : 'no', s.next?.toISOString() ?? '-', s.note ?? '']),
            ]),
      );
      return 0;
    }
    case 'describe': {
      const id = one(parse(rest, {}).positionals, 'schedule id');
      const d = await batches.describeSchedule(id);
      const recent = d.info.recentActions.map((a) => `${a.scheduledAt.toISOString()} ${a.action.workflow.workflowId}`);
      io.out(
        [
          `schedule ${id}: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
          `overlap: ${d.policies.overlap}`,
          `next runs: ${d.info.nextActionTimes.map((t) => t.toISOString()).join(', ') || '-'}`,
          `recent runs: ${recent.join(', ') || '-'}`,
          `running: ${d.info.runningActions.map((a) => a.workflow.workflowId).join(', ') || '-'}`,
        ].join('\n'),
      );
      return 0;
    }
    case 'pause':
    case 'unpause': {
      const { values, positionals } = parse(rest, { note: { type: 'string' } });
      const id = one(positionals, 'schedule id');
      await (sub === 'pause' ? batches.pauseSchedule(id, values.note) : batches.unpauseSchedule(id, values.note));
      io.out(`schedule ${id} ${sub}d`);
      return 0;
    }
    case 'trigger':
    case 'delete': {
      const id = one(parse(rest, {}).positionals, 'schedule id');
      await (sub === 'trigger' ? batches.triggerSchedule(id) : batches.deleteSchedule(id));
      io.out(`schedule ${id} ${sub === 'trigger' ? 'triggered' : 'deleted'}`);
      return 0;
    }
    default:
      throw new UsageError('schedule needs one of create, list, describe, pause, unpause, trigger, delete');
  }
}

/** `batch run` and `schedule ...`; a missing schedule is a user mistake, reported in one line. */
export const batchCommands: Record<string, Command> = {
  async batch(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'run') throw new UsageError('batch needs: batch run <manifest>');
    return batchRun(rest, io);
  },
  async schedule(args, io) {
    try {
      return await schedule(args, io);
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new UsageError(`no schedule ${args[1] ?? ''}; list them with: schedule list`);
      throw err;
    }
  },
};
