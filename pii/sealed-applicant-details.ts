import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

// applicant_details carry names and birth dates. They must never sit in workflow history in clear, so the
// client seals them with AES-256-GCM and only the activity that calls IDWise opens them. The key lives in
// the environment of client and worker (IDWISE_PII_KEY), never in history.

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

const VERSION = 'v1';

export function parsePiiKey(value: string | undefined): Buffer {
  const key = value ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new Error(
      'IDWISE_PII_KEY must be 32 bytes in base64 (generate one with: openssl rand -base64 32); it is needed to send applicant details',
    );
  }
  return key;
}

export function sealApplicantDetails(details: ApplicantDetails, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(ApplicantDetailsSchema.parse(details))), cipher.final()]);
  return [VERSION, iv.toString('base64url'), Buffer.concat([body, cipher.getAuthTag()]).toString('base64url')].join(
    '.',
  );
}

export function openApplicantDetails(sealed: string, key: Buffer): ApplicantDetails {
  const [version, iv, payload] = sealed.split('.');
  if (version !== VERSION || !iv || !payload) throw new Error('sealed applicant details are not in the v1 format');
  const data = Buffer.from(payload, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    const clear = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
    return ApplicantDetailsSchema.parse(JSON.parse(clear.toString('utf8')));
  } catch {
    // Never echo the payload: it is PII.
    throw new Error(
      'sealed applicant details could not be opened: IDWISE_PII_KEY differs from the one that sealed them',
    );
  }
}
