import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

// process-journey-step takes multipart/form-data (idwise-api.md §4). A streaming encoder keeps memory flat
// whatever the image size: each file part is copied chunk by chunk from its stream, never held whole, and
// never base64-encoded (the JSON variant would add a third to every upload).

export interface MultipartField {
  name: string;
  value: string;
}

export interface MultipartFile {
  name: string;
  filename: string;
  contentType: string;
  /** Byte length, or null when unknown (the body is then sent chunked, without Content-Length). */
  size: number | null;
  stream: Readable;
}

export type MultipartPart = MultipartField | MultipartFile;

export interface MultipartBody {
  stream: Readable;
  /** The header value, boundary included. */
  contentType: string;
  /** Exact body length when every file size is known, else null. */
  contentLength: number | null;
}

export interface MultipartOptions {
  boundary?: string;
  /** Called with the running total of body bytes handed to the transport. */
  onProgress?: (bytesSent: number) => void;
}

/** Form-data name escaping as browsers do it (WHATWG HTML, "multipart/form-data encoding algorithm"). */
function escapeName(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

const isFile = (part: MultipartPart): part is MultipartFile => 'stream' in part;

function partHeader(boundary: string, part: MultipartPart): Buffer {
  const disposition = `Content-Disposition: form-data; name="${escapeName(part.name)}"`;
  const lines = isFile(part)
    ? [`--${boundary}`, `${disposition}; filename="${escapeName(part.filename)}"`, `Content-Type: ${part.contentType}`]
    : [`--${boundary}`, disposition];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
}

export function encodeMultipart(parts: readonly MultipartPart[], opts: MultipartOptions = {}): MultipartBody {
  const boundary = opts.boundary ?? `----idwise-${randomBytes(16).toString('hex')}`;
  const heads = parts.map((part) => partHeader(boundary, part));
  const values = parts.map((part) => (isFile(part) ? null : Buffer.from(part.value, 'utf8')));
  const crlf = Buffer.from('\r\n');
  const closing = Buffer.from(`--${boundary}--\r\n`);

  let contentLength: number | null = closing.length;
  parts.forEach((part, i) => {
    const bodyLength = isFile(part) ? part.size : values[i]!.length;
    contentLength =
      contentLength === null || bodyLength === null ? null : contentLength + heads[i]!.length + bodyLength + 2;
  });

  async function* generate(): AsyncGenerator<Buffer> {
    let sent = 0;
    const count = (chunk: Buffer) => {
      sent += chunk.length;
      opts.onProgress?.(sent);
      return chunk;
    };
    try {
      for (const [i, part] of parts.entries()) {
        yield count(heads[i]!);
        if (isFile(part)) {
          for await (const chunk of part.stream) yield count(chunk as Buffer);
        } else {
          yield count(values[i]!);
        }
        yield count(crlf);
      }
      yield count(closing);
    } finally {
      // Also releases files of parts never reached (an earlier part failed, or the request was aborted).
      for (const part of parts) if (isFile(part)) part.stream.destroy();
    }
  }

  return {
    stream: Readable.from(generate(), { objectMode: false }),
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
  };
}
