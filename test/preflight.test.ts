import { mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createPreflightActivities } from '../activities/preflight.js';
import { parseHostEntry, type ImageSources } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import type { StepMapping } from '../shared/journey.js';
import { images, repoRoot } from './helpers/journey-env.js';
import { applicationFailureOf, quietActivityEnv } from './helpers/activities.js';

// preflightImages with the upload's own checks, run as Temporal runs activities (MockActivityEnvironment),
// against files in and out of the roots and a local Fastify image host.

describe('preflightImages', () => {
  let dir: string;
  let outside: string;
  let server: FastifyInstance;
  let base: string;
  let sources: ImageSources;
  const hits: Record<string, number> = {};
  // Failed attempts are the point of these tests: keep the activity logger quiet.
  const env = quietActivityEnv();
  const run = (steps: StepMapping, maxImageBytes = 6_291_456) =>
    env.run(createPreflightActivities({ imageSources: sources, maxImageBytes }).preflightImages, { steps });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idwise-preflight-'));
    outside = await mkdtemp(join(tmpdir(), 'idwise-outside-'));
    await writeFile(join(dir, 'notes.jpg'), 'plain text, not an image');
    await writeFile(join(outside, 'secret.jpg'), await readFile(images.selfie));
    await symlink(join(outside, 'secret.jpg'), join(dir, 'escape.jpg'));
    const png = await readFile(images.passport);
    server = Fastify();
    server.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0]!;
      hits[path] = (hits[path] ?? 0) + 1;
    });
    server.get('/flaky.png', async (_req, reply) =>
      hits['/flaky.png'] === 1 ? reply.code(503).send('busy') : reply.type('image/png').send(png),
    );
    server.get('/ranged.png', async (req, reply) =>
      req.headers.range === 'bytes=0-15'
        ? reply
            .code(206)
            .header('content-range', `bytes 0-15/${png.length}`)
            .type('image/png')
            .send(png.subarray(0, 16))
        : reply.code(400).send('expected a range request'),
    );
    server.get('/gone.png', async (_req, reply) => reply.code(404).send('no such image'));
    server.get('/page.jpg', async (_req, reply) => reply.type('text/html').send('<html>login</html>'));
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.server.address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    sources = {
      roots: [await realpath(join(repoRoot, 'samples')), await realpath(dir)],
      hosts: [parseHostEntry(`127.0.0.1:${port}`)!],
    };
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('checks every image of the mapping and skips skipped steps', async () => {
    const checked = await run({
      '0': { image: images.front, image2: images.back },
      '1': { skip: true },
      '2': { image: `${base}/ranged.png?sig=abc` },
      '3': { image: images.proofOfAddress },
    });
    expect(checked).toEqual({ checked: 4 });
  });

  it('fails retryably on a 503 from the image host and passes on the next attempt', async () => {
    const first = await applicationFailureOf(run({ '2': { image: `${base}/flaky.png` } }));
    expect(first.nonRetryable).toBe(false);
    expect(first.message).toMatch(/step 2 image could not be downloaded: HTTP 503/);
    await expect(run({ '2': { image: `${base}/flaky.png` } })).resolves.toEqual({ checked: 1 });
  });

  it.each([
    ['a 404', () => `${base}/gone.png`, /step 5 image2 could not be downloaded: HTTP 404/],
    ['an HTML page', () => `${base}/page.jpg`, /step 5 image2 is not a JPEG, PNG or PDF/],
    ['a text file', () => join(dir, 'notes.jpg'), /step 5 image2 is not a JPEG, PNG or PDF/],
    ['a missing file', () => join(dir, 'missing.jpg'), /step 5 image2 does not exist/],
    [
      'a symlink out of the root',
      () => join(dir, 'escape.jpg'),
      /^image check failed: step 5 image2: not under an allowed image root$/,
    ],
    [
      'a file outside the roots',
      () => join(outside, 'secret.jpg'),
      /^image check failed: step 5 image2: not under an allowed image root$/,
    ],
    [
      'a host not listed',
      () => 'https://images.example.com/a.jpg',
      /^image check failed: step 5 image2: host not allowed$/,
    ],
    [
      'a listed host on another port',
      () => 'http://127.0.0.1:9/a.jpg',
      /^image check failed: step 5 image2: host not allowed$/,
    ],
  ])('fails at once, non-retryable, on %s', async (_, ref, message) => {
    const before = hits['/gone.png'] ?? 0;
    const failure = await applicationFailureOf(
      run({ '4': { image: images.selfie }, '5': { image: images.front, image2: ref() } }),
    );
    expect(failure).toMatchObject({ type: ErrorType.InvalidImage, nonRetryable: true });
    expect(failure.message).toMatch(message);
    // Step and field, never the file or URL path: either can name the applicant, and messages reach logs.
    expect(failure.message).not.toMatch(/gone|page\.jpg|notes|missing\.jpg/);
    if (ref().endsWith('/gone.png')) expect(hits['/gone.png']).toBe(before + 1);
  });

  it('refuses an image above the size limit, from the file size or the Content-Range total', async () => {
    const file = await applicationFailureOf(run({ '0': { image: images.passport } }, 10_000));
    expect(file.message).toMatch(/step 0 image is 19138 bytes, above the 10000-byte limit/);
    const url = await applicationFailureOf(run({ '0': { image: `${base}/ranged.png` } }, 10_000));
    expect(url.message).toMatch(/is 19138 bytes, above the 10000-byte limit/);
    expect(url.nonRetryable).toBe(true);
  });

  it('refuses everything when the worker has no image sources', async () => {
    const failure = await applicationFailureOf(
      env.run(createPreflightActivities({}).preflightImages, { steps: { '0': { image: images.front } } }),
    );
    expect(failure.message).toBe('image check failed: step 0 image: not under an allowed image root');
  });
});
