import { existsSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createStagedImagesActivities } from '../activities/staged-images.js';
import { JourneyFailedError, JourneyInputError } from '../client/errors.js';
import { createJourneyClient } from '../client/journey-client.js';
import { ErrorType } from '../shared/errors.js';
import { journeyFolder, type StagingTarget } from '../storage/staging.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, waitFor, type JourneyEnv } from './helpers/journey-env.js';
import { runCli } from './helpers/processes.js';
import { startTestStorage, type TestStorage } from './helpers/storage.js';
import { quietActivityEnv } from './helpers/activities.js';

// Bytes a backend holds (an upload from the applicant's app) as journey images, against a real S3 server
// (SeaweedFS): the client stages Buffers and Readables under IDWISE_STAGING_URL, a retake is answered with an
// upload, the CLI's --upload stages a mapping's local files, and a journey's staged objects are gone once it ends,
// decided, failed or erased. A folder under IDWISE_IMAGE_ROOTS works the same for a single machine.

const activityEnv = quietActivityEnv();

describe('staged uploads', () => {
  let storage: TestStorage;
  let env: JourneyEnv;
  let staging: StagingTarget;
  const bytes: Record<string, Buffer> = {};

  beforeAll(async () => {
    storage = await startTestStorage();
    staging = { kind: 's3', bucket: storage.bucket, prefix: 'staging/', s3: storage.settings };
    env = await createJourneyEnv({ idwiseEnv: storage.idwiseEnv, staging });
    await env.startWorker();
    for (const [name, path] of Object.entries(images)) bytes[name] = await readFile(path);
  });
  afterAll(async () => {
    await env?.close();
    await storage?.close();
  });

  it('runs a journey from uploaded Buffers and Readables, and deletes them when it is decided', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: {
        '0': { image: bytes.front!, image2: { bytes: Readable.from([bytes.back!]), filename: 'back.jpg' } },
        '2': { image: new Uint8Array(bytes.selfie!) },
      },
    });
    // Staged under the journey's folder, with unguessable names (never the reference or a file name).
    const staged = await storage.staged(ref);
    expect(staged).toHaveLength(3);
    for (const key of staged)
      expect(key).toMatch(new RegExp(`^staging/${journeyFolder(ref)}/[A-Za-z0-9_-]{24}\\.jpg$`));
    expect(staged.join()).not.toContain(ref);
    expect((await env.journeys.awaitOutcome(ref)).decision.final).toBe('Complete');
    expect(await storage.staged(ref)).toEqual([]);
  });

  it('answers a retake with an upload', async () => {
    const ref = env.ref('feedback-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: bytes.front!, image2: bytes.back! }, '2': { image: bytes.selfie! } },
    });
    const waiting = await waitFor(
      'a retake request',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'awaiting-retake',
    );
    const stepId = waiting.retake!.stepId;
    const accepted = await env.journeys.provideStepFiles(ref, {
      [stepId]: { image: { bytes: Readable.from([bytes.front!]), contentType: 'image/jpeg' }, image2: bytes.back! },
    });
    expect(accepted).toEqual([stepId]);
    expect(await storage.staged(ref)).toHaveLength(5); // three at the start, two for the retake
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.steps.find((s) => s.stepId === stepId)?.attemptsUsed).toBe(2);
    expect(await storage.staged(ref)).toEqual([]);
  });

  it('deletes the staged images of a journey that failed', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: {
        '0': { image: bytes.front!, image2: bytes.back! },
        '2': { image: `s3://${storage.bucket}/photos/none.jpg` },
      },
    });
    const err = await env.journeys.awaitOutcome(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JourneyFailedError);
    expect((err as JourneyFailedError).type).toBe(ErrorType.InvalidImage);
    expect(env.sandbox.admin.findJourneys(ref)).toHaveLength(0);
    expect(await storage.staged(ref)).toEqual([]);
  });

  it('deletes the staged images of a journey that was cancelled', async () => {
    const ref = env.ref('pass-');
    // Step 2 has no files: the journey waits for them until it is cancelled.
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: bytes.front!, image2: bytes.back! } },
    });
    await waitFor(
      'the journey to wait for files',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'waiting-for-files',
    );
    expect(await storage.staged(ref)).toHaveLength(2);
    await env.journeys.cancel(ref);
    const err = await env.journeys.awaitOutcome(ref).catch((e: unknown) => e);
    expect((err as JourneyFailedError).kind).toBe('cancelled');
    expect(await storage.staged(ref)).toEqual([]);
  });

  it('erasure deletes staged images a crash left behind, and says how many', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: bytes.front!, image2: bytes.back! }, '2': { image: bytes.selfie! } },
    });
    expect((await env.journeys.awaitOutcome(ref)).decision.final).toBe('Complete');
    expect(await storage.staged(ref)).toEqual([]);
    // A client that crashed between staging and starting leaves objects in the journey's folder.
    await storage.put(`staging/${journeyFolder(ref)}/left-behind.jpg`, bytes.selfie!, 'image/jpeg');
    await storage.put(`staging/${journeyFolder(ref)}/left-behind-2.jpg`, bytes.front!, 'image/jpeg');
    await env.journeys.eraseJourney(ref, { reason: 'ticket T-17', options: { retryInterval: '200ms' } });
    const record = await env.journeys.awaitErasure(ref);
    expect(record).toMatchObject({ status: 'erased', stagedImages: { deleted: 2 } });
    expect(await storage.staged(ref)).toEqual([]);
  });

  it('refuses bad bytes before anything is stored or started', async () => {
    const ref = env.ref('pass-');
    const err = await env.journeys
      .startJourney({
        referenceNo: ref,
        flowId: FLOW_ID_SELFIE,
        steps: { '0': { image: Buffer.from('plain text'), image2: Buffer.alloc(0) }, '2': { image: bytes.selfie! } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JourneyInputError);
    expect((err as Error).message).toBe(
      'invalid journey input: steps.0.image: is not a JPEG, PNG or PDF (its first bytes match none of them); ' +
        'steps.0.image2: is empty',
    );
    const noStaging = createJourneyClient({ client: env.client, taskQueue: env.taskQueue });
    const unstaged = await noStaging
      .startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: { '2': { image: bytes.selfie! } } })
      .catch((e: unknown) => e);
    expect((unstaged as Error).message).toMatch(
      /^invalid journey input: steps\.2\.image: bytes need a staging location: set IDWISE_STAGING_URL/,
    );
    expect(await storage.staged(ref)).toEqual([]);
    expect(env.sandbox.admin.findJourneys(ref)).toHaveLength(0);
  });

  it('stages the mapping files of `start --upload` and `provide-files --upload`', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-upload-')));
    const mapping = join(dir, 'mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({ '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } }),
    );
    const ref = env.ref('pass-');
    const cliEnv = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      IDWISE_STAGING_URL: `s3://${storage.bucket}/staging/`,
      IDWISE_S3_ENDPOINT: storage.endpoint,
      IDWISE_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: storage.accessKeyId,
      AWS_SECRET_ACCESS_KEY: storage.secretAccessKey,
    };
    const started = await runCli(
      ['start', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mapping, '--upload', '--wait'],
      cliEnv,
    );
    expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(new RegExp(`journey ${ref}: .*Complete`));
    expect(await storage.staged(ref)).toEqual([]);
    const unset = await runCli(['provide-files', ref, '--mapping', mapping, '--upload'], {
      ...cliEnv,
      IDWISE_STAGING_URL: '',
    });
    expect({ code: unset.code, stderr: unset.stderr.trim() }).toEqual({
      code: 2,
      stderr: expect.stringMatching(
        /^error: --upload needs a staging location: set IDWISE_STAGING_URL to s3:\/\/bucket\/prefix\//,
      ),
    });
  });

  it('stages into a folder under IDWISE_IMAGE_ROOTS and deleteStagedImages removes the journey folder', async () => {
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-staging-')));
    const local: StagingTarget = { kind: 'folder', path: folder };
    const journeys = createJourneyClient({ client: env.client, taskQueue: `${env.taskQueue}-unused`, staging: local });
    const ref = env.ref('pass-');
    // Started on a task queue no worker polls: the journey stays queued, its staged image in the folder.
    await journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: { '2': { image: bytes.selfie! } } });
    const journeyDir = join(folder, journeyFolder(ref));
    expect(readdirSync(journeyDir)).toHaveLength(1);
    const { deleteStagedImages } = createStagedImagesActivities({ staging: local });
    expect(await activityEnv.run(deleteStagedImages, { referenceNo: ref })).toEqual({ deleted: 1 });
    expect(existsSync(journeyDir)).toBe(false);
    expect(await activityEnv.run(deleteStagedImages, { referenceNo: ref })).toEqual({ deleted: 0 });
    expect(await activityEnv.run(createStagedImagesActivities({}).deleteStagedImages, { referenceNo: ref })).toEqual({
      deleted: 0,
    });
    await env.client.workflow.getHandle(`idwise-journey-${ref}`).terminate('test over');
  });
});
