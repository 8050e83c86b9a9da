import { z } from 'zod';
import { DURATION_PATTERN, durationToMs } from './duration.js';
import { retentionProblem } from './retention.js';

// The journey workflow's contract. Validated by the client before start and again by the workflow,
// so a hand-started workflow (CLI, UI) gets the same clear errors.

export const DEFAULT_TASK_QUEUE = 'idwise-journeys';
export const JOURNEY_WORKFLOW_TYPE = 'identityJourney';
/** IDWise asks for at most one Get Journey Summary call per 2 seconds per journey. */
export const MIN_SUMMARY_INTERVAL_MS = 2_000;

/** IDWise's documented reference_no alphabet. */
export const REFERENCE_NO_PATTERN = /^[A-Za-z0-9\-_/\\,.+@]+$/;

/** IDWise's ids (flow ids are hex and dashes in its docs): no spaces, newlines or punctuation that could forge a line. */
export const FLOW_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const FLOW_ID_HELP = 'flowId may contain only A-Z a-z 0-9 _ and -: the flow id from the IDWise dashboard';

// A reference ends up in clear in the workflow id, the IdwiseReferenceNo search attribute, logs and webhooks: it must
// be an opaque applicant id, never contact details. An address has a dotted domain after its @; a phone number
// starts with + or is written with separators (digits alone stay allowed: numeric applicant ids are common).
const EMAIL_LIKE = /^[^@]+@[^@]+\.[A-Za-z]{2,}$/;
const PHONE_LIKE = /^(\+\d[\d.-]{6,}|00\d{9,}|\d{3}[.-]\d{3}[.-]\d{4})$/;
export const OPAQUE_REFERENCE_HELP =
  'use an opaque applicant id (e.g. your customer id or a UUID), never contact details: the reference is shown ' +
  'in clear in the workflow id, search attributes and logs';

/** What is wrong with a reference that IDWise would accept, or null: it looks like an e-mail address or phone number. */
export function personalReferenceProblem(referenceNo: string): string | null {
  const ref = referenceNo.trim();
  if (EMAIL_LIKE.test(ref)) return `referenceNo looks like an e-mail address: ${OPAQUE_REFERENCE_HELP}`;
  if (PHONE_LIKE.test(ref)) return `referenceNo looks like a phone number: ${OPAQUE_REFERENCE_HELP}`;
  return null;
}

/** The longest timeout or wait a journey accepts: beyond a year it is a typo (99999999d), not a policy. */
export const MAX_JOURNEY_DURATION_MS = 366 * 86_400_000;

/**
 * Checks made before a journey starts (client, batch rows) on top of the workflow's schema. Kept out of that schema
 * on purpose: the workflow validates its input on every replay, and journeys already running must keep replaying.
 */
export function startProblems(input: ValidJourneyInput): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const personal = personalReferenceProblem(input.referenceNo);
  if (personal) problems.push({ path: 'referenceNo', message: personal });
  if (!FLOW_ID_PATTERN.test(input.flowId)) problems.push({ path: 'flowId', message: FLOW_ID_HELP });
  for (const [name, value] of Object.entries(input.options)) {
    if (
      (typeof value === 'string' && DURATION_PATTERN.test(value)) ||
      (typeof value === 'number' && name !== 'stepAttempts')
    ) {
      if (durationToMs(value) > MAX_JOURNEY_DURATION_MS)
        problems.push({ path: `options.${name}`, message: 'must be at most 366d, e.g. 24h, 14d or 90d' });
    }
  }
  return problems;
}

export function journeyWorkflowId(referenceNo: string): string {
  return `idwise-journey-${referenceNo.trim()}`;
}

/**
 * Builds the journey's schemas. A factory, so that the workflow bundle can build one set for all workflows and keep it
 * where the SDK does not freeze it (workflows/validation.ts); everyone else uses the instances exported below.
 */
export function defineJourneySchemas() {
  const isAbsolutePath = (v: string) => v.startsWith('/') || /^[A-Za-z]:[\\/]/.test(v);
  const isAllowedUrl = (v: string) =>
    v.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(v);
  const isObject = (v: string) => /^s3:\/\/[^/?#]+\/[^?#]+$/.test(v);

  /** A reference to an image, never its bytes: images must not enter workflow history. */
  const ImageRefSchema = z
    .string()
    .trim()
    .min(1)
    .refine((v) => isAbsolutePath(v) || isAllowedUrl(v) || isObject(v) || v.startsWith('sealed:'), {
      message: 'must be an absolute file path, an https:// URL (plain http only on localhost) or s3://bucket/key',
    });

  const StepFilesSchema = z.union([
    z.strictObject({ image: ImageRefSchema, image2: ImageRefSchema.optional() }),
    z.strictObject({ skip: z.literal(true) }),
  ]);

  /** The guide's step-to-file mapping table: keys are step ids returned by the flow itself. */
  const StepMappingSchema = z.record(z.string().trim().min(1, 'step id must not be empty'), StepFilesSchema);

  const atLeastTwoSeconds = (d: string | number) => durationToMs(d) >= MIN_SUMMARY_INTERVAL_MS;
  const TWO_SECONDS = { message: 'must be at least 2s: IDWise may block callers that check more often' };

  // Zero is refused: a zero deadline or timeout would mean "none" to Temporal, not "at once". Each problem
  // aborts, so checks layered on top (summaryInterval's minimum) never parse something that is no duration.
  const DurationSchema = z
    .union([z.number(), z.string()], { error: 'use a duration such as 2s, 10m or 24h' })
    .superRefine((d, ctx) => {
      const problem =
        typeof d === 'number'
          ? Number.isInteger(d) && d > 0
            ? null
            : 'must be a whole number of ms above 0, e.g. 600000, or a duration such as "10m"'
          : !DURATION_PATTERN.test(d)
            ? 'use a duration such as 2s, 10m or 24h'
            : durationToMs(d) > 0
              ? null
              : 'must be longer than zero, e.g. 2s, 10m or 24h';
      if (problem) ctx.addIssue({ code: 'custom', message: problem, continue: false });
    });

  const JourneyOptionsSchema = z.strictObject({
    /** How long IDWise may take to process one step before the journey fails. */
    stepDeadline: DurationSchema.default('10m'),
    /** How long a required step without files waits for `provideStepFiles`. */
    waitForFilesTimeout: DurationSchema.default('24h'),
    /** Cadence of Get Journey Summary checks; IDWise forbids less than 2 s. */
    summaryInterval: DurationSchema.default('2s').refine(atLeastTwoSeconds, TWO_SECONDS),
    /** How long transient IDWise errors (5xx, 429, network) are retried before the journey fails. */
    apiRetryWindow: DurationSchema.default('15m'),
    /**
     * A failed attempt IDWise lets the applicant retake (is_concluded false): `retake` waits in stage awaiting-retake
     * for new files (provideStepFiles); `continue` records the feedback and goes on, as a one-shot integration would.
     */
    onStepFeedback: z.enum(['retake', 'continue']).default('retake'),
    /** How long a retake waits for new files before the journey completes with what IDWise has. */
    retakeTimeout: DurationSchema.default('24h'),
    /** Attempts per step in the flow (IDWise's default is 2); only used to report attempts left. */
    stepAttempts: z.number().int().min(1).max(10).default(2),
    /** How long IDWise's final processing after complete-journey may take before the journey fails. */
    finalDecisionDeadline: DurationSchema.default('30m'),
    /** System decisions that go to a reviewer in IDWise Studio; the journey waits for the manual decision. */
    awaitReviewFor: z.array(z.string().trim().min(1)).max(10).default(['Refer']),
    /** Cadence of result checks while a review is pending (a fallback when webhooks are on). */
    reviewCheckInterval: DurationSchema.default('15m').refine(atLeastTwoSeconds, TWO_SECONDS),
    /** How long to wait for a reviewer; then the journey ends with the system decision and says so. */
    reviewWait: DurationSchema.default('14d'),
    /**
     * `webhooks`: IDWise's webhooks (through the receiver) say when a step or the journey is done, and summary checks
     * are only a fallback every fallbackCheckInterval. `polling`: summary checks alone, every summaryInterval.
     */
    events: z.enum(['polling', 'webhooks']).default('polling'),
    fallbackCheckInterval: DurationSchema.default('30s').refine(atLeastTwoSeconds, TWO_SECONDS),
    /**
     * The lost-event check backs off from fallbackCheckInterval to this (webhooks): IDWise re-delivers a failed webhook
     * after 5, 10 and 15 minutes itself, so a step that waits long is looked at every 5 minutes at most. Not checked
     * against fallbackCheckInterval (journeys started with a longer one must keep replaying): below it, no back-off.
     */
    fallbackCheckMaxInterval: DurationSchema.default('5m').refine(atLeastTwoSeconds, TWO_SECONDS),
    /**
     * How long after the journey ends its data is erased (IDWise, staged images, Temporal histories): a duration
     * such as 30d, or none (kept until an explicit erase). Unset: the worker's IDWISE_RETENTION.
     */
    retention: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        const problem = retentionProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  });

  const JourneyInputSchema = z.strictObject({
    flowId: z.string().trim().min(1, 'flowId is required: the flow id from the IDWise dashboard').max(200),
    referenceNo: z.string().trim().min(1, 'referenceNo is required').max(100).regex(
      new RegExp(REFERENCE_NO_PATTERN), // its own: zod resets lastIndex on it
      'referenceNo may contain only A-Z a-z 0-9 and - _ / \\ , . + @',
    ),
    /** applicant_details sealed with the PII key (see client/pii.ts): never in clear in history. */
    sealedApplicantDetails: z.string().min(1).optional(),
    steps: StepMappingSchema.default({}),
    /** An existing IDWise journey to continue instead of starting one: concluded steps are not submitted again. */
    journeyId: z.string().trim().min(1).max(200).optional(),
    /**
     * Set by a re-run (client rerun, CLI --rerun, batch rerun): continue the IDWise journey of this reference's
     * previous run when that run failed before IDWise decided, instead of starting a second one.
     */
    resumeFailedRun: z.boolean().optional(),
    /** Internal: the state a long review wait carries into its continued run. Never set it by hand. */
    continued: z.unknown().optional(),
    options: JourneyOptionsSchema.default(JourneyOptionsSchema.parse({})),
  });

  return { ImageRefSchema, StepFilesSchema, StepMappingSchema, JourneyOptionsSchema, JourneyInputSchema };
}

export const { ImageRefSchema, StepFilesSchema, StepMappingSchema, JourneyOptionsSchema, JourneyInputSchema } =
  defineJourneySchemas();
export type StepFiles = z.infer<typeof StepFilesSchema>;
export type StepMapping = z.infer<typeof StepMappingSchema>;
export type JourneyOptions = z.infer<typeof JourneyOptionsSchema>;
export type JourneyInput = z.input<typeof JourneyInputSchema>;
export type ValidJourneyInput = z.output<typeof JourneyInputSchema>;

/** Formats zod issues as one line per field: `steps.0.image: must be an absolute file path…`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
}
