import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { classifyS3Error } from '../storage/s3.js';
import { deleteJourneyStaging, type StagingTarget } from '../storage/staging.js';

// Staged images (bytes a backend handed the client, staged under IDWISE_STAGING_URL) belong to their journey: the
// journey deletes them when it ends, and erasure deletes them on request. Deleting is idempotent (a folder already
// gone deletes nothing), so a retry after a lost answer is harmless. Objects a crash leaves behind are the bucket
// lifecycle rule's (README, "Using it from a backend").

export interface StagedImagesDeps {
  /** IDWISE_STAGING_URL on the worker; every call is a no-op without it. */
  staging?: StagingTarget | null;
}

export function createStagedImagesActivities(deps: StagedImagesDeps = {}) {
  return {
    async deleteStagedImages(input: { referenceNo: string }): Promise<{ deleted: number }> {
      if (!deps.staging) return { deleted: 0 };
      try {
        const deleted = await deleteJourneyStaging(deps.staging, input.referenceNo);
        if (deleted > 0) log.info('staged images deleted', { deleted });
        return { deleted };
      } catch (err) {
        // Never the key or the bucket: only what kind of failure it was. Access denied needs a fix, not a retry.
        const { problem, detail } = classifyS3Error(err);
        const message = `staged images could not be deleted (${problem}: ${detail})`;
        if (problem === 'transient') throw ApplicationFailure.retryable(message, 'StagedImagesUnavailable');
        throw ApplicationFailure.nonRetryable(message, 'StagedImagesRefused');
      }
    },
  };
}
