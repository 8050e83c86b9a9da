import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { eventually, expectError, ID_FLOW, sandboxApi, uid, type ResultBody } from './helpers/sandbox-api.js';

// The journey lifecycle over real HTTP (idwise-api.md §5–§7, §10, §11): attempts and retakes, final processing
// after complete, manual review of Refer journeys (by admin endpoint and by scenario), and the lost fault.

const DELAY = 40;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

let sb: RunningSandbox;
const api = sandboxApi(() => sb);
const { call, admin, start, submit, complete, result, summary, stepResult } = api;

beforeAll(async () => {
  // A flow with three attempts on its document step, next to the default config's two-attempt flows.
  const config = {
    credentials: [{ label: 'sandbox', environment: 'sandbox' as const, key: 'sandbox-key', secret: 'sandbox-secret' }],
    flows: [
      {
        flowId: ID_FLOW,
        steps: [
          { id: '0', type: 'Document', title: 'Photo ID' },
          { id: '2', type: 'Selfie', title: 'Selfie' },
        ],
      },
      { flowId: 'three-tries', steps: [{ id: '5', type: 'Document', title: 'Photo ID', maxAttempts: 3 }] },
    ],
  };
  sb = await startSandbox({ port: 0, config });
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.admin.reset();
  sb.admin.setSwitches({ processingDelayMs: DELAY, pollRule: 'off', finalProcessingMs: 0, autoReviewDelayMs: 0 });
});

/** Waits until the step's latest attempt has been processed (its own timer, DELAY ms here). */
const processed = (id: string, stepId: string) =>
  eventually(async () => expect(await stepResult(id, stepId)).toMatchObject({ status: 'Submitted' }));

async function submitAllAndComplete(id: string): Promise<void> {
  expect((await submit(id, '0')).status).toBe(200);
  expect((await submit(id, '2')).status).toBe(200);
  await processed(id, '0');
  await processed(id, '2');
  expect((await complete(id)).status).toBe(200);
}
const finalResult = (id: string) =>
  eventually(async () => {
    const res = (await result(id)).body;
    expect(res.end_time).toEqual(expect.stringMatching(ISO));
    return res;
  });

describe('attempts per step', () => {
  it('gives a step maxAttempts attempts: feedback on each failed one, then step_concluded', async () => {
    // Long enough that the second call surely comes while the attempt is processing, even on a busy machine.
    sb.admin.setSwitches({ processingDelayMs: 1_000 });
    const id = await start(`exhaust-${uid()}`, 'three-tries');
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await submit(id, '5')).status).toBe(200);
      expectError(await submit(id, '5'), 400, 'step_in_progress');
      await processed(id, '5');
      expect(await stepResult(id, '5')).toMatchObject({
        status: 'Submitted',
        has_passed_rules: false,
        is_concluded: attempt === 3,
        error_user_feedback_code: 'feedback_document_cropped',
        error_user_feedback_title: 'Document Cropped',
      });
    }
    expectError(await submit(id, '5'), 400, 'step_concluded');
    expect(sb.admin.journeyCounters(id)).toMatchObject({
      processSubmissions: { '5': 3 },
      processRejections: { '5': 4 },
    });
  });

  it('a retake after user feedback passes and concludes the step (feedback-)', async () => {
    const id = await start(`feedback-${uid()}`);
    await submit(id, '0');
    await processed(id, '0');
    expect(await stepResult(id, '0')).toMatchObject({ has_passed_rules: false, is_concluded: false });
    expect((await submit(id, '0')).status).toBe(200);
    await processed(id, '0');
    expect(await stepResult(id, '0')).toMatchObject({
      has_passed_rules: true,
      is_concluded: true,
      error_user_feedback_code: null,
    });
    expectError(await submit(id, '0'), 400, 'step_concluded');
  });
});

describe('final processing', () => {
  it('answers Incomplete with end_time null until final processing ends, then the decision', async () => {
    sb.admin.setSwitches({ finalProcessingMs: 3_000 });
    const id = await start();
    await submitAllAndComplete(id);
    const during = (await result(id)).body;
    expect(during).toMatchObject({
      system_decision: 'Incomplete',
      final_decision: 'Incomplete',
      manual_decision: null,
      end_time: null,
    });
    expect((await summary(id)).body.is_completed).toBe(true);
    expectError(await submit(id, '0'), 400, 'journey_completed');
    expectError(await complete(id), 400, 'journey_completed');
    const after = await finalResult(id);
    expect(after).toMatchObject({ system_decision: 'Complete', final_decision: 'Complete', manual_review_time: null });
    expectError(await complete(id), 400, 'journey_completed');
  });

  it('applies to autoComplete the same way', async () => {
    sb.admin.setSwitches({ autoComplete: true, finalProcessingMs: 1_000 });
    const id = await start();
    await submit(id, '0');
    await submit(id, '2');
    await eventually(async () => expect((await summary(id)).body.is_completed).toBe(true));
    const res = await finalResult(id);
    expect(res.system_decision).toBe('Complete');
  });
});

describe('manual review', () => {
  it('reviews a Refer journey through POST /_sandbox/journeys/{id}/review once its final processing ended', async () => {
    sb.admin.setSwitches({ finalProcessingMs: 2_000 });
    const id = await start(`refer-${uid()}`);
    await submitAllAndComplete(id);
    const early = await admin(`journeys/${id}/review`, 'POST', { decision: 'Approved' });
    expectError(early, 409, 'journey_not_reviewable');
    expect((await finalResult(id)).system_decision).toBe('Refer');
    expectError(await admin(`journeys/${id}/review`, 'POST', { decision: 'Maybe' }), 400, 'validation_error');
    expectError(await admin(`journeys/${id}/review`, 'POST', { decision: 'Approved', x: 1 }), 400, 'validation_error');
    const ok = await admin(`journeys/${id}/review`, 'POST', { decision: 'Approved' });
    expect(ok).toMatchObject({ status: 200, body: { success: true, journeyId: id, manualDecision: 'Approved' } });
    const res = (await result(id)).body;
    expect(res).toMatchObject({ system_decision: 'Refer', manual_decision: 'Approved', final_decision: 'Approved' });
    expect(res.manual_review_time).toEqual(expect.stringMatching(ISO));
    expect(res.manual_review_time! >= res.end_time!).toBe(true);
    expectError(await admin(`journeys/${id}/review`, 'POST', { decision: 'Rejected' }), 409, 'journey_not_reviewable');
    expectError(
      await admin(`journeys/nope/review`, 'POST', { decision: 'Rejected' }),
      404,
      'missing_requested_resource',
    );
  });

  it('refuses journeys that are not Refer; admin.review() does the same in process', async () => {
    const pass = await start();
    await submitAllAndComplete(pass);
    await finalResult(pass);
    expect(() => sb.admin.review(pass, 'Approved')).toThrow(/system decision Complete/);
    const refer = await start(`refer-${uid()}`);
    await submitAllAndComplete(refer);
    await finalResult(refer);
    sb.admin.review(refer, 'Rejected');
    expect((await result(refer)).body).toMatchObject({ manual_decision: 'Rejected', final_decision: 'Rejected' });
  });

  it.each([
    ['review-approve', 'Approved'],
    ['review-reject', 'Rejected'],
  ])('%s- journeys are Refer, then reviewed %s automatically after autoReviewDelayMs', async (prefix, decision) => {
    sb.admin.setSwitches({ autoReviewDelayMs: 2_000 });
    const id = await start(`${prefix}-${uid()}`);
    await submitAllAndComplete(id);
    const first = await finalResult(id);
    expect(first).toMatchObject({ system_decision: 'Refer', manual_decision: null, final_decision: 'Refer' });
    expect(first.rule_results.no_duplicate_applicant!.result).toBe('Failed');
    const reviewed = await eventually(async () => {
      const res = (await result(id)).body;
      expect(res.manual_decision).toBe(decision);
      return res;
    });
    expect(reviewed).toMatchObject({ system_decision: 'Refer', final_decision: decision });
  });

  it('a person may review a review- journey before the automatic reviewer does', async () => {
    sb.admin.setSwitches({ autoReviewDelayMs: 1_500 });
    const id = await start(`review-approve-${uid()}`);
    await submitAllAndComplete(id);
    await finalResult(id);
    sb.admin.review(id, 'Rejected');
    await sleep(1_800);
    expect((await result(id)).body).toMatchObject({ manual_decision: 'Rejected', final_decision: 'Rejected' });
  });
});

describe('the lost fault', () => {
  it('acts on start, process and complete, then closes the connection without an answer', async () => {
    const ref = `pass-${uid()}`;
    sb.admin.failNext({ count: 1, kind: 'lost', routes: ['start'] });
    const lostStart = call('v2/start-journey', { json: { flow_id: ID_FLOW, reference_no: ref } });
    await expect(lostStart).rejects.toThrow();
    const [journey] = sb.admin.findJourneys(ref);
    expect(journey).toMatchObject({ referenceNo: ref, completed: false });
    const id = journey!.journeyId;

    sb.admin.failNext({ count: 1, kind: 'lost', routes: ['process'] });
    await expect(submit(id, '0')).rejects.toThrow();
    expect(sb.admin.journeyCounters(id)?.processSubmissions).toEqual({ '0': 1 });
    // The client's retry of the same step now meets the effect of the first call.
    await processed(id, '0');
    expectError(await submit(id, '0'), 400, 'step_concluded');

    sb.admin.setFaults({ lostRate: 1, routes: ['complete'] });
    await expect(complete(id)).rejects.toThrow();
    sb.admin.resetFaults();
    expect(sb.admin.findJourneys(ref)[0]!.completed).toBe(true);
    expectError(await complete(id), 400, 'journey_completed');
    expect(sb.admin.counters().totals.faults.lost).toBe(3);
  });
});

describe('faults only after auth', () => {
  it('an unauthenticated request gets 401 and neither sees nor consumes a queued fault', async () => {
    sb.admin.failNext({ count: 1, kind: '5xx', routes: ['start'] });
    const json = { flow_id: ID_FLOW, reference_no: `pass-${uid()}` };
    expectError(await call('v2/start-journey', { json, auth: null }), 401, 'missing_authorization_header');
    expectError(await call('v2/start-journey', { json, auth: 'Basic eDp5' }), 401, 'invalid_credentials');
    expectError(await call('v2/start-journey', { json }), 503, 'service_unavailable');
    expect((await call('v2/start-journey', { json })).status).toBe(200);
    expect(sb.admin.counters().totals.faults['5xx']).toBe(1);
  });

  it('rate faults and latency skip unauthenticated requests and admin endpoints', async () => {
    sb.admin.setFaults({ errorRate: 1, dropRate: 0 });
    for (let i = 0; i < 3; i++) {
      expectError(
        await call('v2/get-journey-summary?journey_id=x', { auth: null }),
        401,
        'missing_authorization_header',
      );
    }
    expect([500, 502, 503]).toContain((await call('v2/get-journey-summary?journey_id=x')).status);
    expect((await admin('counters')).status).toBe(200);
    expect(sb.admin.counters().totals.faults['5xx']).toBe(1);
  });
});

describe('results before and after', () => {
  it('keeps manual_decision null and manual_review_time null for journeys nobody reviewed', async () => {
    const id = await start();
    const before: ResultBody = (await result(id)).body;
    expect(before).toMatchObject({ system_decision: 'Incomplete', manual_decision: null, manual_review_time: null });
  });
});
