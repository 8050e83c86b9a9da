import { z } from 'zod';
import { formatIssues } from './config.js';
import { startSandbox } from './index.js';

// `npm run sandbox`: prints one JSON line (address and credentials) to stdout, request logs go to stderr.

const Env = z.object({
  IDWISE_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  IDWISE_SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  IDWISE_SANDBOX_CONFIG: z.string().min(1).optional(),
  IDWISE_SANDBOX_LOG: z.enum(['0', '1', 'true', 'false']).default('0'),
});

async function run(): Promise<void> {
  // An empty variable means unset, as in a .env file with `IDWISE_SANDBOX_PORT=`.
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid environment: ${formatIssues(parsed.error)}`);
  const { IDWISE_SANDBOX_PORT: port, IDWISE_SANDBOX_HOST: host, IDWISE_SANDBOX_CONFIG: config } = parsed.data;
  const logging = ['1', 'true'].includes(parsed.data.IDWISE_SANDBOX_LOG);
  const sandbox = await startSandbox({
    port,
    host,
    ...(config ? { config } : {}),
    ...(logging ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  const started = {
    event: 'idwise-sandbox-started',
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.credentials.key,
    apiSecret: sandbox.credentials.secret,
    flowIds: sandbox.flows.map((f) => f.flowId),
  };
  process.stdout.write(`${JSON.stringify(started)}\n`);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  process.stderr.write(`idwise-sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
