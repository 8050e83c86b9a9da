import { z } from 'zod';
import { S3EnvSchema, s3SettingsFrom } from '../storage/s3.js';
import { ImageBucketsSchema, ImageHostsSchema, ImageRootsSchema, type ImageSources } from './image-sources.js';
import { buildRouteTable, RouteOverridesSchema, type RouteTable } from './routes.js';

// Read once by the entrypoints and injected into createIdwiseClient; nothing in idwise/ reads process.env.

export const REGION_BASE_URLS = Object.freeze({
  eu: 'https://api.idwise.com/',
  uae: 'https://api-uae.idwise.com/',
  qat: 'https://api-qat.idwise.com/',
});
export type IdwiseRegion = keyof typeof REGION_BASE_URLS;

export interface IdwiseConfig {
  /** The region the default base URL came from (informational once IDWISE_BASE_URL overrides it). */
  region: IdwiseRegion;
  /** Absolute, ending in a slash: route paths are appended to it. */
  baseUrl: string;
  /** Server API key (the Basic auth user name). */
  apiKey: string;
  /** Server API secret. Log the config only through describeConfig(). */
  apiSecret: string;
  /** For JSON calls; keep it below the activities' startToCloseTimeout. */
  requestTimeoutMs: number;
  /** For process-journey-step, whose body is one or two images. */
  uploadTimeoutMs: number;
  /** Images above this are refused before upload (IDWise's SDKs stop at 6 MB, idwise-api.md §9). */
  maxImageBytes: number;
  /**
   * IDWISE_IMAGE_ROOTS / _HOSTS / _BUCKETS (and IDWISE_S3_*): where images may come from (nothing when unset), and
   * IDWISE_ALLOW_HARD_LINKS: whether files with several hard links are read.
   */
  imageSources: ImageSources;
  routes: RouteTable;
}

/** Plain http would send the Basic credentials in clear, so it is only accepted for a local sandbox. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The largest IDWISE_MAX_IMAGE_BYTES accepted. */
export const MAX_IMAGE_BYTES_LIMIT = 64 * 1024 * 1024;

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());
const required = (fix: string) =>
  z.preprocess(
    blankAsUnset,
    z.string({ error: `is required: ${fix}` }).refine((v) => v === v.trim(), 'has leading or trailing spaces'),
  );
const millis = (fallback: number) =>
  z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100 ms')
      .max(3_600_000, 'must be at most 3600000 ms (1 h)')
      .default(fallback),
  );

const BaseUrlSchema = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not an absolute URL, e.g. https://api.idwise.com/' });
    return z.NEVER;
  }
  const problem =
    url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))
      ? 'must use https:// (plain http only for localhost/127.0.0.1/[::1])'
      : url.username || url.password
        ? 'must not contain credentials: set IDWISE_API_KEY and IDWISE_API_SECRET instead'
        : url.search || url.hash
          ? 'must not have a query string or fragment'
          : null;
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
});

const RoutesJsonSchema = z.string().transform((raw, ctx) => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'is not valid JSON, e.g. {"summary":{"path":"journey/v2/summary/{journey_id}"}}',
    });
    return z.NEVER;
  }
});

const EnvSchema = z.object({
  IDWISE_REGION: z.preprocess(
    (v) => (typeof blankAsUnset(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
    z.enum(['eu', 'uae', 'qat'], { error: 'must be eu, uae or qat' }).default('eu'),
  ),
  IDWISE_BASE_URL: optional(BaseUrlSchema),
  IDWISE_API_KEY: required('the Server API key from IDWise Studio (Admin → API Keys)'),
  IDWISE_API_SECRET: required('the secret shown when the Server API key was created'),
  IDWISE_REQUEST_TIMEOUT_MS: millis(30_000),
  IDWISE_UPLOAD_TIMEOUT_MS: millis(120_000),
  IDWISE_MAX_IMAGE_BYTES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a number of bytes' })
      .int('must be a whole number of bytes')
      .positive()
      // 1e10 is a typo, not a policy: IDWise's own SDKs stop at 6 MB (idwise-api.md §9).
      .max(MAX_IMAGE_BYTES_LIMIT, `must be at most ${MAX_IMAGE_BYTES_LIMIT} bytes (64 MiB), e.g. 6291456 (6 MiB)`)
      .default(6_291_456),
  ),
  IDWISE_ROUTES: optional(RoutesJsonSchema.pipe(RouteOverridesSchema)),
  IDWISE_IMAGE_ROOTS: optional(ImageRootsSchema),
  IDWISE_IMAGE_HOSTS: optional(ImageHostsSchema),
  IDWISE_IMAGE_BUCKETS: optional(ImageBucketsSchema),
  ...S3EnvSchema.shape,
  IDWISE_ALLOW_HARD_LINKS: z.preprocess(
    (v) => (typeof blankAsUnset(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
    z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  ),
});

/** Validates the IDWISE_* variables, naming every bad or missing one (and its fix) in a single Error. */
export function loadIdwiseConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): IdwiseConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new Error(`invalid IDWise configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return withRedactedSecret({
    region: e.IDWISE_REGION,
    baseUrl: e.IDWISE_BASE_URL ?? REGION_BASE_URLS[e.IDWISE_REGION],
    apiKey: e.IDWISE_API_KEY,
    apiSecret: e.IDWISE_API_SECRET,
    requestTimeoutMs: e.IDWISE_REQUEST_TIMEOUT_MS,
    uploadTimeoutMs: e.IDWISE_UPLOAD_TIMEOUT_MS,
    maxImageBytes: e.IDWISE_MAX_IMAGE_BYTES,
    imageSources: Object.freeze({
      roots: e.IDWISE_IMAGE_ROOTS ?? [],
      hosts: e.IDWISE_IMAGE_HOSTS ?? [],
      buckets: e.IDWISE_IMAGE_BUCKETS ?? [],
      s3: s3SettingsFrom(e),
      allowHardLinks: e.IDWISE_ALLOW_HARD_LINKS === 'on',
    }),
    routes: buildRouteTable(e.IDWISE_ROUTES),
  });
}

/** Shows enough of the key to tell two keys apart, never enough to use it. */
export function maskKey(key: string): string {
  return key.length >= 12 ? `${key.slice(0, 4)}…${key.slice(-2)}` : '****';
}

/** One log-safe line: where the client talks to and with which key, never the secret. */
export function describeConfig(config: IdwiseConfig): string {
  const routes = Object.entries(config.routes)
    .map(([name, r]) => `${name}=${r.method} ${r.path}`)
    .join(' ');
  return (
    `IDWise ${config.baseUrl} key ${maskKey(config.apiKey)}, timeouts ${config.requestTimeoutMs}/${config.uploadTimeoutMs} ms, ` +
    `max image ${config.maxImageBytes} bytes, image roots ${config.imageSources.roots.join(',') || '-'}, ` +
    `image hosts ${config.imageSources.hosts.map((h) => `${h.host}:${h.port}`).join(',') || '-'}, ` +
    `image buckets ${(config.imageSources.buckets ?? []).map((b) => b.bucket + (b.prefix ? `/${b.prefix}` : '')).join(',') || '-'}, routes ${routes}`
  );
}

// Defence in depth for a config that gets logged by accident: JSON.stringify and util.inspect show the
// secret as [redacted]. Both hooks are non-enumerable, so `{ ...config }` copies stay plain data.
function withRedactedSecret(config: IdwiseConfig): IdwiseConfig {
  const safe = () => ({ ...config, apiSecret: '[redacted]' });
  Object.defineProperty(config, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), { value: safe, enumerable: false });
  return Object.freeze(config);
}
