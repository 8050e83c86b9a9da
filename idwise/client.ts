import { STATUS_CODES } from 'node:http';
import got, { type Response } from 'got';
import type { z } from 'zod';
import { FLOW_ID_HELP, FLOW_ID_PATTERN, personalReferenceProblem, REFERENCE_NO_PATTERN } from '../shared/journey.js';
import type { IdwiseConfig } from './config.js';
import { reduceMessage, safeErrorCode } from './error-text.js';
import { IdwiseError, kindForStatus, parseRetryAfter, transportError } from './errors.js';
import { openImage, type OpenedImage } from './images.js';
import { encodeMultipart, type MultipartPart } from './multipart.js';
import { journeyTarget, type Route, type RouteName } from './routes.js';
import {
  AcknowledgementSchema,
  ErrorEnvelopeSchema,
  JourneyResultSchema,
  JourneySummarySchema,
  StartJourneyResponseSchema,
  type CompleteJourneyResponse,
  type JourneyResult,
  type JourneySummary,
  type ProcessStepResponse,
  type StartJourneyResponse,
} from './schemas.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface StartJourneyRequest {
  flowId: string;
  referenceNo: string;
  /** Only for AML journeys (idwise-api.md §3); sent as `applicant_details`. */
  applicantDetails?: Record<string, unknown> | undefined;
}

export interface ProcessStepRequest {
  journeyId: string;
  stepId: string;
  /** Absolute file path or https:// URL (http only on loopback). Required unless isSkipped. */
  image?: string;
  image2?: string;
  isSkipped?: boolean;
}

export interface IdwiseApi {
  startJourney(req: StartJourneyRequest, opts?: CallOptions): Promise<StartJourneyResponse>;
  processStep(
    req: ProcessStepRequest,
    opts?: CallOptions & { onProgress?: (bytesSent: number) => void },
  ): Promise<ProcessStepResponse>;
  completeJourney(journeyId: string, opts?: CallOptions): Promise<CompleteJourneyResponse>;
  getJourneySummary(journeyId: string, opts?: CallOptions): Promise<JourneySummary>;
  getJourneyResult(journeyId: string, opts?: CallOptions): Promise<JourneyResult>;
  /**
   * IDWise's Delete PII for one journey (idwise-api.md §1, §8): any 2xx means erased. A 404 arrives as an
   * IdwiseError of kind not-found, which callers erasing a journey treat as already erased.
   */
  deletePii(journeyId: string, opts?: CallOptions): Promise<void>;
}

export const OPERATIONS: Readonly<Record<RouteName, string>> = {
  start: 'start-journey',
  process: 'process-journey-step',
  complete: 'complete-journey',
  summary: 'get-journey-summary',
  result: 'get-journey-result',
  delete: 'delete-pii',
};

interface Send {
  route: RouteName;
  target: { path: string; searchParams?: Record<string, string> };
  json?: Record<string, unknown>;
  multipart?: { stream: NodeJS.ReadableStream; contentType: string; contentLength: number | null };
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  stepId?: string;
}

export function createIdwiseClient(config: IdwiseConfig): IdwiseApi {
  const credentials = Buffer.from(`${config.apiKey}:${config.apiSecret}`, 'utf8').toString('base64');
  const http = got.extend({
    prefixUrl: config.baseUrl,
    // Temporal's retry policy is the only retry layer: got's own retries would stack under it.
    retry: { limit: 0 },
    // Every status is classified here, from IDWise's error envelope, instead of got's HTTPError.
    throwHttpErrors: false,
    // A redirect would replay credentials and body elsewhere; a misconfigured base URL should fail loudly.
    followRedirect: false,
    responseType: 'text',
    // got has no timeout by default. Per-call values below; connect is bounded separately so an
    // unreachable host fails fast even under the long upload timeout.
    timeout: { connect: Math.min(10_000, config.requestTimeoutMs), request: config.requestTimeoutMs },
    headers: { authorization: `Basic ${credentials}`, accept: 'application/json', 'user-agent': 'idwise-temporal' },
  });

  // Defence in depth: whatever IDWise or a proxy echoes back, the credentials never reach a message.
  const redact = (text: string) =>
    [config.apiSecret, credentials].reduce((t, s) => (s.length >= 4 ? t.split(s).join('[redacted]') : t), text);

  async function send(req: Send): Promise<Response<string>> {
    const route: Route = config.routes[req.route];
    try {
      return await http(req.target.path, {
        method: route.method,
        timeout: { connect: Math.min(10_000, req.timeoutMs), request: req.timeoutMs },
        ...(req.target.searchParams ? { searchParams: req.target.searchParams } : {}),
        ...(req.json ? { json: req.json } : {}),
        ...(req.multipart
          ? {
              body: req.multipart.stream,
              headers: {
                'content-type': req.multipart.contentType,
                ...(req.multipart.contentLength !== null
                  ? { 'content-length': String(req.multipart.contentLength) }
                  : {}),
              },
            }
          : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      // Cancellation is not an IDWise failure: surface the signal's reason (Temporal's CancelledFailure).
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      throw transportError(OPERATIONS[req.route], err, { timeoutMs: req.timeoutMs, stepId: req.stepId, redact });
    }
  }

  /**
   * An answer that refuses the call: a non-2xx status, or IDWise's error envelope (`success: false`) inside a
   * 2xx, which says the same as a 4xx would. The message is IDWise's own when it sent one.
   */
  function refusal(routeName: RouteName, res: Response<string>, json: unknown, stepId?: string): IdwiseError {
    const operation = OPERATIONS[routeName];
    const status = res.statusCode;
    const envelope = ErrorEnvelopeSchema.safeParse(json);
    const errorCode = envelope.success ? safeErrorCode(envelope.data.error_code) : null;
    const location = res.headers.location?.replace(/[?#].*$/s, '');
    const explanation =
      status >= 300 && status < 400
        ? `redirect${location ? ` to ${location}` : ''} not followed: check IDWISE_BASE_URL and IDWISE_ROUTES`
        : (reduceMessage(envelope.success ? envelope.data.message : undefined) ??
          `${STATUS_CODES[status] ?? 'error'} (${describeBody(res)})`);
    const ok = status >= 200 && status <= 299;
    return new IdwiseError(
      redact(
        `IDWise ${operation} failed${stepId ? ` for step ${stepId}` : ''}: ${status}${errorCode ? ` ${errorCode}` : ''}: ${explanation}`,
      ),
      {
        kind: ok ? 'validation' : kindForStatus(status),
        status,
        errorCode,
        operation,
        retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : null,
        stepId: stepId ?? null,
      },
    );
  }

  const isSuccess = (res: Response<string>, json: unknown) =>
    res.statusCode >= 200 && res.statusCode <= 299 && (json as { success?: unknown } | null)?.success !== false;

  /**
   * Reads a 2xx body. A body that is not JSON or does not fit the schema is a 'bad-response'. It is retryable
   * for reads (GET is idempotent, and a garbled body usually comes from a proxy or a cut connection) but not
   * for start: a 2xx there most likely created the journey, and repeating it would start a duplicate.
   */
  function readBody<S extends z.ZodType>(routeName: RouteName, res: Response<string>, schema: S): z.output<S> {
    const json = tryJson(res.body);
    if (!isSuccess(res, json)) throw refusal(routeName, res, json);
    const operation = OPERATIONS[routeName];
    const bad = (problem: string) =>
      new IdwiseError(`IDWise ${operation} failed: ${res.statusCode} with ${problem}`, {
        kind: 'bad-response',
        status: res.statusCode,
        operation,
        retryable: config.routes[routeName].method === 'GET',
      });
    if (json === undefined) throw bad(`a body that is not JSON (${describeBody(res)})`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw bad(`an unexpected body: ${issues.join('; ')}`);
    }
    return parsed.data;
  }

  /** Process and complete: any 2xx means accepted (idwise-api.md §4, §6); only an explicit success:false is not. */
  function readAcknowledgement(routeName: RouteName, res: Response<string>, stepId?: string) {
    const json = tryJson(res.body);
    if (!isSuccess(res, json)) throw refusal(routeName, res, json, stepId);
    const parsed = AcknowledgementSchema.safeParse(json);
    return parsed.success ? parsed.data : {};
  }

  const journeyCall = (routeName: RouteName, journeyId: string) => {
    const route = config.routes[routeName];
    const target = journeyTarget(route, journeyId);
    const json = route.method === 'POST' ? { journey_id: journeyId } : undefined;
    return { route: routeName, target, ...(json ? { json } : {}), timeoutMs: config.requestTimeoutMs };
  };

  return {
    async startJourney(req, opts = {}) {
      const flowId = requireText('start', 'flowId', req.flowId, 200);
      const referenceNo = requireText('start', 'referenceNo', req.referenceNo, 100);
      if (!REFERENCE_NO_PATTERN.test(referenceNo)) {
        throw invalidInput('start', 'referenceNo may contain only A-Z a-z 0-9 and - _ / \\ , . + @');
      }
      // Also here, for workflows started by hand (Temporal CLI, Web UI) and the steps probe: the client checks first.
      const personal = personalReferenceProblem(referenceNo);
      if (personal) throw invalidInput('start', personal);
      if (!FLOW_ID_PATTERN.test(flowId)) throw invalidInput('start', FLOW_ID_HELP);
      const json = {
        flow_id: flowId,
        reference_no: referenceNo,
        ...(req.applicantDetails ? { applicant_details: req.applicantDetails } : {}),
      };
      const target = { path: config.routes.start.path };
      const res = await send({ route: 'start', target, json, timeoutMs: config.requestTimeoutMs, signal: opts.signal });
      return readBody('start', res, StartJourneyResponseSchema);
    },

    async processStep(req, opts = {}) {
      const journeyId = requireText('process', 'journeyId', req.journeyId, 200);
      const stepId = requireText('process', 'stepId', req.stepId, 50);
      if (req.isSkipped ? req.image || req.image2 : !req.image) {
        throw invalidInput('process', `step ${stepId}: send image (and optionally image2) or isSkipped, not both`);
      }
      const opened: (OpenedImage & { field: 'image' | 'image2' })[] = [];
      try {
        for (const field of ['image', 'image2'] as const) {
          const ref = req[field];
          if (!ref) continue;
          const image = await openImage(ref, {
            maxBytes: config.maxImageBytes,
            sources: config.imageSources,
            stepId,
            field,
            timeoutMs: config.uploadTimeoutMs,
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
          opened.push({ ...image, field });
        }
      } catch (err) {
        for (const image of opened) image.stream.destroy();
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        throw err;
      }
      const parts: MultipartPart[] = [
        { name: 'journey_id', value: journeyId },
        { name: 'step_id', value: stepId },
        ...(req.isSkipped ? [{ name: 'is_skipped', value: 'true' }] : []),
        ...opened.map((i) => ({
          name: i.field,
          filename: i.filename,
          contentType: i.contentType,
          size: i.size,
          stream: i.stream,
        })),
      ];
      const body = encodeMultipart(parts, opts.onProgress ? { onProgress: opts.onProgress } : {});
      const target = { path: journeyTarget(config.routes.process, journeyId).path };
      try {
        const res = await send({
          route: 'process',
          target,
          multipart: body,
          timeoutMs: config.uploadTimeoutMs,
          signal: opts.signal,
          stepId,
        });
        return readAcknowledgement('process', res, stepId);
      } finally {
        body.stream.destroy();
      }
    },

    async completeJourney(journeyId, opts = {}) {
      const id = requireText('complete', 'journeyId', journeyId, 200);
      const res = await send({ ...journeyCall('complete', id), signal: opts.signal });
      return readAcknowledgement('complete', res);
    },

    async getJourneySummary(journeyId, opts = {}) {
      const id = requireText('summary', 'journeyId', journeyId, 200);
      const res = await send({ ...journeyCall('summary', id), signal: opts.signal });
      return readBody('summary', res, JourneySummarySchema);
    },

    async getJourneyResult(journeyId, opts = {}) {
      const id = requireText('result', 'journeyId', journeyId, 200);
      const res = await send({ ...journeyCall('result', id), signal: opts.signal });
      return readBody('result', res, JourneyResultSchema);
    },

    async deletePii(journeyId, opts = {}) {
      const id = requireText('delete', 'journeyId', journeyId, 200);
      const res = await send({ ...journeyCall('delete', id), signal: opts.signal });
      readAcknowledgement('delete', res);
    },
  };
}

function invalidInput(routeName: RouteName, problem: string): IdwiseError {
  const operation = OPERATIONS[routeName];
  return new IdwiseError(`IDWise ${operation} not sent: ${problem}`, {
    kind: 'validation',
    operation,
    retryable: false,
  });
}

function requireText(routeName: RouteName, field: string, value: unknown, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw invalidInput(routeName, `${field} is required`);
  if (text.length > max) throw invalidInput(routeName, `${field} is longer than ${max} characters`);
  return text;
}

function tryJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Type and size only: bodies can be proxy pages or echo the request, so they stay out of messages. */
function describeBody(res: Response<string>): string {
  const type = res.headers['content-type']?.split(';')[0] ?? 'no content type';
  return `${type}, ${Buffer.byteLength(res.body ?? '')} bytes`;
}
