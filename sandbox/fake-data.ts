import type { SandboxStep } from './config.js';

// The fixed, obviously fake identity every sandbox document "contains". Field names are IDWise's documented
// ones (idwise-api.md §7, field-names.md); values never come from the uploaded bytes.

export function documentType(step: SandboxStep): string {
  if (step.documentType) return step.documentType;
  if (/passport/i.test(step.title)) return 'Passport';
  if (/address/i.test(step.title)) return 'Proof of Address';
  return 'Identity Card';
}

export const ISSUING_COUNTRY = { name: 'United Kingdom', code: 'GBR' } as const;

export const FAKE_PERSON = {
  firstName: 'Sam',
  lastName: 'Sandbox',
  birthDate: '1990-02-01',
  sex: 'Male',
  address: '1 Sandbox Street, London',
} as const;

export function extractedFields(step: SandboxStep, journeyId: string): Record<string, string> {
  const fullName = `${FAKE_PERSON.firstName} ${FAKE_PERSON.lastName}`;
  if (documentType(step) === 'Proof of Address') {
    return { 'Full Name': fullName, Address: FAKE_PERSON.address, 'Issue Date': '2025-01-15' };
  }
  return {
    'Full Name': fullName,
    'First Name': FAKE_PERSON.firstName,
    'Last Name': FAKE_PERSON.lastName,
    'Birth Date': FAKE_PERSON.birthDate,
    Sex: FAKE_PERSON.sex,
    Nationality: ISSUING_COUNTRY.name,
    'Nationality Code': ISSUING_COUNTRY.code,
    'Document Number': `SBX${journeyId.slice(0, 9).toUpperCase()}`,
    'Issue Date': '2021-12-31',
    'Expiry Date': '2031-12-30',
  };
}

/** IDWise timestamps: ISO-8601 without a zone, with microseconds (idwise-api.md §7). */
export function idwiseTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace('Z', '000');
}
