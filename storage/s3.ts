import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { z } from 'zod';

// Object storage through the S3 API (@aws-sdk/client-s3), so AWS S3 and every S3-compatible store work.
// Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance
// roles): nothing of ours. Temporal is the only retry layer, so the SDK's own retries are off.

export interface S3Settings {
  /** IDWISE_S3_ENDPOINT; null = AWS. */
  endpoint: string | null;
  /** IDWISE_S3_REGION; null = the SDK's chain (AWS_REGION, profile), us-east-1 for a custom endpoint. */
  region: string | null;
  /** IDWISE_S3_FORCE_PATH_STYLE: `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO, SeaweedFS). */
  forcePathStyle: boolean;
}

export interface S3Location {
  bucket: string;
  key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/key` → its parts; null when it is not one (no key, a bad bucket name, a query string). */
export function parseS3Url(ref: string): S3Location | null {
  const m = /^s3:\/\/([^/?#]+)\/([^?#]+)$/i.exec(ref.trim());
  if (!m || !BUCKET.test(m[1]!)) return null;
  return { bucket: m[1]!, key: m[2]! };
}

export const isS3Url = (ref: string) => /^s3:\/\//i.test(ref.trim());

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const S3EnvSchema = z.object({
  IDWISE_S3_ENDPOINT: z.preprocess(
    blankAsUnset,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8333 (unset for AWS)' })
      .optional(),
  ),
  IDWISE_S3_REGION: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a region name, e.g. eu-west-1')
      .optional(),
  ),
  IDWISE_S3_FORCE_PATH_STYLE: z.preprocess(
    blankAsUnset,
    z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional(),
  ),
});

export function s3SettingsFrom(env: z.output<typeof S3EnvSchema>): S3Settings {
  return Object.freeze({
    endpoint: env.IDWISE_S3_ENDPOINT ?? null,
    region: env.IDWISE_S3_REGION ?? null,
    forcePathStyle: env.IDWISE_S3_FORCE_PATH_STYLE === 'true' || env.IDWISE_S3_FORCE_PATH_STYLE === '1',
  });
}

const clients = new WeakMap<S3Settings, S3Client>();

/** One client per settings object (its connection pool and cached credentials are shared). */
export function s3ClientFor(settings: S3Settings): S3Client {
  let client = clients.get(settings);
  if (!client) {
    // The project runs on Node 20 by design; the SDK's multi-line notice about Node 22 would break the CLI's
    // one-line answers. An operator who wants it back sets the variable to false.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    client = new S3Client({
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.region ? { region: settings.region } : settings.endpoint ? { region: 'us-east-1' } : {}),
      forcePathStyle: settings.forcePathStyle,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    });
    clients.set(settings, client);
  }
  return client;
}

export type S3Problem = 'missing' | 'denied' | 'no-credentials' | 'transient' | 'refused';

/** What an S3 failure means for the caller; `detail` is a code or status, never a bucket or key. */
export function classifyS3Error(err: unknown): { problem: S3Problem; detail: string } {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? 'Error';
  if (name === 'CredentialsProviderError' || /credential/i.test(name))
    return { problem: 'no-credentials', detail: name };
  if (err instanceof S3ServiceException || status !== undefined) {
    if (status === 404 || ['NoSuchKey', 'NotFound', 'NoSuchBucket'].includes(name))
      return { problem: 'missing', detail: name === 'Unknown' ? `HTTP ${status}` : name };
    if (status === 401 || status === 403)
      return { problem: 'denied', detail: name === 'Unknown' ? `HTTP ${status}` : name };
    if (status !== undefined && (status >= 500 || status === 408 || status === 429))
      return { problem: 'transient', detail: `HTTP ${status}` };
    return { problem: 'refused', detail: status !== undefined ? `HTTP ${status} ${name}` : name };
  }
  // No answer at all (refused, reset, timeout, DNS): the same request can work on the next attempt.
  return { problem: 'transient', detail: networkCode(err) ?? name };
}

/** The errno-style code of a network failure, wherever the SDK put it (the error, its cause, an AggregateError). */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 4; i++) {
    const { code, errors, cause, message } = e as {
      code?: unknown;
      errors?: unknown[];
      cause?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string') return code;
    // Errors from another realm (a vm context) reach us as "AWS SDK error wrapper for Error: connect ECONNREFUSED…".
    const named = typeof message === 'string' ? /\b(E[A-Z]{4,}|TimeoutError)\b/.exec(message)?.[1] : undefined;
    if (named) return named;
    e = errors?.[0] ?? cause;
  }
  return undefined;
}

export const S3_ANSWERS: Record<Exclude<S3Problem, 'transient'>, string> = {
  missing: 'does not exist in the object store',
  denied: "was refused by the object store: access denied (check the AWS credentials and the bucket's policy)",
  'no-credentials':
    'cannot be read: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or an instance role)',
  refused: 'was refused by the object store',
};
