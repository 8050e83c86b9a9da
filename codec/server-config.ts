import { z } from 'zod';
import { loadCodecKeys } from './data-converter.js';
import { DEFAULT_CORS_ORIGINS, MIN_TOKEN_LENGTH, type CodecServerOptions } from './codec-server.js';

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const CodecServerEnvSchema = z.object({
  IDWISE_CODEC_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(8789)),
  IDWISE_CODEC_HOST: z.preprocess(blankAsUnset, z.string().default('127.0.0.1')),
  IDWISE_CODEC_CORS_ORIGINS: z.preprocess(
    blankAsUnset,
    z
      .string()
      .transform(list)
      .pipe(z.array(z.url('each origin is a full URL such as https://temporal-ui.example.com')))
      .default(DEFAULT_CORS_ORIGINS),
  ),
  IDWISE_CODEC_NAMESPACES: z.preprocess(blankAsUnset, z.string().transform(list).optional()),
  IDWISE_CODEC_TOKEN: z
    .string({
      error:
        'is required: the bearer token the Web UI (or its proxy) sends; generate one with: openssl rand -base64 32',
    })
    .min(
      MIN_TOKEN_LENGTH,
      `must be at least ${MIN_TOKEN_LENGTH} characters (generate one with: openssl rand -base64 32)`,
    )
    .refine((t) => new Set(t).size > 8, 'is too repetitive to be a secret; generate one with: openssl rand -base64 32'),
});

/** `npm run codec-server` settings from the environment; every problem in one error, no secret echoed. */
export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerOptions {
  const problems: string[] = [];
  const parsed = CodecServerEnvSchema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  let keys;
  try {
    keys = loadCodecKeys(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (!parsed.success || !keys) throw new Error(`invalid codec server configuration:\n  - ${problems.join('\n  - ')}`);
  const c = parsed.data;
  return {
    keys,
    token: c.IDWISE_CODEC_TOKEN,
    port: c.IDWISE_CODEC_PORT,
    host: c.IDWISE_CODEC_HOST,
    corsOrigins: c.IDWISE_CODEC_CORS_ORIGINS.map((o) => new URL(o).origin),
    namespaces: c.IDWISE_CODEC_NAMESPACES ?? null,
  };
}
