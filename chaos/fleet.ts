import { Client, Connection } from '@temporalio/client';
import { getDataConverter } from '../codec/data-converter.js';
import type { Script } from './run-script.js';
import { codecKeysFor, workerEnv, type WorkerEnvOptions } from './worker-env.js';
import { startWorker, stopWorker, type WorkerProcess } from './workers.js';

/**
 * The worker processes and the client of one chaos script, sharing one set of codec keys; all stopped on cleanup.
 * `env` is kept for restarting a worker after a kill.
 */
export async function startFleet(
  { onCleanup }: Pick<Script, 'onCleanup'>,
  o: {
    temporal: { address: string; namespace: string };
    workers: number;
    env: Omit<WorkerEnvOptions, 'codecKeys' | 'temporalAddress' | 'namespace'>;
  },
): Promise<{ env: Record<string, string>; workers: WorkerProcess[]; client: Client }> {
  const codecKeys = codecKeysFor();
  const env = workerEnv({
    ...o.env,
    codecKeys,
    temporalAddress: o.temporal.address,
    namespace: o.temporal.namespace,
  });
  const workers: WorkerProcess[] = [];
  onCleanup(() => Promise.all(workers.map((w) => stopWorker(w))));
  for (let i = 0; i < o.workers; i++) workers.push(await startWorker(env));
  const connection = await Connection.connect({ address: o.temporal.address });
  onCleanup(() => connection.close());
  const dataConverter = getDataConverter({ IDWISE_CODEC_KEYS: codecKeys });
  return { env, workers, client: new Client({ connection, namespace: o.temporal.namespace, dataConverter }) };
}
