import { WorkflowNotFoundError } from '@temporalio/client';
import { ErasureFailedError } from '../client/errors.js';
import type { ErasureRecord } from '../shared/erasure.js';
import { journeyWorkflowId } from '../shared/journey.js';
import { startEventReceiver } from './helpers/event-receiver.js';
import { createJourneyEnv, FLOW_ID_SELFIE, images, waitFor, type JourneyEnv } from './helpers/journey-env.js';

// Erasure against the real parts: the sandbox's Delete PII over HTTP, the dev server's DeleteWorkflowExecution,
// and a receiver that verifies the signed journey.erased event.

const idAndSelfie = { '0': { image: images.front, image2: images.back }, '2': { image: images.selfie } };
const EVENTS_SECRET = 'erasure-test-secret-0123456789abcdef';
/** What must never be in an erasure record or event: image paths, file names, applicant details. */
const PII = /samples|images\/|\.jpg|\.png|full_name|birth/i;
const quick = { retryInterval: '200ms', apiRetryWindow: '2m' };

describe('journey erasure', () => {
  let env: JourneyEnv;
  let events: Awaited<ReturnType<typeof startEventReceiver>>;

  beforeAll(async () => {
    events = await startEventReceiver(EVENTS_SECRET);
    env = await createJourneyEnv({
      sandboxSwitches: { finalProcessingMs: 300 },
      events: { url: events.url, secret: EVENTS_SECRET },
    });
    await env.startWorker();
  });
  afterAll(async () => {
    await env?.close();
    await events?.close();
  });

  const decided = async (ref: string, opts: { rerun?: boolean; retention?: string } = {}) => {
    await env.journeys.startJourney(
      {
        referenceNo: ref,
        flowId: FLOW_ID_SELFIE,
        steps: idAndSelfie,
        ...(opts.retention ? { options: { retention: opts.retention } } : {}),
      },
      { rerun: opts.rerun ?? false },
    );
    return env.journeys.awaitOutcome(ref);
  };
  const sandboxJourneys = (ref: string) => env.sandbox.admin.findJourneys(ref).map((j) => j.journeyId);
  const gone = async (workflowId: string, runId?: string) => {
    const described = env.client.workflow.getHandle(workflowId, runId, { followRuns: false }).describe();
    await expect(described).rejects.toBeInstanceOf(WorkflowNotFoundError);
  };
  const erase = async (ref: string, reason: string) => {
    const started = await env.journeys.eraseJourney(ref, { reason, options: quick });
    return { started, record: await env.journeys.awaitErasure(ref) };
  };
  const erasedEvent = (ref: string) =>
    waitFor(
      'journey.erased event',
      async () => events.of(ref).filter((e) => e.type === 'journey.erased'),
      (list) => list.length > 0,
    );

  let decidedRef: string;
  let decidedRecord: ErasureRecord;

  it('erases a decided journey: IDWise, every execution (its events outbox too), and says so, without PII', async () => {
    decidedRef = env.ref('pass-');
    // The backend is down for this applicant: the journey's last event goes on in a deliverJourneyEvents workflow.
    events.unavailableFor.add(decidedRef);
    const outcome = await decided(decidedRef);
    const journeyRun = (await env.journeys.describe(decidedRef)).runId;
    const outboxId = `${journeyWorkflowId(decidedRef)}/events/${journeyRun}`;
    const outbox = await env.client.workflow.getHandle(outboxId).describe();
    expect(outbox.status.name).toBe('RUNNING');
    expect(sandboxJourneys(decidedRef)).toEqual([outcome.journeyId]);
    events.unavailableFor.delete(decidedRef);

    const { started, record } = await erase(decidedRef, 'GDPR art. 17 request T-1');
    expect(started).toMatchObject({ workflowId: `idwise-erase-${decidedRef}`, alreadyErased: false });
    expect(record).toMatchObject({
      referenceNo: decidedRef,
      reason: 'GDPR art. 17 request T-1',
      trigger: 'request',
      status: 'erased',
      cancelledRunId: null,
      idwise: [{ journeyId: outcome.journeyId, outcome: 'deleted', at: expect.any(String) }],
      stagedImages: { deleted: 0 },
      failure: null,
    });
    expect(record.temporal).toEqual(
      expect.arrayContaining([
        { workflowId: journeyWorkflowId(decidedRef), runId: journeyRun, outcome: 'deleted' },
        { workflowId: outboxId, runId: outbox.runId, outcome: 'deleted' },
      ]),
    );
    expect(JSON.stringify(record)).not.toMatch(PII);

    // IDWise: gone, and its reads answer 404 missing_requested_resource.
    expect(sandboxJourneys(decidedRef)).toEqual([]);
    await expect(env.idwise.getJourneySummary(outcome.journeyId)).rejects.toMatchObject({
      status: 404,
      errorCode: 'missing_requested_resource',
    });
    // Temporal: no run of the journey and no outbox left.
    await gone(journeyWorkflowId(decidedRef));
    await gone(outboxId);
    // The record stays, as result and memo.
    const memo = (await env.client.workflow.getHandle(started.workflowId).describe()).memo as {
      erasure: ErasureRecord;
    };
    expect(memo.erasure).toEqual(record);
    decidedRecord = record;

    const [event] = await erasedEvent(decidedRef);
    expect(event).toMatchObject({
      type: 'journey.erased',
      referenceNo: decidedRef,
      workflowId: started.workflowId,
      data: {
        reason: 'GDPR art. 17 request T-1',
        idwiseJourneys: [{ journeyId: outcome.journeyId, outcome: 'deleted' }],
        temporalExecutionsDeleted: 2,
      },
    });
    expect(JSON.stringify(event)).not.toMatch(PII);
  });

  it('answers a repeated request with the first record, and deletes nothing twice', async () => {
    const deletes = env.sandbox.admin.totals().requests.delete;
    const again = await env.journeys.eraseJourney(decidedRef, { reason: 'asked twice' });
    expect(again).toMatchObject({ alreadyErased: true });
    expect(await env.journeys.awaitErasure(decidedRef)).toEqual(decidedRecord);
    expect(env.sandbox.admin.totals().requests.delete).toBe(deletes);
    expect(env.sandbox.admin.journeyCounters(decidedRecord.idwise[0]!.journeyId)?.deleteCalls).toBe(1);
  });

  it('cancels a running journey first, then erases it', async () => {
    const ref = env.ref('pass-');
    // No files for the selfie step: the journey waits for them.
    await env.journeys.startJourney({ referenceNo: ref, flowId: FLOW_ID_SELFIE, steps: { '0': idAndSelfie['0'] } });
    const waiting = await waitFor(
      'waiting-for-files',
      () => env.journeys.getProgress(ref),
      (p) => p.stage === 'waiting-for-files',
    );
    const runId = (await env.journeys.describe(ref)).runId;
    const { record } = await erase(ref, 'withdrawn application');
    expect(record).toMatchObject({
      status: 'erased',
      cancelledRunId: runId,
      idwise: [{ journeyId: waiting.journeyId, outcome: 'deleted' }],
    });
    expect(sandboxJourneys(ref)).toEqual([]);
    await gone(journeyWorkflowId(ref));
  });

  it('erases both IDWise journeys of a re-run applicant', async () => {
    const ref = env.ref('pass-');
    const first = await decided(ref);
    const second = await decided(ref, { rerun: true });
    expect(second.journeyId).not.toBe(first.journeyId);
    expect(sandboxJourneys(ref).sort()).toEqual([first.journeyId, second.journeyId].sort());

    const { record } = await erase(ref, 'both runs');
    expect(record.idwise).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ journeyId: first.journeyId, outcome: 'deleted' }),
        expect.objectContaining({ journeyId: second.journeyId, outcome: 'deleted' }),
      ]),
    );
    expect(record.idwise).toHaveLength(2);
    expect(record.temporal.filter((t) => t.workflowId === journeyWorkflowId(ref))).toHaveLength(2);
    expect(sandboxJourneys(ref)).toEqual([]);
  });

  it('retries Delete PII through 5xx answers and erases once IDWise recovers', async () => {
    const ref = env.ref('pass-');
    const outcome = await decided(ref);
    const faults = env.sandbox.admin.totals().faults['5xx'];
    env.sandbox.admin.failNext({ count: 3, kind: '5xx', routes: ['delete'] });
    const { record } = await erase(ref, 'retried');
    expect(record).toMatchObject({ status: 'erased', idwise: [{ journeyId: outcome.journeyId, outcome: 'deleted' }] });
    expect(env.sandbox.admin.totals().faults['5xx'] - faults).toBe(3);
    expect(env.sandbox.admin.journeyCounters(outcome.journeyId)?.deleteCalls).toBe(1);
    expect(sandboxJourneys(ref)).toEqual([]);
  });

  it('fails on a 403 with a record of what is left, and erases on a new request once IDWise allows it', async () => {
    const ref = env.ref('pass-');
    const outcome = await decided(ref);
    env.sandbox.admin.setSwitches({ deletePii: 'forbidden' });
    let failure: ErasureFailedError | undefined;
    try {
      await env.journeys.eraseJourney(ref, { reason: 'forbidden first', options: quick });
      await env.journeys.awaitErasure(ref);
    } catch (err) {
      failure = err as ErasureFailedError;
    } finally {
      env.sandbox.admin.setSwitches({ deletePii: 'ok' });
    }
    expect(failure).toBeInstanceOf(ErasureFailedError);
    expect(failure!.message).toMatch(/IDWise did not erase journey\(s\) \w+ \(403 unauthorized\); nothing else/);
    expect(failure!.record).toMatchObject({
      status: 'failed',
      idwise: [{ journeyId: outcome.journeyId, outcome: 'not-erased', at: null, error: '403 unauthorized' }],
      stagedImages: null,
      temporal: [],
      temporalDeletedAt: null,
    });
    // Nothing else was deleted: IDWise still has the journey, Temporal still has its run.
    expect(sandboxJourneys(ref)).toEqual([outcome.journeyId]);
    expect((await env.journeys.describe(ref)).status).toBe('COMPLETED');

    const { started, record } = await erase(ref, 'after the key was fixed');
    expect(started.alreadyErased).toBe(false);
    expect(record).toMatchObject({ status: 'erased', idwise: [{ journeyId: outcome.journeyId, outcome: 'deleted' }] });
    expect(sandboxJourneys(ref)).toEqual([]);
  });

  it('erases a journey on its own once its retention has passed', async () => {
    const ref = env.ref('pass-');
    const outcome = await decided(ref, { retention: '3s' });
    const due = await env.journeys.listDueForErasure();
    const mine = due.find((d) => d.referenceNo === ref);
    // Listed with its due time, unless the 3 s already ran out on a slow machine.
    if (mine) expect(mine.dueAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const record = await env.journeys.awaitErasure(ref);
    expect(record).toMatchObject({
      trigger: 'retention',
      reason: 'retention 3s after the journey ended',
      status: 'erased',
      idwise: [{ journeyId: outcome.journeyId, outcome: 'deleted' }],
    });
    expect(sandboxJourneys(ref)).toEqual([]);
    await gone(journeyWorkflowId(ref));
  });
});
