import { isAbsolute } from 'node:path';
import { FileSourceError, openAllowedFile } from '../idwise/safe-file.js';
import type { StepMapping } from '../shared/journey.js';
import { loadStagingTarget } from '../storage/staging-config.js';
import { STAGING_HELP, type StagingTarget } from '../storage/staging.js';
import { UsageError } from './cli-args.js';
import { cliFileSources } from './input-file.js';
import type { UploadStepMapping } from './uploads.js';

// `start --upload` and `provide-files --upload`: an ops laptop shares no disk with the workers, so the mapping's local
// files are read here and staged under IDWISE_STAGING_URL by the client; URLs and s3:// references pass as they are.

export function cliStaging(env: NodeJS.ProcessEnv, upload: boolean): StagingTarget | null {
  try {
    const staging = loadStagingTarget(env);
    if (upload && !staging) throw new UsageError(`--upload needs a staging location: ${STAGING_HELP}`);
    return staging;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

export function cliMaxImageBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.IDWISE_MAX_IMAGE_BYTES?.trim();
  if (!raw) return 6_291_456;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError('IDWISE_MAX_IMAGE_BYTES must be a whole number of bytes');
  return n;
}

/** The mapping with every local file opened as a stream (under IDWISE_IMAGE_ROOTS when set), ready to be staged. */
export async function withLocalFilesAsUploads(steps: StepMapping, env: NodeJS.ProcessEnv): Promise<UploadStepMapping> {
  const sources = cliFileSources(env);
  const out: UploadStepMapping = {};
  for (const [stepId, files] of Object.entries(steps)) {
    if ('skip' in files) {
      out[stepId] = files;
      continue;
    }
    const opened: Record<string, unknown> = {};
    for (const field of ['image', 'image2'] as const) {
      const ref = files[field];
      if (ref === undefined) continue;
      if (!isAbsolute(ref)) {
        opened[field] = ref;
        continue;
      }
      try {
        const { handle, size } = await openAllowedFile(ref, sources);
        opened[field] = handle.createReadStream({ start: 0, end: Math.max(0, size - 1), autoClose: true });
      } catch (err) {
        if (err instanceof FileSourceError) throw new UsageError(`--upload: step ${stepId} ${field} ${err.message}`);
        throw err;
      }
    }
    out[stepId] = opened as UploadStepMapping[string];
  }
  return out;
}
