import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

// Reply helpers. Every wait takes the server's shutdown signal so close() never waits on a slow-body fault or
// injected latency.

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

async function* trickle(body: Buffer, ms: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  const size = Math.ceil(body.length / SLOW_CHUNKS);
  for (let at = 0; at < body.length; at += size) {
    yield body.subarray(at, at + size);
    await sleep(ms / SLOW_CHUNKS, signal);
  }
}

export function sendText(reply: FastifyReply, status: number, text: string, opts: SendOptions): FastifyReply {
  const body = Buffer.from(text, 'utf8');
  reply
    .code(status)
    .header('content-type', opts.contentType ?? 'application/json; charset=utf-8')
    .header('x-request-id', randomUUID());
  for (const [name, value] of Object.entries(opts.headers ?? {})) reply.header(name, value);
  const slowMs = opts.slowBodyMs ?? 0;
  if (slowMs <= 0 || body.length < 2) return reply.send(body);
  // Content-Length is sent first, so the client must wait for every chunk: a real slow body, not a stall.
  reply.header('content-length', String(body.length));
  return reply.send(Readable.from(trickle(body, slowMs, opts.signal)));
}

export function sendJson(reply: FastifyReply, status: number, body: unknown, opts: SendOptions): FastifyReply {
  return sendText(reply, status, JSON.stringify(body), opts);
}

export function sendError(reply: FastifyReply, err: ApiError, opts: SendOptions): FastifyReply {
  return sendJson(reply, err.status, err.toBody(), { ...opts, headers: { ...err.headers, ...opts.headers } });
}

/**
 * Reads a whole (small) body from the raw request. Past `limit` it stops keeping bytes but drains the rest,
 * so the client gets a clean 413 rather than a reset; past `hardLimit` it gives up reading (the response
 * closes the connection).
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
