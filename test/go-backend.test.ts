import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../dev/free-port.js';
import { signJourneyEvent } from '../events/signature.js';
import { JourneyEventSchema, JourneyOutcomeSchema } from '../shared/contract.js';
import { codecVector, vectorPayload } from './helpers/codec-vector.js';
import {
  createJourneyEnv,
  FLOW_ID_SELFIE,
  images,
  repoRoot,
  testCodecEnv,
  type JourneyEnv,
} from './helpers/journey-env.js';

// A backend in another language, built only from contract/ and docs/codec.md: examples/go-backend (go.temporal.io/sdk)
// against the run's dev server, a sandbox over HTTP and this project's TypeScript worker, sharing IDWISE_CODEC_KEYS.
// Go is on the machine already (it builds the Temporal CLI); modules come from the Go module proxy into Go's cache.

const exec = promisify(execFile);
const goDir = join(repoRoot, 'examples/go-backend');
const binary = join(mkdtempSync(join(tmpdir(), 'idwise-go-backend-')), 'go-backend');

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}
type Payloads = { payloads: JsonPayload[] };

/** `go-backend <args>` with the run's codec keys; stdin for encode/decode. */
async function goBackend(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) {
  const child = execFile(binary, args, { env: { PATH: process.env.PATH, ...testCodecEnv(), ...env } });
  child.stdin!.end(stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** The run's codec server (global setup), as the Web UI calls it. */
async function codecServer(op: 'encode' | 'decode', body: Payloads): Promise<Payloads> {
  const res = await fetch(`${process.env.TEMPORAL_TEST_CODEC_URL}/${op}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${process.env.TEMPORAL_TEST_CODEC_TOKEN}`,
      'content-type': 'application/json',
      'x-namespace': 'default',
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Payloads;
}

const plain = (value: unknown): JsonPayload => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

describe('examples/go-backend', () => {
  let env: JourneyEnv;
  const secret = randomBytes(32).toString('base64url');
  let eventsBind: string;

  beforeAll(async () => {
    // `go build` downloads the pinned modules (go.sum) once into Go's module cache; later runs build offline.
    await exec('go', ['build', '-o', binary, '.'], { cwd: goDir, env: process.env, maxBuffer: 16 * 2 ** 20 });
    eventsBind = `127.0.0.1:${await freePort()}`;
    env = await createJourneyEnv({ events: { url: `http://${eventsBind}/events`, secret } });
    await env.startWorker();
  }, 600_000);
  afterAll(async () => env?.close());

  it('decrypts the test vector of docs/codec.md', async () => {
    const v = codecVector();
    const r = await goBackend(
      ['decode'],
      { IDWISE_CODEC_KEYS: v.codecKeys },
      JSON.stringify({ payloads: [v.encrypted] }),
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const [decoded] = (JSON.parse(r.stdout) as Payloads).payloads;
    expect(vectorPayload(decoded!)).toEqual(vectorPayload(v.plain));
  });

  it('encrypts payloads the codec server decrypts, and decrypts what the codec server encrypts', async () => {
    const fromGo = await goBackend(['encode'], {}, JSON.stringify({ payloads: [plain({ referenceNo: 'pass-go-1' })] }));
    expect({ code: fromGo.code, stderr: fromGo.stderr }).toEqual({ code: 0, stderr: '' });
    const encrypted = JSON.parse(fromGo.stdout) as Payloads;
    expect(Buffer.from(encrypted.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect((await codecServer('decode', encrypted)).payloads).toEqual([plain({ referenceNo: 'pass-go-1' })]);

    const fromServer = await codecServer('encode', { payloads: [plain({ referenceNo: 'pass-ts-1' })] });
    const toGo = await goBackend(['decode'], {}, JSON.stringify(fromServer));
    expect({ code: toGo.code, stderr: toGo.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(toGo.stdout) as Payloads).payloads).toEqual([plain({ referenceNo: 'pass-ts-1' })]);
  });

  it('runs a journey from Go: start with a mapping, a signed retake event, progress, provideStepFiles, outcome', async () => {
    const ref = env.ref('feedback-'); // the sandbox fails the first step's first attempt with user feedback
    const mapping = join(mkdtempSync(join(tmpdir(), 'idwise-go-mapping-')), 'mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({ '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } }),
    );
    const args = ['journey', '--ref', ref, '--flow', FLOW_ID_SELFIE, '--mapping', mapping];
    const retake = ['--retake-image', images.front, '--retake-image2', images.back, '--events-bind', eventsBind];
    const r = await goBackend([...args, ...retake], {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      IDWISE_EVENTS_SECRET: secret,
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(r.stdout) as {
      retakeStepId: string;
      stageAtRetake: string;
      accepted: string[];
      verifiedEvents: unknown[];
      outcome: unknown;
    };
    expect(report).toMatchObject({ retakeStepId: '0', stageAtRetake: 'awaiting-retake', accepted: ['0'] });
    // What Go received matches the contract it was written from.
    const outcome = JourneyOutcomeSchema.parse(report.outcome);
    expect(outcome).toMatchObject({ referenceNo: ref, decision: { final: 'Complete' }, unansweredRetake: null });
    expect(outcome.steps[0]).toMatchObject({ stepId: '0', passed: true, attemptsUsed: 2 });
    const events = report.verifiedEvents.map((e) => JourneyEventSchema.parse(e));
    expect(events.map((e) => e.type)).toEqual(['journey.needs-retake', 'journey.decided']);
    // The TypeScript client reads the journey Go started, through the same codec.
    expect(await env.journeys.getProgress(ref)).toMatchObject({ stage: 'completed', retake: null });
  });

  it('verifies journey events signed by the TypeScript side, and refuses a changed body or another secret', async () => {
    const body = JSON.stringify({ id: 'x/journey.decided/decided', type: 'journey.decided' });
    const header = signJourneyEvent(secret, body, Math.floor(Date.now() / 1000));
    const verify = (b: string, s: string) =>
      goBackend(['verify-event', '--header', header], { IDWISE_EVENTS_SECRET: s }, b);
    expect(await verify(body, secret)).toMatchObject({ code: 0, stdout: 'verified\n' });
    expect(await verify(body.replace('decided', 'failed'), secret)).toMatchObject({
      code: 1,
      stderr: /does not match/,
    });
    expect(await verify(body, `${secret}x`)).toMatchObject({ code: 1, stderr: /does not match/ });
  });
});
