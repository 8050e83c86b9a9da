import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DB_USER, psql, type PostgresPaths } from './postgres.js';

// Temporal's two databases, set up with temporal-sql-tool from the schema files in the server module, as
// production does (docker-compose.temporal.yml runs the same tool in its schema job). A database whose
// recorded schema version is already the newest one in the module is left alone, so warm starts skip this.

export const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

const versionKey = (v: string) => v.replace(/^v/, '').split('.').map(Number);
const newer = (a: string, b: string) => {
  const [x, y] = [versionKey(a), versionKey(b)];
  return x[0]! - y[0]! || x[1]! - y[1]!;
};

/** The newest versioned schema folder, e.g. `1.18` for v1.18. */
export function latestSchemaVersion(dir: string): string {
  const versions = readdirSync(dir).filter((d) => /^v\d+\.\d+$/.test(d));
  if (versions.length === 0) throw new Error(`no versioned schema in ${dir}`);
  return versions.sort(newer).at(-1)!.slice(1);
}

export interface SchemaStatus {
  db: string;
  before: string | null;
  after: string;
  changed: boolean;
}

export function setUpSchemas(opts: {
  sqlTool: string;
  moduleDir: string;
  pg: PostgresPaths;
  port: number;
  log: (line: string) => void;
}): SchemaStatus[] {
  const { sqlTool, moduleDir, pg, port } = opts;
  return DATABASES.map(({ name, schema }) => {
    const dir = join(moduleDir, 'schema', 'postgresql', 'v12', schema, 'versioned');
    const latest = latestSchemaVersion(dir);
    const current = psql(pg, port, name, 'SELECT curr_version FROM schema_version LIMIT 1') || null;
    if (current === latest) return { db: name, before: current, after: latest, changed: false };
    opts.log(`schema ${name}: ${current ?? 'none'} -> ${latest}`);
    const tool = (...args: string[]) => {
      const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', DB_USER, '--db', name];
      const r = spawnSync(sqlTool, [...base, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} (${name}) failed: ${r.stderr || r.stdout}`);
    };
    if (psql(pg, port, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`) !== '1') {
      tool('create-database');
    }
    if (current === null) tool('setup-schema', '-v', '0.0');
    tool('update-schema', '-d', dir);
    return { db: name, before: current, after: latest, changed: true };
  });
}
