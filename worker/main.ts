#!/usr/bin/env node
import { runWorker } from './run.js';

// The worker's process boundary (`npm run worker`, the image); runWorker() is the same without process.exit.
runWorker().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
