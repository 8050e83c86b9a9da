// The worker's single workflows entry point.
export { identityJourney } from './journey.js';
export { batchJourneys } from './batch.js';
export { deliverJourneyEvents } from './journey-outbox.js';
export { eraseJourney } from './erasure.js';
