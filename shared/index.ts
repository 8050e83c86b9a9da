export * from './batch.js';
export * from './batch-progress.js';
export * from './duration.js';
export * from './errors.js';
export * from './journey.js';
export * from './progress.js';
export * from './search-attributes.js';
export * from './failures.js';
