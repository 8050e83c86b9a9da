import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractFiles } from './contract-schemas.js';

// `npm run contract`: rewrites contract/*.schema.json from the zod schemas (test/contract.test.ts says when to).
const dir = join(import.meta.dirname, '..', 'contract');
mkdirSync(dir, { recursive: true });
const files = contractFiles();
for (const old of readdirSync(dir).filter((f) => f.endsWith('.schema.json') && !files.has(f))) rmSync(join(dir, old));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`contract/: ${[...files.keys()].join(', ')}`);
