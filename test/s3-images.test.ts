import { readFile } from 'node:fs/promises';
import { createPreflightActivities } from '../activities/preflight.js';
import { JourneyFailedError } from '../client/errors.js';
import { loadIdwiseConfig, type ImageSources } from '../idwise/index.js';
import { ErrorType } from '../shared/errors.js';
import type { StepMapping } from '../shared/journey.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, type JourneyEnv } from './helpers/journey-env.js';
import { startTestStorage, type TestStorage } from './helpers/storage.js';
import { applicationFailureOf, quietActivityEnv } from './helpers/activities.js';

// Images read from object storage (`s3://bucket/key`) against a real S3 server (SeaweedFS): a journey from objects,
// objects outside IDWISE_IMAGE_BUCKETS refused before any IDWise journey exists, and each bad object answered in one
// line naming the step and field (never the key), non-retryable, while a store that does not answer is retried.

const activityEnv = quietActivityEnv();

describe('s3:// image sources', () => {
  let storage: TestStorage;
  let env: JourneyEnv;
  let sources: ImageSources;
  const refs: Record<string, string> = {};

  beforeAll(async () => {
    storage = await startTestStorage();
    env = await createJourneyEnv({ idwiseEnv: storage.idwiseEnv });
    await env.startWorker();
    sources = env.imageSources;
    refs.front = await storage.put('photos/a1/id-front.jpg', await readFile(images.front), 'image/jpeg');
    refs.back = await storage.put('photos/a1/id-back.jpg', await readFile(images.back), 'image/jpeg');
    refs.selfie = await storage.put('photos/a1/selfie.jpg', await readFile(images.selfie), 'image/jpeg');
    refs.text = await storage.put('photos/a1/notes-zq81.jpg', Buffer.from('plain text, not an image'));
    refs.big = await storage.put(
      'photos/a1/big-zq82.jpg',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(4000)]),
    );
    refs.elsewhere = await storage.put('private/a1/selfie-zq83.jpg', await readFile(images.selfie), 'image/jpeg');
    refs.missing = `s3://${storage.bucket}/photos/a1/missing-zq84.jpg`;
  });
  afterAll(async () => {
    await env?.close();
    await storage?.close();
  });

  const preflight = (steps: StepMapping, over: Partial<ImageSources> = {}, maxImageBytes = 6_291_456) =>
    activityEnv.run(
      createPreflightActivities({ imageSources: { ...sources, ...over }, maxImageBytes }).preflightImages,
      {
        steps,
      },
    );

  it('runs a journey whose images are s3:// objects', async () => {
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: refs.front!, image2: refs.back! }, '2': { image: refs.selfie! } },
    });
    const outcome = await env.journeys.awaitOutcome(ref);
    expect(outcome.decision.final).toBe('Complete');
    const [journey] = env.sandbox.admin.findJourneys(ref);
    expect(env.sandbox.admin.counters().journeys[journey!.journeyId]?.processSubmissions).toMatchObject({
      '0': 1,
      '2': 1,
    });
  });

  it('refuses an object outside IDWISE_IMAGE_BUCKETS before any IDWise journey exists', async () => {
    const before = env.sandbox.admin.counters().totals;
    const ref = env.ref('pass-');
    await env.journeys.startJourney({
      referenceNo: ref,
      flowId: FLOW_ID_SELFIE,
      steps: { '0': { image: refs.front!, image2: refs.elsewhere! }, '2': { image: refs.selfie! } },
    });
    const err = await env.journeys.awaitOutcome(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JourneyFailedError);
    expect((err as JourneyFailedError).type).toBe(ErrorType.InvalidImage);
    expect((err as JourneyFailedError).message).toMatch(/step 0 image2: bucket not allowed/);
    expect((err as JourneyFailedError).message).not.toContain('private/');
    expect(env.sandbox.admin.findJourneys(ref)).toHaveLength(0);
    expect(env.sandbox.admin.counters().totals.requests.start).toBe(before.requests.start);
  });

  it('answers each bad object in one line naming the step and field, never the key, non-retryable', async () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'missing',
        () => preflight({ '0': { image: refs.missing! } }),
        /^image check failed: step 0 image does not exist in the object store \(NotFound\)$/,
      ],
      [
        'not an image',
        () => preflight({ '2': { image: refs.text! } }),
        /^image check failed: step 2 image is not a JPEG, PNG or PDF/,
      ],
      [
        'too large',
        () => preflight({ '0': { image: refs.big! } }, {}, 3_000),
        /^image check failed: step 0 image is 4003 bytes, above the 3000-byte limit$/,
      ],
      [
        'wrong bucket',
        () => preflight({ '0': { image: `s3://other-bucket/photos/a1/id-front.jpg` } }),
        /^image check failed: step 0 image: bucket not allowed$/,
      ],
      [
        'prefix escape',
        () => preflight({ '0': { image: `s3://${storage.bucket}/photos/../private/a1/selfie-zq83.jpg` } }),
        /^image check failed: step 0 image: bucket not allowed$/,
      ],
    ];
    for (const [what, run, expected] of cases) {
      const failure = await applicationFailureOf(run());
      expect({ what, message: failure.message }).toEqual({ what, message: expect.stringMatching(expected) });
      expect({ what, type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({
        what,
        type: ErrorType.InvalidImage,
        nonRetryable: true,
      });
      expect(failure.message).not.toMatch(/zq8|a1\/|photos|private/);
      expect(failure.message.split('\n')).toHaveLength(1);
    }
  });

  it('answers access denied and missing credentials as non-retryable, a store that does not answer as retryable', async () => {
    // The store itself admits only its credentials: an anonymous request is refused too.
    expect((await fetch(`${storage.endpoint}/${storage.bucket}/photos/a1/selfie.jpg`)).status).toBe(403);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // A fresh settings object is a fresh client, which reads the credential chain anew.
    const fresh = () => ({ s3: { ...sources.s3! } });
    try {
      process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
      const denied = await applicationFailureOf(preflight({ '2': { image: refs.selfie! } }, fresh()));
      expect(denied.message).toMatch(
        /^image check failed: step 2 image was refused by the object store: access denied/,
      );
      expect(denied.nonRetryable).toBe(true);

      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
      process.env.AWS_CONFIG_FILE = '/nonexistent/config';
      const none = await applicationFailureOf(preflight({ '2': { image: refs.selfie! } }, fresh()));
      expect(none.message).toMatch(/^image check failed: step 2 image cannot be read: no AWS credentials found/);
      expect(none.nonRetryable).toBe(true);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      delete process.env.AWS_EC2_METADATA_DISABLED;
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      delete process.env.AWS_CONFIG_FILE;
    }
    // Nothing listens on the port any more: a store that is down (or restarting) is worth another attempt.
    const down = loadIdwiseConfig({
      IDWISE_API_KEY: 'k',
      IDWISE_API_SECRET: 's',
      ...storage.idwiseEnv,
      IDWISE_S3_ENDPOINT: 'http://127.0.0.1:9',
    }).imageSources;
    const unavailable = await applicationFailureOf(preflight({ '2': { image: refs.selfie! } }, { s3: down.s3! }));
    expect(unavailable.message).toMatch(
      /^image check failed: step 2 image could not be read from the object store \(ECONNREFUSED\)$/,
    );
    expect(unavailable.nonRetryable).toBe(false);
    expect(unavailable.type).toBe(ErrorType.IdwiseNetwork);
  });
});
