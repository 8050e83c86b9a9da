import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

// Key lists shared by the payload codec (IDWISE_CODEC_KEYS) and the applicant-details seal (IDWISE_PII_KEYS):
// `keyId:base64key,keyId:base64key`. The first key encrypts, every key decrypts, so a new key can be added in
// front while journeys encrypted under the old one are still running. Key material never appears in an error
// or log line: only the variable's name, the key's id and its position.

export interface KeyRing {
  /** The key id new data is encrypted under (the first in the list). */
  readonly primaryId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export const KEY_BYTES = 32;
const MIN_DISTINCT_BYTES = 16;
export const GENERATE_KEY_HINT = `generate a key with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a 32-byte key is too weak to use, or null. Catches placeholders, zeros and repeated short patterns. */
export function weakKeyReason(key: Buffer): string | null {
  if (key.every((b) => b === 0)) return 'is all zero bytes';
  if (new Set(key).size < MIN_DISTINCT_BYTES) return `has fewer than ${MIN_DISTINCT_BYTES} distinct byte values`;
  for (let period = 1; period <= key.length / 2; period++) {
    if (key.every((b, i) => i < period || b === key[i - period])) return `repeats a ${period}-byte pattern`;
  }
  return null;
}

/** Parses `keyId:base64key,...`; every problem is listed in one error naming the variable and the fix. */
export function parseKeyRing(variable: string, raw: string | undefined): KeyRing {
  const value = raw?.trim() ?? '';
  if (!value) {
    throw new Error(
      `${variable} is not set: set it to keyId:base64key (32 bytes) pairs, comma-separated; ${GENERATE_KEY_HINT}`,
    );
  }
  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  value.split(',').forEach((entry, index) => {
    const where = `${variable} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? entry.trim() : entry.slice(colon + 1).trim();
    if (!id) return problems.push(`${where} has no key id: write it as keyId:base64key, e.g. k1:<key>`);
    if (!ID_PATTERN.test(id)) return problems.push(`${where}: key id must be 1-64 of A-Z a-z 0-9 . _ -`);
    if (keys.has(id)) return problems.push(`${where}: key id "${id}" appears twice; give every key its own id`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : null;
    if (!key) return problems.push(`${where} (key id "${id}") is not base64; ${GENERATE_KEY_HINT}`);
    if (key.length !== KEY_BYTES) {
      return problems.push(`${where} (key id "${id}") is ${key.length} bytes, not ${KEY_BYTES}; ${GENERATE_KEY_HINT}`);
    }
    const weak = weakKeyReason(key);
    if (weak) return problems.push(`${where} (key id "${id}") ${weak}: use a random key; ${GENERATE_KEY_HINT}`);
    keys.set(id, key);
    return undefined;
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const ring: KeyRing = { primaryId: keys.keys().next().value!, keys };
  // A configuration object logged whole (JSON or console.log) shows key ids, never key material.
  const redacted = () => `[keys ${describeKeyRing(ring)}]`;
  Object.defineProperties(ring, {
    toJSON: { value: redacted },
    [inspect.custom]: { value: redacted },
  });
  return Object.freeze(ring);
}

/** For configuration logs: the key ids, never the keys. */
export function describeKeyRing(ring: KeyRing): string {
  return [...ring.keys.keys()].map((id) => (id === ring.primaryId ? `${id} (encrypts)` : id)).join(', ');
}

/** A fresh random key list for tests, the demo and the bench: `id:base64` for each id. */
export function generateKeyList(ids: string[] = ['run']): string {
  return ids.map((id) => `${id}:${randomBytes(KEY_BYTES).toString('base64')}`).join(',');
}
