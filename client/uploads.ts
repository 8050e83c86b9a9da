import { Readable } from 'node:stream';
import { sniff } from '../idwise/image-stream.js';
import { classifyS3Error, S3_ANSWERS } from '../storage/s3.js';
import { deleteStagedRefs, newStagedRef, putStaged, STAGING_HELP, type StagingTarget } from '../storage/staging.js';
import type { StepMapping } from '../shared/journey.js';
import type { InputIssue } from './errors.js';

// A backend often holds the applicant's photo as bytes (an upload from the app), not as a file the workers can read.
// Wherever a mapping takes an image reference it also takes bytes: the client stages them under IDWISE_STAGING_URL
// with an unguessable name in the journey's folder and hands the workflow only the reference. Every byte value is
// read and checked (size, JPEG/PNG/PDF) before anything is stored; a photo is at most IDWISE_MAX_IMAGE_BYTES, so it
// is held in memory once while it is stored (a Readable of unknown length has no other way into a PUT).

export type ImageBytes = Buffer | Uint8Array | Readable;
export interface ImageUpload {
  bytes: ImageBytes;
  /** Accepted for the caller's records; IDWise gets a random name with the type's extension (names can be PII). */
  filename?: string;
  /** Checked against the first bytes when given. */
  contentType?: 'image/jpeg' | 'image/png' | 'application/pdf';
}
export type ImageInput = string | ImageBytes | ImageUpload;
export type UploadStepFiles = { image: ImageInput; image2?: ImageInput } | { skip: true };
/** A step mapping whose images may be references or bytes. */
export type UploadStepMapping = Record<string, UploadStepFiles>;

/** Staging failed in the store (access denied, no credentials, store down); nothing of the journey was started. */
export class ImageStagingError extends Error {
  override readonly name = 'ImageStagingError';
}

const isBytes = (v: unknown): v is ImageBytes => v instanceof Uint8Array || v instanceof Readable;
const isUpload = (v: unknown): v is ImageUpload => typeof v === 'object' && v !== null && 'bytes' in v;

async function readCapped(bytes: ImageBytes, maxBytes: number): Promise<Buffer | 'too-large'> {
  if (bytes instanceof Uint8Array) return bytes.length > maxBytes ? 'too-large' : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of bytes as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > maxBytes) {
      bytes.destroy();
      return 'too-large';
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

interface Pending {
  ref: string;
  bytes: Buffer;
  contentType: string;
}

export interface PreparedUploads {
  /** The mapping with every byte value replaced by its staged reference (not stored yet). */
  steps: StepMapping | undefined;
  pending: Pending[];
  issues: InputIssue[];
}

/** Reads and checks every byte value and gives each a staged reference; stores nothing. */
export async function prepareUploads(
  steps: UploadStepMapping | undefined,
  ctx: { referenceNo: string; staging: StagingTarget | null; maxBytes: number; path?: string },
): Promise<PreparedUploads> {
  const pending: Pending[] = [];
  const issues: InputIssue[] = [];
  if (steps === undefined || steps === null || typeof steps !== 'object') return { steps, pending, issues };
  const out: Record<string, unknown> = {};
  for (const [stepId, files] of Object.entries(steps)) {
    if (files === null || typeof files !== 'object' || 'skip' in files) {
      out[stepId] = files;
      continue;
    }
    const copy: Record<string, unknown> = { ...files };
    for (const field of ['image', 'image2'] as const) {
      const value: unknown = files[field];
      if (!isBytes(value) && !isUpload(value)) continue;
      const path = `${ctx.path ?? 'steps'}.${stepId}.${field}`;
      const upload = isUpload(value) ? value : { bytes: value };
      // A field with an issue gets a placeholder reference, so the schema does not report it a second time.
      copy[field] = '/';
      if (!ctx.staging) {
        issues.push({ path, message: `bytes need a staging location: ${STAGING_HELP}` });
        continue;
      }
      const bytes = await readCapped(upload.bytes, ctx.maxBytes);
      const contentType = bytes === 'too-large' ? null : sniff(bytes.subarray(0, 8));
      const problem =
        bytes === 'too-large'
          ? `is larger than the ${ctx.maxBytes}-byte limit (IDWISE_MAX_IMAGE_BYTES)`
          : bytes.length === 0
            ? 'is empty'
            : !contentType
              ? 'is not a JPEG, PNG or PDF (its first bytes match none of them)'
              : upload.contentType && upload.contentType !== contentType
                ? `is ${contentType} by its first bytes, not ${upload.contentType}`
                : null;
      if (problem || bytes === 'too-large' || !contentType) {
        issues.push({ path, message: problem ?? 'is not an image' });
        continue;
      }
      const ref = newStagedRef(ctx.staging, ctx.referenceNo, contentType);
      pending.push({ ref, bytes, contentType });
      copy[field] = ref;
    }
    out[stepId] = copy;
  }
  return { steps: out as StepMapping, pending, issues };
}

/** Stores the prepared uploads; on any failure removes the ones stored and says why in one line. */
export async function storeUploads(staging: StagingTarget | null, pending: Pending[]): Promise<string[]> {
  if (!staging || pending.length === 0) return [];
  const results = await Promise.allSettled(pending.map((p) => putStaged(staging, p.ref, p.bytes, p.contentType)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return pending.map((p) => p.ref);
  await deleteStagedRefs(
    staging,
    pending.map((p) => p.ref),
  ).catch(() => undefined);
  const { problem, detail } = classifyS3Error(failed.reason);
  const why =
    staging.kind === 'folder'
      ? `could not be written to the staging folder (${(failed.reason as NodeJS.ErrnoException).code ?? detail})`
      : problem === 'transient'
        ? `could not be stored: the object store did not answer (${detail}); try again`
        : `could not be stored: IDWISE_STAGING_URL ${S3_ANSWERS[problem]} (${detail})`;
  throw new ImageStagingError(`uploaded image ${why}; no journey was started or changed`);
}

/** Removes staged references nobody will use (the start or update did not happen); best effort. */
export async function discardUploads(staging: StagingTarget | null, refs: readonly string[]): Promise<void> {
  if (staging && refs.length > 0) await deleteStagedRefs(staging, refs).catch(() => undefined);
}
