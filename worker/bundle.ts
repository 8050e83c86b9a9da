import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter.js';

// Sources run as TypeScript (tsx, jest) and as compiled JavaScript (dist/); a module is whichever of the two sits
// next to this file.
function source(relative: string): string {
  const ts = fileURLToPath(new URL(`${relative}.ts`, import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL(`${relative}.js`, import.meta.url));
}

export const workflowsPath = source('../workflows/index');

/**
 * Modules evaluated once for all workflows instead of once per cached workflow: the workflows' zod schemas
 * (workflows/validation.ts, which says why they stay in a closure) and, through it, zod. Only modules that hold no
 * workflow state and import nothing of @temporalio/workflow belong here; test/workflow-bundle.test.ts checks that.
 */
export const preloadModules = [source('../workflows/validation')];

/** ESM sources import './x.js'; webpack must find the .ts file behind that name. */
export const webpackConfigHook: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
});

/**
 * Bundles the workflows once into `codePath`, for workers started with IDWISE_WORKFLOW_BUNDLE (the Docker
 * image, the test run, the benchmark) instead of bundling at every start.
 */
export async function writeWorkflowBundle(
  codePath: string,
  logger?: BundleOptions['logger'],
  // Other workflows bundled the same way (the bench's SDK floor), without the journeys' preloaded modules.
  other?: { workflowsPath: string },
): Promise<string> {
  // The failure converter goes into the sandbox too: failures raised by workflows get encrypted messages.
  const { code } = await bundleWorkflowCode({
    workflowsPath: other?.workflowsPath ?? workflowsPath,
    webpackConfigHook,
    preloadModules: other ? [] : preloadModules,
    failureConverterPath,
    ...(logger ? { logger } : {}),
  });
  mkdirSync(dirname(codePath), { recursive: true });
  writeFileSync(codePath, code);
  return codePath;
}
