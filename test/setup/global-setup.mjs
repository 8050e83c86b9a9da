// Jest loads global setup outside its module mapper, so the TypeScript (with NodeNext '.js' imports) is
// loaded through tsx. Jest's workers inherit the env vars it sets; teardown finds the server on globalThis.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startTemporalForTests } = await tsImport('./start-temporal.ts', import.meta.url);
  globalThis.__TEMPORAL_ENV__ = await startTemporalForTests();
}
