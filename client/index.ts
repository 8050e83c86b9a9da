export * from './connection.js';
export * from './errors.js';
export * from './journey-client.js';
export type { DueErasure, EraseRequest, ErasureStarted } from './erasure-client.js';
export type { ErasureRecord } from '../shared/erasure.js';
export * from './mapping-file.js';
export * from './uploads.js';
export { loadStagingTarget } from '../storage/staging-config.js';
export { journeyFolder, type StagingTarget } from '../storage/staging.js';
export { formatOutcome, formatProgress, webUiLink } from './format.js';
// For the integrator's backend: check a journey event's signature before trusting its body.
export { JourneyEventSignatureError, verifyJourneyEvent, type VerifyJourneyEventOptions } from '../events/signature.js';
export {
  JOURNEY_EVENT_ID_HEADER,
  JOURNEY_EVENT_SIGNATURE_HEADER,
  JOURNEY_EVENT_TYPES,
  type JourneyEvent,
  type JourneyEventType,
} from '../shared/journey-events.js';
// Payload encryption (connectTemporal installs it) and the applicant-details keys, for clients built by hand.
export { createDataConverter, getDataConverter, loadCodecKeys } from '../codec/data-converter.js';
export { PayloadDecryptionFailed } from '../codec/encryption-codec.js';
export { loadPiiKeys } from '../pii/sealed-applicant-details.js';
