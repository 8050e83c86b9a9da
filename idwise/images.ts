import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { IdwiseError } from './errors.js';
import { NO_IMAGE_SOURCES, type ImageSources } from './image-sources.js';
import { checkSize, guard, HEAD_BYTES, NOT_AN_IMAGE, sniff, type Fail, type ImageContentType } from './image-stream.js';
import { openS3 } from './image-s3.js';
import { openUrl } from './image-url.js';
import { FileSourceError, openAllowedFile } from './safe-file.js';

// Images are streamed from where the caller keeps them straight into the upload: never buffered whole,
// never base64. Only sources allowed by IDWISE_IMAGE_ROOTS / _HOSTS / _BUCKETS are opened. Everything
// IDWise would reject (missing, empty, not JPEG/PNG/PDF, too large) is caught here first, as a
// non-retryable 'invalid-image' error: retrying cannot fix the file. An image host that fails for now
// (5xx, reset, timeout) is a retryable 'network' error.

export interface OpenImageOptions {
  maxBytes: number;
  stepId: string;
  field: 'image' | 'image2';
  /** Where images may come from; nothing is allowed when absent. */
  sources?: ImageSources;
  signal?: AbortSignal;
  /** Whole-download limit for URLs; the download runs for as long as the upload it feeds. */
  timeoutMs?: number;
  /** Pre-flight: fetch only the first bytes of a URL (the caller then destroys the stream). */
  probe?: boolean;
  /** Starts every message; the upload's by default. */
  context?: string;
}

export interface OpenedImage {
  stream: Readable;
  /** Known for files and for URLs that send Content-Length; null means the upload is chunked. */
  size: number | null;
  contentType: ImageContentType;
  filename: string;
}

export const isImageUrl = (ref: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(ref);

export async function openImage(ref: string, opts: OpenImageOptions): Promise<OpenedImage> {
  const isUrl = isImageUrl(ref);
  const sources = opts.sources ?? NO_IMAGE_SOURCES;
  const where = `${opts.context ?? 'IDWise process-journey-step not sent'}: step ${opts.stepId} ${opts.field}`;
  let label = isUrl ? ref.replace(/[?#].*$/s, '') : basename(ref);
  const error = (
    message: string,
    kind: 'invalid-image' | 'network',
    file: string | null,
    cause?: unknown,
    maxAttempts?: number,
  ) =>
    new IdwiseError(message, {
      kind,
      operation: 'process-journey-step',
      retryable: kind === 'network',
      stepId: opts.stepId,
      file,
      cause,
      maxAttempts: maxAttempts ?? null,
    });
  // Messages name the step and field, never the file: file names and URL paths can name the applicant, and
  // failure messages reach worker logs. The error's `file` keeps it for the caller, who knows the mapping anyway.
  const fail: Fail = (problem, cause) => error(`${where} ${problem}`, 'invalid-image', label, cause);
  // Refusals name neither the file nor the URL: whether something exists outside the allowed sources is secret.
  const refuse = (reason: string) => error(`${where}: ${reason}`, 'invalid-image', null);
  if (isUrl && /^s3:\/\//i.test(ref)) {
    // Object storage has its own module; the failures are the URL ones (refuse, fail, retry later).
    label = ref;
    const transient = (problem: string) => error(`${where} ${problem}`, 'network', label);
    return openS3(ref, sources, opts, { fail, refuse, transient });
  }
  if (isUrl) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw refuse('is not a valid URL');
    }
    // Credentials in the URL would sit in the journey's input: refused even when the client did not check.
    if (url.username || url.password) throw refuse('must not carry user:password@: use a pre-signed URL instead');
    label = `${url.origin}${url.pathname}`; // never the query string: pre-signed URLs carry credentials there
    const transient = (problem: string, cause?: unknown, maxAttempts?: number) =>
      error(`${where} ${problem}`, 'network', label, cause, maxAttempts);
    return openUrl(url, sources, { ...opts, field: opts.field }, { fail, refuse, transient });
  }
  return openFile(ref, sources, opts, fail, refuse);
}

async function openFile(
  path: string,
  sources: ImageSources,
  opts: OpenImageOptions,
  fail: Fail,
  refuse: (reason: string) => IdwiseError,
): Promise<OpenedImage> {
  opts.signal?.throwIfAborted();
  let opened;
  try {
    opened = await openAllowedFile(path, sources);
  } catch (err) {
    if (!(err instanceof FileSourceError)) throw err;
    if (err.problem === 'refused') throw refuse(err.message);
    if (err.problem === 'relative') throw refuse('must be an absolute file path or an https:// URL');
    throw fail(err.message);
  }
  let handle: typeof opened.handle | undefined = opened.handle;
  try {
    const { size } = opened;
    checkSize(size, opts.maxBytes, fail);
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    const contentType = sniff(head.subarray(0, bytesRead));
    if (!contentType) throw fail(NOT_AN_IMAGE);
    // `end` pins the upload to the size announced in Content-Length even if the file grows meanwhile.
    const source = handle.createReadStream({ start: 0, end: size - 1, autoClose: true });
    handle = undefined;
    return { stream: guard(source, null, size, opts, fail), size, contentType, filename: basename(path) };
  } finally {
    await handle?.close();
  }
}
