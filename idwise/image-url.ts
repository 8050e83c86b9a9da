import got, { type Got, type Response } from 'got';
import { isIdwiseError, type IdwiseError } from './errors.js';
import { allowedHostFor, HOST_REFUSED, type ImageSources } from './image-sources.js';
import { checkSize, guard, HEAD_BYTES, sniffDownload, type Fail } from './image-stream.js';
import { guardedLookup, REFUSED_CODE } from './safe-lookup.js';

// Images fetched from an allowed host. Redirects are followed (pre-signed storage URLs often redirect), but
// each hop is checked against IDWISE_IMAGE_HOSTS again, and every connection's address is checked at
// connect time (guardedLookup), so neither a redirect nor a DNS answer can lead inside the network.

export interface UrlFetchOptions {
  maxBytes: number;
  field: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Ask for the first bytes only (Range: bytes=0-15) and take the size from Content-Range: pre-flight. */
  probe?: boolean | undefined;
}

export interface UrlFailures {
  fail: Fail;
  /** A refusal that names nothing but the step and field. */
  refuse: (reason: string) => IdwiseError;
  /** The host could not answer now (5xx, 408, 429, reset, timeout): worth retrying, `maxAttempts` times at most. */
  transient: (problem: string, cause?: unknown, maxAttempts?: number) => IdwiseError;
}

function refusal(): Error {
  return Object.assign(new Error(HOST_REFUSED), { code: REFUSED_CODE });
}

const MAX_REDIRECTS = 3;
/** Attempts an image URL whose host name does not resolve gets in all (IdwiseError.maxAttempts). */
export const HOST_NOT_FOUND_ATTEMPTS = 3;

// One instance per policy, without IDWise's Authorization header: image hosts never see the credentials.
const fetchers = new WeakMap<ImageSources, Got>();
function fetcherFor(sources: ImageSources): Got {
  let fetcher = fetchers.get(sources);
  if (!fetcher) {
    fetcher = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      maxRedirects: MAX_REDIRECTS,
      dnsLookup: guardedLookup(sources) as never,
      hooks: {
        beforeRedirect: [
          (options) => {
            const next = options.url instanceof URL ? options.url : new URL(String(options.url));
            if (!allowedHostFor(next, sources)) throw refusal();
          },
        ],
      },
    });
    fetchers.set(sources, fetcher);
  }
  return fetcher;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const hasCode = (err: unknown, code: string): boolean => {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++)
    if ((e as { code?: unknown }).code === code) return true;
  return false;
};

function announcedSize(response: Response, probe: boolean): number | null {
  // With a Content-Encoding, got decompresses and Content-Length no longer counts the bytes we send.
  if ((response.headers['content-encoding'] ?? 'identity') !== 'identity') return null;
  const range = /\/(\d+)\s*$/.exec(response.headers['content-range'] ?? '');
  if (probe && response.statusCode === 206) return range ? Number(range[1]) : null;
  const length = Number(response.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

export async function openUrl(url: URL, sources: ImageSources, opts: UrlFetchOptions, f: UrlFailures) {
  if (!allowedHostFor(url, sources)) throw f.refuse(HOST_REFUSED);
  const source = fetcherFor(sources).stream(url, {
    timeout: { request: opts.timeoutMs ?? 120_000 },
    ...(opts.probe ? { headers: { range: `bytes=0-${2 * HEAD_BYTES - 1}` } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    const response = await new Promise<Response>((resolve, reject) => {
      source.once('response', resolve);
      source.once('error', reject);
    });
    const status = response.statusCode;
    if (status >= 500 || status === 408 || status === 429) throw f.transient(`could not be downloaded: HTTP ${status}`);
    if (status < 200 || status > 299) throw f.fail(`could not be downloaded: HTTP ${status}`);
    const size = announcedSize(response, opts.probe === true);
    if (size !== null) checkSize(size, opts.maxBytes, f.fail);
    const { head, contentType, rest } = await sniffDownload(source as AsyncIterable<Buffer>, f.fail);
    const filename = safeDecode(url.pathname.split('/').pop() ?? '') || opts.field;
    const stream = guard(rest, head, opts.probe ? null : size, opts, f.fail, () => source.destroy());
    return { stream, size, contentType, filename };
  } catch (err) {
    source.destroy();
    if (isIdwiseError(err) || opts.signal?.aborted) throw err;
    if (hasCode(err, REFUSED_CODE)) throw f.refuse(HOST_REFUSED);
    // Permanent: the same URL redirects the same way on every attempt, so these fail at once.
    if (hasCode(err, 'ERR_UNSUPPORTED_PROTOCOL'))
      throw f.refuse(`${HOST_REFUSED} (a redirect to a URL that is not https)`);
    if (hasCode(err, 'ERR_TOO_MANY_REDIRECTS'))
      throw f.fail(`could not be downloaded: more than ${MAX_REDIRECTS} redirects`);
    const code = (err as { code?: unknown }).code;
    // A name that does not resolve is most often a typo, sometimes a DNS hiccup: a few attempts, not the API window.
    if (code === 'ENOTFOUND')
      throw f.transient(
        'could not be downloaded: its host name does not resolve (ENOTFOUND)',
        err,
        HOST_NOT_FOUND_ATTEMPTS,
      );
    // No response, or one cut short (reset, timeout, a DNS server not answering): the next attempt can work.
    throw f.transient(`could not be downloaded (${typeof code === 'string' ? code : (err as Error).message})`, err);
  }
}
