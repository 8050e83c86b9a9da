import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromJson, type JsonPayload } from '../../codec/payload-json.js';
import { repoRoot } from './journey-env.js';

// The test vector of docs/codec.md, read from the document itself: what other languages check their codec against
// is exactly what the tests decrypt.

export interface CodecVector {
  codecKeys: string;
  plain: JsonPayload;
  plaintextHex: string;
  ivHex: string;
  ciphertextHex: string;
  tagHex: string;
  encrypted: JsonPayload;
}

export function codecVector(): CodecVector {
  const doc = readFileSync(join(repoRoot, 'docs/codec.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Test vector'));
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/codec.md has no ```json block under "## Test vector"');
  return JSON.parse(block[1]!) as CodecVector;
}

export const vectorPayload = (p: JsonPayload) => fromJson(p);
