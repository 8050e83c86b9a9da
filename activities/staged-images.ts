// SEAM for issue 17 (image sources: uploads staged in S3 or a folder). PLACEHOLDER: the branch that builds
// staged uploads replaces this file at merge with the real deletion of a reference's staged images; until
// then no image is ever staged, so there is nothing to delete. The erasure workflow (workflows/erasure.ts)
// calls it after IDWise's Delete PII and before the Temporal executions are deleted, and records `deleted`.

export function createStagedImageActivities() {
  return {
    /** Deletes every image staged for this reference; idempotent (a second call deletes 0). */
    async deleteStagedImages(input: { referenceNo: string }): Promise<{ deleted: number }> {
      void input;
      return { deleted: 0 };
    },
  };
}
