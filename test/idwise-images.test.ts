import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inspect, promisify } from 'node:util';
import {
  createIdwiseClient,
  guardedLookup,
  isIdwiseError,
  isInternalAddress,
  loadIdwiseConfig,
  openImage,
  parseHostEntry,
  type IdwiseError,
  type ImageSources,
  type OpenImageOptions,
} from '../idwise/index.js';
import { toFailure } from '../activities/failures.js';
import { ErrorType } from '../shared/errors.js';

// openImage's pre-upload checks, and processStep's streaming upload measured in a child process: a 5 MB image
// must go out without the client ever holding it in memory.

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const samples = join(repoRoot, 'samples/images');
let opts: OpenImageOptions;
const sources: { roots: string[]; hosts: ImageSources['hosts'][number][] } = { roots: [], hosts: [] };
const SECRET = 'images-test-secret-value';
const basenameOf = (p: string) => p.split('/').pop()!;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function imageError(promise: Promise<unknown>): Promise<IdwiseError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isIdwiseError(err)) throw new Error(`expected an IdwiseError, got ${inspect(err)}`);
  return err;
}

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

let dir: string;
let outside: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idwise-images-'));
  outside = await mkdtemp(join(tmpdir(), 'idwise-outside-'));
  await writeFile(join(dir, 'empty.jpg'), Buffer.alloc(0));
  await writeFile(join(dir, 'notes.jpg'), 'this is text, not a JPEG');
  await mkdir(join(dir, 'folder.jpg'));
  await writeFile(join(outside, 'secret.jpg'), await readFile(join(samples, 'selfie.jpg')));
  await symlink(join(outside, 'secret.jpg'), join(dir, 'link-out.jpg'));
  await symlink(outside, join(dir, 'dir-out'));
  await symlink(join(outside, 'nothing-here.jpg'), join(dir, 'link-dangling.jpg'));
  await link(join(outside, 'secret.jpg'), join(dir, 'hard-out.jpg'));
  sources.roots.push(await realpath(samples), await realpath(dir));
  opts = { maxBytes: 6_291_456, stepId: '0', field: 'image', sources };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('openImage from a local file', () => {
  it.each([
    ['selfie.jpg', 'image/jpeg'],
    ['passport.png', 'image/png'],
    ['proof-of-address.pdf', 'application/pdf'],
  ])('accepts %s as %s and streams its exact bytes', async (name, contentType) => {
    const path = join(samples, name);
    const image = await openImage(path, opts);
    const bytes = await readFile(path);
    expect(image).toMatchObject({ contentType, filename: name, size: bytes.length });
    expect((await readAll(image.stream)).equals(bytes)).toBe(true);
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.jpg'), /step 20 image2 does not exist/],
    ['an empty file', () => join(dir, 'empty.jpg'), /step 20 image2 is empty/],
    ['a file that is not JPEG, PNG or PDF', () => join(dir, 'notes.jpg'), /step 20 image2 is not a JPEG, PNG or PDF/],
    ['a directory', () => join(dir, 'folder.jpg'), /step 20 image2 is not a regular file/],
    ['a relative path', () => 'samples/images/selfie.jpg', /must be an absolute file path/],
  ])('rejects %s as a non-retryable invalid-image error', async (_, path, message) => {
    const err = await imageError(openImage(path(), { ...opts, stepId: '20', field: 'image2' }));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false, status: null, stepId: '20' });
    expect(err.message).toMatch(/^IDWise process-journey-step not sent: step 20 image2[ :]/);
    expect(err.message).toMatch(message);
    // Neither directory nor file name: either can name the applicant.
    expect(err.message).not.toContain(dir);
    expect(err.message).not.toMatch(/(missing|empty|notes|folder)\.jpg|selfie/);
  });

  it.each([
    ['a relative path', () => 'samples/images/selfie.jpg', 'must be an absolute file path or an https:// URL'],
    ['an existing file outside the roots', () => join(outside, 'secret.jpg'), 'not under an allowed image root'],
    ['a missing file outside the roots', () => join(outside, 'nothing.jpg'), 'not under an allowed image root'],
    ['a symlink out of a root', () => join(dir, 'link-out.jpg'), 'not under an allowed image root'],
    // Issue 20, item 4: a dangling link answers as a link to an existing file does, so neither tells what exists.
    ['a dangling symlink in a root', () => join(dir, 'link-dangling.jpg'), 'not under an allowed image root'],
    [
      'a missing file behind a folder symlinked out',
      () => join(dir, 'dir-out', 'none.jpg'),
      'not under an allowed image root',
    ],
    [
      'a file in a folder symlinked out of a root',
      () => join(dir, 'dir-out', 'secret.jpg'),
      'not under an allowed image root',
    ],
    ['a way out with ..', () => join(dir, '..', basenameOf(outside), 'secret.jpg'), 'not under an allowed image root'],
    ['/etc/passwd', () => '/etc/passwd', 'not under an allowed image root'],
    ['/dev/zero', () => '/dev/zero', 'not under an allowed image root'],
  ])('refuses %s without naming it or saying whether it exists', async (_, path, reason) => {
    const err = await imageError(openImage(path(), { ...opts, stepId: '3', field: 'image2' }));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false, file: null });
    expect(err.message).toBe(`IDWise process-journey-step not sent: step 3 image2: ${reason}`);
  });

  it('refuses a hard link in a root to a file outside it, unless IDWISE_ALLOW_HARD_LINKS=on (issue 20, item 4)', async () => {
    const err = await imageError(openImage(join(dir, 'hard-out.jpg'), { ...opts, stepId: '3', field: 'image' }));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false, file: null });
    expect(err.message).toBe(
      'IDWise process-journey-step not sent: step 3 image: not under an allowed image root ' +
        '(a file with more than one hard link; set IDWISE_ALLOW_HARD_LINKS=on if the roots are yours alone)',
    );
    const allowed = loadIdwiseConfig({
      IDWISE_API_KEY: 'k',
      IDWISE_API_SECRET: 's',
      IDWISE_IMAGE_ROOTS: dir,
      IDWISE_ALLOW_HARD_LINKS: 'on',
    }).imageSources;
    expect(allowed.allowHardLinks).toBe(true);
    const image = await openImage(join(dir, 'hard-out.jpg'), { ...opts, sources: allowed });
    expect(image.contentType).toBe('image/jpeg');
    image.stream.destroy();
  });

  it('refuses every file when no roots are configured', async () => {
    const err = await imageError(
      openImage(join(samples, 'selfie.jpg'), { ...opts, sources: { roots: [], hosts: [] } }),
    );
    expect(err.message).toBe('IDWise process-journey-step not sent: step 0 image: not under an allowed image root');
  });

  it('rejects a file above the size limit before reading it', async () => {
    const err = await imageError(openImage(join(samples, 'passport.png'), { ...opts, maxBytes: 10_000 }));
    expect(err.message).toMatch(/step 0 image is 19138 bytes, above the 10000-byte limit/);
    expect(err).toMatchObject({ kind: 'invalid-image', file: 'passport.png', stepId: '0' });
  });
});

describe('openImage from a URL', () => {
  let server: Server;
  let base: string;
  const seenAuthorization: (string | undefined)[] = [];
  let looped = 0;

  beforeAll(async () => {
    const png = await readFile(join(samples, 'passport.png'));
    ({ server, url: base } = await listen((req, res) => {
      seenAuthorization.push(req.headers.authorization);
      const path = req.url!.split('?')[0];
      if (path === '/passport.png') res.end(png);
      else if (path === '/big.png') res.writeHead(200, { 'content-length': String(png.length) }).end(png);
      // No Content-Length: the limit has to be enforced while streaming.
      else if (path === '/chunked.png') res.write(png, () => res.end(png));
      else if (path === '/text.jpg') res.end('<html>not an image</html>');
      else if (path === '/empty.jpg') res.end();
      else if (path === '/unavailable.jpg') res.writeHead(503).end('try later');
      else if (path === '/redirect-ok') res.writeHead(302, { location: '/passport.png' }).end();
      else if (path === '/redirect-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else if (path?.startsWith('/loop/')) {
        looped++;
        res.writeHead(302, { location: `/loop/${Number(path!.slice(6)) + 1}` }).end();
      } else if (path === '/redirect-away')
        res.writeHead(302, { location: base.replace('127.0.0.1', 'localhost') + '/passport.png' }).end();
      else res.writeHead(404).end('missing');
    }));
    sources.hosts.push(parseHostEntry(new URL(base).host)!);
  });
  afterAll(() => new Promise((ok) => server.close(ok)));

  it('streams a PNG from loopback http and never sends credentials to the image host', async () => {
    const image = await openImage(`${base}/passport.png?token=abc`, opts);
    expect(image.contentType).toBe('image/png');
    expect(image.filename).toBe('passport.png');
    expect((await readAll(image.stream)).equals(await readFile(join(samples, 'passport.png')))).toBe(true);
    expect(seenAuthorization.every((a) => a === undefined)).toBe(true);
  });

  it('rejects by Content-Length before downloading', async () => {
    const err = await imageError(openImage(`${base}/big.png?X-Amz-Signature=s3cr3t`, { ...opts, maxBytes: 1000 }));
    expect(err.message).toMatch(/is 19138 bytes, above the 1000-byte limit/);
    // Query strings of pre-signed URLs are credentials: never in the error.
    expect(err.file).toBe(`${base}/big.png`);
    expect(`${err.message} ${inspect(err)}`).not.toContain('s3cr3t');
  });

  it('aborts a download without Content-Length once it passes the limit', async () => {
    const image = await openImage(`${base}/chunked.png`, { ...opts, maxBytes: 25_000 });
    expect(image.size).toBeNull();
    const err = await imageError(readAll(image.stream));
    expect(err.message).toMatch(/is larger than the 25000-byte limit/);
  });

  it.each([
    ['/text.jpg', /is not a JPEG, PNG or PDF/],
    ['/empty.jpg', /is empty/],
    ['/nothing.jpg', /could not be downloaded: HTTP 404/],
  ])('rejects %s', async (path, message) => {
    const err = await imageError(openImage(`${base}${path}`, opts));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false });
    expect(err.message).toMatch(message);
  });

  it('answers a 503 from the image host as a retryable network error', async () => {
    const err = await imageError(openImage(`${base}/unavailable.jpg`, opts));
    expect(err).toMatchObject({ kind: 'network', retryable: true });
    expect(err.message).toMatch(/could not be downloaded: HTTP 503/);
  });

  it('follows a redirect within the allowed host and refuses one to a host not listed', async () => {
    const image = await openImage(`${base}/redirect-ok`, opts);
    expect(image.contentType).toBe('image/png');
    image.stream.destroy();
    const err = await imageError(openImage(`${base}/redirect-away`, opts));
    expect(err.message).toBe('IDWise process-journey-step not sent: step 0 image: host not allowed');
  });

  it('fails a redirect to file:// and a fourth redirect at once, naming step and field (issue 20, item 7)', async () => {
    const toFile = await imageError(openImage(`${base}/redirect-file`, { ...opts, stepId: '2', field: 'image2' }));
    expect(toFile).toMatchObject({ kind: 'invalid-image', retryable: false, file: null });
    expect(toFile.message).toBe(
      'IDWise process-journey-step not sent: step 2 image2: host not allowed (a redirect to a URL that is not https)',
    );
    looped = 0;
    const loop = await imageError(openImage(`${base}/loop/0`, opts));
    expect(loop).toMatchObject({ kind: 'invalid-image', retryable: false });
    expect(loop.message).toBe(
      'IDWise process-journey-step not sent: step 0 image could not be downloaded: more than 3 redirects',
    );
    expect(looped).toBe(4); // the URL and 3 redirects, then no further request
    for (const err of [toFile, loop]) expect(toFailure(err, { attempt: 1 })).toMatchObject({ nonRetryable: true });
  });

  it('gives an image host name that does not resolve 3 attempts, not the API retry window (issue 20, item 7)', async () => {
    const unresolvable = { roots: [], hosts: [parseHostEntry('no-such-host.invalid')!] };
    const err = await imageError(
      openImage('https://no-such-host.invalid/selfie.jpg?X-Amz-Signature=abc', { ...opts, sources: unresolvable }),
    );
    expect(err).toMatchObject({
      kind: 'network',
      retryable: true,
      maxAttempts: 3,
      file: 'https://no-such-host.invalid/selfie.jpg',
    });
    expect(err.message).toBe(
      'IDWise process-journey-step not sent: step 0 image could not be downloaded: its host name does not resolve (ENOTFOUND)',
    );
    expect(toFailure(err, { attempt: 1 })).toMatchObject({ nonRetryable: false, type: ErrorType.IdwiseNetwork });
    expect(toFailure(err, { attempt: 2 })).toMatchObject({ nonRetryable: false });
    expect(toFailure(err, { attempt: 3 })).toMatchObject({
      nonRetryable: true,
      type: ErrorType.IdwiseNetwork,
      message: `${err.message}, 3 attempts`,
    });
    // Any other network failure keeps the whole window.
    const reset = await imageError(
      openImage(`http://127.0.0.1:1/selfie.jpg`, {
        ...opts,
        sources: { roots: [], hosts: [parseHostEntry('127.0.0.1:1')!] },
      }),
    );
    expect(reset).toMatchObject({ kind: 'network', retryable: true, maxAttempts: null });
    expect(toFailure(reset, { attempt: 50 })).toMatchObject({ nonRetryable: false });
  });

  it('checks the address where the connection is made: a listed name that resolves to loopback is refused', async () => {
    // As if images.example.com were listed and its DNS answered 127.0.0.1: only the connect-time check stands.
    const port = Number(new URL(base).port);
    const rebound = { roots: [], hosts: [{ host: 'localhost', port, local: true, literal: false }] };
    const err = await imageError(openImage(`http://localhost:${port}/passport.png`, { ...opts, sources: rebound }));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false });
    expect(err.message).toBe('IDWise process-journey-step not sent: step 0 image: host not allowed');
  });

  it.each([
    ['a host not listed', 'https://elsewhere.example.com/selfie.jpg'],
    ['plain http to a host listed for https', 'http://images.example.com/selfie.jpg'],
    ['a listed loopback host on another port', 'http://127.0.0.1:1/selfie.jpg'],
    ['a cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a file URL', 'file:///etc/passwd'],
  ])('refuses %s before connecting', async (_, url) => {
    const allowed = { ...sources, hosts: [...sources.hosts, parseHostEntry('images.example.com')!] };
    const err = await imageError(openImage(url, { ...opts, sources: allowed }));
    expect(err).toMatchObject({ kind: 'invalid-image', retryable: false, file: null });
    expect(err.message).toBe('IDWise process-journey-step not sent: step 0 image: host not allowed');
  });
});

describe('processStep upload', () => {
  let server: Server;
  let base: string;
  const received: { headers: IncomingMessage['headers']; bytes: number; body: Buffer | null }[] = [];
  let keepBodies = true;

  beforeAll(async () => {
    ({ server, url: base } = await listen((req, res) => {
      if (req.url!.startsWith('/drop')) {
        req.socket.destroy();
        return;
      }
      const entry = { headers: req.headers, bytes: 0, body: null as Buffer | null };
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        entry.bytes += c.length;
        if (keepBodies) chunks.push(c);
      });
      req.on('end', () => {
        entry.body = keepBodies ? Buffer.concat(chunks) : null;
        received.push(entry);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
      });
    }));
  });
  afterAll(() => new Promise((ok) => server.close(ok)));

  const config = (overrides: Record<string, string> = {}) =>
    loadIdwiseConfig({
      IDWISE_BASE_URL: base,
      IDWISE_API_KEY: 'images-test-key',
      IDWISE_API_SECRET: SECRET,
      IDWISE_IMAGE_ROOTS: sources.roots.join(','),
      ...overrides,
    });

  it('sends journey_id, step_id and both images as multipart with an exact Content-Length', async () => {
    const client = createIdwiseClient(config());
    const progress: number[] = [];
    const front = join(samples, 'id-front.jpg');
    const back = join(samples, 'id-back.jpg');
    const res = await client.processStep(
      { journeyId: 'journey-1', stepId: '0', image: front, image2: back },
      { onProgress: (n) => progress.push(n) },
    );
    expect(res.success).toBe(true);
    const last = received.at(-1)!;
    expect(last.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(last.headers['content-length'])).toBe(last.bytes);
    expect(last.headers.authorization).toBe(`Basic ${Buffer.from(`images-test-key:${SECRET}`).toString('base64')}`);
    const body = last.body!;
    expect(body.toString('latin1')).toContain('name="journey_id"\r\n\r\njourney-1\r\n');
    expect(body.toString('latin1')).toContain('name="step_id"\r\n\r\n0\r\n');
    expect(body.toString('latin1')).toContain('name="image"; filename="id-front.jpg"\r\nContent-Type: image/jpeg');
    expect(body.indexOf(await readFile(front))).toBeGreaterThan(0);
    expect(body.indexOf(await readFile(back))).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(last.bytes);
  });

  it('sends is_skipped without any file for a skipped step', async () => {
    await createIdwiseClient(config()).processStep({ journeyId: 'journey-1', stepId: '30', isSkipped: true });
    const body = received.at(-1)!.body!.toString('latin1');
    expect(body).toContain('name="is_skipped"\r\n\r\ntrue\r\n');
    expect(body).not.toContain('filename=');
  });

  it('reports a dropped upload as a retryable network error that carries no credentials', async () => {
    const client = createIdwiseClient(config({ IDWISE_ROUTES: '{"process":{"path":"drop"}}' }));
    const err = await imageError(
      client.processStep({ journeyId: 'j', stepId: '0', image: join(samples, 'selfie.jpg') }),
    );
    expect(err).toMatchObject({ kind: 'network', retryable: true, status: null, stepId: '0' });
    const everything = `${err.message} ${JSON.stringify(err)} ${inspect(err, { depth: 20, showHidden: true })}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('Basic ');
    expect(everything).not.toContain(Buffer.from(`images-test-key:${SECRET}`).toString('base64'));
  });

  it('uploads a 5 MB image with memory growth far below its size (child process, forced GC)', async () => {
    const big = join(dir, 'big.jpg');
    const size = 5 * 1024 * 1024;
    const out = createWriteStream(big);
    out.write(Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    for (let written = 4; written < size; written += 65_536) out.write(randomBytes(Math.min(65_536, size - written)));
    out.end();
    await once(out, 'close');

    keepBodies = false;
    const child = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          IDWISE_MODULE: new URL('../idwise/index.ts', import.meta.url).href,
          BASE_URL: base,
          SMALL_IMAGE: join(samples, 'selfie.jpg'),
          BIG_IMAGE: big,
          IMAGE_ROOTS: sources.roots.join(','),
        },
      },
    );
    keepBodies = true;
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as MemoryReport;
    console.log(`5 MB upload memory: ${JSON.stringify(report)}`);
    expect(received.at(-1)!.bytes).toBeGreaterThan(size);
    expect(report.progressCalls).toBeGreaterThan(10);
    // Live (post-GC) memory while the upload is in flight. external already includes arrayBuffers, so their
    // sum counts Buffers twice: a conservative bound. Buffering the image would add at least 5 MB (10 MB
    // counted); streaming holds a few 64 KB chunks.
    expect(report.peakLiveExternalGrowth).toBeLessThan(2.5 * 1024 * 1024);
    expect(report.peakLiveHeapGrowth).toBeLessThan(2.5 * 1024 * 1024);
  });
});

interface MemoryReport {
  peakLiveExternalGrowth: number;
  peakLiveHeapGrowth: number;
  rssGrowth: number;
  progressCalls: number;
}

// Runs in `node --expose-gc --import tsx`: warm up (module loading and JIT are not the upload's cost), force
// GC, then upload the 5 MB file and force GC at every progress callback, so each sample counts only memory
// that is still referenced, not garbage waiting for a collection.
const CHILD = `
const { createIdwiseClient, loadIdwiseConfig } = await import(process.env.IDWISE_MODULE);
const client = createIdwiseClient(loadIdwiseConfig({
  IDWISE_BASE_URL: process.env.BASE_URL, IDWISE_API_KEY: 'k', IDWISE_API_SECRET: 's',
  IDWISE_IMAGE_ROOTS: process.env.IMAGE_ROOTS,
}));
const step = (image, onProgress) => client.processStep({ journeyId: 'j', stepId: '0', image }, { onProgress });
for (let i = 0; i < 3; i++) await step(process.env.SMALL_IMAGE, () => gc());
gc(); gc();
const base = process.memoryUsage();
let peakExternal = 0, peakHeap = 0, peakRss = 0, progressCalls = 0;
await step(process.env.BIG_IMAGE, () => {
  progressCalls++;
  gc();
  const m = process.memoryUsage();
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers - base.external - base.arrayBuffers);
  peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
  peakRss = Math.max(peakRss, m.rss - base.rss);
});
console.log(JSON.stringify({ peakLiveExternalGrowth: peakExternal, peakLiveHeapGrowth: peakHeap, rssGrowth: peakRss, progressCalls }));
`;

describe('connect-time address check (DNS rebinding)', () => {
  type Answer = { address: string; family: number }[];
  const resolver =
    (answer: Answer) => (_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, a: Answer) => void) =>
      cb(null, answer);
  const lookupWith = (hosts: string[], answer: Answer, all: boolean) =>
    new Promise<unknown>((ok, fail) =>
      guardedLookup({ roots: [], hosts: hosts.map((h) => parseHostEntry(h)!) }, resolver(answer) as never)(
        'images.example.com',
        { all },
        (err, address) => (err ? fail(err) : ok(address)),
      ),
    );

  it.each([
    ['127.0.0.1', 4],
    ['10.1.2.3', 4],
    ['172.20.0.1', 4],
    ['192.168.1.1', 4],
    ['169.254.169.254', 4],
    ['0.0.0.0', 4],
    ['::1', 6],
    ['fd00::1', 6],
    ['fe80::1', 6],
    ['::ffff:127.0.0.1', 6],
    // Issue 20, item 10: translation, tunnelling, benchmarking, special-purpose, multicast and broadcast ranges.
    ['64:ff9b::a9fe:a9fe', 6], // NAT64 of 169.254.169.254
    ['64:ff9b:1::a00:1', 6], // local-use NAT64
    ['::127.0.0.1', 6], // IPv4-compatible
    ['::a9fe:a9fe', 6],
    ['::ffff:7f00:1', 6], // IPv4-mapped, hex form
    ['2002:7f00:1::1', 6], // 6to4 of 127.0.0.1
    ['fec0::1', 6], // site-local
    ['ff02::1', 6], // multicast
    ['198.18.0.1', 4], // benchmarking
    ['198.19.255.254', 4],
    ['192.0.0.170', 4], // IETF protocol assignments
    ['224.0.0.251', 4], // multicast
    ['239.255.255.250', 4],
    ['255.255.255.255', 4], // broadcast
    ['240.0.0.1', 4], // reserved
  ])('refuses a listed name that resolves to %s', async (address, family) => {
    await expect(lookupWith(['images.example.com'], [{ address, family }], true)).rejects.toMatchObject({
      message: 'host not allowed',
      code: 'ERR_IMAGE_HOST_REFUSED',
    });
  });

  it('passes public addresses through, in the form asked for', async () => {
    const answer = [{ address: '93.184.216.34', family: 4 }];
    await expect(lookupWith(['images.example.com'], answer, true)).resolves.toEqual(answer);
    await expect(lookupWith(['images.example.com'], answer, false)).resolves.toBe('93.184.216.34');
    expect(isInternalAddress('8.8.8.8')).toBe(false);
    for (const outside of [
      '::ffff:8.8.8.8',
      '198.20.0.1',
      '192.0.1.1',
      '223.255.255.255',
      '2001:4860:4860::8888',
      '2003::1',
    ])
      expect([outside, isInternalAddress(outside)]).toEqual([outside, false]);
  });
});
