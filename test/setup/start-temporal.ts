import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodecServer } from '../../codec/codec-server.js';
import { loadCodecKeys } from '../../codec/data-converter.js';
import { generateKeyList } from '../../codec/keys.js';
import { startDevServer } from '../../dev/dev-server.js';
import { freePort } from '../../dev/free-port.js';
import { writeWorkflowBundle } from '../../worker/bundle.js';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

/**
 * One dev server (with its Web UI, for the browser test), one codec server the UI decodes through, fresh
 * codec keys and one workflow bundle for the whole run, handed to test files through env vars.
 */
export async function startTemporalForTests(): Promise<{ teardown(): Promise<void> }> {
  process.env.TEMPORAL_TEST_CODEC_KEYS = generateKeyList(['test-run']);
  process.env.TEMPORAL_TEST_CODEC_TOKEN = randomBytes(32).toString('base64url');
  const uiPort = await freePort();
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  const codec = await startCodecServer({
    keys: loadCodecKeys({ IDWISE_CODEC_KEYS: process.env.TEMPORAL_TEST_CODEC_KEYS }),
    token: process.env.TEMPORAL_TEST_CODEC_TOKEN,
    corsOrigins: [uiUrl],
    log: noop,
  });
  process.env.TEMPORAL_TEST_CODEC_URL = codec.url;
  const env = await startDevServer({ ui: true, uiPort, codecEndpoint: codec.url });
  process.env.TEMPORAL_TEST_ADDRESS = env.address;
  process.env.TEMPORAL_TEST_UI_URL = uiUrl;
  const codePath = join(mkdtempSync(join(tmpdir(), 'idwise-bundle-')), 'workflow-bundle.js');
  process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = await writeWorkflowBundle(codePath, quietLogger);
  return {
    async teardown() {
      await env.teardown();
      await codec.close();
    },
  };
}
