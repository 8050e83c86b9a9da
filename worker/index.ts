// 'idwise-temporal/worker': the journey worker inside the user's own process. runWorker() is `npm run worker`
// (configuration from the environment, health and metrics, graceful SIGTERM); createJourneyWorker() is the
// composition root for a process that builds its own connection and options.
export { runWorker } from './run.js';
export { createJourneyWorker, workerOptionsFromConfig, type JourneyWorkerOptions } from './worker.js';
export { loadWorkerConfig, type WorkerConfig } from './config.js';
export { writeWorkflowBundle } from './bundle.js';
export { WORKER_NODE_FLAGS } from './node-flags.js';
export { createIdwiseClient, loadIdwiseConfig, type IdwiseApi, type IdwiseConfig } from '../idwise/index.js';
