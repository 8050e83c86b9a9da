import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStorageServer } from '../dev/storage-server.js';
import { s3ClientFor } from '../storage/s3.js';
import type { StagingTarget } from '../storage/staging.js';
import type { StepMapping } from '../shared/journey.js';

// The demo's object storage: a local SeaweedFS (built once with Go when missing) holding the "backend's" photos
// (s3:// references) and the staged uploads. Without Go it cannot be built: the demo then stages uploads in a folder
// added to its image roots (the single-machine setup) and says so, instead of failing.

export interface DemoStorage {
  /** Worker settings: IDWISE_S3_*, IDWISE_IMAGE_BUCKETS, IDWISE_STAGING_URL. */
  env: Record<string, string>;
  staging: StagingTarget;
  /** The mapping as s3:// objects (copied into the bucket), or null without SeaweedFS. */
  asObjects(steps: StepMapping): Promise<StepMapping | null>;
  /** Staged objects (or files) still there. */
  stagedLeft(): Promise<number>;
  describe: string;
  close(): Promise<void>;
}

export async function startDemoStorage(imageRoot: string, say: (line: string) => void): Promise<DemoStorage> {
  let storage;
  try {
    storage = await startStorageServer({ bucket: 'idwise-demo', log: say });
  } catch (err) {
    const folder = mkdtempSync(join(tmpdir(), 'idwise-demo-staging-'));
    say(`SeaweedFS unavailable (${(err as Error).message.split('\n')[0]}): uploads are staged in ${folder} instead`);
    const staging: StagingTarget = { kind: 'folder', path: folder };
    return {
      env: { IDWISE_STAGING_URL: folder, IDWISE_IMAGE_ROOTS: `${imageRoot},${folder}` },
      staging,
      asObjects: () => Promise.resolve(null),
      stagedLeft: () => Promise.resolve(readdirSync(folder).length),
      describe: `staging folder ${folder}`,
      close: () => Promise.resolve(rmSync(folder, { recursive: true, force: true })),
    };
  }
  // The in-process worker and client read the store's credentials through the SDK's default chain.
  process.env.AWS_ACCESS_KEY_ID = storage.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = storage.secretAccessKey;
  const s3 = Object.freeze({ endpoint: storage.endpoint, region: storage.region, forcePathStyle: true });
  const client = s3ClientFor(s3);
  const { bucket } = storage;
  return {
    env: {
      IDWISE_S3_ENDPOINT: storage.endpoint,
      IDWISE_S3_REGION: storage.region,
      IDWISE_S3_FORCE_PATH_STYLE: 'true',
      IDWISE_IMAGE_BUCKETS: `${bucket}/photos,${bucket}/staging`,
      IDWISE_STAGING_URL: `s3://${bucket}/staging/`,
    },
    staging: { kind: 's3', bucket, prefix: 'staging/', s3 },
    async asObjects(steps) {
      const out: StepMapping = {};
      for (const [stepId, files] of Object.entries(steps)) {
        if ('skip' in files) {
          out[stepId] = files;
          continue;
        }
        const put = async (path: string) => {
          const Key = `photos/${basename(path)}`;
          await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: readFileSync(path) }));
          return `s3://${bucket}/${Key}`;
        };
        out[stepId] = { image: await put(files.image), ...(files.image2 ? { image2: await put(files.image2) } : {}) };
      }
      return out;
    },
    async stagedLeft() {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'staging/' }));
      return page.KeyCount ?? 0;
    },
    describe: `SeaweedFS S3 at ${storage.endpoint}, bucket ${bucket}`,
    async close() {
      client.destroy();
      await storage.stop();
    },
  };
}
