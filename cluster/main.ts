import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from './index.js';

// `npm run cluster`: a Temporal cluster on PostgreSQL for rehearsing production (see deploy/README.md).
// Progress goes to stderr; stdout gets one JSON line once journeys can run. Ctrl-C stops the server, then
// PostgreSQL. No Web UI: the CLI's `temporal server start-dev` embeds one but cannot point it at another server.

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.IDWISE_CLUSTER_PORT ?? '7433' },
    namespace: { type: 'string' },
    // Another folder for config, logs and data, e.g. to run a second cluster beside the default one.
    dir: { type: 'string' },
  },
  strict: true,
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a TCP port (1-65535), got ${values.port}`);
  process.exit(2);
}

const started = Date.now();
try {
  const cluster = await startCluster({
    port,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.dir ? { dir: resolve(values.dir) } : {}),
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  console.error(
    `cluster ready in ${seconds}s (${Object.entries(cluster.timings)
      .map(([k, v]) => `${k} ${v}s`)
      .join(', ')})`,
  );
  console.log(
    JSON.stringify({
      event: 'temporal-cluster-ready',
      address: cluster.address,
      namespace: cluster.namespace,
      startSeconds: seconds,
    }),
  );
  console.error(
    'no Web UI: the Temporal CLI embeds one only in `temporal server start-dev`, and it cannot point at another server',
  );
  let stopping = false;
  // `on`, not `once`: a terminal's Ctrl-C can arrive twice (from the terminal and relayed by tsx), and a
  // second one must not kill this process halfway through the ordered stop.
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping the Temporal server, then PostgreSQL...`);
    cluster.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`stop failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  console.error(`cluster failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
