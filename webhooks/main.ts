import { loadWebhookConfig } from './config.js';
import { startWebhookReceiver, WEBHOOK_PATH } from './server.js';

// `npm run webhooks`: IDWise's webhooks in, journey signals out. It listens at once and connects to Temporal in
// the background (answering 503 until then), so a Temporal restart never turns into a crash loop.
async function run(): Promise<void> {
  const config = loadWebhookConfig();
  const receiver = await startWebhookReceiver({
    auth: config.auth,
    host: config.host,
    port: config.port,
    onConnectFailure: () => process.exit(1),
  });
  console.log(
    JSON.stringify({
      event: 'idwise-webhooks-started',
      listen: `${config.host}:${new URL(receiver.url).port}`,
      path: WEBHOOK_PATH,
      auth: config.auth.kind,
    }),
  );
  const stop = (signal: NodeJS.Signals) => {
    console.log(JSON.stringify({ event: 'idwise-webhooks-stopping', signal }));
    receiver.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
