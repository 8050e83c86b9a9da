import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';

// Sources run as TypeScript (tsx, jest) and as compiled JavaScript (dist/); the workflow entry point is
// whichever of the two sits next to this file.
const tsEntry = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const workflowsPath = existsSync(tsEntry)
  ? tsEntry
  : fileURLToPath(new URL('../workflows/index.js', import.meta.url));

/** ESM sources import './x.js'; webpack must find the .ts file behind that name. */
export const webpackConfigHook: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
});
