import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { FLOW_ID_SELFIE, images, repoRoot } from './helpers/journey-env.js';
import { runEntry, startWorkerProcess } from './helpers/processes.js';

// The package as a backend in another repository gets it: `npm pack` (which builds dist/), the tarball installed
// into an empty project outside this repository, then plain `node` only: the README's example, a worker started
// from the installed package (its workflow bundle built from the package's JavaScript, not from these sources)
// and the CLI from the installed bin, against the run's dev server and a sandbox over HTTP.

const run = promisify(execFile);
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund'], { cwd, maxBuffer: 64 * 2 ** 20, env: npmEnv() });
// npm must not inherit jest's or a parent npm's settings (npm_config_*), and runs under this test's node.
const npmEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
});

/** The first ```js block of the README's "Using it from a backend": the example must run exactly as written. */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using it from a backend'));
  const block = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 3)));
  if (!block) throw new Error('README "Using it from a backend" has no ```js example');
  return block[1]!;
}

describe('npm pack, installed into a fresh project', () => {
  const project = mkdtempSync(join(tmpdir(), 'idwise-installed-'));
  let sandbox: RunningSandbox;
  let worker: ChildProcess | null = null;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const { stdout } = await npm(['pack', '--json', '--pack-destination', project], repoRoot);
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed!.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/client/index.js', 'dist/worker/index.d.ts', 'dist/codec/failure-converter.cjs']),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'backend', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', join(project, packed!.filename)], project);
    sandbox = await startSandbox({ port: 0 });
    sandbox.admin.setSwitches({ processingDelayMs: 200 });
    env = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: `packed-${Date.now()}`,
      IDWISE_BASE_URL: sandbox.baseUrl,
      IDWISE_API_KEY: sandbox.credentials.key,
      IDWISE_API_SECRET: sandbox.credentials.secret,
      IDWISE_IMAGE_ROOTS: join(repoRoot, 'samples'),
      IDWISE_FLOW_ID: FLOW_ID_SELFIE,
    };
    // Bundles the workflows at start from the installed dist/ (no IDWISE_WORKFLOW_BUNDLE).
    writeFileSync(
      join(project, 'worker.mjs'),
      "import { runWorker } from 'idwise-temporal/worker';\nawait runWorker();\n",
    );
    worker = await startWorkerProcess(env, { args: ['worker.mjs'], cwd: project });
  }, 600_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await sandbox?.close();
    rmSync(project, { recursive: true, force: true }); // ~280 MB of node_modules
  });

  it('installs only what runs: no tsx, no TypeScript, no test tools', () => {
    for (const tool of ['tsx', 'typescript', '@temporalio/testing', 'jest'])
      expect({ tool, installed: existsSync(join(project, 'node_modules', tool)) }).toEqual({ tool, installed: false });
  });

  it("runs the README's example with plain node, then the installed CLI reads the journey", async () => {
    writeFileSync(
      join(project, 'mapping.json'),
      JSON.stringify({ '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } }),
    );
    writeFileSync(join(project, 'journey.mjs'), readmeExample());
    const example = await runEntry(['journey.mjs'], env, project);
    expect({ code: example.code, stderr: example.stderr }).toEqual({ code: 0, stderr: '' });
    const [first, last] = example.stdout.trim().split('\n');
    const [referenceNo, stage] = first!.split(' ');
    expect(stage).toMatch(/^(starting|submitting|awaiting-processing|completing|awaiting-decision|completed)$/);
    expect(last).toBe(`${referenceNo} Complete`);

    const bin = join(project, 'node_modules/.bin/idwise-journey');
    const status = await runEntry([bin, 'status', referenceNo!, '--json'], env, project);
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'COMPLETED',
      progress: { referenceNo, stage: 'completed', decision: { final: 'Complete' } },
    });
    const usage = await runEntry([bin, 'start', '--ref', 'x'], env, project);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: .*--flow/);
  });

  it('ships types: a TypeScript backend type-checks against the package, and a wrong use fails', async () => {
    writeFileSync(
      join(project, 'good.ts'),
      [
        "import { createJourneyClient, verifyJourneyEvent, type JourneyOutcome } from 'idwise-temporal';",
        "import { runWorker } from 'idwise-temporal/worker';",
        'export const final = (o: JourneyOutcome): string => o.decision.final;',
        'export const parts = [createJourneyClient, verifyJourneyEvent, runWorker];',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'bad.ts'),
      "import type { JourneyOutcome } from 'idwise-temporal';\nexport const n = (o: JourneyOutcome): number => o.decision;\n",
    );
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    // skipLibCheck as most projects set it (@temporalio/common's .d.ts want @types/ms); types still resolve.
    const flags = [
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
    ];
    // @types/node from this repository: the fresh project has no dev dependencies of its own.
    const typeRoots = ['--typeRoots', join(repoRoot, 'node_modules/@types')];
    const result = await runEntry([tsc, ...flags, ...typeRoots, 'good.ts', 'bad.ts'], {}, project);
    const errors = result.stdout.trim().split('\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^bad\.ts\(2,\d+\): error TS2322: Type 'JourneyDecision' is not assignable to type 'number'/,
    );
  });
});
