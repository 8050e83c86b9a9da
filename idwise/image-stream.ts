import { Readable } from 'node:stream';
import { isIdwiseError, type IdwiseError } from './errors.js';

// What openImage's two sources (files and URLs) share: format sniffing and a byte-counting pass-through.

export type ImageContentType = 'image/jpeg' | 'image/png' | 'application/pdf';

const FORMATS = [
  { contentType: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
  { contentType: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'application/pdf', magic: Buffer.from('%PDF', 'latin1') },
] as const;
export const HEAD_BYTES = 8;
export const NOT_AN_IMAGE = 'is not a JPEG, PNG or PDF (its first bytes match none of them)';

export function sniff(head: Buffer): ImageContentType | null {
  return FORMATS.find((f) => head.subarray(0, f.magic.length).equals(f.magic))?.contentType ?? null;
}

export type Fail = (problem: string, cause?: unknown) => IdwiseError;

/**
 * Reads a downloaded body's first bytes and tells its type (empty and unknown types fail); returns them with the
 * iterator of the rest, for guard() to send both.
 */
export async function sniffDownload(source: AsyncIterable<Buffer>, fail: Fail) {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) throw fail('is empty');
  const contentType = sniff(head);
  if (!contentType) throw fail(NOT_AN_IMAGE);
  return { head, contentType, rest: { [Symbol.asyncIterator]: () => iterator } };
}

export function checkSize(size: number, maxBytes: number, fail: Fail): void {
  if (size === 0) throw fail('is empty');
  if (size > maxBytes) throw fail(`is ${size} bytes, above the ${maxBytes}-byte limit`);
}

/**
 * Passes the bytes through, counting them: more than the limit (a URL without Content-Length) or a length
 * other than the announced one fails the upload as invalid-image instead of sending a corrupt body.
 */
export function guard(
  source: AsyncIterable<Buffer> & { destroy?: () => void },
  head: Buffer | null,
  expected: number | null,
  opts: { maxBytes: number; signal?: AbortSignal | undefined },
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
