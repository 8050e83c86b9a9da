import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm.js';

// What each cached workflow evaluates for itself. In the SDK's reusable V8 context every workflow gets its own module
// cache, except for the modules the bundle preloads (worker/bundle.ts `preloadModules`), which all workflows share.
// zod and our schemas must be shared (they were ~0.9 MB of every cached journey); the SDK's workflow API must not be
// (its state is per workflow), so no preloaded module may import it. The bundle is the one the tests' workers run.

type Creator = { context: vm.Context; destroy(): Promise<void> };

async function modulesOfOneWorkflow(): Promise<string[]> {
  const code = readFileSync(process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!, 'utf8');
  const sourceMap = { version: 3, sources: [], names: [], mappings: '' };
  const creator = (await (
    ReusableVMWorkflowCreator as unknown as {
      create(...args: unknown[]): Promise<Creator>;
    }
  ).create({ code, filename: 'workflow-bundle.js', sourceMap }, 5000, new Set(), undefined)) as Creator;
  try {
    // The creator routes webpack's module cache to the current workflow's activator: stand one in and load the
    // workflows as a new workflow would.
    const moduleCache = new Map<string, unknown>();
    creator.context.__TEMPORAL_ACTIVATOR__ = { moduleCache };
    vm.runInContext('__TEMPORAL__.importWorkflows()', creator.context);
    return [...moduleCache.keys()];
  } finally {
    delete creator.context.__TEMPORAL_ACTIVATOR__;
    await creator.destroy();
  }
}

describe('the workflow bundle', () => {
  it('evaluates zod and the schemas once for all workflows, and the SDK workflow API once per workflow', async () => {
    const modules = await modulesOfOneWorkflow();
    expect(modules).toContain('./workflows/journey.ts');
    expect(modules).toContain('./node_modules/@temporalio/workflow/lib/index.js');
    expect(modules.filter((m) => m.includes('/zod/'))).toEqual([]);
    expect(modules).not.toContain('./shared/journey.ts');
    expect(modules).not.toContain('./shared/batch.ts');
  });
});
