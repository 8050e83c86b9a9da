import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes.js';

// One source for what a self-hosted Temporal runs with, read by `npm run cluster` (and chaos, tests) and
// checked against docker-compose.temporal.yml by test/compose.test.ts: the server release, its dynamic config
// file and the project's search attributes. Change the version here and in the compose image tags together.

/** The server inside Temporal CLI v1.5.1 (dev/temporal-cli.ts), so the dev server and the cluster agree. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const SERVER_MODULE = 'go.temporal.io/server';
export const SERVER_PACKAGES = {
  server: `${SERVER_MODULE}/cmd/server`,
  sql: `${SERVER_MODULE}/cmd/tools/sql`,
} as const;

/** Images of the compose stack for that release (admin-tools carries temporal-sql-tool and the schema). */
export const COMPOSE_IMAGES = {
  server: `temporalio/server:${TEMPORAL_SERVER_VERSION}`,
  adminTools: `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}-tctl-1.18.4-cli-1.5.0`,
} as const;

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..');
/** Relative to the repository; compose mounts its folder, the cluster points its server at the file. */
export const DYNAMIC_CONFIG_FILE = 'deploy/dynamicconfig/production-sql.yaml';
export const dynamicConfigPath = () => join(repoRoot, DYNAMIC_CONFIG_FILE);

export const DEFAULT_NAMESPACE = 'default';
/**
 * Closed executions (journeys, erasure records) are deleted by Temporal this long after they close: the ceiling on
 * how long Temporal keeps a journey's encrypted history, whatever IDWISE_RETENTION says. Keep IDWISE_RETENTION at or
 * below it (README "Data retention and erasure"): a retention erasure then finds every run's history, and an erase
 * request within it finds every IDWise journey id.
 */
export const NAMESPACE_RETENTION_S = 30 * 24 * 3600;

export { SEARCH_ATTRIBUTES };
