import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { classifyS3Error, parseS3Url, s3ClientFor, S3_ANSWERS, type S3Settings } from '../storage/s3.js';
import { isIdwiseError } from './errors.js';
import { BUCKET_REFUSED, isUnderBucket, type ImageSources } from './image-sources.js';
import { checkSize, guard, HEAD_BYTES, sniffDownload } from './image-stream.js';
import type { UrlFailures } from './image-url.js';

// Images read from object storage (`s3://bucket/key`), only under IDWISE_IMAGE_BUCKETS. The object is streamed
// from the store straight into the upload, never buffered whole. Pre-flight asks for its size (HEAD) and its first
// bytes (a ranged GET). Missing, access denied, no credentials: the same answer on every attempt, so non-retryable;
// a 5xx, reset or timeout from the store is worth retrying. Messages name the step and field, never bucket or key.

export interface S3ImageOptions {
  maxBytes: number;
  field: string;
  signal?: AbortSignal | undefined;
  /** HEAD plus the first bytes only: pre-flight. */
  probe?: boolean | undefined;
}

const DEFAULT_S3: S3Settings = Object.freeze({ endpoint: null, region: null, forcePathStyle: false });

export async function openS3(ref: string, sources: ImageSources, opts: S3ImageOptions, f: UrlFailures) {
  const loc = parseS3Url(ref);
  if (!loc) throw f.refuse('is not a valid s3://bucket/key reference');
  if (!isUnderBucket(loc, sources.buckets)) throw f.refuse(BUCKET_REFUSED);
  const client = s3ClientFor(sources.s3 ?? DEFAULT_S3);
  const signal = opts.signal ? { abortSignal: opts.signal } : {};
  const Bucket = loc.bucket;
  const Key = loc.key;
  let body: (Readable & AsyncIterable<Buffer>) | undefined;
  try {
    let size: number | null = null;
    if (opts.probe) {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key }), signal);
      size = head.ContentLength ?? null;
      if (size !== null) checkSize(size, opts.maxBytes, f.fail);
    }
    const got = await client.send(
      new GetObjectCommand({ Bucket, Key, ...(opts.probe ? { Range: `bytes=0-${2 * HEAD_BYTES - 1}` } : {}) }),
      signal,
    );
    body = got.Body as (Readable & AsyncIterable<Buffer>) | undefined;
    if (!opts.probe) {
      size = got.ContentLength ?? null;
      if (size !== null) checkSize(size, opts.maxBytes, f.fail);
    }
    if (!body) throw f.fail('is empty');
    const { head, contentType, rest } = await sniffDownload(body, f.fail);
    const source = body;
    const filename = Key.split('/').pop() || opts.field;
    const stream = guard(rest, head, opts.probe ? null : size, opts, f.fail, () => source.destroy());
    body = undefined;
    return { stream, size, contentType, filename };
  } catch (err) {
    if (isIdwiseError(err) || opts.signal?.aborted) throw err;
    const { problem, detail } = classifyS3Error(err);
    if (problem === 'transient') throw f.transient(`could not be read from the object store (${detail})`);
    throw f.fail(`${S3_ANSWERS[problem]} (${detail})`);
  } finally {
    body?.destroy();
  }
}
