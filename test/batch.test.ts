import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBatchClient, type BatchClient } from '../client/batch-client.js';
import type { BatchProgress } from '../shared/batch-progress.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, type JourneyEnv } from './helpers/journey-env.js';
import { runCli } from './helpers/processes.js';

// Batches on the real dev server and sandbox: 50 journeys through a window of 10, pages of 20 (so the
// batch continues as new twice), failures with reasons, then a re-run that only re-runs the failed ones.

describe('batch journeys', () => {
  let env: JourneyEnv;
  let batches: BatchClient;
  const dir = mkdtempSync(join(tmpdir(), 'idwise-batch-'));
  const lateSelfie = join(dir, 'late-selfie.jpg'); // does not exist on the first run

  beforeAll(async () => {
    env = await createJourneyEnv();
    await env.startWorker();
    batches = createBatchClient({ client: env.client, taskQueue: env.taskQueue });
    writeFileSync(
      join(dir, 'id-and-selfie.json'),
      JSON.stringify({ '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } }),
    );
    writeFileSync(
      join(dir, 'late.json'),
      JSON.stringify({ '0': { image: images.front }, '2': { image: 'late-selfie.jpg' } }),
    );
  });
  afterAll(async () => env.close());

  function manifestRows(tag: string, fixedRefs = false) {
    const rows: unknown[] = [];
    for (let i = 0; i < 40; i++)
      rows.push({ referenceNo: `pass-${tag}-${i}`, flowId: FLOW_ID_SELFIE, mapping: 'id-and-selfie.json' });
    for (let i = 0; i < 5; i++)
      rows.push({ referenceNo: `refer-${tag}-${i}`, flowId: FLOW_ID_SELFIE, mapping: 'id-and-selfie.json' });
    // Fail inside the journey: the selfie file is missing until the re-run.
    for (let i = 0; i < 3; i++)
      rows.push({ referenceNo: `pass-${tag}-late-${i}`, flowId: FLOW_ID_SELFIE, mapping: 'late.json' });
    // Fail before any journey: a reference_no IDWise would refuse.
    for (let i = 0; i < 2; i++) {
      rows.push({
        referenceNo: fixedRefs ? `pass-${tag}-fixed-${i}` : `bad ref ${i}`,
        flowId: FLOW_ID_SELFIE,
        mapping: 'id-and-selfie.json',
      });
    }
    return rows;
  }

  it('runs 50 journeys 10 at a time, reports failures with reasons, and re-runs only the failed ones', async () => {
    const manifest = join(dir, 'applicants.json');
    const tag = env.ref('b');
    writeFileSync(manifest, JSON.stringify({ journeys: manifestRows(tag) }));

    // Refer journeys here end with their system decision instead of waiting for a reviewer.
    const journeyOptions = { awaitReviewFor: [] };
    const { batchId } = await batches.startBatch({
      manifest,
      concurrency: 10,
      pageSize: 20,
      batchId: `${tag}-1`,
      journeyOptions,
    });
    let maxRunning = 0;
    let first: BatchProgress | null = null;
    const done = batches.result(batchId).then((p) => (first = p));
    while (!first) {
      const p = await batches.progress(batchId).catch(() => null);
      if (p) maxRunning = Math.max(maxRunning, p.running);
      await Promise.race([done, new Promise((r) => setTimeout(r, 150))]);
    }
    const firstRun = first as BatchProgress;
    expect(maxRunning).toBeLessThanOrEqual(10);
    expect(maxRunning).toBeGreaterThanOrEqual(5);
    expect(firstRun).toMatchObject({ total: 50, completed: 45, failed: 5, skipped: 0, running: 0, done: true });
    expect(firstRun.decisions).toEqual({ Complete: 40, Refer: 5 });
    const reasons = firstRun.failures.map((f) => `${f.row} ${f.reason}`);
    expect(reasons.filter((r) => /IdwiseInvalidImage: .*step 2 image does not exist/.test(r))).toHaveLength(3);
    expect(
      reasons.filter((r) => /^(49|50) invalid row: referenceNo: referenceNo may contain only/.test(r)),
    ).toHaveLength(2);

    // Fix what failed: the missing selfie appears, the two bad references are corrected.
    copyFileSync(images.selfie, lateSelfie);
    writeFileSync(manifest, JSON.stringify({ journeys: manifestRows(tag, true) }));
    const rerun = await batches.startBatch({
      manifest,
      concurrency: 10,
      pageSize: 20,
      batchId: `${tag}-2`,
      rerun: 'failed',
      journeyOptions,
    });
    const second = await batches.result(rerun.batchId);
    expect(second).toMatchObject({ total: 50, completed: 5, failed: 0, skipped: 45 });
    expect(second.skips[0]?.reason).toMatch(/already completed/);
    // Completed journeys were not touched again at IDWise; the three whose selfie was missing failed its
    // pre-flight check, before any IDWise journey existed, so each has exactly one, made by the re-run.
    expect(env.sandbox.admin.findJourneys(`pass-${tag}-0`)).toHaveLength(1);
    expect(env.sandbox.admin.findJourneys(`pass-${tag}-late-0`)).toHaveLength(1);
    expect(env.sandbox.admin.findJourneys(`pass-${tag}-fixed-0`)).toHaveLength(1);
  });

  it('reads CSV manifests and runs them from the CLI with a progress bar, exiting 1 when a journey failed', async () => {
    const tag = env.ref('c');
    const manifest = join(dir, 'applicants.csv');
    writeFileSync(
      manifest,
      [
        'reference_no,flow_id,mapping',
        `pass-${tag}-1,${FLOW_ID_SELFIE},id-and-selfie.json`,
        `"pass-${tag}-2",${FLOW_ID_SELFIE},"id-and-selfie.json"`,
        `pass-${tag}-3,no-such-flow,id-and-selfie.json`,
        '',
      ].join('\r\n'),
    );
    const r = await runCli(['batch', 'run', manifest, '--concurrency', '2', '--id', tag], {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[#{28}\] 3\/3 +done 2 +failed 1 +skipped 0 +running 0 +[\d.]+\/s +ETA 0s/);
    expect(r.stdout).toMatch(new RegExp(`batch ${tag}: 2 completed, 1 failed, 0 skipped of 3`));
    expect(r.stdout).toMatch(new RegExp(`failed +row 3 pass-${tag}-3: .*invalid_flowId`));
  });

  it('fails a batch whose manifest the worker cannot read with one clear line', async () => {
    const r = await runCli(['batch', 'run', join(dir, 'nowhere.csv')], {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: batch nowhere-\S+ failed: manifest nowhere\.csv does not exist$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('creates, lists, triggers, pauses and deletes a schedule that runs the batch', async () => {
    const tag = env.ref('s');
    const manifest = join(dir, `${tag}.json`);
    writeFileSync(
      manifest,
      JSON.stringify([{ referenceNo: `pass-${tag}`, flowId: FLOW_ID_SELFIE, mapping: 'id-and-selfie.json' }]),
    );
    const cliEnv = { TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!, TEMPORAL_TASK_QUEUE: env.taskQueue };
    const cli = async (...args: string[]) => {
      const r = await runCli(['schedule', ...args], cliEnv);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      return r.stdout;
    };

    expect(await cli('create', tag, '--manifest', manifest, '--every', '24h')).toMatch(`schedule ${tag} created`);
    expect(await cli('list')).toMatch(new RegExp(`^${tag} +no `, 'm'));
    await cli('trigger', tag);
    for (;;) {
      if (env.sandbox.admin.findJourneys(`pass-${tag}`).some((j) => j.completed)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const described = await cli('describe', tag);
    expect(described).toMatch(/overlap: SKIP/);
    expect(described).toMatch(new RegExp(`recent runs: .*idwise-batch-${tag}`));
    await cli('pause', tag, '--note', 'manifest under review');
    expect(await cli('describe', tag)).toMatch(/paused \(manifest under review\)/);
    await cli('delete', tag);

    const gone = await runCli(['schedule', 'describe', tag], cliEnv);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(new RegExp(`^error: no schedule ${tag}`));
  });
});
