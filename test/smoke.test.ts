import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ApplicationFailure } from '@temporalio/common';
import { createJourneyWorker } from '../worker/worker.js';
import { ErrorType, JOURNEY_WORKFLOW_TYPE, SEARCH_ATTRIBUTES } from '../shared/index.js';
import type { IdwiseApi } from '../idwise/index.js';
import { testDataConverter } from './helpers/journey-env.js';

// The real dev server (started once by global-setup through the CLI resolver) runs a real worker with
// the real workflow bundle. Invalid input fails before any activity, so no IDWise is needed here.
describe('Temporal dev server smoke test', () => {
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    client = new Client({ connection, dataConverter: testDataConverter() });
  });
  afterAll(async () => connection.close());

  it('registers every custom search attribute the code uses', async () => {
    const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const custom = Object.keys(res.customAttributes ?? {});
    for (const key of SEARCH_ATTRIBUTES) expect(custom).toContain(key.name);
  });

  it('runs the journey workflow on a worker and reports invalid input as a typed failure', async () => {
    const nativeConnection = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    const taskQueue = `smoke-${Date.now()}`;
    const unreachable = new Proxy({} as IdwiseApi, {
      get: () => () => Promise.reject(new Error('IDWise must not be called for invalid input')),
    });
    const worker = await createJourneyWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      idwise: unreachable,
      workflowBundlePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE!,
      dataConverter: testDataConverter(),
    });
    const run = client.workflow.execute(JOURNEY_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `smoke-${Date.now()}`,
      args: [{ flowId: 'flow-1', referenceNo: 'bad ref with spaces', steps: { '0': { image: 'relative.jpg' } } }],
    });
    const err = await worker.runUntil(
      run.then(
        () => null,
        (e: unknown) => e,
      ),
    );
    await nativeConnection.close();
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe(ErrorType.InvalidInput);
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/referenceNo: referenceNo may contain only/);
    expect(cause.message).toMatch(/steps\.0\.image: must be an absolute file path/);
  });
});
