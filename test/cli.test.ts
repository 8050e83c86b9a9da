import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJourneyEnv, FLOW_ID_SELFIE, repoRoot, type JourneyEnv } from './helpers/journey-env.js';
import { runCli } from './helpers/processes.js';

// The CLI as users run it: the bin entry point in its own process, against the run's dev server and a
// worker serving this file's task queue. User mistakes must be one line on stderr and a non-zero exit.

describe('idwise-journey CLI', () => {
  let env: JourneyEnv;
  let cliEnv: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'idwise-cli-'));
  const mapping = join(repoRoot, 'samples/mappings/sandbox-id-and-selfie.json');

  beforeAll(async () => {
    env = await createJourneyEnv();
    await env.startWorker();
    cliEnv = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      TEMPORAL_UI_URL: 'http://ui.example',
    };
  });
  afterAll(async () => env.close());

  const expectOneLineError = (
    r: { code: number | null; stdout: string; stderr: string },
    code: number,
    pattern: RegExp,
  ) => {
    expect({ code: r.code, lines: r.stderr.trim().split('\n').length }).toEqual({ code, lines: 1 });
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('starts a journey from a mapping file, shows its status and prints its result', async () => {
    const ref = env.ref('pass-');
    const start = await runCli(['start', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mapping], cliEnv);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`started: idwise-journey-${ref}`);
    expect(start.stdout).toContain(`web ui: http://ui.example/namespaces/default/workflows/idwise-journey-${ref}`);

    const result = await runCli(['result', ref], cliEnv);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`journey ${ref}: Complete \\(system Complete\\)`));
    expect(result.stdout).toMatch(/^0 +Document/m);

    const status = await runCli(['status', ref, '--json'], cliEnv);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'COMPLETED',
      progress: { stage: 'completed', referenceNo: ref },
    });

    const rerun = await runCli(['start', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mapping], cliEnv);
    expectOneLineError(
      rerun,
      1,
      new RegExp(`journey ${ref} already ran \\(COMPLETED at .*\\); pass rerun: true \\(CLI: --rerun\\)`),
    );
  });

  it("prints a flow's step ids and a mapping template", async () => {
    const r = await runCli(['steps', '--flow', FLOW_ID_SELFIE], {
      IDWISE_BASE_URL: env.sandbox.baseUrl,
      IDWISE_API_KEY: env.sandbox.credentials.key,
      IDWISE_API_SECRET: env.sandbox.credentials.secret,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^0 +Document/m);
    expect(r.stderr).toMatch(/^2 +Selfie/m);
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['0', '2']);
  });

  it('answers user mistakes with one clear line and a non-zero exit', async () => {
    expectOneLineError(
      await runCli(['start', '--flow', FLOW_ID_SELFIE], cliEnv),
      2,
      /--ref <reference_no> is required/,
    );
    expectOneLineError(await runCli(['frobnicate'], cliEnv), 2, /unknown command "frobnicate"/);
    expectOneLineError(await runCli(['status'], cliEnv), 2, /expected exactly one reference_no/);
    expectOneLineError(
      await runCli(['start', '--ref', 'x1', '--flow', 'f', '--mapping', join(dir, 'missing.json')], cliEnv),
      2,
      /mapping file .*missing\.json does not exist/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ '0': { image: 'front.jpg', extra: 1 } }));
    expectOneLineError(
      await runCli(['start', '--ref', 'x1', '--flow', 'f', '--mapping', bad], cliEnv),
      2,
      /0: Unrecognized key/i,
    );
    expectOneLineError(
      await runCli(['start', '--ref', 'bad ref!', '--flow', 'f'], cliEnv),
      2,
      /referenceNo: referenceNo may contain only/,
    );
    expectOneLineError(
      await runCli(['status', 'never-started-ref'], cliEnv),
      1,
      /no journey for reference never-started-ref/,
    );
    expectOneLineError(await runCli(['steps', '--flow', 'x'], {}), 2, /IDWISE_API_KEY/);
    expectOneLineError(
      await runCli(['status', 'any'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }),
      1,
      /cannot reach Temporal .*check TEMPORAL_ADDRESS/,
    );
  });

  it('shows a requested retake with its feedback, serves it with provide-files, and shows a pending review', async () => {
    const ref = env.ref('feedback-');
    const start = await runCli(
      ['start', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mapping, '--review-check-interval', '2s'],
      cliEnv,
    );
    expect(start.code).toBe(0);
    let status = { code: null as number | null, stdout: '', stderr: '' };
    for (let i = 0; i < 60 && !status.stdout.includes('stage: awaiting-retake'); i++) {
      status = await runCli(['status', ref], cliEnv);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status.stdout).toContain('stage: awaiting-retake, step 0');
    expect(status.stdout).toContain('retake requested for step 0: Document Cropped (feedback_document_cropped)');
    expect(status.stdout).toContain('attempts used 1, left 1');
    expect(status.stdout).toContain(`idwise-journey provide-files ${ref} --mapping`);

    const provided = await runCli(['provide-files', ref, '--mapping', mapping], cliEnv);
    expect(provided.stdout).toContain('accepted files for step(s) 0, 2');
    const result = await runCli(['result', ref], cliEnv);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`journey ${ref}: Complete \\(system Complete\\)`));

    const referred = env.ref('refer-');
    await runCli(
      ['start', '--ref', referred, '--flow', FLOW_ID_SELFIE, '--mapping', mapping, '--review-check-interval', '2s'],
      cliEnv,
    );
    let review = { code: null as number | null, stdout: '', stderr: '' };
    for (let i = 0; i < 60 && !review.stdout.includes('stage: awaiting-review'); i++) {
      review = await runCli(['status', referred], cliEnv);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(review.stdout).toContain('decision: Refer (system Refer)');
    expect(review.stdout).toMatch(/awaiting manual review in IDWise Studio since \d{4}-/);
    const journeyId = /IDWise journey ([0-9a-f]+)/.exec(review.stdout)![1]!;
    env.sandbox.admin.review(journeyId, 'Approved');
    const decided = await runCli(['result', referred], cliEnv);
    expect(decided.stdout).toContain(`journey ${referred}: Approved (system Refer, manual Approved)`);
    expect(decided.stdout).toMatch(/reviewed at /);

    const bad = await runCli(
      ['start', '--ref', env.ref('pass-'), '--flow', FLOW_ID_SELFIE, '--on-step-feedback', 'retry'],
      cliEnv,
    );
    expectOneLineError(bad, 2, /options\.onStepFeedback/);
  });
});
