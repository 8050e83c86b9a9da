import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { startCluster, type RunningCluster } from '../cluster/index.js';
import { SEARCH_ATTRIBUTES } from '../cluster/release.js';
import { isAlive } from '../dev/process-alive.js';

// `npm run cluster` for real: a private PostgreSQL initialised from nothing, both schemas, the server, the
// namespace with exactly the project's search attributes; a SIGKILL of the server and a PostgreSQL crash are
// survived; a second start on the same folder reuses the data and skips the schema.

async function customAttributes(address: string): Promise<Record<string, number>> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes: attrs } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.fromEntries(Object.entries(attrs ?? {}).map(([k, v]) => [k, Number(v)]));
  } finally {
    await connection.close();
  }
}

describe('startCluster (Temporal on a private PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idwise-cluster-test-'));
  let cluster: RunningCluster | null = null;
  let postgresDir: string | null = null;
  const log = () => undefined;

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (postgresDir) rmSync(postgresDir, { recursive: true, force: true });
  });

  it('starts from nothing with both schemas and exactly the project search attributes', async () => {
    cluster = await startCluster({ dir, log });
    postgresDir = cluster.postgresDir;
    expect(cluster.schema.map((s) => [s.db, s.before, s.changed])).toEqual([
      ['temporal', null, true],
      ['temporal_visibility', null, true],
    ]);
    const expected = Object.fromEntries(
      SEARCH_ATTRIBUTES.map((k) => [k.name, Number(encodeSearchAttributeIndexedValueType(k.type))]),
    );
    expect(await customAttributes(cluster.address)).toEqual(expected);
  }, 240_000);

  it('refuses a second cluster on the same folder while the first one runs', async () => {
    // The owner is this process here, so pretend another live process (the jest parent) owns the folder.
    writeFileSync(join(dir, 'owner.pid'), String(process.ppid));
    await expect(startCluster({ dir, log })).rejects.toThrow(/already runs from/);
    writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  });

  it('comes back after a SIGKILL of the server and a PostgreSQL crash', async () => {
    const before = cluster!.serverPid();
    await cluster!.restartServer();
    expect(isAlive(before)).toBe(false);
    expect(cluster!.serverPid()).not.toBe(before);
    await cluster!.restartPostgres();
    // The frontend answers again once its database connections recover.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        expect(Object.keys(await customAttributes(cluster!.address))).toHaveLength(SEARCH_ATTRIBUTES.length);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }, 180_000);

  it('stops the server and PostgreSQL, and a warm start reuses the data without schema work', async () => {
    const pid = cluster!.serverPid();
    await cluster!.stop();
    cluster = null;
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    cluster = await startCluster({ dir, log });
    expect(cluster.schema.every((s) => !s.changed && s.before === s.after)).toBe(true);
    expect(Object.keys(await customAttributes(cluster.address)).sort()).toEqual(
      SEARCH_ATTRIBUTES.map((k) => k.name).sort(),
    );
  }, 240_000);
});
