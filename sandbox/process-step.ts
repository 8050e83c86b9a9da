import { z } from 'zod';
import { formatIssues } from './config.js';
import { ok, requireJourney, type ApiAnswer, type ApiContext } from './context.js';
import { ApiError, validationError } from './errors.js';
import { mediaType, parseJson, readBody } from './http.js';
import { checkImage, tooLarge, type Upload } from './images.js';
import { findStep, viewStep, type Journey } from './journeys.js';
import { readMultipart } from './multipart.js';
import { attemptPasses, neverFinishes } from './scenarios.js';
import { serializeStepId } from './summary.js';

// POST process-journey-step: multipart/form-data (preferred) or JSON with base64 images (idwise-api.md §4).
// The call only queues the attempt; the step shows In Progress until processingDelayMs has passed.

interface ProcessInput {
  journeyId: string | undefined;
  stepId: string | undefined;
  isSkipped: string | boolean | undefined;
  image: Upload | undefined;
  image2: Upload | undefined;
}

const JsonProcess = z.object({
  journey_id: z.string().optional(),
  step_id: z.union([z.string(), z.number().int()]).optional(),
  image: z.string().optional(),
  image2: z.string().optional(),
  is_skipped: z.union([z.boolean(), z.string()]).optional(),
});

function fromBase64(b64: string | undefined, max: number): Upload | undefined {
  if (b64 === undefined) return undefined;
  const bytes = Buffer.from(b64.replace(/^data:[^,]*;base64,/, ''), 'base64');
  return { size: bytes.length, bytes: bytes.length > max ? null : bytes };
}

async function readInput(ctx: ApiContext): Promise<ProcessInput> {
  const { maxImageBytes: max, validationErrorStatus: vs } = ctx.state.switches;
  const type = mediaType(ctx.req);
  if (type === 'multipart/form-data') {
    const limits = { maxFileBytes: max, maxFieldBytes: 64 * 1024, maxParts: 20, maxRequestBytes: 2 * max + 2 ** 21 };
    const { fields, files } = await readMultipart(ctx.req, limits);
    const image2 = files.get('image2');
    return {
      journeyId: fields.get('journey_id'),
      stepId: fields.get('step_id'),
      isSkipped: fields.get('is_skipped'),
      image: files.get('image'),
      // An empty image2 part is what some form encoders send for "no file".
      image2: image2?.size ? image2 : undefined,
    };
  }
  if (type === 'application/json') {
    const raw = parseJson(await readBody(ctx.req, 2 * Math.ceil(max / 3) * 4 + 64 * 1024), vs);
    const parsed = JsonProcess.safeParse(raw);
    if (!parsed.success) throw validationError(vs, formatIssues(parsed.error));
    const b = parsed.data;
    return {
      journeyId: b.journey_id,
      stepId: b.step_id === undefined ? undefined : String(b.step_id),
      isSkipped: b.is_skipped,
      image: fromBase64(b.image, max),
      image2: b.image2 ? fromBase64(b.image2, max) : undefined,
    };
  }
  const msg = 'process-journey-step takes multipart/form-data (preferred) or application/json with base64 images';
  throw new ApiError(415, 'unsupported_media_type', msg);
}

function parseSkipped(value: string | boolean | undefined, status: 400 | 422): boolean {
  if (typeof value === 'boolean' || value === undefined) return value === true;
  const v = value.trim().toLowerCase();
  if (['true', '1'].includes(v)) return true;
  if (['false', '0', ''].includes(v)) return false;
  throw validationError(status, 'is_skipped must be true or false');
}

export async function processStep(ctx: ApiContext): Promise<ApiAnswer> {
  const input = await readInput(ctx);
  const { maxImageBytes, validationErrorStatus } = ctx.state.switches;
  // Size is a transport limit, so it is refused before anything else is looked at.
  for (const field of ['image', 'image2'] as const) {
    if (input[field] && input[field].bytes === null) throw tooLarge(field, maxImageBytes);
  }
  const journeyId = input.journeyId?.trim();
  const stepId = input.stepId?.trim();
  if (!journeyId) throw validationError(validationErrorStatus, 'journey_id is required');
  if (!stepId) throw validationError(validationErrorStatus, 'step_id is required');
  const journey = requireJourney(ctx, journeyId);
  try {
    return submit(ctx, journey, stepId, input);
  } catch (err) {
    ctx.state.counters.rejected(journey.id, stepId);
    throw err;
  }
}

function submit(ctx: ApiContext, journey: Journey, stepId: string, input: ProcessInput): ApiAnswer {
  const { state, now } = ctx;
  const sw = state.switches;
  if (journey.completedAt !== null) {
    throw new ApiError(400, 'journey_completed', `Journey ${journey.id} is completed and cannot be modified`);
  }
  const step = findStep(journey, stepId);
  if (!step) {
    const ids = journey.steps.map((s) => s.def.id).join(', ');
    throw new ApiError(400, 'step_not_found', `Step ${stepId} is not in flow ${journey.flow.flowId} (steps: ${ids})`);
  }
  const view = viewStep(step, now);
  if (view.status === 'In Progress') {
    throw new ApiError(400, 'step_in_progress', `Step ${stepId} is still being processed: poll Get Journey Summary`);
  }
  if (view.concluded) {
    throw new ApiError(400, 'step_concluded', 'This step is already concluded and cannot be started again');
  }
  if (parseSkipped(input.isSkipped, sw.validationErrorStatus)) {
    if (!step.def.optional) throw new ApiError(400, 'step_not_skippable', `Step ${stepId} is not optional`);
    step.attempts.push({ submittedAt: now, readyAt: now, passed: false, skipped: true, images: [] });
  } else {
    if (!input.image) throw new ApiError(400, 'missing_image', 'image is required: a JPEG, PNG or PDF file');
    const images = [checkImage('image', input.image, sw.maxImageBytes)];
    if (input.image2) images.push(checkImage('image2', input.image2, sw.maxImageBytes));
    const attempt = step.attempts.length + 1;
    step.attempts.push({
      submittedAt: now,
      readyAt: neverFinishes(journey.scenario) ? Infinity : now + sw.processingDelayMs,
      passed: attemptPasses(journey.scenario, step.index, attempt),
      skipped: false,
      images,
    });
  }
  state.lifecycle.attemptAccepted(journey, step, step.attempts.at(-1)!, now);
  journey.lastSubmittedStep = stepId;
  const accepted = step.attempts.at(-1)!;
  state.counters.submitted(journey.id, stepId, { submittedAt: now, readyAt: accepted.readyAt });
  return ok({ success: true, journey_id: journey.id, step_id: serializeStepId(stepId, sw) });
}
