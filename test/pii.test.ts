import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { generateKeyList, parseKeyRing } from '../codec/keys.js';
import { createManifestActivities } from '../activities/manifest.js';
import {
  loadPiiKeys,
  openApplicantDetails,
  sealApplicantDetails,
  type ApplicantDetails,
} from '../pii/sealed-applicant-details.js';
import { ErrorType } from '../shared/errors.js';

// Applicant details sealed apart from the payload codec: key ids and rotation, bound to their journey,
// weak keys refused, and an unreadable blob a non-retryable failure of its own type.

const details: ApplicantDetails = { full_name: 'Jane Q. Applicant', birth_date: '1990-02-01' };
const journey = { referenceNo: 'aml-000123', flowId: 'flow-aml' };
const ring = (list: string) => parseKeyRing('IDWISE_PII_KEYS', list);

function failureOf(open: () => unknown): ApplicationFailure {
  try {
    open();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected the blob not to open');
}

describe('sealed applicant details', () => {
  const v1 = generateKeyList(['p1']);

  it('seals under the first key with its id, and opens for the same journey only', () => {
    const sealed = sealApplicantDetails(details, journey, ring(v1));
    expect(sealed).toMatch(/^v2\.p1\./);
    expect(sealed).not.toContain('Jane');
    expect(openApplicantDetails(sealed, journey, ring(v1))).toEqual(details);

    for (const other of [
      { ...journey, referenceNo: 'aml-000124' },
      { ...journey, flowId: 'flow-other' },
    ]) {
      const failure = failureOf(() => openApplicantDetails(sealed, other, ring(v1)));
      expect(failure.type).toBe(ErrorType.ApplicantDetailsUnreadable);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toMatch(/sealed for another journey/);
      expect(failure.message).not.toContain('Jane');
    }
  });

  it('rotates: a new first key seals, the old one still opens what it sealed', () => {
    const old = sealApplicantDetails(details, journey, ring(v1));
    const rotated = ring(`${generateKeyList(['p2'])},${v1}`);
    expect(sealApplicantDetails(details, journey, rotated)).toMatch(/^v2\.p2\./);
    expect(openApplicantDetails(old, journey, rotated)).toEqual(details);
  });

  it('fails as ApplicantDetailsUnreadable, not retryable, when the key is missing or different', () => {
    const sealed = sealApplicantDetails(details, journey, ring(v1));
    const missing = failureOf(() => openApplicantDetails(sealed, journey, ring(generateKeyList(['p9']))));
    expect(missing.message).toMatch(/key id "p1", which IDWISE_PII_KEYS on this worker does not hold/);
    const different = failureOf(() => openApplicantDetails(sealed, journey, ring(generateKeyList(['p1']))));
    expect(different.type).toBe(ErrorType.ApplicantDetailsUnreadable);
    expect(different.nonRetryable).toBe(true);
    expect(failureOf(() => openApplicantDetails('garbage', journey, ring(v1))).message).toMatch(/v2 format/);
  });

  it('still opens v1 blobs sealed under the old single IDWISE_PII_KEY', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(details)), cipher.final(), cipher.getAuthTag()]);
    const legacy = ['v1', iv.toString('base64url'), body.toString('base64url')].join('.');
    const keys = loadPiiKeys({ IDWISE_PII_KEY: key.toString('base64') })!;
    expect(keys.primaryId).toBe('default');
    expect(openApplicantDetails(legacy, journey, keys)).toEqual(details);
  });

  it('reads IDWISE_PII_KEYS, or IDWISE_PII_KEY as a deprecated alias, and refuses weak keys', () => {
    expect(loadPiiKeys({})).toBeNull();
    expect(loadPiiKeys({ IDWISE_PII_KEYS: v1 })!.primaryId).toBe('p1');
    expect(() => loadPiiKeys({ IDWISE_PII_KEYS: v1, IDWISE_PII_KEY: randomBytes(32).toString('base64') })).toThrow(
      /set IDWISE_PII_KEYS only/,
    );
    const zero = Buffer.alloc(32).toString('base64');
    expect(() => loadPiiKeys({ IDWISE_PII_KEYS: `p1:${zero}` })).toThrow(/IDWISE_PII_KEYS entry 1 .* all zero/);
    expect(() => loadPiiKeys({ IDWISE_PII_KEY: zero })).toThrow(/IDWISE_PII_KEY \(deprecated.*all zero/);
    expect(() => loadPiiKeys({ IDWISE_PII_KEY: 'c2hvcnQ=' })).toThrow(/5 bytes, not 32/);
  });

  it('seals batch rows bound to the reference and flow the journey validates to', async () => {
    const keys = ring(v1);
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'pii-manifest-')));
    const { readManifestPage } = createManifestActivities({
      sealApplicantDetails: (d, binding) => sealApplicantDetails(d, binding, keys),
      imageSources: { roots: [folder], hosts: [] },
    });
    const manifest = join(folder, 'm.json');
    const row = { referenceNo: ' aml-7 ', flowId: 'flow-aml', mapping: {}, applicantDetails: details };
    writeFileSync(manifest, JSON.stringify([row]));
    const [entry] = (await readManifestPage({ manifest, offset: 0, limit: 10 })).entries;
    const sealed = (entry as { journey: { sealedApplicantDetails: string } }).journey.sealedApplicantDetails;
    expect(openApplicantDetails(sealed, { referenceNo: 'aml-7', flowId: 'flow-aml' }, keys)).toEqual(details);
  });
});
