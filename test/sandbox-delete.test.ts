import { createIdwiseClient, loadIdwiseConfig } from '../idwise/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { expectError, sandboxApi } from './helpers/sandbox-api.js';

// Delete PII (idwise-api.md §1, §8) in the sandbox, over plain HTTP: the journey is gone afterwards, deletes are
// counted, and the deletePii switch and the faults make deletes fail.

let sb: RunningSandbox;
const api = sandboxApi(() => sb);
const { call, start } = api;
const del = (path: string) => call<{ success: boolean }>(path, { method: 'DELETE' });

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(() => sb.close());
beforeEach(() => sb.admin.reset());

describe('Delete PII', () => {
  it('removes the journey: summary, result and a second delete answer 404 missing_requested_resource', async () => {
    const ref = `pass-del-${Date.now()}`;
    const id = await start(ref);
    expect(sb.admin.findJourneys(ref)).toHaveLength(1);
    const res = await del(`journey/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(sb.admin.findJourneys(ref)).toEqual([]);
    expectError(await api.summary(id), 404, 'missing_requested_resource');
    expectError(await api.result(id), 404, 'missing_requested_resource');
    expectError(await del(`journey/${id}`), 404, 'missing_requested_resource');
    expect(sb.admin.journeyCounters(id)).toMatchObject({ deleteCalls: 2, deletedAt: expect.any(Number) });
    expect(sb.admin.totals()).toMatchObject({ requests: { delete: 2 }, journeysDeleted: 1 });
  });

  it('answers on the /v2/ alias too, and 405 for another method on the path', async () => {
    const id = await start();
    expect((await del(`v2/journey/${id}`)).status).toBe(200);
    expectError(await call(`journey/${id}`, { method: 'PUT' }), 405, 'method_not_allowed');
  });

  it('refuses with the deletePii switch (403, 500) and keeps the journey', async () => {
    const id = await start();
    sb.admin.setSwitches({ deletePii: 'forbidden' });
    expectError(await del(`journey/${id}`), 403, 'unauthorized');
    sb.admin.setSwitches({ deletePii: 'error' });
    expectError(await del(`journey/${id}`), 500, 'internal_server_error');
    expect((await api.summary(id)).status).toBe(200);
    expect(sb.admin.totals().journeysDeleted).toBe(0);
  });

  it('fails for a while with faults on the delete route only, without effect', async () => {
    const id = await start();
    sb.admin.failNext({ count: 2, kind: '5xx', routes: ['delete'] });
    expect((await api.summary(id)).status).toBe(200);
    expect((await del(`journey/${id}`)).status).toBe(503);
    expect((await del(`journey/${id}`)).status).toBe(503);
    expect((await del(`journey/${id}`)).status).toBe(200);
    expect(sb.admin.journeyCounters(id)).toMatchObject({ deleteCalls: 1 });
  });
});

describe('the IDWise client deletePii', () => {
  const client = (routes?: string) =>
    createIdwiseClient(
      loadIdwiseConfig({
        IDWISE_BASE_URL: sb.baseUrl,
        IDWISE_API_KEY: sb.credentials.key,
        IDWISE_API_SECRET: sb.credentials.secret,
        IDWISE_IMAGE_ROOTS: '/tmp',
        ...(routes ? { IDWISE_ROUTES: routes } : {}),
      }),
    );

  it('deletes through the default route; a second delete is an IdwiseError of kind not-found', async () => {
    const id = await start();
    await client().deletePii(id);
    expect(sb.admin.journeyCounters(id)?.deletedAt).toEqual(expect.any(Number));
    await expect(client().deletePii(id)).rejects.toMatchObject({
      name: 'IdwiseError',
      kind: 'not-found',
      status: 404,
      errorCode: 'missing_requested_resource',
      operation: 'delete-pii',
    });
  });

  it('takes its route from IDWISE_ROUTES like the others; a 403 is forbidden, not retryable', async () => {
    const id = await start();
    sb.admin.setSwitches({ deletePii: 'forbidden' });
    const v2 = client('{"delete":{"path":"v2/journey/{journey_id}"}}');
    await expect(v2.deletePii(id)).rejects.toMatchObject({ kind: 'forbidden', status: 403, retryable: false });
    sb.admin.setSwitches({ deletePii: 'ok' });
    await v2.deletePii(id);
    expect(sb.admin.journeyCounters(id)).toMatchObject({ deleteCalls: 2, deletedAt: expect.any(Number) });
  });

  it('refuses a GET delete route in IDWISE_ROUTES', () => {
    expect(() => client('{"delete":{"method":"GET","path":"journey/{journey_id}"}}')).toThrow(/IDWISE_ROUTES.*delete/s);
  });
});
