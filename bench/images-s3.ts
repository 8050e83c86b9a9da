import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startStorageServer } from '../dev/storage-server.js';
import type { StepMapping } from '../shared/journey.js';

// `npm run bench -- --images s3`: the same journeys with their images as s3:// objects in a local SeaweedFS, so the
// cost of reading them through the S3 API (a HEAD and a ranged GET at pre-flight, a streamed GET per upload) shows
// against the run from files. The server runs beside the worker and the dev server on the same machine.

export async function benchObjectStore(files: StepMapping, say: (line: string) => void) {
  say('starting SeaweedFS for s3:// images...');
  const storage = await startStorageServer({ bucket: 'idwise-bench', log: say });
  const credentials = { AWS_ACCESS_KEY_ID: storage.accessKeyId, AWS_SECRET_ACCESS_KEY: storage.secretAccessKey };
  // The baseline (direct calls) runs in this process and reads the objects through the SDK's default chain too.
  Object.assign(process.env, credentials);
  const client = new S3Client({
    endpoint: storage.endpoint,
    region: storage.region,
    forcePathStyle: true,
    credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
  });
  const put = async (path: string) => {
    const Key = `photos/${basename(path)}`;
    await client.send(new PutObjectCommand({ Bucket: storage.bucket, Key, Body: readFileSync(path) }));
    return `s3://${storage.bucket}/${Key}`;
  };
  const steps: StepMapping = {};
  for (const [stepId, f] of Object.entries(files)) {
    steps[stepId] =
      'skip' in f ? f : { image: await put(f.image), ...(f.image2 ? { image2: await put(f.image2) } : {}) };
  }
  client.destroy();
  return {
    steps,
    credentials,
    env: {
      IDWISE_S3_ENDPOINT: storage.endpoint,
      IDWISE_S3_REGION: storage.region,
      IDWISE_S3_FORCE_PATH_STYLE: 'true',
      IDWISE_IMAGE_BUCKETS: `${storage.bucket}/photos`,
    },
    close: () => storage.stop(),
  };
}
