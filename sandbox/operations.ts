import { z } from 'zod';
import { REFERENCE_NO_PATTERN } from '../shared/journey.js';
import { formatIssues } from './config.js';
import { journeyIdFromQuery, ok, requireJourney, type ApiAnswer, type ApiContext } from './context.js';
import { ApiError, tooManyRequests, validationError } from './errors.js';
import { viewStep } from './journeys.js';
import { journeyResult } from './result.js';
import { journeySummary, stepSummaries } from './summary.js';

// Start, complete, summary, result and Delete PII (process-journey-step lives in process-step.ts).

// reference_no: IDWise's documented alphabet (idwise-api.md §3), the same one the client checks before sending.
const StartBody = z.object({
  flow_id: z.string({ error: 'flow_id is required' }).trim().min(1, 'flow_id is required'),
  reference_no: z
    .string({ error: 'reference_no is required' })
    .trim()
    .min(1, 'reference_no is required')
    .regex(REFERENCE_NO_PATTERN, 'reference_no may contain only A-Z a-z 0-9 and - _ / \\ , . + @'),
  applicant_details: z
    .object({
      full_name: z.string({ error: 'full_name is required in applicant_details' }).trim().min(1),
      birth_date: z.iso.date('birth_date must be YYYY-MM-DD').optional(),
      sex: z.enum(['male', 'female']).optional(),
      address: z.string().optional(),
      nationality_code: z
        .string()
        .regex(/^[A-Z]{3}$/, 'nationality_code must be ISO 3166-1 alpha-3')
        .optional(),
    })
    .optional(),
});

const CompleteBody = z.object({
  journey_id: z.string({ error: 'journey_id is required' }).trim().min(1, 'journey_id is required'),
});

/** The JSON body Fastify parsed (application/json, within the route's body limit). */
function jsonBody<T>(ctx: ApiContext, schema: z.ZodType<T>): T {
  const status = ctx.state.switches.validationErrorStatus;
  if (ctx.body === undefined) throw validationError(status, 'Request body must be a JSON object');
  const parsed = schema.safeParse(ctx.body);
  if (!parsed.success) throw validationError(status, formatIssues(parsed.error));
  return parsed.data;
}

const summaryContext = (ctx: ApiContext) => ({
  switches: ctx.state.switches,
  feedback: ctx.state.config.feedback,
  now: ctx.now,
});

export async function startJourney(ctx: ApiContext): Promise<ApiAnswer> {
  const body = jsonBody(ctx, StartBody);
  const { state, credential } = ctx;
  const flow = state.config.flows.find((f) => f.flowId === body.flow_id);
  if (!flow) throw new ApiError(400, 'invalid_flowId', 'Journey Definition Id (also known as Flow Id) is Invalid');
  // resumeByReference ([G], §8): IDWise can resume an abandoned journey by reference number; off by default.
  const resumed = state.switches.resumeByReference
    ? state.journeys
        .byReference(body.reference_no)
        .find((j) => j.completedAt === null && j.flow === flow && j.environment === credential.environment)
    : undefined;
  const journey =
    resumed ?? state.journeys.create(flow, body.reference_no, credential.environment, body.applicant_details);
  state.counters.started(journey.id, !resumed);
  return ok({
    journey_id: journey.id,
    reference_no: journey.referenceNo,
    is_completed: journey.completedAt !== null,
    // The guide's example answers an empty list; startReturnsSteps lists the flow's steps instead.
    step_summaries: state.switches.startReturnsSteps ? stepSummaries(journey, summaryContext(ctx)) : [],
  });
}

export async function completeJourney(ctx: ApiContext): Promise<ApiAnswer> {
  const { journey_id } = jsonBody(ctx, CompleteBody);
  const journey = requireJourney(ctx, journey_id);
  const { state, now } = ctx;
  state.counters.completed(journey.id);
  if (journey.completedAt !== null) {
    throw new ApiError(400, 'journey_completed', `Journey ${journey.id} is completed and cannot be modified`);
  }
  const views = journey.steps.map((step) => ({ step, view: viewStep(step, now) }));
  const busy = views.filter((v) => v.view.status === 'In Progress').map((v) => v.step.def.id);
  if (busy.length && state.switches.completeWhileInProgress === 'reject') {
    const msg = `Step(s) ${busy.join(', ')} are still being processed: wait until Get Journey Summary shows them Submitted`;
    throw new ApiError(400, 'step_in_progress', msg);
  }
  const open = views.filter((v) => !v.step.def.optional && !v.view.concluded).map((v) => v.step.def.id);
  if (open.length && state.switches.completeWithMissingSteps === 'reject') {
    throw new ApiError(400, 'steps_not_concluded', `Mandatory step(s) ${open.join(', ')} have not concluded`);
  }
  state.lifecycle.complete(journey, now, now);
  return ok({ success: true });
}

export async function getSummary(ctx: ApiContext): Promise<ApiAnswer> {
  const journey = requireJourney(ctx, journeyIdFromQuery(ctx));
  const { state, now } = ctx;
  const { pollRule, pollIntervalMs } = state.switches;
  state.counters.summary(journey.id, journey.lastSubmittedStep);
  const last = journey.lastSummaryAt;
  // IDWise: at most one summary call per 2 s per journey, or callers "may be temporarily blocked" (§5).
  if (pollRule !== 'off' && last !== null && now - last < pollIntervalMs) {
    state.counters.pollViolation(journey.id);
    if (pollRule === '429') {
      const wait = Math.max(1, Math.ceil((last + pollIntervalMs - now) / 1000));
      throw tooManyRequests(
        wait,
        `Get Journey Summary may be called at most once per ${pollIntervalMs} ms per journey`,
      );
    }
  }
  journey.lastSummaryAt = now;
  return ok(journeySummary(journey, summaryContext(ctx)));
}

export async function getResult(ctx: ApiContext): Promise<ApiAnswer> {
  const journey = requireJourney(ctx, journeyIdFromQuery(ctx));
  const { state, now } = ctx;
  state.counters.result(journey.id);
  if (journey.completedAt === null && state.switches.resultBeforeComplete === 'error') {
    throw new ApiError(400, 'journey_not_completed', `Journey ${journey.id} is not completed yet`);
  }
  return ok(journeyResult(journey, state.switches, now));
}

/**
 * Delete PII (idwise-api.md §1, §8: `DELETE /journey/{journey_id}`, 2xx on success): the journey, its images and
 * applicant details are gone, so summary, result and a second delete answer 404 missing_requested_resource.
 */
export async function deleteJourney(ctx: ApiContext): Promise<ApiAnswer> {
  const id = journeyIdFromQuery(ctx);
  const { state, now } = ctx;
  let deleted = false;
  try {
    const journey = requireJourney(ctx, id);
    const refusal = state.switches.deletePii;
    if (refusal === 'forbidden') {
      throw new ApiError(403, 'unauthorized', `This API key may not delete the data of journey ${id}`);
    }
    if (refusal === 'error') throw new ApiError(500, 'internal_server_error', 'Delete PII failed (sandbox switch)');
    state.journeys.delete(journey);
    deleted = true;
    return ok({ success: true, message: `Journey ${id} data deleted` });
  } finally {
    state.counters.deleteCall(id, deleted, now);
  }
}
