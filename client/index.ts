// 'idwise-temporal': what a backend needs to run journeys (package.json "exports" ".").
export * from './connection.js';
export * from './errors.js';
export * from './journey-client.js';
export type { DueErasure, EraseRequest, ErasureStarted } from './erasure-client.js';
export type { ErasureRecord } from '../shared/erasure.js';
export * from './batch-client.js';
export * from './mapping-file.js';
export * from './uploads.js';
export { loadStagingTarget } from '../storage/staging-config.js';
export { journeyFolder, type StagingTarget } from '../storage/staging.js';
export { formatOutcome, formatProgress, webUiLink } from './format.js';
// The workflow's contract (contract/README.md lists it for other languages).
export {
  DEFAULT_TASK_QUEUE,
  JOURNEY_WORKFLOW_TYPE,
  journeyWorkflowId,
  JourneyInputSchema,
  type JourneyInput,
  type JourneyOptions,
  type StepFiles,
  type StepMapping,
} from '../shared/journey.js';
export { BATCH_WORKFLOW_TYPE, type BatchInput } from '../shared/batch.js';
export type {
  JourneyDecision,
  JourneyOutcome,
  JourneyProgress,
  JourneyStage,
  ProvideStepFilesInput,
  ProvideStepFilesResult,
  RetakeRequest,
  ReviewReport,
  StepFeedback,
  StepReport,
  StepState,
} from '../shared/progress.js';
export { SEARCH_ATTRIBUTES } from '../shared/search-attributes.js';
// For the integrator's backend: check a journey event's signature before trusting its body.
export {
  JourneyEventSignatureError,
  signJourneyEvent,
  verifyJourneyEvent,
  type VerifyJourneyEventOptions,
} from '../events/signature.js';
export {
  JOURNEY_EVENT_ID_HEADER,
  JOURNEY_EVENT_SIGNATURE_HEADER,
  JOURNEY_EVENT_TYPES,
  type JourneyEvent,
  type JourneyEventType,
} from '../shared/journey-events.js';
// Payload encryption (connectTemporal installs it) and the applicant-details keys, for clients built by hand.
export { createDataConverter, getDataConverter, loadCodecKeys } from '../codec/data-converter.js';
export {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  METADATA_KEY_ID,
  PayloadDecryptionFailed,
} from '../codec/encryption-codec.js';
export { generateKeyList, parseKeyRing, type KeyRing } from '../codec/keys.js';
export { loadPiiKeys } from '../pii/sealed-applicant-details.js';
