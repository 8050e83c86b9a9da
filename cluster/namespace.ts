import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { NAMESPACE_RETENTION_S, SEARCH_ATTRIBUTES } from './release.js';

// After the server answers: the namespace and exactly the project's search attributes, then a wait until the
// frontend accepts a visibility query that uses them (its namespace and search-attribute caches refresh on
// their own schedule, and a journey started before that would be refused).

const ALREADY_EXISTS = 6;
const errorCode = (err: unknown) => (err as { code?: number } | null)?.code;

export async function connectWhenUp(address: string, timeoutMs = 120_000): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`Temporal at ${address} did not answer within ${timeoutMs / 1000}s: ${String(err)}`);
      await sleep(500);
    }
  }
}

export async function registerNamespace(connection: Connection, namespace: string): Promise<string[]> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION_S * 1000),
    });
  } catch (err) {
    if (errorCode(err) !== ALREADY_EXISTS) throw err;
  }
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const added: string[] = [];
  for (const key of SEARCH_ATTRIBUTES) {
    const want = encodeSearchAttributeIndexedValueType(key.type)!;
    const have = customAttributes?.[key.name];
    if (have === want) continue;
    if (have !== undefined && have !== null) {
      throw new Error(`search attribute ${key.name} is registered with another type (${have}); expected ${key.type}`);
    }
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [key.name]: want } });
    added.push(key.name);
  }
  return added;
}

/** Waits until a visibility query naming every project attribute succeeds in the namespace. */
export async function waitUntilUsable(connection: Connection, namespace: string, timeoutMs = 120_000): Promise<void> {
  const query = SEARCH_ATTRIBUTES.map((k) => `${k.name} = 'probe'`).join(' AND ');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`namespace ${namespace} not usable after ${timeoutMs / 1000}s: ${String(err)}`);
      await sleep(1_000);
    }
  }
}
