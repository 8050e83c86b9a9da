import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { parseKeyRing, type KeyRing } from '../codec/keys.js';
import { ErrorType } from '../shared/errors.js';

// applicant_details carry names and birth dates. The payload codec already encrypts all of history, but
// whoever may read decoded histories (ops through the codec server and the Web UI) still has no business
// seeing an applicant's name: data minimisation. So the client seals them under a separate key
// (IDWISE_PII_KEYS) that only clients and workers hold, never the codec server; only the activity that
// calls IDWise opens them. A sealed blob is bound to its journey (reference number and flow id as AES-GCM
// additional data), so it cannot be replayed under another reference.

/** 1990-02-30 and 1990-13-01 are not dates: the round trip through Date must give the same text back. */
function isCalendarDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const ApplicantDetailsSchema = z.strictObject({
  full_name: z
    .string({ error: 'full_name is required when applicant details are sent' })
    .trim()
    .min(1, 'full_name is required when applicant details are sent'),
  birth_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'birth_date must be YYYY-MM-DD')
    .refine(isCalendarDate, 'birth_date must be a real date (YYYY-MM-DD, e.g. 1990-04-30)')
    .refine((d) => d <= new Date().toISOString().slice(0, 10), 'birth_date must not be in the future')
    .optional(),
  sex: z.enum(['male', 'female']).optional(),
  address: z.string().min(1).optional(),
  nationality_code: z
    .string()
    .regex(/^[A-Z]{3}$/, 'nationality_code must be ISO 3166-1 alpha-3, e.g. GBR')
    .optional(),
});
export type ApplicantDetails = z.infer<typeof ApplicantDetailsSchema>;

/** The journey a sealed blob belongs to. */
export interface SealBinding {
  referenceNo: string;
  flowId: string;
}

export const PII_KEYS_VARIABLE = 'IDWISE_PII_KEYS';
const LEGACY_VARIABLE = 'IDWISE_PII_KEY';
const VERSION = 'v2';
const LEGACY_VERSION = 'v1';

/**
 * IDWISE_PII_KEYS (`keyId:base64key,...`, first seals, all open), or the deprecated single IDWISE_PII_KEY
 * (key id `default`). Null when neither is set: journeys without applicant details need no key.
 */
export function loadPiiKeys(env: NodeJS.ProcessEnv = process.env): KeyRing | null {
  const list = env[PII_KEYS_VARIABLE]?.trim();
  const legacy = env[LEGACY_VARIABLE]?.trim();
  if (list && legacy) throw new Error(`set ${PII_KEYS_VARIABLE} only; ${LEGACY_VARIABLE} is its deprecated alias`);
  if (list) return parseKeyRing(PII_KEYS_VARIABLE, list);
  if (legacy)
    return parseKeyRing(`${LEGACY_VARIABLE} (deprecated: use ${PII_KEYS_VARIABLE}=default:<key>)`, `default:${legacy}`);
  return null;
}

const aad = ({ referenceNo, flowId }: SealBinding) =>
  Buffer.from(JSON.stringify(['idwise-applicant-details', VERSION, referenceNo, flowId]));

/** `v2.<keyId>.<iv>.<ciphertext+tag>`, sealed under the ring's first key and bound to the journey. */
export function sealApplicantDetails(details: ApplicantDetails, binding: SealBinding, ring: KeyRing): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.primaryId)!, iv);
  cipher.setAAD(aad(binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(ApplicantDetailsSchema.parse(details))), cipher.final()]);
  const sealed = Buffer.concat([body, cipher.getAuthTag()]).toString('base64url');
  return [VERSION, ring.primaryId, iv.toString('base64url'), sealed].join('.');
}

function unreadable(why: string): ApplicationFailure {
  // Never the blob nor anything decrypted: it is PII. Retrying cannot bring a missing key back.
  return ApplicationFailure.nonRetryable(
    `sealed applicant details cannot be opened: ${why}`,
    ErrorType.ApplicantDetailsUnreadable,
  );
}

function tryOpen(key: Buffer, iv: string, payload: string, additional: Buffer | null): ApplicantDetails | null {
  const data = Buffer.from(payload, 'base64url');
  if (data.length < 17) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    if (additional) decipher.setAAD(additional);
    decipher.setAuthTag(data.subarray(data.length - 16));
    const clear = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
    const parsed = ApplicantDetailsSchema.safeParse(JSON.parse(clear.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Opens a sealed blob for the journey it was sealed for; throws ApplicantDetailsUnreadable otherwise. */
export function openApplicantDetails(sealed: string, binding: SealBinding, ring: KeyRing): ApplicantDetails {
  const parts = sealed.split('.');
  if (parts[0] === LEGACY_VERSION && parts.length === 3) {
    // Sealed before key ids and binding existed (single IDWISE_PII_KEY): any key of the ring may open it.
    for (const key of ring.keys.values()) {
      const opened = tryOpen(key, parts[1]!, parts[2]!, null);
      if (opened) return opened;
    }
    throw unreadable(`no key in ${PII_KEYS_VARIABLE} opens this v1 blob (sealed under the old IDWISE_PII_KEY)`);
  }
  const [version, keyId, iv, payload] = parts;
  if (version !== VERSION || !keyId || !iv || !payload || parts.length !== 4) throw unreadable('not in the v2 format');
  const key = ring.keys.get(keyId);
  if (!key) throw unreadable(`sealed under key id "${keyId}", which ${PII_KEYS_VARIABLE} on this worker does not hold`);
  const opened = tryOpen(key, iv, payload, aad(binding));
  if (!opened) {
    throw unreadable(
      `key id "${keyId}" does not open it for journey ${binding.referenceNo} (flow ${binding.flowId}): ` +
        'the key differs from the one that sealed it, or the blob was sealed for another journey',
    );
  }
  return opened;
}
