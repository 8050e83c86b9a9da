import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { parseWebhookAuth, type WebhookAuth } from './auth.js';

// `npm run webhooks` configuration. The host defaults to 0.0.0.0 on purpose: IDWise calls this service from
// the internet (through your TLS-terminating proxy), so loopback would make it unreachable in a container.
// Authentication is mandatory for that reason; IDWISE_WEBHOOK_AUTH=none must be written out.

export interface WebhookConfig {
  auth: WebhookAuth;
  host: string;
  port: number;
}

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);
const EnvSchema = z.object({
  IDWISE_WEBHOOK_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(8788)),
  IDWISE_WEBHOOK_HOST: z.preprocess(blankAsUnset, z.string().trim().min(1).default('0.0.0.0')),
});

export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const problems: string[] = [];
  let auth: WebhookAuth | null = null;
  try {
    auth = parseWebhookAuth(env.IDWISE_WEBHOOK_AUTH);
  } catch (err) {
    problems.push((err as Error).message);
  }
  try {
    // The Temporal settings are checked now (a missing TLS file, a bad profile), not retried later as an outage.
    loadClientConnectConfig({
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  } catch (err) {
    problems.push((err as Error).message);
  }
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  if (!auth || !parsed.success)
    throw new Error(`invalid webhook receiver configuration:\n  - ${problems.join('\n  - ')}`);
  return { auth, host: parsed.data.IDWISE_WEBHOOK_HOST, port: parsed.data.IDWISE_WEBHOOK_PORT };
}
