import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './free-port.js';
import { resolveWeed } from './seaweedfs.js';

// A real S3 server on loopback for the demo and the tests: SeaweedFS's all-in-one `weed mini`, every port free and
// on 127.0.0.1, data in a folder of its own. Its S3 endpoint admits only the credentials it was started with
// (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in its environment): anonymous and wrong-key requests get 403.

export interface StorageServerOptions {
  bucket?: string;
  /** S3 port; a free one when omitted. */
  port?: number;
  /** Kept after stop when given; a temp folder removed at stop otherwise. */
  dataDir?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  log?: (line: string) => void;
}

export interface RunningStorage {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  pid: number;
  /** SIGINT (weed stops its components in order), SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
}

/** A port picked free can be taken before weed binds it (weed's own connections use the same range): try anew. */
class PortTaken extends Error {}

export async function startStorageServer(opts: StorageServerOptions = {}): Promise<RunningStorage> {
  const weed = resolveWeed(process.env, opts.log);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWeed(weed, opts);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === 3 || opts.port !== undefined) throw err;
    }
  }
}

async function startWeed(weed: string, opts: StorageServerOptions): Promise<RunningStorage> {
  const bucket = opts.bucket ?? 'idwise-images';
  const accessKeyId = opts.accessKeyId ?? `idwise${randomBytes(6).toString('hex')}`;
  const secretAccessKey = opts.secretAccessKey ?? randomBytes(24).toString('base64url');
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'idwise-seaweedfs-'));
  const s3Port = opts.port ?? (await freePort());
  const ports: string[] = [];
  for (const name of ['s3.port.grpc', 'master.port', 'master.port.grpc', 'volume.port', 'volume.port.grpc'])
    ports.push(`-${name}=${await freePort()}`);
  for (const name of ['filer.port', 'filer.port.grpc', 'admin.port', 'admin.port.grpc'])
    ports.push(`-${name}=${await freePort()}`);
  const args = [
    'mini',
    `-dir=${dataDir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-bucket=${bucket}`,
    `-s3.port=${s3Port}`,
    ...ports,
    // Only S3 is needed: no WebDAV, admin UI, Iceberg or Lance endpoints, no telemetry.
    '-webdav=false',
    '-admin.ui=false',
    '-admin.port.legacy=0',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    '-master.telemetry=false',
  ];
  const child = spawn(weed, args, {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // A parent that dies without stopping it (an exception, a closed pipe) must not leave the server running.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', orphanGuard);
      resolve(code);
    }),
  );
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const removeData = () => opts.dataDir === undefined && rmSync(dataDir, { recursive: true, force: true });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    removeData();
  };
  // weed prints its banner once every component (master, volume, filer, S3) is up.
  const ready = await Promise.race([
    new Promise<boolean>((resolve) =>
      createInterface({ input: child.stdout }).on('line', (line) => {
        output = (output + line + '\n').slice(-4000);
        if (line.includes('S3 Endpoint:')) resolve(true);
      }),
    ),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000).unref()),
  ]);
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const region = 'us-east-1';
  if (ready) {
    // The bucket must exist and the credentials work before anyone is told the store is up. (The SDK's notice about
    // Node 22 is off, as in storage/s3.ts: this project runs on Node 20.)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const client = new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    const checked = await client.send(new HeadBucketCommand({ Bucket: bucket })).then(
      () => true,
      () => false,
    );
    client.destroy();
    if (checked) return { endpoint, region, accessKeyId, secretAccessKey, bucket, pid: child.pid!, stop };
  }
  await stop();
  const message = `SeaweedFS did not start (weed mini on port ${s3Port}); its last output:\n${output}`;
  throw /address already in use|port allocation failed/i.test(output) ? new PortTaken(message) : new Error(message);
}
