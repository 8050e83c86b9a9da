// Jest loads global setup outside its module mapper, so the TypeScript (with NodeNext '.js' imports) is
// loaded through tsx. Jest's workers inherit the env vars it sets; teardown finds the server on globalThis.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  // SeaweedFS (the S3 tests' server) is built here when missing, once, outside any test's timeout. Without Go it
  // cannot be: the S3 test files then fail with the reason, and every other test still runs.
  const { resolveWeed } = await tsImport('../../dev/seaweedfs.ts', import.meta.url);
  try {
    resolveWeed();
  } catch (err) {
    console.warn(`SeaweedFS unavailable, the S3 tests will fail: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { startTemporalForTests } = await tsImport('./start-temporal.ts', import.meta.url);
  globalThis.__TEMPORAL_ENV__ = await startTemporalForTests();
}
