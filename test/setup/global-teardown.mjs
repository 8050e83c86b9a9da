export default async function globalTeardown() {
  await globalThis.__TEMPORAL_ENV__?.teardown();
}
