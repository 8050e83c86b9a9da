import { createHash, timingSafeEqual } from 'node:crypto';
import type { SandboxCredential } from './config.js';
import { ApiError } from './errors.js';

// HTTP Basic with a server API key (username) and secret (password), as IDWise documents (idwise-api.md §1),
// answering with the documented error codes (§8).

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
export const normalizeIp = (ip: string | undefined) => (ip ?? '').replace(/^::ffff:/, '');

export function authenticate(
  header: string | undefined,
  remoteIp: string | undefined,
  credentials: readonly SandboxCredential[],
): SandboxCredential {
  if (!header?.trim()) {
    throw new ApiError(401, 'missing_authorization_header', 'Authorization header is missing');
  }
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header.trim());
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new ApiError(
      401,
      'invalid_authentication_format',
      'Authorization header must be HTTP Basic: base64 of "API_KEY:API_SECRET"',
    );
  }
  const key = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const match = credentials.find((c) => c.key === key);
  // Compare a secret even for an unknown key, so timing does not tell which keys exist.
  const ok = sameSecret(secret, match?.secret ?? '\0no-such-key');
  if (!match || !ok) throw new ApiError(401, 'invalid_credentials', 'Invalid API key or secret');
  const ip = normalizeIp(remoteIp);
  if (match.allowedIps && !match.allowedIps.includes(ip)) {
    throw new ApiError(403, 'not_allowed_ip_address', `IP address ${ip} is not allowed to use this API key`);
  }
  return match;
}
