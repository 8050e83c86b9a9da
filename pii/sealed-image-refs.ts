import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { KeyRing } from '../codec/keys.js';
import { ErrorType } from '../shared/errors.js';
import type { StepFiles, StepMapping } from '../shared/journey.js';
import { PII_KEYS_VARIABLE } from './sealed-applicant-details.js';

// Where an image lives says more than it should: a pre-signed URL's query string is a working credential, and a
// folder such as /data/applicants/<name>/ names the applicant. Whoever reads decoded history (the codec server, the
// Web UI) sees only a display form, `https://host/…/selfie.jpg` or `/…/selfie.jpg`; the reference itself is sealed
// with the PII keys like applicant details, bound to its journey's workflow id, and opened only by the activity that
// reads the image. Nothing here looks at the scheme beyond "scheme://host", so a new kind of reference needs no
// change. Without IDWISE_PII_KEYS references stay as given, except those carrying a query string, which are refused.

export const SEALED_IMAGE_PREFIX = 'sealed:';
const VERSION = 'i1';

const aad = (workflowId: string) => Buffer.from(JSON.stringify(['idwise-image-ref', VERSION, workflowId]));
const URL_LIKE = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)/i;

/** What the Web UI may show: scheme and host (no user:password@), the last path segment, nothing else. */
export function displayImageRef(ref: string): string {
  const url = URL_LIKE.exec(ref);
  const [start, path] = url ? [`${url[1]}${url[2]!.replace(/^.*@/s, '')}`, url[3]!] : ['', ref.replace(/[?#].*$/s, '')];
  const segments = path.split(/[\\/]/);
  const last = segments.pop() ?? '';
  const shown = segments.filter(Boolean).length > 0 ? `/…/${last}` : `/${last}`;
  return `${start}${shown}`.replace(/#/g, '%23');
}

/** A URL with credentials in it (`user:password@host`): refused however the reference is stored. */
export function hasUserinfo(ref: string): boolean {
  return /@/.test(URL_LIKE.exec(ref)?.[2] ?? '');
}
export const USERINFO_REFUSED =
  'must not carry user:password@: credentials would be readable in the journey; use a pre-signed URL instead';

export function isSealedImageRef(ref: string): boolean {
  return ref.startsWith(SEALED_IMAGE_PREFIX);
}

/** `sealed:<display>#i1.<keyId>.<iv>.<ciphertext+tag>`, sealed under the ring's first key for `workflowId`. */
export function sealImageRef(ref: string, workflowId: string, ring: KeyRing): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.primaryId)!, iv);
  cipher.setAAD(aad(workflowId));
  const body = Buffer.concat([cipher.update(ref, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const blob = [VERSION, ring.primaryId, iv.toString('base64url'), body.toString('base64url')].join('.');
  return `${SEALED_IMAGE_PREFIX}${displayImageRef(ref)}#${blob}`;
}

export interface SealedSteps {
  steps: StepMapping;
  /** `steps.<id>.<field>: <why>`, one per reference that cannot go into history. */
  issues: { path: string; message: string }[];
}

/** The client's one place: every image reference of a mapping, sealed (or refused) before it enters history. */
export function sealStepMapping(steps: StepMapping, workflowId: string, ring: KeyRing | null): SealedSteps {
  const issues: SealedSteps['issues'] = [];
  const sealed: StepMapping = {};
  for (const [stepId, files] of Object.entries(steps)) {
    if ('skip' in files) {
      sealed[stepId] = files;
      continue;
    }
    const out: StepFiles = { ...files };
    for (const field of ['image', 'image2'] as const) {
      const ref = files[field];
      if (!ref || isSealedImageRef(ref)) continue;
      const path = `steps.${stepId}.${field}`;
      if (hasUserinfo(ref)) issues.push({ path, message: USERINFO_REFUSED });
      else if (ring) out[field] = sealImageRef(ref, workflowId, ring);
      else if (/[?#]/.test(ref) && URL_LIKE.test(ref))
        issues.push({
          path,
          message: `needs ${PII_KEYS_VARIABLE} (keyId:base64key) so the URL's query string (often a pre-signed credential) is sealed before it enters workflow history`,
        });
    }
    sealed[stepId] = out;
  }
  return { steps: sealed, issues };
}

function unreadable(why: string): ApplicationFailure {
  // Never the blob nor what it holds. Retrying cannot bring a missing key back.
  return ApplicationFailure.nonRetryable(`sealed image reference cannot be opened: ${why}`, ErrorType.InvalidImage);
}

/** The activity's one place: the reference to open, from a sealed one (or one stored as given). */
export function openImageRef(ref: string, workflowId: string, ring: KeyRing | null): string {
  if (!isSealedImageRef(ref)) return ref;
  const [version, keyId, iv, payload, ...extra] = ref.slice(ref.lastIndexOf('#') + 1).split('.');
  if (version !== VERSION || !keyId || !iv || !payload || extra.length > 0) throw unreadable('not in the i1 format');
  if (!ring) throw unreadable(`this worker has no ${PII_KEYS_VARIABLE}`);
  const key = ring.keys.get(keyId);
  if (!key) throw unreadable(`sealed under key id "${keyId}", which ${PII_KEYS_VARIABLE} on this worker does not hold`);
  const data = Buffer.from(payload, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(workflowId));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw unreadable(
      `key id "${keyId}" does not open it for ${workflowId}: another key, or sealed for another journey`,
    );
  }
}

/** openImageRef for both images of a step. */
export function openStepFiles(files: StepFiles, workflowId: string, ring: KeyRing | null): StepFiles {
  if ('skip' in files) return files;
  return {
    image: openImageRef(files.image, workflowId, ring),
    ...(files.image2 ? { image2: openImageRef(files.image2, workflowId, ring) } : {}),
  };
}
