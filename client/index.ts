export * from './connection.js';
export * from './errors.js';
export * from './journey-client.js';
export * from './mapping-file.js';
export { formatOutcome, formatProgress, webUiLink } from './format.js';
