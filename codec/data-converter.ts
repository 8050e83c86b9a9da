import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec.js';
import { parseKeyRing, type KeyRing } from './keys.js';

export const CODEC_KEYS_VARIABLE = 'IDWISE_CODEC_KEYS';

/** The failure converter module (encodeCommonAttributes: true), for clients, workers and the workflow bundle. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** Reads IDWISE_CODEC_KEYS; a missing or weak key stops the process before it connects anywhere. */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): KeyRing {
  return parseKeyRing(CODEC_KEYS_VARIABLE, env[CODEC_KEYS_VARIABLE]);
}

/** Every payload (inputs, results, signals, updates, queries, memo, summaries, failures) through AES-256-GCM. */
export function createDataConverter(keys: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath };
}

let memo: { raw: string; converter: DataConverter } | null = null;

/**
 * The process's data converter, created once from IDWISE_CODEC_KEYS and shared by every client and worker
 * (tests pass their own env; a changed value builds a new one).
 */
export function getDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const raw = env[CODEC_KEYS_VARIABLE] ?? '';
  if (memo?.raw !== raw) memo = { raw, converter: createDataConverter(loadCodecKeys(env)) };
  return memo.converter;
}
