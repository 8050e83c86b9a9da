import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter.js';

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

/**
 * Bundles the workflows once into `codePath`, for workers started with IDWISE_WORKFLOW_BUNDLE (the Docker
 * image, the test run, the benchmark) instead of bundling at every start.
 */
export async function writeWorkflowBundle(codePath: string, logger?: BundleOptions['logger']): Promise<string> {
  // The failure converter goes into the sandbox too: failures raised by workflows get encrypted messages.
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    webpackConfigHook,
    failureConverterPath,
    ...(logger ? { logger } : {}),
  });
  mkdirSync(dirname(codePath), { recursive: true });
  writeFileSync(codePath, code);
  return codePath;
}
