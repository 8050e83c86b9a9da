import { z } from 'zod';
import { formatIssues } from './config.js';
import { startSandbox } from './index.js';
import { WebhookSettingsPatchSchema } from './webhook-config.js';

// `npm run sandbox`: prints one JSON line (address and credentials) to stdout, request logs go to stderr.

const Env = z.object({
  IDWISE_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  IDWISE_SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  IDWISE_SANDBOX_CONFIG: z.string().min(1).optional(),
  IDWISE_SANDBOX_LOG: z.enum(['0', '1', 'true', 'false']).default('0'),
  IDWISE_SANDBOX_ADMIN_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{8,}$/, 'must be at least 8 printable characters without spaces')
    .optional(),
  IDWISE_SANDBOX_WEBHOOK_URL: z.string().optional(),
  IDWISE_SANDBOX_WEBHOOK_AUTH: z.string().optional(),
});

async function run(): Promise<void> {
  // An empty variable means unset, as in a .env file with `IDWISE_SANDBOX_PORT=`.
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid environment: ${formatIssues(parsed.error)}`);
  const { IDWISE_SANDBOX_PORT: port, IDWISE_SANDBOX_HOST: host, IDWISE_SANDBOX_CONFIG: config } = parsed.data;
  const logging = ['1', 'true'].includes(parsed.data.IDWISE_SANDBOX_LOG);
  const { IDWISE_SANDBOX_WEBHOOK_URL: url, IDWISE_SANDBOX_WEBHOOK_AUTH: auth } = parsed.data;
  const webhooks = { ...(url ? { url } : {}), ...(auth ? { auth } : {}) };
  const checked = WebhookSettingsPatchSchema.safeParse(webhooks);
  if (!checked.success) {
    const name = (field: PropertyKey | undefined) => `IDWISE_SANDBOX_WEBHOOK_${String(field).toUpperCase()}`;
    const issues = checked.error.issues.map((i) => `${name(i.path[0])}: ${i.message}`);
    throw new Error(`Invalid environment: ${issues.join('; ')}`);
  }
  const sandbox = await startSandbox({
    port,
    host,
    ...(parsed.data.IDWISE_SANDBOX_ADMIN_TOKEN ? { adminToken: parsed.data.IDWISE_SANDBOX_ADMIN_TOKEN } : {}),
    ...(url || auth ? { webhooks } : {}),
    ...(config ? { config } : {}),
    ...(logging ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  const started = {
    event: 'idwise-sandbox-started',
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.credentials.key,
    apiSecret: sandbox.credentials.secret,
    flowIds: sandbox.flows.map((f) => f.flowId),
    adminToken: sandbox.adminToken,
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
