import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  DEFAULT_WEBHOOK_FAULTS,
  DEFAULT_WEBHOOK_SETTINGS,
  WebhookFaultsPatchSchema,
  WebhookSettingsPatchSchema,
  type WebhookFaults,
  type WebhookSettings,
} from './webhook-config.js';

// The sandbox's config file (sandbox.config.json) and the run-time knobs (switches, faults), validated with
// zod so a typo in the file fails at start with the field's path instead of silently changing behaviour.

export const OPERATIONS = ['start', 'process', 'summary', 'complete', 'result', 'delete'] as const;
/** One IDWise API operation; every route alias maps to one of these. */
export type Operation = (typeof OPERATIONS)[number];

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('./sandbox.config.json', import.meta.url));

const CredentialSchema = z.strictObject({
  label: z.string().min(1),
  /** IDWise keys are bound to one environment; a journey answers only to keys of its own environment. */
  environment: z.enum(['sandbox', 'production']),
  key: z.string().min(1),
  secret: z.string().min(1),
  /** IDWise keys can be IP-whitelisted; when set, other client IPs get 403 not_allowed_ip_address. */
  allowedIps: z.array(z.string().min(1)).optional(),
});
export type SandboxCredential = z.infer<typeof CredentialSchema>;

const StepSchema = z.strictObject({
  id: z.string().regex(/^[^\s/?#]+$/, 'step id must be a non-empty string without spaces'),
  /** The docs name `Document` and `Selfie`; Proof of Address reports as `Document` (idwise-api.md §5). */
  type: z.string().min(1),
  title: z.string().min(1),
  optional: z.boolean().default(false),
  /** IDWise's default is 2 attempts per step (idwise-api.md §5, is_concluded). */
  maxAttempts: z.number().int().min(1).max(10).default(2),
  /** `document_type` reported in the result; guessed from the title when omitted. */
  documentType: z.string().min(1).optional(),
});
export type SandboxStep = z.output<typeof StepSchema>;

const FlowSchema = z
  .strictObject({ flowId: z.string().min(1), steps: z.array(StepSchema).min(1) })
  .refine((f) => new Set(f.steps.map((s) => s.id)).size === f.steps.length, { message: 'step ids must be unique' });
export type SandboxFlow = z.output<typeof FlowSchema>;

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0);

/** Every field optional: the shape of setFaults() and PUT /_sandbox/faults. */
export const FaultsPatchSchema = z
  .strictObject({
    latencyMs: ms,
    errorRate: rate,
    rateLimitRate: rate,
    dropRate: rate,
    slowBodyMs: ms,
    malformedRate: rate,
    /** Share of requests handled (their effect happens) whose connection is then closed without an answer. */
    lostRate: rate,
    /** Retry-After (seconds) sent with injected 429s. */
    retryAfterSeconds: z.number().int().min(0),
    /** Operations the rate faults and latency apply to; all when omitted. */
    routes: z.array(z.enum(OPERATIONS)).optional(),
  })
  .partial();
export type Faults = {
  latencyMs: number;
  errorRate: number;
  rateLimitRate: number;
  dropRate: number;
  slowBodyMs: number;
  malformedRate: number;
  lostRate: number;
  retryAfterSeconds: number;
  routes?: Operation[] | undefined;
};
export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  rateLimitRate: 0,
  dropRate: 0,
  slowBodyMs: 0,
  malformedRate: 0,
  lostRate: 0,
  retryAfterSeconds: 1,
};

/** Behaviours the spec only guesses at ([G] in idwise-api.md), each a switch. */
export const SwitchesPatchSchema = z
  .strictObject({
    startReturnsSteps: z.boolean(),
    stepIdAsNumber: z.boolean(),
    processingDelayMs: ms,
    pollRule: z.enum(['count', 'off', '429']),
    pollIntervalMs: ms,
    maxImageBytes: z.number().int().positive(),
    resumeByReference: z.boolean(),
    passDecision: z.enum(['Approved', 'Complete']),
    validationErrorStatus: z.union([z.literal(400), z.literal(422)]),
    notSubmittedResult: z.enum(['null', 'object']),
    completeWithMissingSteps: z.enum(['allow', 'reject']),
    completeWhileInProgress: z.enum(['reject', 'allow']),
    autoComplete: z.boolean(),
    resultBeforeComplete: z.enum(['partial', 'error']),
    /** How long final processing takes after complete: the result shows Incomplete, end_time null meanwhile. */
    finalProcessingMs: ms,
    /** review-approve- / review-reject- journeys get their manual decision this long after final processing. */
    autoReviewDelayMs: ms,
    /**
     * Delete PII (DELETE /journey/{id}): `ok` deletes; `forbidden` answers 403 unauthorized (a key without the
     * right to delete); `error` answers 500. Transient 5xx/429 for a while: the faults with routes ["delete"].
     */
    deletePii: z.enum(['ok', 'forbidden', 'error']),
  })
  .partial();
export type Switches = Required<z.output<typeof SwitchesPatchSchema>>;
export const DEFAULT_SWITCHES: Switches = {
  startReturnsSteps: false,
  stepIdAsNumber: false,
  processingDelayMs: 1500,
  pollRule: 'count',
  pollIntervalMs: 2000,
  maxImageBytes: 6 * 1024 * 1024,
  resumeByReference: false,
  passDecision: 'Complete',
  validationErrorStatus: 400,
  notSubmittedResult: 'null',
  completeWithMissingSteps: 'allow',
  completeWhileInProgress: 'reject',
  autoComplete: false,
  resultBeforeComplete: 'partial',
  finalProcessingMs: 1000,
  autoReviewDelayMs: 5000,
  deletePii: 'ok',
};

const FeedbackSchema = z.strictObject({ code: z.string().min(1), title: z.string(), details: z.string() });
export type UserFeedback = z.infer<typeof FeedbackSchema>;

const SandboxConfigSchema = z.strictObject({
  $comment: z.string().optional(),
  credentials: z.array(CredentialSchema).min(1),
  flows: z.array(FlowSchema).min(1),
  switches: SwitchesPatchSchema.optional(),
  faults: FaultsPatchSchema.optional(),
  webhooks: WebhookSettingsPatchSchema.optional(),
  webhookFaults: WebhookFaultsPatchSchema.optional(),
  /** User feedback for a failed attempt, by step type (falls back to Document). */
  feedback: z.record(z.string(), FeedbackSchema).optional(),
});
/** The config file's shape (or the object passed to startSandbox). */
export type SandboxConfig = z.input<typeof SandboxConfigSchema>;
export interface ResolvedConfig {
  credentials: SandboxCredential[];
  flows: SandboxFlow[];
  switches: Switches;
  faults: Faults;
  webhooks: WebhookSettings;
  webhookFaults: WebhookFaults;
  feedback: Record<string, UserFeedback>;
}

// The spec's one confirmed POI code (idwise-api.md §5); the selfie code is a guess.
const DEFAULT_FEEDBACK: Record<string, UserFeedback> = {
  Document: {
    code: 'feedback_document_cropped',
    title: 'Document Cropped',
    details: 'The document is not fully visible.',
  },
  Selfie: {
    code: 'feedback_face_not_found',
    title: 'Face not found',
    details: 'Make sure your face is fully visible.',
  },
};

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function loadConfig(source: SandboxConfig | string = DEFAULT_CONFIG_PATH): ResolvedConfig {
  const where = typeof source === 'string' ? resolve(source) : 'config object';
  let raw: unknown = source;
  if (typeof source === 'string') {
    try {
      raw = JSON.parse(readFileSync(where, 'utf8'));
    } catch (err) {
      throw new Error(`Cannot read sandbox config ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
  const parsed = SandboxConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid sandbox config (${where}): ${formatIssues(parsed.error)}`);
  const flowIds = parsed.data.flows.map((f) => f.flowId);
  if (new Set(flowIds).size !== flowIds.length) throw new Error(`Invalid sandbox config (${where}): duplicate flowId`);
  return {
    credentials: parsed.data.credentials,
    flows: parsed.data.flows,
    switches: { ...DEFAULT_SWITCHES, ...parsed.data.switches },
    faults: { ...DEFAULT_FAULTS, ...parsed.data.faults },
    webhooks: { ...DEFAULT_WEBHOOK_SETTINGS, ...parsed.data.webhooks },
    webhookFaults: { ...DEFAULT_WEBHOOK_FAULTS, ...parsed.data.webhookFaults },
    feedback: { ...DEFAULT_FEEDBACK, ...parsed.data.feedback },
  };
}
