import { resolve } from 'node:path';
import { isGrpcServiceError } from '@temporalio/client';
import { PayloadDecryptionFailed } from '../codec/encryption-codec.js';
import { isIdwiseError } from '../idwise/errors.js';
import { loadPiiKeys } from '../pii/sealed-applicant-details.js';
import { retentionProblem } from '../shared/retention.js';
import { DEFAULT_TASK_QUEUE, journeyWorkflowId, type StepMapping } from '../shared/journey.js';
import { one, parse, UsageError, type CliIo, type Command } from './cli-args.js';
import { batchCommands } from './cli-batch.js';
import { eraseCommands } from './cli-erase.js';
import { cliMaxImageBytes, cliStaging, withLocalFilesAsUploads } from './cli-upload.js';
import { stepsCommand } from './cli-steps.js';
import { connectTemporal } from './connection.js';
import {
  BatchFailedError,
  ErasureFailedError,
  ErasureNotFoundError,
  JourneyAlreadyRanError,
  JourneyFailedError,
  JourneyInputError,
  JourneyNotFoundError,
  JourneyNotRunningError,
  StepFilesRejectedError,
} from './errors.js';
import { formatOutcome, formatProgress, webUiLink } from './format.js';
import { cliFileSources, InputFileError, readJsonInput, SMALL_FILE_MAX_BYTES } from './input-file.js';
import { createJourneyClient, type JourneyClient } from './journey-client.js';
import { MappingFileError, readMappingFile } from './mapping-file.js';
import { ImageStagingError } from './uploads.js';

const USAGE = `usage: idwise-journey <command> [options]

journeys (one Temporal workflow per reference_no)
  start --ref <reference_no> --flow <flow_id> [--mapping <file.json>] [--applicant <file.json>]
        [--step-deadline 10m] [--wait-for-files 24h] [--on-step-feedback retake|continue]
        [--retake-timeout 24h] [--final-decision-deadline 30m] [--review-check-interval 15m]
        [--review-wait 14d] [--events polling|webhooks] [--fallback-check-interval 30s]
        [--fallback-check-max-interval 5m] [--retention 30d|none] [--journey-id <IDWise journey id to resume>] [--rerun] [--wait] [--upload]
  status <reference_no> [--json]             stage, current step, retake requests, review, per-step results
  result <reference_no> [--json]             waits for the final decision; exit 1 if the journey failed
  provide-files <reference_no> --mapping <file.json> [--upload]   files for waiting steps, or a requested retake
  (--upload: the mapping's local files are staged under IDWISE_STAGING_URL first, for workers on other machines)
  cancel <reference_no>
  steps --flow <flow_id> | --journey <journey_id>       a flow's step ids and a mapping template

data retention and erasure
  erase <reference_no> [--reason TEXT] [--json]   erase IDWise's data, staged images and the Temporal
                                                 histories of the journey; prints the erasure record
  list --due-for-erasure [--json]                erasures scheduled by retention (or at work), soonest first

batches and schedules
  batch run <manifest> [--concurrency 10] [--rerun failed|all] [--id <batch_id>]
  schedule create <schedule_id> --manifest <file> (--every 24h | --cron "0 2 * * *") [--overlap skip]
  schedule list | describe <id> | pause <id> [--note ...] | unpause <id> | trigger <id> | delete <id>

environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (or a TEMPORAL_PROFILE), TEMPORAL_TASK_QUEUE,
IDWISE_CODEC_KEYS (required: payload encryption), IDWISE_PII_KEYS (applicant details), TEMPORAL_UI_URL (links),
IDWISE_WEBHOOKS=on (default --events webhooks), IDWISE_RETENTION (default --retention),
IDWISE_STAGING_URL and IDWISE_S3_* (--upload);
steps also needs the IDWISE_* settings.`;

function readApplicantFile(path: string, io: CliIo): Promise<unknown> {
  return readJsonInput(resolve(path), {
    what: 'applicant details file',
    sources: cliFileSources(io.env),
    maxBytes: SMALL_FILE_MAX_BYTES,
    label: path,
  });
}

async function journeyClient(io: CliIo, upload = false): Promise<JourneyClient> {
  const piiKeys = loadPiiKeys(io.env);
  const staging = cliStaging(io.env, upload);
  const maxImageBytes = cliMaxImageBytes(io.env);
  const client = await connectTemporal(io.env);
  const taskQueue = io.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  return createJourneyClient({ client, taskQueue, piiKeys, staging, maxImageBytes });
}

const uiLink = (io: CliIo, ref: string) =>
  webUiLink(
    io.env.TEMPORAL_UI_URL || 'http://localhost:8233',
    io.env.TEMPORAL_NAMESPACE || 'default',
    journeyWorkflowId(ref),
  );

/** CLI flags to journey options; the workflow's schema checks the values and names the field when one is wrong. */
function journeyOptions(values: Record<string, string | boolean | undefined>, env: CliIo['env']) {
  const flags: Record<string, string> = {
    'step-deadline': 'stepDeadline',
    'wait-for-files': 'waitForFilesTimeout',
    'on-step-feedback': 'onStepFeedback',
    'retake-timeout': 'retakeTimeout',
    'final-decision-deadline': 'finalDecisionDeadline',
    'review-check-interval': 'reviewCheckInterval',
    'review-wait': 'reviewWait',
    events: 'events',
    'fallback-check-interval': 'fallbackCheckInterval',
    'fallback-check-max-interval': 'fallbackCheckMaxInterval',
    retention: 'retention',
  };
  const options: Record<string, string> = {};
  for (const [flag, option] of Object.entries(flags)) {
    if (typeof values[flag] === 'string') options[option] = values[flag];
  }
  if (!options.events && ['on', 'true', '1'].includes((env.IDWISE_WEBHOOKS ?? '').toLowerCase())) {
    options.events = 'webhooks';
  }
  const envRetention = env.IDWISE_RETENTION?.trim();
  if (!options.retention && envRetention) {
    const problem = retentionProblem(envRetention);
    if (problem) throw new UsageError(`IDWISE_RETENTION: ${problem}`);
    options.retention = envRetention;
  }
  return options as never;
}

const journeyCommands: Record<string, Command> = {
  async start(args, io) {
    const { values, positionals } = parse(args, {
      ref: { type: 'string' },
      flow: { type: 'string' },
      mapping: { type: 'string' },
      applicant: { type: 'string' },
      'step-deadline': { type: 'string' },
      'wait-for-files': { type: 'string' },
      'on-step-feedback': { type: 'string' },
      'retake-timeout': { type: 'string' },
      'final-decision-deadline': { type: 'string' },
      'review-check-interval': { type: 'string' },
      'review-wait': { type: 'string' },
      events: { type: 'string' },
      'fallback-check-interval': { type: 'string' },
      'fallback-check-max-interval': { type: 'string' },
      retention: { type: 'string' },
      'journey-id': { type: 'string' },
      rerun: { type: 'boolean' },
      wait: { type: 'boolean' },
      upload: { type: 'boolean' },
    });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${positionals[0]}; start takes --ref and --flow`);
    if (!values.ref) throw new UsageError('--ref <reference_no> is required');
    if (!values.flow) throw new UsageError('--flow <flow_id> is required (the flow id from the IDWise dashboard)');
    const mapping: StepMapping = values.mapping ? await readMappingFile(values.mapping, cliFileSources(io.env)) : {};
    const applicantDetails = values.applicant ? await readApplicantFile(values.applicant, io) : undefined;
    const journeys = await journeyClient(io, values.upload);
    const steps = values.upload ? await withLocalFilesAsUploads(mapping, io.env) : mapping;
    const started = await journeys.startJourney(
      {
        referenceNo: values.ref,
        flowId: values.flow,
        steps,
        ...(applicantDetails !== undefined ? { applicantDetails: applicantDetails as never } : {}),
        ...(values['journey-id'] ? { journeyId: values['journey-id'] } : {}),
        options: journeyOptions(values, io.env),
      },
      { rerun: values.rerun ?? false },
    );
    io.out(
      `${started.alreadyRunning ? 'already running' : 'started'}: ${started.workflowId} (run ${started.runId})\n` +
        `web ui: ${uiLink(io, started.referenceNo)}`,
    );
    if (!values.wait) return 0;
    io.out(formatOutcome(await journeys.awaitOutcome(started.referenceNo)));
    return 0;
  },

  async status(args, io) {
    const { values, positionals } = parse(args, { json: { type: 'boolean' } });
    const ref = one(positionals, 'reference_no');
    const journeys = await journeyClient(io);
    const [description, progress] = await Promise.all([journeys.describe(ref), journeys.getProgress(ref)]);
    if (values.json) io.out(JSON.stringify({ status: description.status, progress }, null, 2));
    else io.out(`workflow: ${description.status}\n${formatProgress(progress)}\nweb ui: ${uiLink(io, ref)}`);
    return 0;
  },

  async result(args, io) {
    const { values, positionals } = parse(args, { json: { type: 'boolean' } });
    const outcome = await (await journeyClient(io)).awaitOutcome(one(positionals, 'reference_no'));
    io.out(values.json ? JSON.stringify(outcome, null, 2) : formatOutcome(outcome));
    return 0;
  },

  async 'provide-files'(args, io) {
    const { values, positionals } = parse(args, { mapping: { type: 'string' }, upload: { type: 'boolean' } });
    const ref = one(positionals, 'reference_no');
    if (!values.mapping) throw new UsageError('--mapping <file.json> is required: { "<step_id>": { "image": "..." } }');
    const mapping = await readMappingFile(values.mapping, cliFileSources(io.env));
    const journeys = await journeyClient(io, values.upload);
    const steps = values.upload ? await withLocalFilesAsUploads(mapping, io.env) : mapping;
    const accepted = await journeys.provideStepFiles(ref, steps);
    io.out(`accepted files for step(s) ${accepted.join(', ')}`);
    return 0;
  },

  async cancel(args, io) {
    const { positionals } = parse(args, {});
    const ref = one(positionals, 'reference_no');
    await (await journeyClient(io)).cancel(ref);
    io.out(`cancellation requested for journey ${ref}`);
    return 0;
  },

  steps: stepsCommand,
  ...eraseCommands(journeyClient),
};

/** Mistakes a user can fix get one line and exit 2; a journey that failed gets exit 1. */
function explain(err: unknown): { message: string; code: number } | null {
  if (
    err instanceof UsageError ||
    err instanceof JourneyInputError ||
    err instanceof MappingFileError ||
    err instanceof InputFileError
  ) {
    return { message: err.message, code: 2 };
  }
  if (
    err instanceof JourneyFailedError ||
    err instanceof BatchFailedError ||
    err instanceof JourneyNotFoundError ||
    err instanceof JourneyAlreadyRanError ||
    err instanceof JourneyNotRunningError ||
    err instanceof StepFilesRejectedError ||
    err instanceof ImageStagingError ||
    err instanceof ErasureFailedError ||
    err instanceof ErasureNotFoundError ||
    err instanceof PayloadDecryptionFailed
  ) {
    return { message: err.message, code: 1 };
  }
  // Before the Temporal check: an IDWise network error says ECONNREFUSED too, and `steps` talks to IDWise alone.
  if (isIdwiseError(err)) {
    const unreachable = err.kind === 'network' || err.kind === 'timeout';
    const hint = unreachable ? '; cannot reach IDWise: check IDWISE_BASE_URL (or IDWISE_REGION) and the network' : '';
    return { message: `${err.message.replace(/\n\s*/g, ' ')}${hint}`, code: 1 };
  }
  if (isGrpcServiceError(err) || (err instanceof Error && /connect|ECONNREFUSED|transport/i.test(err.message))) {
    return {
      message: `cannot reach Temporal (${(err as Error).message.split('\n')[0]}); check TEMPORAL_ADDRESS or TEMPORAL_PROFILE`,
      code: 1,
    };
  }
  // Settings in the environment are the user's to fix, like a flag.
  if (err instanceof Error && /^(IDWISE_|invalid IDWise configuration)/.test(err.message)) {
    return { message: err.message.replace(/\n\s*/g, ' '), code: 2 };
  }
  if (err instanceof Error && /^IDWise /.test(err.message)) {
    return { message: err.message.replace(/\n\s*/g, ' '), code: 1 };
  }
  return null;
}

/** A bug: one line, and the stack only when asked for (DEBUG=1). */
function unexpected(err: unknown, io: CliIo): number {
  const first = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0];
  if (io.env.DEBUG && io.env.DEBUG !== '0') io.err(`error: ${first}\n${(err as Error).stack ?? ''}`);
  else io.err(`error: unexpected ${first} (set DEBUG=1 for the stack)`);
  return 1;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = journeyCommands[command] ?? batchCommands[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"; run idwise-journey --help for the list`);
    return await run(rest, io);
  } catch (err) {
    const known = explain(err);
    if (!known) return unexpected(err, io);
    io.err(`error: ${known.message.replace(/\s*\n\s*/g, ' ')}`);
    return known.code;
  }
}
