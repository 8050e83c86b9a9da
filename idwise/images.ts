import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import got, { type Response } from 'got';
import { isLoopbackHost } from './config.js';
import { IdwiseError, isIdwiseError } from './errors.js';

// Images are streamed from where the caller keeps them straight into the upload: never buffered whole,
// never base64. Everything IDWise would reject (missing, empty, not JPEG/PNG/PDF, too large) is caught here
// first, as a non-retryable 'invalid-image' error: retrying cannot fix the file.

export interface OpenImageOptions {
  maxBytes: number;
  stepId: string;
  field: 'image' | 'image2';
  signal?: AbortSignal;
  /** Whole-download limit for URLs; the download runs for as long as the upload it feeds. */
  timeoutMs?: number;
}

export interface OpenedImage {
  stream: Readable;
  /** Known for files and for URLs that send Content-Length; null means the upload is chunked. */
  size: number | null;
  contentType: 'image/jpeg' | 'image/png' | 'application/pdf';
  filename: string;
}

const FORMATS = [
  { contentType: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
  { contentType: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'application/pdf', magic: Buffer.from('%PDF', 'latin1') },
] as const;
const HEAD_BYTES = 8;

function sniff(head: Buffer): OpenedImage['contentType'] | null {
  return FORMATS.find((f) => head.subarray(0, f.magic.length).equals(f.magic))?.contentType ?? null;
}

// A separate instance without IDWise's Authorization header: image hosts must never see the credentials.
const imageFetcher = got.extend({
  retry: { limit: 0 },
  throwHttpErrors: false,
  maxRedirects: 5,
  hooks: {
    beforeRedirect: [
      (options) => {
        const url = options.url instanceof URL ? options.url : new URL(String(options.url));
        if (!isAllowedImageUrl(url)) throw new Error(`redirected to a disallowed URL ${describeUrl(url)}`);
      },
    ],
  },
});

function isAllowedImageUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Origin and path only: query strings of pre-signed URLs are credentials. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function openImage(ref: string, opts: OpenImageOptions): Promise<OpenedImage> {
  const isUrl = /^https?:\/\//i.test(ref);
  let label = isUrl ? ref.replace(/[?#].*$/s, '') : basename(ref);
  // The message names the step and field, never the file: file names and URL paths can name the applicant,
  // and failure messages reach worker logs. The caller's mapping says which file that is.
  const fail = (problem: string, cause?: unknown) =>
    new IdwiseError(`IDWise process-journey-step not sent: step ${opts.stepId} ${opts.field} ${problem}`, {
      kind: 'invalid-image',
      operation: 'process-journey-step',
      retryable: false,
      stepId: opts.stepId,
      file: label,
      cause,
    });
  if (isUrl) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch (err) {
      throw fail('is not a valid URL', err);
    }
    label = describeUrl(url);
    if (!isAllowedImageUrl(url)) throw fail('must use https:// (plain http only for localhost)');
    return openUrl(url, opts, fail);
  }
  if (!isAbsolute(ref)) throw fail('must be an absolute file path or an https:// URL');
  return openFile(ref, opts, fail);
}

type Fail = (problem: string, cause?: unknown) => IdwiseError;

async function openFile(path: string, opts: OpenImageOptions, fail: Fail): Promise<OpenedImage> {
  opts.signal?.throwIfAborted();
  // stat before open: opening a FIFO or device would block or read forever.
  // fs messages repeat the full path (which may name the applicant), so only the code is kept, no cause.
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw fail(err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? 'unknown error'})`);
  });
  if (!info.isFile()) throw fail('is not a regular file');
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw fail(`cannot be opened (${err.code ?? 'unknown error'})`);
    });
    const { size } = await handle.stat();
    checkSize(size, opts.maxBytes, fail);
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    const contentType = sniff(head.subarray(0, bytesRead));
    if (!contentType) throw fail('is not a JPEG, PNG or PDF (its first bytes match none of them)');
    // `end` pins the upload to the size announced in Content-Length even if the file grows meanwhile.
    const source = handle.createReadStream({ start: 0, end: size - 1, autoClose: true });
    handle = undefined;
    return { stream: guard(source, null, size, opts, fail), size, contentType, filename: basename(path) };
  } finally {
    await handle?.close();
  }
}

function checkSize(size: number, maxBytes: number, fail: Fail): void {
  if (size === 0) throw fail('is empty');
  if (size > maxBytes) throw fail(`is ${size} bytes, above the ${maxBytes}-byte limit`);
}

async function openUrl(url: URL, opts: OpenImageOptions, fail: Fail): Promise<OpenedImage> {
  const source = imageFetcher.stream(url, {
    timeout: { request: opts.timeoutMs ?? 120_000 },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    const response = await new Promise<Response>((resolve, reject) => {
      source.once('response', resolve);
      source.once('error', reject);
    });
    if (response.statusCode < 200 || response.statusCode > 299)
      throw fail(`could not be downloaded: HTTP ${response.statusCode}`);
    // With a Content-Encoding, got decompresses and Content-Length no longer counts the bytes we send.
    const encoded = (response.headers['content-encoding'] ?? 'identity') !== 'identity';
    const announced = Number(response.headers['content-length']);
    const size = !encoded && Number.isSafeInteger(announced) && announced >= 0 ? announced : null;
    if (size !== null) checkSize(size, opts.maxBytes, fail);
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let head = Buffer.alloc(0);
    while (head.length < HEAD_BYTES) {
      const next = await iterator.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    if (head.length === 0) throw fail('is empty');
    if (!sniff(head)) throw fail('is not a JPEG, PNG or PDF (its first bytes match none of them)');
    const rest = { [Symbol.asyncIterator]: () => iterator };
    const filename = safeDecode(url.pathname.split('/').pop() ?? '') || opts.field;
    const contentType = sniff(head)!;
    return { stream: guard(rest, head, size, opts, fail, () => source.destroy()), size, contentType, filename };
  } catch (err) {
    source.destroy();
    if (isIdwiseError(err) || opts.signal?.aborted) throw err;
    throw fail(`could not be downloaded (${(err as Error).message})`, err);
  }
}

/**
 * Passes the bytes through, counting them: more than the limit (a URL without Content-Length) or a length
 * other than the announced one fails the upload as invalid-image instead of sending a corrupt body.
 */
function guard(
  source: AsyncIterable<Buffer> & { destroy?: () => void },
  head: Buffer | null,
  expected: number | null,
  opts: OpenImageOptions,
  fail: Fail,
  cleanup: () => void = () => source.destroy?.(),
): Readable {
  async function* pass() {
    let sent = 0;
    try {
      if (head) {
        sent += head.length;
        if (sent > opts.maxBytes) throw fail(`is larger than the ${opts.maxBytes}-byte limit`);
        yield head;
      }
      for await (const chunk of source) {
        sent += chunk.length;
        if (sent > opts.maxBytes) throw fail(`is larger than the ${opts.maxBytes}-byte limit`);
        yield chunk;
      }
      if (expected !== null && sent !== expected)
        throw fail(`changed size while uploading (${expected} → ${sent} bytes)`);
    } catch (err) {
      if (isIdwiseError(err) || opts.signal?.aborted) throw err;
      // The code alone: fs messages can repeat the full path, which may name the applicant.
      throw fail(`could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    } finally {
      cleanup();
    }
  }
  const stream = Readable.from(pass(), { objectMode: false });
  stream.once('close', cleanup);
  return stream;
}
