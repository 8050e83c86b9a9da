import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes.js';
import { DEV_SERVER_DYNAMIC_CONFIG } from './dynamic-config.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  /** Serve the Web UI (default false: tests run headless). */
  ui?: boolean;
  port?: number;
  uiPort?: number;
  /** SQLite file; in-memory when omitted. */
  dbFilename?: string;
  /** A codec server's URL (codec/codec-server.ts) the Web UI decodes payloads through (--ui-codec-endpoint). */
  codecEndpoint?: string;
  /** Where the server serves its Prometheus metrics (--metrics-port); a free port the CLI picks when omitted. */
  metricsPort?: number;
}

/**
 * Starts the Temporal CLI dev server with the project's search attributes registered.
 * In-memory SQLite is the fastest mode for tests and demos (shared/temporal-notes.md §3).
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const cli = resolveTemporalCli();
  const extraArgs: string[] = [...DEV_SERVER_DYNAMIC_CONFIG];
  if (opts.dbFilename) extraArgs.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  if (opts.codecEndpoint) extraArgs.push('--ui-codec-endpoint', opts.codecEndpoint);
  if (opts.metricsPort) extraArgs.push('--metrics-port', String(opts.metricsPort));
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli.executable,
      searchAttributes: [...SEARCH_ATTRIBUTES],
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.ui ? { ui: true, ...(opts.uiPort ? { uiPort: opts.uiPort } : {}) } : {}),
      ...(opts.dbFilename ? { dbFilename: opts.dbFilename } : {}),
      extraArgs,
    },
  });
}
