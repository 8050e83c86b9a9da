import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError } from './errors.js';

// Small node:http helpers. Every wait takes the server's shutdown signal so close() never waits on a
// slow-body fault or injected latency.

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return ms > 0 ? delay(ms, undefined, { signal }) : Promise.resolve();
}

export interface SendOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** Spread the body over this many ms (the slow-body fault); 0 sends it at once. */
  slowBodyMs?: number;
  contentType?: string;
}

const SLOW_CHUNKS = 10;

export async function sendText(res: ServerResponse, status: number, text: string, opts: SendOptions): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': opts.contentType ?? 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'X-Request-Id': randomUUID(),
    ...opts.headers,
  });
  const slowMs = opts.slowBodyMs ?? 0;
  if (slowMs <= 0 || body.length < 2) {
    res.end(body);
    return;
  }
  // Content-Length is already sent, so the client must wait for every chunk: a real slow body, not a stall.
  const size = Math.ceil(body.length / SLOW_CHUNKS);
  for (let at = 0; at < body.length; at += size) {
    if (res.destroyed) return;
    res.write(body.subarray(at, at + size));
    await sleep(slowMs / SLOW_CHUNKS, opts.signal);
  }
  if (!res.destroyed) res.end();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, opts: SendOptions): Promise<void> {
  return sendText(res, status, JSON.stringify(body), opts);
}

export function sendError(res: ServerResponse, err: ApiError, opts: SendOptions): Promise<void> {
  return sendJson(res, err.status, err.toBody(), { ...opts, headers: { ...err.headers, ...opts.headers } });
}

/**
 * Reads a whole (small) body. Past `limit` it stops keeping bytes but drains the rest, so the client gets a
 * clean 413 rather than a reset; past `hardLimit` it gives up reading (the response closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number, hardLimit = limit * 4 + 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = (headers?: Record<string, string>) =>
      new ApiError(413, 'file_too_large', `Request body exceeds ${limit} bytes`, headers);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > hardLimit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge({ Connection: 'close' }));
      }
    });
    req.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function parseJson(buf: Buffer, status: 400 | 422): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ApiError(status, 'validation_error', 'Request body must be valid JSON');
  }
}

/** The request's media type without parameters, lower-cased. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
