import { activityInfo, cancellationSignal } from '@temporalio/activity';
import type { KeyRing } from '../codec/keys.js';
import { NO_IMAGE_SOURCES, openImage, type ImageSources } from '../idwise/index.js';
import { openStepFiles } from '../pii/sealed-image-refs.js';
import type { StepFiles, StepMapping } from '../shared/journey.js';
import { toFailure } from './failures.js';

// Checks every image of a journey's mapping before any IDWise journey exists, with the upload's own rules
// (allowed source, regular file, JPEG/PNG/PDF, size): a journey that could never finish is never started.
// URLs are probed with a ranged GET of their first 16 bytes. A refused source, a 4xx, a wrong type or a file
// too large fails at once (IdwiseInvalidImage, non-retryable); an image host that is down for now (5xx,
// reset, timeout) fails retryably, so the activity's retry policy tries again.

export interface PreflightDeps {
  /** IDWISE_IMAGE_ROOTS / IDWISE_IMAGE_HOSTS; everything is refused when absent. */
  imageSources?: ImageSources;
  /** IDWISE_MAX_IMAGE_BYTES. */
  maxImageBytes?: number;
  /** Limit for one URL probe; default 30 s. */
  imageProbeTimeoutMs?: number;
  /** IDWISE_PII_KEYS: opens sealed image references (pii/sealed-image-refs.ts). */
  piiKeys?: KeyRing | null;
}

/** A step's files as they can be opened: sealed references unsealed for this journey, in this activity only. */
export function openedFiles(files: StepFiles, deps: PreflightDeps): StepFiles {
  return openStepFiles(files, activityInfo().workflowExecution?.workflowId ?? '', deps.piiKeys ?? null);
}

/** Checks every image of a mapping; returns how many were checked (skipped steps have none). */
export async function checkImages(steps: StepMapping, deps: PreflightDeps = {}): Promise<number> {
  const sources = deps.imageSources ?? NO_IMAGE_SOURCES;
  const maxBytes = deps.maxImageBytes ?? 6_291_456;
  let checked = 0;
  for (const [stepId, sealed] of Object.entries(steps)) {
    if ('skip' in sealed) continue;
    const files = openedFiles(sealed, deps);
    if ('skip' in files) continue;
    for (const field of ['image', 'image2'] as const) {
      const ref = files[field];
      if (!ref) continue;
      try {
        const image = await openImage(ref, {
          maxBytes,
          stepId,
          field,
          sources,
          probe: true,
          context: 'image check failed',
          timeoutMs: deps.imageProbeTimeoutMs ?? 30_000,
          signal: cancellationSignal(),
        });
        image.stream.destroy();
      } catch (err) {
        throw toFailure(err);
      }
      checked++;
    }
  }
  return checked;
}

export function createPreflightActivities(deps: PreflightDeps = {}) {
  return {
    /** Files that arrive later (provideStepFiles) are checked on their own before they are submitted. */
    async preflightImages(req: { steps: StepMapping }): Promise<{ checked: number }> {
      return { checked: await checkImages(req.steps, deps) };
    },
  };
}
