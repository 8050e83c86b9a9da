import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cluster/release.js';

// A large manifest for the batch at scale: `rows` pass- journeys on the sandbox's ID + selfie flow, as JSON and
// as CSV with the same references. Every `failEvery`-th row points at a selfie that does not exist yet, so its
// journey fails (IdwiseInvalidImage); providing the file later lets a `rerun: failed` batch complete it.

export interface ScaleManifest {
  dir: string;
  json: string;
  csv: string;
  refs: string[];
  /** References whose journeys fail until provideLateImage() runs. */
  failing: Set<string>;
  provideLateImage(): void;
}

export function writeScaleManifest(dir: string, runId: string, rows: number, failEvery: number): ScaleManifest {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const images = join(repoRoot, 'samples', 'images');
  for (const f of ['id-front.jpg', 'id-back.jpg', 'selfie.jpg']) copyFileSync(join(images, f), join(dir, 'images', f));
  const mapping = (selfie: string) => ({
    '0': { image: 'images/id-front.jpg', image2: 'images/id-back.jpg' },
    '2': { image: `images/${selfie}` },
  });
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(mapping('selfie.jpg')));
  writeFileSync(join(dir, 'late.json'), JSON.stringify(mapping('late-selfie.jpg')));

  const refs = Array.from({ length: rows }, (_, i) => `pass-scale-${runId}-${String(i).padStart(4, '0')}`);
  const failing = new Set(refs.filter((_, i) => i % failEvery === failEvery - 1));
  const row = (ref: string) => ({
    referenceNo: ref,
    flowId: 'sandbox-id-and-selfie',
    mapping: failing.has(ref) ? 'late.json' : 'ok.json',
  });
  const json = join(dir, 'manifest.json');
  const csv = join(dir, 'manifest.csv');
  writeFileSync(json, JSON.stringify(refs.map(row), null, 1));
  const lines = [
    'reference_no,flow_id,mapping',
    ...refs.map(row).map((r) => `${r.referenceNo},${r.flowId},${r.mapping}`),
  ];
  writeFileSync(csv, `${lines.join('\n')}\n`);
  return {
    dir,
    json,
    csv,
    refs,
    failing,
    provideLateImage: () => copyFileSync(join(images, 'selfie.jpg'), join(dir, 'images', 'late-selfie.jpg')),
  };
}
