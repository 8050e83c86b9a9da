import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Url, s3ClientFor, type S3Settings } from './s3.js';

// IDWISE_STAGING_URL: where the client stages image bytes a backend hands it (an upload from the applicant's app),
// so the workflow only ever holds a reference. `s3://bucket/prefix/`, or an absolute folder under IDWISE_IMAGE_ROOTS
// for a single machine. Every object of a journey lives under `<staging>/<journey folder>/<random name>`: deleting
// a journey's staged images is deleting its folder, and neither the reference nor the file name is in the key.

export type StagingTarget =
  | { kind: 's3'; bucket: string; prefix: string; s3: S3Settings }
  | { kind: 'folder'; path: string };

export const STAGING_HELP =
  'set IDWISE_STAGING_URL to s3://bucket/prefix/ (with IDWISE_S3_* and AWS credentials) or to an absolute folder ' +
  'under IDWISE_IMAGE_ROOTS';

/** Parses IDWISE_STAGING_URL; a string is the problem (naming the variable and the fix). */
export function parseStagingUrl(raw: string, s3: S3Settings): StagingTarget | string {
  const value = raw.trim();
  if (/^s3:\/\//i.test(value)) {
    const loc = parseS3Url(value.endsWith('/') ? `${value}x` : `${value}/x`);
    if (!loc || loc.key.split('/').some((p) => p === '..' || p === '.'))
      return `IDWISE_STAGING_URL must be s3://bucket/prefix/, e.g. s3://applicant-photos/idwise-staging/`;
    return { kind: 's3', bucket: loc.bucket, prefix: loc.key.slice(0, -1), s3 };
  }
  if (!isAbsolute(value) || value.includes('\0')) return `IDWISE_STAGING_URL: ${STAGING_HELP}`;
  return { kind: 'folder', path: value.replace(/\/+$/, '') || '/' };
}

/** The folder of one journey's staged objects: a hash, so the reference is not readable in the store. */
export function journeyFolder(referenceNo: string): string {
  return createHash('sha256').update(`idwise-staging:${referenceNo.trim()}`).digest('hex').slice(0, 32);
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'application/pdf': '.pdf' };

/** A new, unguessable reference for one staged image of the journey. */
export function newStagedRef(target: StagingTarget, referenceNo: string, contentType: string): string {
  const name = `${randomBytes(18).toString('base64url')}${EXTENSIONS[contentType] ?? ''}`;
  return target.kind === 's3'
    ? `s3://${target.bucket}/${target.prefix}${journeyFolder(referenceNo)}/${name}`
    : join(target.path, journeyFolder(referenceNo), name);
}

/** Writes the bytes of one staged image (at most IDWISE_MAX_IMAGE_BYTES, already in memory) to its reference. */
export async function putStaged(target: StagingTarget, ref: string, bytes: Buffer, contentType: string) {
  if (target.kind === 'folder') {
    await mkdir(join(ref, '..'), { recursive: true, mode: 0o700 });
    await writeFile(ref, bytes, { mode: 0o600, flag: 'wx' });
    return;
  }
  const loc = parseS3Url(ref)!;
  await s3ClientFor(target.s3).send(
    new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: bytes, ContentType: contentType }),
  );
}

/** Deletes the given staged references (a start that did not happen); the journey's other objects stay. */
export async function deleteStagedRefs(target: StagingTarget, refs: readonly string[]): Promise<void> {
  if (refs.length === 0) return;
  if (target.kind === 'folder') {
    await Promise.all(refs.map((ref) => rm(ref, { force: true })));
    return;
  }
  const bucket = parseS3Url(refs[0]!)!.bucket;
  const Objects = refs.map((ref) => ({ Key: parseS3Url(ref)!.key }));
  await s3ClientFor(target.s3).send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
}

/** Deletes everything staged for a journey; returns how many objects (or files) were deleted. */
export async function deleteJourneyStaging(target: StagingTarget, referenceNo: string): Promise<number> {
  const folder = journeyFolder(referenceNo);
  if (target.kind === 'folder') {
    const dir = join(target.path, folder);
    const files = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    await rm(dir, { recursive: true, force: true });
    return files.length;
  }
  const client = s3ClientFor(target.s3);
  let deleted = 0;
  let token: string | undefined;
  // One page (at most 1000 keys) per round: ListObjectsV2's pagination, not a retry.
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: target.bucket,
        Prefix: `${target.prefix}${folder}/`,
        ContinuationToken: token,
      }),
    );
    const Objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (Objects.length > 0) {
      const answer = await client.send(
        new DeleteObjectsCommand({ Bucket: target.bucket, Delete: { Objects, Quiet: true } }),
      );
      if (answer.Errors?.length)
        throw new Error(`object store refused to delete ${answer.Errors.length} staged object(s)`);
      deleted += Objects.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
