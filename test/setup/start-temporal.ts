import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../../dev/dev-server.js';
import { freePort } from '../../dev/free-port.js';
import { writeWorkflowBundle } from '../../worker/bundle.js';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

/**
 * One dev server (with its Web UI, for the browser test) and one workflow bundle for the whole run,
 * handed to test files through env vars.
 */
export async function startTemporalForTests(): Promise<TestWorkflowEnvironment> {
  const uiPort = await freePort();
  const env = await startDevServer({ ui: true, uiPort });
  process.env.TEMPORAL_TEST_ADDRESS = env.address;
  process.env.TEMPORAL_TEST_UI_URL = `http://127.0.0.1:${uiPort}`;
  const codePath = join(mkdtempSync(join(tmpdir(), 'idwise-bundle-')), 'workflow-bundle.js');
  process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = await writeWorkflowBundle(codePath, quietLogger);
  return env;
}
