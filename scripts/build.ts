import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// `npm run build` (and `npm pack` through prepack): the package's ESM JavaScript and .d.ts in dist/, from a clean
// dist/ so a deleted source never ships. tsc copies no .cjs: the failure converter is loaded by path
// (codec/data-converter.ts), so it is copied beside the built module that names it.

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: ['ignore', process.stderr, process.stderr],
});
if (result.status !== 0) process.exit(result.status ?? 1);
copyFileSync(join(root, 'codec/failure-converter.cjs'), join(root, 'dist/codec/failure-converter.cjs'));
for (const bin of ['dist/client/main.js', 'dist/worker/main.js']) {
  if (!readFileSync(join(root, bin), 'utf8').startsWith('#!/usr/bin/env node')) throw new Error(`${bin} lost its #!`);
}
// stderr: `npm pack --json` keeps stdout for its report.
process.stderr.write('dist/ built\n');
