import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// IDWise's dashboard offers four ways to authenticate its webhook calls (idwise-api.md §10); IDWISE_WEBHOOK_AUTH
// picks one. "none" must be said explicitly: an unauthenticated receiver lets anyone nudge any journey.

export const AUTH_FORMS =
  'bearer:<token> | basic:<user>:<password> | header:<Header-Name>:<value> | none (only behind another guard)';

export interface WebhookAuth {
  kind: 'bearer' | 'basic' | 'header' | 'none';
  /** True when the request carries the configured credentials. Constant-time in the secret. */
  check(headers: IncomingHttpHeaders): boolean;
  /** WWW-Authenticate for a 401, where the scheme has one. */
  challenge: string | null;
}

const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
/** Hashing first gives equal-length buffers, so neither the value nor its length leaks through timing. */
function sameSecret(presented: string | undefined, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(presented ?? ''), expectedDigest) && presented !== undefined;
}
const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
/** As the codec token and the events secret: a short secret can be guessed by whoever reaches the receiver. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function strong(secret: string): string {
  if (secret.length >= MIN_WEBHOOK_SECRET_LENGTH) return secret;
  // The length only, never the value.
  throw new Error(
    `IDWISE_WEBHOOK_AUTH's secret is ${secret.length} characters: use at least ${MIN_WEBHOOK_SECRET_LENGTH} ` +
      '(e.g. bearer:$(openssl rand -hex 32))',
  );
}

/** Parses IDWISE_WEBHOOK_AUTH; throws one message naming the forms when it is missing or malformed. */
export function parseWebhookAuth(spec: string | undefined): WebhookAuth {
  const value = spec?.trim();
  if (!value) throw new Error(`IDWISE_WEBHOOK_AUTH is required: ${AUTH_FORMS}`);
  const [kind, ...rest] = value.split(':');
  const tail = rest.join(':');
  switch (kind?.toLowerCase()) {
    case 'none':
      if (tail) break;
      return { kind: 'none', check: () => true, challenge: null };
    case 'bearer': {
      if (!tail) break;
      const expected = digest(strong(tail));
      return {
        kind: 'bearer',
        check: (h) => sameSecret(/^Bearer (.+)$/i.exec(single(h.authorization) ?? '')?.[1]?.trim(), expected),
        challenge: 'Bearer realm="idwise-webhooks"',
      };
    }
    case 'basic': {
      const user = rest[0];
      const password = rest.slice(1).join(':');
      if (!user || !password) break;
      const expected = digest(`${user}:${strong(password)}`);
      return {
        kind: 'basic',
        check: (h) => {
          const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(single(h.authorization) ?? '')?.[1];
          return sameSecret(encoded && Buffer.from(encoded, 'base64').toString('utf8'), expected);
        },
        challenge: 'Basic realm="idwise-webhooks"',
      };
    }
    case 'header': {
      const name = rest[0];
      const secret = rest.slice(1).join(':');
      if (!name || !HEADER_NAME.test(name) || !secret) break;
      const expected = digest(strong(secret));
      const key = name.toLowerCase();
      return { kind: 'header', check: (h) => sameSecret(single(h[key]), expected), challenge: null };
    }
  }
  // The value itself is never echoed: it holds the secret.
  throw new Error(`IDWISE_WEBHOOK_AUTH is malformed: use ${AUTH_FORMS}`);
}
