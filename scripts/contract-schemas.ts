import { z } from 'zod';
import { CONTRACT_SCHEMAS } from '../shared/contract.js';

// contract/*.schema.json from the zod schemas (shared/contract.ts), with zod 4's own JSON Schema output. Inputs are
// written as a caller may send them (defaults make fields optional), answers as the workflow returns them.

const INPUTS = new Set(['identity-journey.input', 'provide-step-files.update.input', 'batch-journeys.input']);

/** File name (in contract/) to its exact content. */
export function contractFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of Object.entries(CONTRACT_SCHEMAS)) {
    const json = z.toJSONSchema(schema, { io: INPUTS.has(name) ? 'input' : 'output' });
    const withId = { $id: `${name}.schema.json`, ...json };
    files.set(`${name}.schema.json`, `${JSON.stringify(withId, null, 2)}\n`);
  }
  return files;
}
