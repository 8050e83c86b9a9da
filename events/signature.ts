import { createHmac, timingSafeEqual } from 'node:crypto';

// The signature of journey events (shared/journey-events.ts): `t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>">`. The worker signs; the integrator's backend verifies with verifyJourneyEvent before it
// trusts a byte of the body. Several v1 entries are allowed, so a secret can be rotated without downtime.

export type SignatureFailure = 'missing-header' | 'malformed-header' | 'stale-timestamp' | 'mismatch';

/** Why a journey event was refused. The message names the reason only: never the secret, header or body. */
export class JourneyEventSignatureError extends Error {
  override readonly name = 'JourneyEventSignatureError';
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyJourneyEventOptions {
  /** The request body exactly as received (before any JSON parsing or re-serialisation). */
  rawBody: string | Buffer;
  /** The `idwise-temporal-signature` header (JOURNEY_EVENT_SIGNATURE_HEADER). */
  header: string | string[] | undefined;
  /** IDWISE_EVENTS_SECRET, or several during a rotation: any one matching is enough. */
  secret: string | readonly string[];
  /** How far the signed timestamp may be from now, either way. Default 300 s. */
  toleranceSec?: number;
  /** Now, in unix seconds (tests). */
  nowSec?: number;
}

function hmacHex(secret: string, timestampSec: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(rawBody).digest('hex');
}

/** The header value for `rawBody`, signed at `timestampSec` (unix seconds). */
export function signJourneyEvent(secret: string, rawBody: string | Buffer, timestampSec: number): string {
  if (!Number.isSafeInteger(timestampSec)) throw new TypeError('timestampSec must be an integer (unix seconds)');
  return `t=${timestampSec},v1=${hmacHex(secret, timestampSec, rawBody)}`;
}

function parseHeader(header: string): { t: number; v1: string[] } | null {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Checks a journey event's signature; returns normally when it is valid and throws a
 * JourneyEventSignatureError (with `reason`) otherwise. It throws rather than returning false so that a
 * forgotten `if` cannot accept a forged event. Comparison is constant-time; stale timestamps are refused,
 * so a captured request cannot be replayed later. Answer a failure with 400 or 401, never with the details.
 */
export function verifyJourneyEvent(opts: VerifyJourneyEventOptions): void {
  const { rawBody, toleranceSec = 300, nowSec = Math.floor(Date.now() / 1000) } = opts;
  // Number(process.env.X) of an unset variable is NaN, and every comparison with NaN is false: a tolerance
  // that is not a finite positive number would accept an event of any age.
  if (!Number.isFinite(toleranceSec) || toleranceSec <= 0)
    throw new TypeError('verifyJourneyEvent needs toleranceSec as a finite number of seconds above 0, e.g. 300');
  const header = Array.isArray(opts.header) ? opts.header[0] : opts.header;
  if (!header) throw new JourneyEventSignatureError('missing-header', 'journey event has no signature header');
  const parsed = parseHeader(header);
  if (!parsed) throw new JourneyEventSignatureError('malformed-header', 'journey event signature header is malformed');
  if (Math.abs(nowSec - parsed.t) > toleranceSec) {
    throw new JourneyEventSignatureError('stale-timestamp', `journey event signed more than ${toleranceSec}s from now`);
  }
  const secrets = typeof opts.secret === 'string' ? [opts.secret] : opts.secret;
  if (secrets.length === 0 || secrets.some((s) => !s)) throw new TypeError('verifyJourneyEvent needs a secret');
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, parsed.t, rawBody), 'hex');
    // Every candidate is compared in full (no early exit), so timing says nothing about which part matched.
    for (const candidate of parsed.v1) matched = timingSafeEqual(expected, Buffer.from(candidate, 'hex')) || matched;
  }
  if (!matched) throw new JourneyEventSignatureError('mismatch', 'journey event signature does not match');
}
