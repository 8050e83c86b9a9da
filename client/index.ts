export * from './connection.js';
export * from './errors.js';
export * from './journey-client.js';
export * from './mapping-file.js';
export { formatOutcome, formatProgress, webUiLink } from './format.js';
// Payload encryption (connectTemporal installs it) and the applicant-details keys, for clients built by hand.
export { createDataConverter, getDataConverter, loadCodecKeys } from '../codec/data-converter.js';
export { PayloadDecryptionFailed } from '../codec/encryption-codec.js';
export { loadPiiKeys } from '../pii/sealed-applicant-details.js';
