import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { createStagedImagesActivities } from '../activities/staged-images.js';
import { transientRetry } from './activity-options.js';

type StagedImagesActivities = ReturnType<typeof createStagedImagesActivities>;

// Staged images (uploads the client put under IDWISE_STAGING_URL) belong to the journey and go when it ends. A store
// that stays down must not hold the outcome back: after ten minutes of retries the journey ends anyway, and the
// bucket's lifecycle rule removes what is left (README, "Using it from a backend"). A worker that cannot even read the
// activity's input (PayloadDecryptionFailed: its IDWISE_CODEC_KEYS lack the key) fails it at once, as every other
// activity of the journey does, rather than holding a failing journey open for those ten minutes.
const { deleteStagedImages } = proxyActivities<StagedImagesActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: transientRetry,
});

/** `stagingEnabled`: what the workers said (false: no IDWISE_STAGING_URL, nothing to do); unknown before the start. */
export async function deleteStagedImagesOf(
  referenceNo: string,
  stagingEnabled: boolean | undefined,
  lean = false,
): Promise<void> {
  // Journeys that ended before this step existed replay without it (a lean journey always had it).
  if (stagingEnabled === false || (!lean && !patched('delete-staged-images'))) return;
  try {
    await deleteStagedImages({ referenceNo });
  } catch (err) {
    log.warn('staged images not deleted; the bucket lifecycle rule removes them', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
