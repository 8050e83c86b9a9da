import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStorageServer, type RunningStorage } from '../../dev/storage-server.js';
import { s3ClientFor, type S3Settings } from '../../storage/s3.js';
import { journeyFolder } from '../../storage/staging.js';

// A real S3 server (SeaweedFS, `weed mini`) for one test file: started in beforeAll, stopped in afterAll. The weed
// binary is built once into the Temporal CLI's cache when missing (dev/seaweedfs.ts), so these tests never skip.
// The SDK's default credential chain reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: they are set for the file's
// process while the server runs and restored after (jest reuses its worker processes across files).

export interface TestStorage extends RunningStorage {
  settings: S3Settings;
  /** The worker's IDWISE_* settings for this store (buckets allowed: the whole test bucket). */
  idwiseEnv: Record<string, string>;
  put(key: string, body: Buffer, contentType?: string): Promise<string>;
  /** Keys under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Keys staged for a journey under the `staging/` prefix. */
  staged(referenceNo: string): Promise<string[]>;
  close(): Promise<void>;
}

const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;

export async function startTestStorage(): Promise<TestStorage> {
  const storage = await startStorageServer({ bucket: 'idwise-test' });
  const saved = Object.fromEntries(CREDENTIAL_VARS.map((k) => [k, process.env[k]]));
  for (const k of CREDENTIAL_VARS) delete process.env[k];
  process.env.AWS_ACCESS_KEY_ID = storage.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = storage.secretAccessKey;
  const settings: S3Settings = { endpoint: storage.endpoint, region: storage.region, forcePathStyle: true };
  const client = s3ClientFor(settings);
  const list = async (prefix: string) => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: storage.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!);
  };
  return {
    ...storage,
    settings,
    idwiseEnv: {
      IDWISE_S3_ENDPOINT: storage.endpoint,
      IDWISE_S3_REGION: storage.region,
      IDWISE_S3_FORCE_PATH_STYLE: 'true',
      IDWISE_IMAGE_BUCKETS: `${storage.bucket}/photos,${storage.bucket}/staging`,
    },
    async put(key, body, contentType = 'application/octet-stream') {
      await client.send(
        new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body, ContentType: contentType }),
      );
      return `s3://${storage.bucket}/${key}`;
    },
    list,
    staged: (referenceNo) => list(`staging/${journeyFolder(referenceNo)}/`),
    async close() {
      client.destroy();
      await storage.stop();
      for (const k of CREDENTIAL_VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    },
  };
}
