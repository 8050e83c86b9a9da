import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractFiles } from '../scripts/contract-schemas.js';
import { CONTRACT_SCHEMAS } from '../shared/contract.js';
import { repoRoot } from './helpers/journey-env.js';

// contract/ is what other languages build against: it must be exactly what the zod schemas say today.

describe('contract/', () => {
  const dir = join(repoRoot, 'contract');

  it('holds the JSON Schemas `npm run contract` writes from the zod schemas, and no others', () => {
    const expected = contractFiles();
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.schema.json'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) {
      const stale = readFileSync(join(dir, name), 'utf8') !== text;
      expect({ file: `contract/${name}`, stale, fix: 'npm run contract' }).toEqual({
        file: `contract/${name}`,
        stale: false,
        fix: 'npm run contract',
      });
    }
  });

  it('covers the workflow input, outcome, progress query, provideStepFiles update, batch input and events', () => {
    expect(Object.keys(CONTRACT_SCHEMAS)).toEqual([
      'identity-journey.input',
      'identity-journey.outcome',
      'progress.query',
      'provide-step-files.update.input',
      'provide-step-files.update.result',
      'batch-journeys.input',
      'journey-event',
    ]);
    const input = JSON.parse(readFileSync(join(dir, 'identity-journey.input.schema.json'), 'utf8')) as {
      required: string[];
      additionalProperties: boolean;
    };
    // As a caller sends it: defaults (steps, options) are optional, nothing else is accepted.
    expect(input.required.sort()).toEqual(['flowId', 'referenceNo']);
    expect(input.additionalProperties).toBe(false);
  });

  it('names every schema file it links in contract/README.md', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const name of contractFiles().keys())
      expect({ name, linked: readme.includes(`(${name})`) }).toEqual({ name, linked: true });
  });
});
