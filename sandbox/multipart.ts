import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

// A streaming multipart/form-data parser (RFC 7578). Bytes are scanned as they arrive: a file part is kept
// only up to maxFileBytes, after which it is marked too large and the rest is discarded, so a 50 MB upload
// costs at most maxFileBytes of memory. The request is still drained, so the client reads a clean 413.

export interface MultipartLimits {
  maxFileBytes: number;
  maxFieldBytes: number;
  maxParts: number;
  /** Past this many request bytes the body is only drained (413); past 4x it is closed. */
  maxRequestBytes: number;
}

export interface FilePart {
  filename: string | undefined;
  size: number;
  /** Null when the part exceeded maxFileBytes. */
  bytes: Buffer | null;
}

export interface MultipartBody {
  fields: Map<string, string>;
  files: Map<string, FilePart>;
}

/** Parts named like this are files even without a filename (some clients send them as plain fields). */
const FILE_FIELDS = new Set(['image', 'image2']);
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartParser {
  private readonly delimiter: Buffer;
  // A leading CRLF lets the first boundary match the same "\r\n--boundary" pattern as every later one.
  private buf: Buffer = Buffer.from('\r\n');
  private state: 'preamble' | 'boundary' | 'headers' | 'body' | 'done' = 'preamble';
  private part: { name: string; filename: string | undefined; isFile: boolean; size: number; chunks: Buffer[] } | null =
    null;
  private parts = 0;
  private readonly body: MultipartBody = { fields: new Map(), files: new Map() };
  /** First problem found; later bytes are ignored. */
  error: ApiError | null = null;

  constructor(
    boundary: string,
    private readonly limits: MultipartLimits,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  write(chunk: Buffer): void {
    if (this.error || this.state === 'done') return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.scan();
    } catch (err) {
      this.error = err instanceof ApiError ? err : malformed(String(err));
    }
  }

  end(): MultipartBody {
    if (this.error) throw this.error;
    if (this.state !== 'done') throw malformed('the closing boundary is missing');
    return this.body;
  }

  private scan(): void {
    for (;;) {
      if (this.state === 'preamble' || this.state === 'body') {
        const at = this.buf.indexOf(this.delimiter);
        if (at < 0) {
          // Keep a tail that could be the start of a delimiter split across chunks.
          const keep = Math.min(this.buf.length, this.delimiter.length - 1);
          this.take(this.buf.subarray(0, this.buf.length - keep));
          this.buf = this.buf.subarray(this.buf.length - keep);
          return;
        }
        this.take(this.buf.subarray(0, at));
        this.finishPart();
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'boundary';
      } else if (this.state === 'boundary') {
        if (this.buf.length < 2) return;
        const next = this.buf.subarray(0, 2).toString('latin1');
        if (next === '--') {
          this.state = 'done';
          return;
        }
        if (next !== '\r\n') throw malformed('a boundary is not followed by CRLF');
        this.buf = this.buf.subarray(2);
        this.state = 'headers';
      } else if (this.state === 'headers') {
        const at = this.buf.indexOf(HEADER_END);
        if (at < 0) {
          if (this.buf.length > MAX_HEADER_BYTES) throw malformed('part headers are too long');
          return;
        }
        this.startPart(this.buf.subarray(0, at).toString('utf8'));
        this.buf = this.buf.subarray(at + HEADER_END.length);
        this.state = 'body';
      } else return;
    }
  }

  private startPart(headerText: string): void {
    if (++this.parts > this.limits.maxParts) throw malformed(`more than ${this.limits.maxParts} parts`);
    const disposition = headerText.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line));
    const name = disposition && param(disposition, 'name');
    if (!name) throw malformed('a part has no Content-Disposition name');
    const filename = param(disposition, 'filename');
    this.part = { name, filename, isFile: filename !== undefined || FILE_FIELDS.has(name), size: 0, chunks: [] };
  }

  private take(data: Buffer): void {
    const part = this.part;
    if (!part || data.length === 0) return;
    part.size += data.length;
    const limit = part.isFile ? this.limits.maxFileBytes : this.limits.maxFieldBytes;
    if (part.size <= limit) part.chunks.push(Buffer.from(data));
    else if (!part.isFile) throw new ApiError(400, 'validation_error', `Form field ${part.name} is too long`);
    else part.chunks = [];
  }

  private finishPart(): void {
    const part = this.part;
    this.part = null;
    if (!part) return;
    if (part.isFile) {
      const bytes = part.size <= this.limits.maxFileBytes ? Buffer.concat(part.chunks) : null;
      if (!this.body.files.has(part.name))
        this.body.files.set(part.name, { filename: part.filename, size: part.size, bytes });
    } else if (!this.body.fields.has(part.name)) {
      this.body.fields.set(part.name, Buffer.concat(part.chunks).toString('utf8'));
    }
  }
}

function malformed(why: string): ApiError {
  return new ApiError(400, 'validation_error', `Malformed multipart/form-data body: ${why}`);
}

/** Reads `name="..."` (or unquoted) from a header; `(?:^|;)` keeps `name` from matching inside `filename`. */
function param(header: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(
    header.slice(header.indexOf(':') + 1),
  );
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

export function boundaryOf(contentType: string | undefined): string {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary || boundary.length > 200) throw malformed('the Content-Type has no boundary');
  return boundary;
}

export function readMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<MultipartBody> {
  const parser = new MultipartParser(boundaryOf(req.headers['content-type']), limits);
  const tooLarge = (headers?: Record<string, string>) =>
    new ApiError(413, 'file_too_large', `Request body exceeds ${limits.maxRequestBytes} bytes`, headers);
  return new Promise((resolve, reject) => {
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      // Draining a moderately oversized body lets every client read the 413; past 4x, stop and hang up.
      if (total > limits.maxRequestBytes * 4) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge({ Connection: 'close' }));
      } else if (total <= limits.maxRequestBytes) parser.write(chunk);
    });
    req.on('end', () => {
      try {
        if (total > limits.maxRequestBytes) throw tooLarge();
        resolve(parser.end());
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}
