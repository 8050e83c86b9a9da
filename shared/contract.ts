import { z } from 'zod';
import { BatchInputSchema } from './batch.js';
import type { JourneyEvent, JourneyEventType } from './journey-events.js';
import { JourneyInputSchema, StepMappingSchema } from './journey.js';
import type { JourneyOutcome, JourneyProgress, ProvideStepFilesInput, ProvideStepFilesResult } from './progress.js';

// The workflow's contract for other languages, as zod schemas: scripts/contract.ts writes them as JSON Schema into
// contract/, and test/contract.test.ts fails when those files are stale. The answers (progress, outcome, events) are
// TypeScript interfaces in the code; the type checks at the bottom fail the build when a schema here drifts from them.

const StepFeedbackSchema = z.object({ code: z.string().nullable(), title: z.string(), details: z.string() });
const StepReportSchema = z.object({
  stepId: z.string(),
  type: z.string(),
  title: z.string(),
  optional: z.boolean(),
  state: z.enum([
    'pending',
    'waiting-for-files',
    'submitting',
    'processing',
    'awaiting-retake',
    'processed',
    'skipped',
  ]),
  status: z
    .string()
    .nullable()
    .describe("IDWise's step status (Submitted, In Progress, ...), null before the first check"),
  passed: z.boolean().nullable(),
  concluded: z.boolean().nullable(),
  feedback: StepFeedbackSchema.nullable(),
  attemptsUsed: z.number().int(),
  attemptsLeft: z.number().int().nullable(),
});
const RetakeRequestSchema = z.object({
  stepId: z.string(),
  feedback: StepFeedbackSchema.nullable(),
  attemptsUsed: z.number().int(),
  attemptsLeft: z.number().int().nullable(),
  requestedAt: z.string().describe('ISO-8601'),
  expiresAt: z.string().describe('ISO-8601: when the journey stops waiting (retakeTimeout)'),
});
const JourneyDecisionSchema = z.object({
  system: z.string(),
  manual: z.string().nullable(),
  final: z.string().describe('the decision that counts: manual when a reviewer decided, else system'),
});
const ReviewReportSchema = z.object({
  status: z.enum(['not-needed', 'waiting', 'reviewed', 'not-reviewed']),
  since: z.string().nullable(),
  reviewedAt: z.string().nullable(),
});
const StageSchema = z.enum([
  'starting',
  'waiting-for-files',
  'submitting',
  'awaiting-processing',
  'awaiting-retake',
  'completing',
  'awaiting-decision',
  'awaiting-review',
  'completed',
  'failed',
  'cancelled',
]);

export const JourneyProgressSchema = z
  .object({
    referenceNo: z.string(),
    flowId: z.string(),
    journeyId: z.string().nullable(),
    stage: StageSchema,
    currentStepId: z.string().nullable(),
    steps: z.array(StepReportSchema),
    decision: JourneyDecisionSchema.nullable(),
    retake: RetakeRequestSchema.nullable().describe('the retake the journey waits for, in stage awaiting-retake'),
    review: ReviewReportSchema,
    events: z.enum(['polling', 'webhooks']),
    error: z.string().nullable(),
  })
  .describe("The answer of the identityJourney workflow's `progress` query");

export const JourneyOutcomeSchema = z
  .object({
    journeyId: z.string(),
    referenceNo: z.string(),
    flowId: z.string(),
    decision: JourneyDecisionSchema,
    decidedAt: z.string().nullable(),
    review: ReviewReportSchema,
    steps: z.array(StepReportSchema),
    ruleResults: z.array(z.object({ key: z.string(), name: z.string(), result: z.string() })),
    unansweredRetake: RetakeRequestSchema.nullable(),
    resumed: z.boolean(),
    possiblyOrphanedJourneys: z.number().int(),
  })
  .describe('The result of a completed identityJourney workflow');

export const ProvideStepFilesInputSchema = z
  .strictObject({ steps: StepMappingSchema })
  .describe('The argument of the `provideStepFiles` update: files for waiting steps or a requested retake');
export const ProvideStepFilesResultSchema = z
  .object({ accepted: z.array(z.string()).describe('step ids whose files were accepted') })
  .describe('The result of the `provideStepFiles` update');

const eventData = {
  'journey.needs-files': z.object({ stepId: z.string(), stepType: z.string(), waitUntil: z.string() }),
  'journey.needs-retake': z.object({
    stepId: z.string(),
    stepType: z.string(),
    feedback: StepFeedbackSchema.nullable(),
    attemptsUsed: z.number().int(),
    attemptsLeft: z.number().int().nullable(),
    waitUntil: z.string(),
  }),
  'journey.awaiting-review': z.object({ systemDecision: z.string(), waitUntil: z.string() }),
  'journey.decided': z.object({
    systemDecision: z.string(),
    manualDecision: z.string().nullable(),
    finalDecision: z.string(),
    review: ReviewReportSchema.shape.status,
    decidedAt: z.string().nullable(),
  }),
  'journey.failed': z.object({
    reason: z.string().describe('for an IDWise refusal: "IDWise <operation> failed: <status> <error_code>"'),
    errorType: z.string().nullable(),
    status: z.number().int().optional().describe("IDWise's HTTP status, when IDWise refused a call"),
    errorCode: z.string().nullable().optional().describe("IDWise's error_code, when IDWise refused a call"),
  }),
  'journey.erased': z.object({
    reason: z.string().describe("the erase request's reason: a case or ticket number"),
    trigger: z.enum(['request', 'retention']),
    idwiseJourneys: z.array(
      z.object({ journeyId: z.string(), outcome: z.enum(['deleted', 'already-erased', 'not-erased']) }),
    ),
    possiblyOrphanedStarts: z.number().int(),
    stagedImagesDeleted: z.number().int(),
    temporalExecutionsDeleted: z.number().int(),
    erasedAt: z.string().nullable(),
  }),
} as const satisfies Record<JourneyEventType, z.ZodObject>;

const eventSchema = <T extends keyof typeof eventData>(type: T) =>
  z.object({
    id: z.string().describe('stable across retries and replays: de-duplicate on it'),
    type: z.literal(type),
    createdAt: z.string().describe('ISO-8601'),
    referenceNo: z.string(),
    workflowId: z.string(),
    journeyId: z.string().nullable(),
    data: eventData[type],
  });

export const JourneyEventSchema = z
  .discriminatedUnion('type', [
    eventSchema('journey.needs-files'),
    eventSchema('journey.needs-retake'),
    eventSchema('journey.awaiting-review'),
    eventSchema('journey.decided'),
    eventSchema('journey.failed'),
    eventSchema('journey.erased'),
  ])
  .describe('The body of a signed journey event (header idwise-temporal-signature; events/README.md)');

/** Each file of contract/ and the schema it holds; the workflow's input is validated by these very schemas. */
export const CONTRACT_SCHEMAS = {
  'identity-journey.input': JourneyInputSchema.describe('The argument of the identityJourney workflow'),
  'identity-journey.outcome': JourneyOutcomeSchema,
  'progress.query': JourneyProgressSchema,
  'provide-step-files.update.input': ProvideStepFilesInputSchema,
  'provide-step-files.update.result': ProvideStepFilesResultSchema,
  'batch-journeys.input': BatchInputSchema.describe('The argument of the batchJourneys workflow'),
  'journey-event': JourneyEventSchema,
} as const;

// Compile-time: the schemas above describe exactly the interfaces the workflow returns.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type ContractMatchesCode = [
  Equals<z.infer<typeof JourneyProgressSchema>, JourneyProgress>,
  Equals<z.infer<typeof JourneyOutcomeSchema>, JourneyOutcome>,
  Equals<z.infer<typeof ProvideStepFilesInputSchema>, ProvideStepFilesInput>,
  Equals<z.infer<typeof ProvideStepFilesResultSchema>, ProvideStepFilesResult>,
  Equals<Omit<JourneyEvent, 'data'>, Omit<z.infer<typeof JourneyEventSchema>, 'data'>>,
] extends [true, true, true, true, true]
  ? true
  : never;
export const contractMatchesCode: ContractMatchesCode = true;
