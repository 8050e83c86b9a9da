import proto from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { JourneyFailedError } from '../client/errors.js';
import { createJourneyClient } from '../client/journey-client.js';
import { getDataConverter } from '../codec/data-converter.js';
import { generateKeyList } from '../codec/keys.js';
import { ErrorType } from '../shared/errors.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, type JourneyEnv } from './helpers/journey-env.js';

// What happens when a worker lacks the key a payload was encrypted under (a rotation done in the wrong
// order): an activity fails at once with PayloadDecryptionFailed (no 15 minutes of retries), and a workflow
// task is retried by Temporal until a worker holding the key picks it up, without losing the journey.

const steps = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };
const [keyA, keyB] = [generateKeyList(['key-a']), generateKeyList(['key-b'])];
const converter = (keys: string) => getDataConverter({ IDWISE_CODEC_KEYS: keys });

describe('a worker without the key', () => {
  let env: JourneyEnv;
  let connection: NativeConnection;

  beforeAll(async () => {
    env = await createJourneyEnv();
    connection = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  });
  afterAll(async () => {
    await connection.close();
    await env.close();
  });

  const workflowWorker = (taskQueue: string, keys: string) =>
    Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
      dataConverter: converter(keys),
    });
  const activityWorker = (taskQueue: string, keys: string) =>
    Worker.create({
      connection,
      taskQueue,
      activities: createActivities({ idwise: env.idwise, imageSources: env.imageSources }),
      dataConverter: converter(keys),
    });

  it('fails an activity whose input it cannot decrypt at once, as PayloadDecryptionFailed', async () => {
    const taskQueue = `codec-${randomUUID()}`;
    const client = new Client({ connection: env.client.connection, dataConverter: converter(`${keyB},${keyA}`) });
    const journeys = createJourneyClient({ client, taskQueue });
    // Workflow tasks on a worker that encrypts with key-b, activities on one that only has key-a.
    const workflows = await workflowWorker(taskQueue, `${keyB},${keyA}`);
    const activities = await activityWorker(taskQueue, keyA);
    const ref = env.ref('pass-');
    const failure = await workflows.runUntil(
      activities.runUntil(async () => {
        await journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps });
        return journeys.awaitOutcome(ref).catch((e: unknown) => e);
      }),
    );
    expect(failure).toBeInstanceOf(JourneyFailedError);
    expect((failure as JourneyFailedError).type).toBe(ErrorType.PayloadDecryptionFailed);
    expect((failure as JourneyFailedError).reason).toMatch(
      /codec key id "key-b", which IDWISE_CODEC_KEYS does not hold/,
    );

    // The journey's first activity (start, which checks the images first) failed on its first attempt, not after retries.
    const history = await client.workflow.getHandle(journeyWorkflowId(ref)).fetchHistory();
    const first = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    expect(first.activityTaskScheduledEventAttributes!.activityType!.name).toBe('startJourney');
    const attempts = history.events!.filter(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === String(first.eventId),
    );
    expect(attempts.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
    const failed = history.events!.find(
      (e) => String(e.activityTaskFailedEventAttributes?.scheduledEventId ?? '') === String(first.eventId),
    );
    expect(failed?.activityTaskFailedEventAttributes?.retryState).toBe(
      proto.temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
    );
  });

  it('keeps a journey whose history it cannot decrypt running until a worker with the key takes it', async () => {
    const taskQueue = `codec-${randomUUID()}`;
    const client = new Client({ connection: env.client.connection, dataConverter: converter(keyB) });
    const journeys = createJourneyClient({ client, taskQueue });
    const ref = env.ref('pass-');
    await journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps });
    const handle = client.workflow.getHandle(journeyWorkflowId(ref));

    const keyless = await workflowWorker(taskQueue, keyA);
    await keyless.runUntil(async () => {
      for (let i = 0; i < 100; i++) {
        const events = (await handle.fetchHistory()).events ?? [];
        if (events.some((e) => e.workflowTaskFailedEventAttributes)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the workflow task never failed on the worker without the key');
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Rotation done right: the workers now hold key-b as well; the same journey carries on and finishes.
    const withKey = await workflowWorker(taskQueue, `${keyB},${keyA}`);
    const acts = await activityWorker(taskQueue, `${keyB},${keyA}`);
    const outcome = await withKey.runUntil(acts.runUntil(journeys.awaitOutcome(ref)));
    expect(outcome.decision.final).toBe('Complete');
  });
});
