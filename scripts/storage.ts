import { parseArgs } from 'node:util';
import { startStorageServer } from '../dev/storage-server.js';

// `npm run storage`: a local S3 server (SeaweedFS) for the demo, the tests and development. Prints one JSON line
// (endpoint, region, accessKeyId, secretAccessKey, bucket) and runs until Ctrl-C. The credentials are
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when set, else random ones; the store admits no others.

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8333' },
    bucket: { type: 'string', default: 'idwise-images' },
    dir: { type: 'string' },
  },
  strict: true,
});

try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number, e.g. 8333');
  const storage = await startStorageServer({
    bucket: values.bucket,
    ...(port > 0 ? { port } : {}),
    ...(values.dir ? { dataDir: values.dir } : {}),
    ...(process.env.AWS_ACCESS_KEY_ID ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID } : {}),
    ...(process.env.AWS_SECRET_ACCESS_KEY ? { secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY } : {}),
  });
  const { endpoint, region, accessKeyId, secretAccessKey, bucket } = storage;
  console.log(JSON.stringify({ endpoint, region, accessKeyId, secretAccessKey, bucket }));
  console.error(
    `SeaweedFS S3 at ${endpoint} (bucket ${bucket}); for the worker and client: IDWISE_S3_ENDPOINT=${endpoint} ` +
      `IDWISE_S3_FORCE_PATH_STYLE=true IDWISE_IMAGE_BUCKETS=${bucket} IDWISE_STAGING_URL=s3://${bucket}/staging/. Ctrl-C stops it.`,
  );
  // `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal, and relayed by tsx), and the second
  // must not kill it before weed has stopped and its data folder is gone.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  await storage.stop();
  console.error(`SeaweedFS stopped${values.dir ? '' : '; its data folder is removed'}`);
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
