import { realpathSync, statSync } from 'node:fs';
import { isUnderBucket, isUnderRoot, type ImageSources } from '../idwise/image-sources.js';
import { S3EnvSchema, s3SettingsFrom } from './s3.js';
import { parseStagingUrl, STAGING_HELP, type StagingTarget } from './staging.js';

/**
 * IDWISE_STAGING_URL (and IDWISE_S3_*) from the environment; null when unset. With `sources` (the worker)
 * the staging location must be one the worker reads from (IDWISE_IMAGE_BUCKETS or IDWISE_IMAGE_ROOTS):
 * otherwise every staged image would be refused at pre-flight.
 */
export function loadStagingTarget(env: NodeJS.ProcessEnv, sources?: ImageSources): StagingTarget | null {
  const raw = env.IDWISE_STAGING_URL?.trim();
  if (!raw) return null;
  const s3Env = S3EnvSchema.safeParse(env);
  if (!s3Env.success) throw new Error(s3Env.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const target = parseStagingUrl(raw, sources?.s3 ?? s3SettingsFrom(s3Env.data));
  if (typeof target === 'string') throw new Error(target);
  if (target.kind === 's3') {
    const probe = { bucket: target.bucket, key: `${target.prefix}x` };
    if (sources && !isUnderBucket(probe, sources.buckets))
      throw new Error('IDWISE_STAGING_URL must be in a bucket (and prefix) listed in IDWISE_IMAGE_BUCKETS');
    return target;
  }
  let real: string;
  try {
    real = realpathSync(target.path);
    if (!statSync(real).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new Error(`IDWISE_STAGING_URL ${target.path} is not an existing folder: ${STAGING_HELP}`);
  }
  if (sources && !isUnderRoot(real, sources.roots))
    throw new Error('IDWISE_STAGING_URL must be a folder under one of IDWISE_IMAGE_ROOTS');
  return { kind: 'folder', path: real };
}
