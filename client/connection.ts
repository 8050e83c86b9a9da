import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { getDataConverter } from '../codec/data-converter.js';

/**
 * Connects to Temporal the way every Temporal tool does: a TOML profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS_*.
 * With nothing set it is localhost:7233, namespace default: the dev server.
 * Every payload goes through the codec (IDWISE_CODEC_KEYS); without keys nothing connects.
 */
export async function connectTemporal(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const dataConverter = getDataConverter(env);
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const config = loadClientConnectConfig({ overrideEnvVars });
  const connection = await Connection.connect(config.connectionOptions);
  return new Client({ connection, namespace: config.namespace ?? 'default', dataConverter });
}
