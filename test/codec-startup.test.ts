import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadWorkerConfig } from '../worker/config.js';
import { repoRoot } from './helpers/journey-env.js';

// Without IDWISE_CODEC_KEYS nothing that writes to Temporal starts: the worker, the CLI (and through
// connectTemporal the webhook receiver) and the codec server refuse, saying how to set it.

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const idwise = { IDWISE_API_KEY: 'startup-key', IDWISE_API_SECRET: 'startup-secret' };
const zeroKey = Buffer.alloc(32).toString('base64');

describe('starting without codec keys', () => {
  it('the worker refuses, naming the variable and how to generate a key', async () => {
    const r = await run(['worker/main.ts'], { ...idwise, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/IDWISE_CODEC_KEYS is not set: .*randomBytes\(32\)/);
    expect(r.output).not.toContain('idwise-worker-started');
  });

  it('the CLI refuses with one line and exit 2 (a setting to fix)', async () => {
    const r = await run(['client/main.ts', 'status', 'any-ref'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.output.trim().split('\n')).toHaveLength(1);
    expect(r.output).toMatch(/^error: IDWISE_CODEC_KEYS is not set/);
  });

  it('the codec server refuses without its token', async () => {
    const r = await run(['codec/server-main.ts'], { IDWISE_CODEC_KEYS: `k:${randomBytes(32).toString('base64')}` });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/IDWISE_CODEC_TOKEN is required/);
  });

  it('the worker configuration lists weak keys with every other problem, without the key material', () => {
    let message = '';
    try {
      loadWorkerConfig({ ...idwise, IDWISE_CODEC_KEYS: `k1:${zeroKey}`, IDWISE_PII_KEYS: `p1:${zeroKey}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/IDWISE_CODEC_KEYS entry 1 \(key id "k1"\) is all zero bytes/);
    expect(message).toMatch(/IDWISE_PII_KEYS entry 1 \(key id "p1"\) is all zero bytes/);
    expect(message).not.toContain(zeroKey);
  });
});
