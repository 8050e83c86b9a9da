import type { ErasureRecord } from '../shared/erasure.js';
import { one, parse, UsageError, type CliIo, type Command } from './cli-args.js';
import { ErasureFailedError } from './errors.js';
import type { JourneyClient } from './journey-client.js';

/** One line per thing erased (or not): what an operator answering a data-subject request needs to see. */
export function formatErasure(r: ErasureRecord): string {
  const lines = [
    `erasure of ${r.referenceNo}: ${r.status} (${r.trigger}: ${r.reason})`,
    `requested ${r.requestedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`,
  ];
  if (r.cancelledRunId) lines.push(`running journey cancelled first (run ${r.cancelledRunId})`);
  if (r.idwise.length === 0) lines.push('IDWise: no journey found for this reference');
  for (const e of r.idwise) {
    lines.push(
      `IDWise journey ${e.journeyId}: ${e.outcome}${e.at ? ` at ${e.at}` : ''}${e.error ? ` (${e.error})` : ''}`,
    );
  }
  if (r.possiblyOrphanedStarts > 0) {
    lines.push(
      `IDWise: ${r.possiblyOrphanedStarts} possibly orphaned journey(s) whose ids IDWise never returned: ` +
        `ask IDWise to erase reference ${r.referenceNo}`,
    );
  }
  lines.push(
    r.stagedImages ? `staged images deleted: ${r.stagedImages.deleted}` : 'staged images: not deleted (kept)',
    r.temporalDeletedAt
      ? `Temporal executions deleted: ${r.temporal.length} at ${r.temporalDeletedAt}`
      : 'Temporal executions: not deleted (kept)',
  );
  if (r.failure) lines.push(`left: ${r.failure}`);
  return lines.join('\n');
}

export function eraseCommands(journeyClient: (io: CliIo) => Promise<JourneyClient>): Record<string, Command> {
  return {
    async erase(args, io) {
      const { values, positionals } = parse(args, { reason: { type: 'string' }, json: { type: 'boolean' } });
      const ref = one(positionals, 'reference_no');
      const journeys = await journeyClient(io);
      const started = await journeys.eraseJourney(ref, values.reason === undefined ? {} : { reason: values.reason });
      io.err(
        started.alreadyErased
          ? `already erased: ${started.workflowId} (run ${started.runId})`
          : `erasing: ${started.workflowId} (run ${started.runId})`,
      );
      try {
        const record = await journeys.awaitErasure(started.referenceNo);
        io.out(values.json ? JSON.stringify(record, null, 2) : formatErasure(record));
        return 0;
      } catch (err) {
        if (!(err instanceof ErasureFailedError) || !err.record) throw err;
        io.out(values.json ? JSON.stringify(err.record, null, 2) : formatErasure(err.record));
        return 1;
      }
    },

    async list(args, io) {
      const { values, positionals } = parse(args, {
        'due-for-erasure': { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (positionals.length > 0 || !values['due-for-erasure']) {
        throw new UsageError('list takes --due-for-erasure (the journeys retention or a request will erase, and when)');
      }
      const due = await (await journeyClient(io)).listDueForErasure();
      if (values.json) {
        io.out(JSON.stringify(due, null, 2));
        return 0;
      }
      const rows = due.map((d) => `${d.dueAt?.toISOString() ?? '-'}  ${d.stage.padEnd(18)}  ${d.referenceNo}`);
      io.out(
        [`${due.length} erasure(s) due`, ...rows].join('\n') +
          '\nweb ui query: WorkflowType="eraseJourney" AND ExecutionStatus="Running"',
      );
      return 0;
    },
  };
}
