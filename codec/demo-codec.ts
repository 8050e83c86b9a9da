import { randomBytes } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { startCodecServer } from './codec-server.js';
import { getDataConverter, loadCodecKeys } from './data-converter.js';
import { generateKeyList } from './keys.js';

/**
 * The demo's (and bench's) codec: IDWISE_CODEC_KEYS when set, else keys generated for this run, and a codec
 * server for the Web UI at `uiUrl` with a fresh bearer token (or IDWISE_CODEC_TOKEN).
 */
export async function startDemoCodec(uiUrl: string, env: NodeJS.ProcessEnv = process.env) {
  const codecEnv = { IDWISE_CODEC_KEYS: env.IDWISE_CODEC_KEYS || generateKeyList(['demo']) };
  const token = env.IDWISE_CODEC_TOKEN || randomBytes(32).toString('base64url');
  const server = await startCodecServer({
    keys: loadCodecKeys(codecEnv),
    token,
    corsOrigins: [uiUrl, uiUrl.replace('127.0.0.1', 'localhost')],
    log: () => undefined,
  });
  const dataConverter: DataConverter = getDataConverter(codecEnv);
  return {
    url: server.url,
    dataConverter,
    codecEnv,
    close: () => server.close(),
    note:
      `payloads are encrypted (${env.IDWISE_CODEC_KEYS ? 'IDWISE_CODEC_KEYS' : 'a key generated for this run'}); ` +
      `the Web UI decodes them through the codec server ${server.url}, which wants the header ` +
      `"Authorization: Bearer ${env.IDWISE_CODEC_TOKEN ? '<IDWISE_CODEC_TOKEN>' : token}" ` +
      '(README: "Encryption and the codec server")',
  };
}
