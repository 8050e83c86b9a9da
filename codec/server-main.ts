import { startCodecServer } from './codec-server.js';
import { describeKeyRing } from './keys.js';
import { loadCodecServerConfig } from './server-config.js';

// `npm run codec-server`: decodes history for the Temporal Web UI and CLI. SIGINT/SIGTERM close it
// gracefully (requests in flight finish).
async function main(): Promise<void> {
  const config = loadCodecServerConfig();
  const server = await startCodecServer(config);
  console.log(
    JSON.stringify({
      event: 'codec-server-started',
      url: server.url,
      corsOrigins: config.corsOrigins,
      namespaces: config.namespaces ?? 'any',
      keys: describeKeyRing(config.keys),
    }),
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`codec server did not close cleanly: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
