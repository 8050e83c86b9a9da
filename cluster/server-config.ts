import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

// The server's static config: the module's config/development-postgres12.yaml with this cluster's ports and
// database address, and the project's dynamic config file (the one the compose stack mounts).

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

export const PORT_NAMES: (keyof ServerPorts)[] = [
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
  'metrics',
];

type Yaml = Record<string, unknown>;
const at = (obj: Yaml, ...path: string[]): Yaml => path.reduce((o, k) => o[k] as Yaml, obj);

export function serverConfig(
  template: string,
  o: { ports: ServerPorts; postgresPort: number; dynamicConfig: string },
): Yaml {
  const c = parse(template) as Yaml;
  for (const store of ['postgres-default', 'postgres-visibility']) {
    at(c, 'persistence', 'datastores', store, 'sql').connectAddr = `127.0.0.1:${o.postgresPort}`;
  }
  const p = o.ports;
  const rpc = (svc: string, grpcPort: number, membershipPort: number) =>
    Object.assign(at(c, 'services', svc, 'rpc'), { grpcPort, membershipPort, bindOnLocalHost: true });
  rpc('frontend', p.frontend, p.frontendMembership).httpPort = p.frontendHttp;
  rpc('history', p.history, p.historyMembership);
  rpc('matching', p.matching, p.matchingMembership);
  rpc('worker', p.worker, p.workerMembership);
  const global = at(c, 'global');
  delete global.pprof; // a fixed debug port (7936) would collide with a second server; not needed here
  at(global, 'metrics', 'prometheus').listenAddress = `127.0.0.1:${p.metrics}`;
  at(c, 'clusterMetadata', 'clusterInformation', 'active').rpcAddress = `127.0.0.1:${p.frontend}`;
  // Archival is off for namespaces anyway; without it the server needs no writable /tmp folders.
  delete c.archival;
  delete c.namespaceDefaults;
  c.dynamicConfigClient = { filepath: o.dynamicConfig, pollInterval: '10s' };
  return c;
}

/** Writes <dir>/config/cluster.yaml; the server then runs with `--config <dir>/config --env cluster`. */
export function writeServerConfig(
  dir: string,
  moduleDir: string,
  o: Parameters<typeof serverConfig>[1],
): { configDir: string; env: string } {
  const template = readFileSync(join(moduleDir, 'config', 'development-postgres12.yaml'), 'utf8');
  const configDir = join(dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'cluster.yaml'), stringify(serverConfig(template, o)));
  return { configDir, env: 'cluster' };
}
