import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';

// IDWise accepts JPG, PNG and PDF (idwise-api.md §9). Formats are told by magic bytes, not by filename or
// part Content-Type, because clients label uploads loosely (the IDWise SDK itself sends `image/jpg`).

export type ImageFormat = 'jpeg' | 'png' | 'pdf';

const MAGIC: [ImageFormat, Buffer][] = [
  ['jpeg', Buffer.from([0xff, 0xd8, 0xff])],
  ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
  ['pdf', Buffer.from('%PDF', 'latin1')],
];

export function detectFormat(bytes: Buffer): ImageFormat | null {
  return MAGIC.find(([, magic]) => bytes.subarray(0, magic.length).equals(magic))?.[0] ?? null;
}

/** What the sandbox keeps of an upload: never the bytes, so a benchmark's memory stays flat. */
export interface StoredImage {
  field: string;
  format: ImageFormat;
  size: number;
  /** Opaque id used for the result's image paths. */
  path: string;
}

/** An upload as received: bytes, or null when it was larger than the limit (already discarded). */
export interface Upload {
  size: number;
  bytes: Buffer | null;
}

export function tooLarge(field: string, max: number): ApiError {
  return new ApiError(413, 'file_too_large', `${field} exceeds the maximum size of ${max} bytes`);
}

export function checkImage(field: string, upload: Upload, maxBytes: number): StoredImage {
  if (upload.bytes === null || upload.size > maxBytes) throw tooLarge(field, maxBytes);
  if (upload.size === 0) throw new ApiError(400, 'missing_image', `${field} is empty`);
  const format = detectFormat(upload.bytes);
  if (!format) {
    throw new ApiError(400, 'invalid_image_format', `${field} must be a JPEG, PNG or PDF file`);
  }
  const path = createHash('sha256').update(upload.bytes).digest('hex').slice(0, 24);
  return { field, format, size: upload.size, path };
}
