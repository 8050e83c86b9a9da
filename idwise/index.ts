// The IDWise Journey Builder API client: activities import it from here, and only activities and the
// worker's composition root do (workflows never perform I/O).
export * from './client.js';
export * from './config.js';
export * from './errors.js';
export * from './error-text.js';
export * from './image-sources.js';
export * from './images.js';
export * from './safe-file.js';
export * from './safe-lookup.js';
export * from './multipart.js';
export * from './routes.js';
export * from './schemas.js';
