import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { SearchAttributeType } from '@temporalio/common';
import { parse } from 'yaml';
import { z } from 'zod';
import { COMPOSE_IMAGES, DYNAMIC_CONFIG_FILE, TEMPORAL_SERVER_VERSION } from '../cluster/release.js';
import { PORT_NAMES, serverConfig, type ServerPorts } from '../cluster/server-config.js';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes.js';
import { heapWarning, WORKER_NODE_FLAGS, workerProcessArgs } from '../worker/node-flags.js';

// The production deployment (docker-compose.temporal.yml, deploy/, .env.example) is checked against the code
// it deploys, without Docker: when someone adds a search attribute or an environment variable and forgets
// the deployment or its docs, this fails.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const COMPOSE_FILE = 'docker-compose.temporal.yml';
const DOCKERFILE = 'deploy/worker.Dockerfile';

const PortSchema = z.union([
  z.string(),
  z.number(),
  z.object({
    target: z.number(),
    published: z.union([z.string(), z.number()]).optional(),
    host_ip: z.string().optional(),
  }),
]);
const VolumeMountSchema = z.union([
  z.string(),
  z.object({ type: z.string().optional(), source: z.string().optional(), target: z.string() }),
]);
const ServiceSchema = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() })]).optional(),
  depends_on: z
    .union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string().optional() }))])
    .optional(),
  environment: z
    .union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))])
    .optional(),
  env_file: z
    .union([
      z.string(),
      z.array(z.union([z.string(), z.object({ path: z.string(), required: z.boolean().optional() })])),
    ])
    .optional(),
  ports: z.array(PortSchema).optional(),
  volumes: z.array(VolumeMountSchema).optional(),
  healthcheck: z.object({ test: z.union([z.string(), z.array(z.string())]) }).optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
});
type Service = z.infer<typeof ServiceSchema>;
const ComposeSchema = z.object({
  services: z.record(z.string(), ServiceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
});

const compose = ComposeSchema.parse(parse(read(COMPOSE_FILE)));
const services = compose.services;

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`${COMPOSE_FILE} has no service "${name}" (services: ${Object.keys(services).join(', ')})`);
  return s;
}

function environment(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Published ports as { target, published }, from both the short ("127.0.0.1:8080:8080") and long syntax. */
function publishedPorts(s: Service): { target: number; published: string }[] {
  return (s.ports ?? []).flatMap((p) => {
    if (typeof p === 'object')
      return p.published === undefined ? [] : [{ target: p.target, published: String(p.published) }];
    const m = /^(?:.+:)?(\d+(?:-\d+)?):(\d+)(?:\/\w+)?$/.exec(String(p));
    return m ? [{ target: Number(m[2]), published: m[1]! }] : [];
  });
}

function dependencies(s: Service): Record<string, string> {
  const deps = s.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition ?? 'service_started']));
}

/** The CLI's names for search attribute types (`temporal operator search-attribute create --type`). */
const CLI_TYPES: Record<string, SearchAttributeType> = {
  Text: SearchAttributeType.TEXT,
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
  Bool: SearchAttributeType.BOOL,
  Datetime: SearchAttributeType.DATETIME,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
};

const ENV_NAME = /\b(?:IDWISE|TEMPORAL)_[A-Z0-9_]*[A-Z0-9]\b/g;
const namesIn = (text: string) => new Set(text.match(ENV_NAME) ?? []);
const tsSources = (dir: string) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => `${dir}/${f}`)
    : [];

/** What the worker reads itself: worker/*.ts and the IDWise client's and journey events' configuration. */
const workerSources = [
  ...tsSources('worker'),
  ...['idwise/config.ts', 'events/config.ts', 'storage/s3.ts', 'storage/staging-config.ts'].filter((f) =>
    existsSync(join(root, f)),
  ),
];
const workerVariables = new Set(workerSources.flatMap((f) => [...namesIn(read(f))]));

/** What @temporalio/envconfig reads, taken from the installed package rather than from memory. */
const envconfigSource = readFileSync(join(root, 'node_modules/@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
const envconfigVariables = new Set(
  [...envconfigSource.matchAll(/envProvider\['(TEMPORAL_[A-Z0-9_]+)'\]/g)].map((m) => m[1]!),
);

/** Variables interpolated by compose itself (`${NAME}`, `${NAME:-default}`, `${NAME:?error}`), not `$${...}`. */
const composeText = read(COMPOSE_FILE);
const composeVariables = new Set(
  [...composeText.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(?:[:?-][^}]*)?\}/g)].map((m) => m[1]!),
);

const envExample = read('.env.example');
/** NAME=value lines, whether active or commented out as an example. */
const envExampleEntries = [...envExample.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
  name: m[2]!,
  value: m[3]!,
  active: !m[1],
}));
const envExampleNames = new Set(envExampleEntries.map((e) => e.name));
const dockerfile = read(DOCKERFILE);

describe(`${COMPOSE_FILE}`, () => {
  it('declares the whole stack', () => {
    for (const name of [
      'temporal-db-password-check',
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-ui',
      'temporal-admin-tools',
      'temporal-search-attributes',
      'worker',
    ]) {
      expect(services).toHaveProperty([name]);
    }
  });

  it('pins every image to a release tag (no latest, no untagged image)', () => {
    const images = Object.entries(services).flatMap(([name, s]) => (s.image ? [[name, s.image] as const] : []));
    const fromLines = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gm)].map(
      (m) => ['Dockerfile', m[1]!] as const,
    );
    expect(fromLines.length).toBeGreaterThan(0);
    for (const [where, image] of [...images, ...fromLines]) {
      const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1] ?? (image.includes('@sha256:') ? 'digest' : undefined);
      expect({ where, image, tag: tag ?? 'none' }).toEqual({
        where,
        image,
        tag: expect.not.stringMatching(/^(none|latest)$/),
      });
    }
    // Services without an image are built from this repository.
    for (const [name, s] of Object.entries(services)) {
      if (!s.image) expect({ name, build: s.build }).toEqual({ name, build: expect.anything() });
    }
  });

  it('keeps Temporal server, admin tools and the schema they manage on one release', () => {
    // The plain server image: schema changes belong to the schema job, never to the server's start.
    const serverVersion = /^temporalio\/server:(\d+\.\d+\.\d+)$/.exec(service('temporal').image ?? '')?.[1];
    expect(serverVersion).toBeDefined();
    for (const name of ['temporal-schema', 'temporal-admin-tools', 'temporal-search-attributes']) {
      expect(service(name).image).toMatch(
        new RegExp(`^temporalio/admin-tools:${serverVersion!.replaceAll('.', '\\.')}\\b`),
      );
    }
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12' });
    expect(service('postgresql').image).toMatch(/^postgres:\d+/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('publishes gRPC on 7233, the Web UI on 8080 and worker metrics from 9464', () => {
    expect(publishedPorts(service('temporal'))).toContainEqual({ target: 7233, published: '7233' });
    expect(publishedPorts(service('temporal-ui'))).toContainEqual({ target: 8080, published: '8080' });
    const metrics = publishedPorts(service('worker')).find((p) => p.target === 9464);
    expect(metrics?.published).toMatch(/^9464(-\d+)?$/);
    expect(environment(service('worker')).IDWISE_METRICS_BIND).toBe('0.0.0.0:9464');
    expect(dockerfile).toMatch(/^EXPOSE\s+9464\b/m);
  });

  it('keeps state in declared named volumes, and mounts files that exist', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const named: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '');
        if (/^[./~]/.test(source)) {
          expect({ service: name, mount: source, exists: existsSync(join(root, source)) }).toEqual({
            service: name,
            mount: source,
            exists: true,
          });
        } else {
          named.push(source);
          expect(declared).toContain(source);
        }
      }
    }
    // Every declared volume is used, and PostgreSQL's data directory is one of them.
    expect(new Set(named)).toEqual(new Set(declared));
    const pgData = (service('postgresql').volumes ?? []).map((v) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}`,
    );
    expect(
      pgData.some((v) => declared.includes(v.split(':')[0]!) && v.split(':')[1] === '/var/lib/postgresql/data'),
    ).toBe(true);
  });

  it('points Temporal at a dynamic config file that is in the mounted folder', () => {
    const path = environment(service('temporal')).DYNAMIC_CONFIG_FILE_PATH ?? '';
    const mount = (service('temporal').volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target]))
      .find(([, target]) => target !== undefined && path.startsWith(`${target}/`));
    expect(mount).toBeDefined();
    const [source, target] = mount!;
    const file = join(root, source!, path.slice(target!.length + 1));
    expect(existsSync(file)).toBe(true);
    const dynamicConfig = parse(readFileSync(file, 'utf8'));
    expect(dynamicConfig).toHaveProperty(['frontend.enableUpdateWorkflowExecution']);
    // The dev server the tests and the bench run on has eager activities on (dev/dev-server.ts); production too.
    expect(dynamicConfig['system.enableActivityEagerExecution']).toEqual([{ value: true, constraints: {} }]);
  });

  it('starts in order: password check, database, schema, server, namespace and search attributes, then the worker', () => {
    expect(dependencies(service('postgresql'))).toMatchObject({
      'temporal-db-password-check': 'service_completed_successfully',
    });
    expect(service('postgresql').healthcheck).toBeDefined();
    expect(dependencies(service('temporal-schema'))).toMatchObject({ postgresql: 'service_healthy' });
    expect(dependencies(service('temporal'))).toMatchObject({
      postgresql: 'service_healthy',
      'temporal-schema': 'service_completed_successfully',
    });
    expect(dependencies(service('temporal-search-attributes'))).toMatchObject({ temporal: 'service_started' });
    for (const name of ['worker', 'temporal-ui']) {
      expect(dependencies(service(name))).toMatchObject({
        'temporal-search-attributes': 'service_completed_successfully',
      });
    }
    // A service_healthy dependency needs a healthcheck to ever become healthy.
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependencies(s))) {
        expect({ service: name, dependsOn: dep, exists: dep in services }).toEqual({
          service: name,
          dependsOn: dep,
          exists: true,
        });
        if (condition === 'service_healthy')
          expect({ dep, healthcheck: !!services[dep]?.healthcheck }).toEqual({ dep, healthcheck: true });
      }
    }
  });

  it('connects the worker, the UI and the tools to the temporal service, in one namespace', () => {
    const grpcPort = publishedPorts(service('temporal'))[0]?.target;
    for (const name of ['worker', 'temporal-ui', 'temporal-admin-tools', 'temporal-search-attributes']) {
      expect({ name, address: environment(service(name)).TEMPORAL_ADDRESS }).toEqual({
        name,
        address: `temporal:${grpcPort}`,
      });
    }
    // The plain server image creates no namespace: the search-attribute job does, before anything uses it.
    const job = [service('temporal-search-attributes').command ?? []].flat().join('\n');
    expect(job).toMatch(/namespace create --namespace "\$\$TEMPORAL_NAMESPACE"/);
    const namespaces = [
      environment(service('worker')).TEMPORAL_NAMESPACE,
      environment(service('temporal-search-attributes')).TEMPORAL_NAMESPACE,
      environment(service('temporal-ui')).TEMPORAL_DEFAULT_NAMESPACE,
    ];
    expect(namespaces[0]).toBeDefined();
    expect(new Set(namespaces)).toEqual(new Set([namespaces[0]]));
  });

  it('builds the worker from deploy/worker.Dockerfile and hands it only the variables it reads', () => {
    const worker = service('worker');
    expect(worker.build).toMatchObject({ context: '.', dockerfile: DOCKERFILE });
    // No env_file: .env also holds the database password, which the worker must never see.
    expect(worker.env_file).toBeUndefined();
    const given = new Set(Object.keys(environment(worker)));
    const setByImage = new Set(namesIn(dockerfile.match(/^ENV .*$/gm)?.join('\n') ?? ''));
    const needed = [...workerVariables].filter((v) => !setByImage.has(v) && v !== 'IDWISE_');
    expect({ missing: needed.filter((v) => !given.has(v)) }).toEqual({ missing: [] });
    // Beyond what the worker code reads, only the connection to the stack's own server and the object store's
    // credentials, which the AWS SDK's default chain reads (s3:// images, staged uploads).
    const extra = [...given].filter((v) => !workerVariables.has(v));
    expect(extra.sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
    ]);
    expect(JSON.stringify(worker.environment)).not.toMatch(/TEMPORAL_DB_PASSWORD/);
    expect(read('.gitignore')).toMatch(/^\.env$/m);
  });

  it('refuses to start with no database password or with the .env.example placeholder', () => {
    const uses = [...composeText.matchAll(/\$\{TEMPORAL_DB_PASSWORD([^}]*)\}/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const guard of uses) expect(guard).toMatch(/^:\?\S/);
    const placeholder = envExampleEntries.find((e) => e.name === 'TEMPORAL_DB_PASSWORD')!.value;
    const check = service('temporal-db-password-check');
    expect(check.entrypoint).toEqual(['/bin/sh', '-c']);
    // Compose turns $$ into $; the script then runs as the check container would run it.
    const script = [check.command ?? []].flat().join('\n').replaceAll('$$', '$');
    const run = (password: string) =>
      spawnSync('/bin/sh', ['-c', script], { env: { TEMPORAL_DB_PASSWORD: password }, encoding: 'utf8' }).status;
    expect(run(placeholder)).not.toBe(0);
    expect(run('short')).not.toBe(0);
    expect(run('3f9c1e7a8b2d4c6e0a1b3c5d7e9f1a2b')).toBe(0);
  });

  it('sets up the schema with temporal-sql-tool in a job, for both databases', () => {
    const job = service('temporal-schema');
    const script = [job.command ?? []].flat().join('\n');
    expect(script).toMatch(/temporal-sql-tool .*create-database/);
    expect(script).toMatch(/temporal-sql-tool .*setup-schema -v 0\.0/);
    expect(script).toMatch(/temporal-sql-tool .*update-schema -d "\$\$schema\/\$\$dir\/versioned"/);
    expect(script).toMatch(/temporal:temporal temporal_visibility:visibility/);
    expect(environment(job)).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql', SQL_USER: 'temporal' });
  });

  it('runs the release, dynamic config and search attributes that `npm run cluster` runs (cluster/release.ts)', () => {
    expect(service('temporal').image).toBe(COMPOSE_IMAGES.server);
    expect(COMPOSE_IMAGES.server).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const name of ['temporal-schema', 'temporal-admin-tools', 'temporal-search-attributes']) {
      expect({ name, image: service(name).image }).toEqual({ name, image: COMPOSE_IMAGES.adminTools });
    }
    // Compose mounts the folder of the cluster's dynamic config file and selects that file.
    const mounts = (service('temporal').volumes ?? []).map((v) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}`,
    );
    const [source, target] = mounts.find((m) => m.includes('dynamicconfig'))!.split(':');
    expect(join(source!)).toBe(dirname(DYNAMIC_CONFIG_FILE));
    expect(environment(service('temporal')).DYNAMIC_CONFIG_FILE_PATH).toBe(
      `${target}/${basename(DYNAMIC_CONFIG_FILE)}`,
    );
    const template =
      'persistence: { datastores: { postgres-default: { sql: {} }, postgres-visibility: { sql: {} } } }\n' +
      'global: { metrics: { prometheus: {} } }\n' +
      'services: { frontend: { rpc: {} }, history: { rpc: {} }, matching: { rpc: {} }, worker: { rpc: {} } }\n' +
      'clusterMetadata: { clusterInformation: { active: {} } }\n';
    const ports = Object.fromEntries(PORT_NAMES.map((k, i) => [k, 20_000 + i])) as unknown as ServerPorts;
    const cfg = serverConfig(template, { ports, postgresPort: 5999, dynamicConfig: join(root, DYNAMIC_CONFIG_FILE) });
    expect(cfg.dynamicConfigClient).toMatchObject({ filepath: join(root, DYNAMIC_CONFIG_FILE) });
  });

  it('registers exactly the search attributes of shared/search-attributes.ts, with their types', () => {
    const s = service('temporal-search-attributes');
    const script = [s.entrypoint ?? [], s.command ?? []].flat().join('\n');
    const created = new Map<string, string>();
    for (const [, args] of script.matchAll(/search-attribute\s+create\b([^\n]*)/g)) {
      expect(args).toMatch(/--namespace\s+\S+/);
      const pairs = [...args!.matchAll(/--name\s+(\S+)\s+--type\s+(\S+)/g)];
      expect(pairs.length).toBeGreaterThan(0);
      for (const [, name, type] of pairs) {
        expect({ name, duplicate: created.has(name!) }).toEqual({ name, duplicate: false });
        expect(Object.keys(CLI_TYPES)).toContain(type);
        created.set(name!, CLI_TYPES[type!]!);
      }
    }
    const expected = new Map(SEARCH_ATTRIBUTES.map((key) => [key.name, key.type as string]));
    expect(Object.fromEntries(created)).toEqual(Object.fromEntries(expected));
    // The script then verifies each one (a create of an existing name can fail harmlessly).
    const verified = new Map(
      [...script.matchAll(/^\s*ensure\s+(\S+)\s+(\S+)\s*$/gm)].map((m) => [m[1]!, CLI_TYPES[m[2]!]]),
    );
    expect(Object.fromEntries(verified)).toEqual(Object.fromEntries(expected));
  });
});

describe('worker image and .env.example', () => {
  it('runs the worker with the V8 flags every worker process of the repo uses (worker/node-flags.ts)', () => {
    const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.worker!;
    expect(script).toBe(`node ${workerProcessArgs().join(' ')}`);
    // The image runs the built entry point with the same flags, node as the process tini signals.
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null') as string[] | null;
    expect(cmd).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/worker/main.js']);
  });

  it('warns at start, naming the fix, when the workflow cache will not fit the V8 heap', () => {
    const limitMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
    expect(heapWarning(2)).toBeNull();
    const warning = JSON.parse(heapWarning(limitMb * 4)!) as { fix: string; neededMb: number };
    expect(warning.neededMb).toBeGreaterThan(limitMb);
    expect(warning.fix).toContain('IDWISE_MAX_CACHED_WORKFLOWS');
    expect(warning.fix).toContain(`--max-old-space-size=${warning.neededMb}`);
  });

  it('finds the variables the worker reads (sanity check of the source scan)', () => {
    expect(workerSources).toContain('worker/config.ts');
    expect(workerVariables).toContain('TEMPORAL_TASK_QUEUE');
    expect(workerVariables).toContain('IDWISE_MAX_CALLS_PER_SECOND');
    expect(envconfigVariables).toContain('TEMPORAL_ADDRESS');
    expect(envconfigVariables).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH');
  });

  it('documents every variable the worker reads, in .env.example and in the Dockerfile', () => {
    const missing = (text: string) => [...workerVariables].filter((v) => !new RegExp(`\\b${v}\\b`).test(text));
    expect({ file: '.env.example', missing: [...workerVariables].filter((v) => !envExampleNames.has(v)) }).toEqual({
      file: '.env.example',
      missing: [],
    });
    expect({ file: DOCKERFILE, missing: missing(dockerfile) }).toEqual({ file: DOCKERFILE, missing: [] });
  });

  it('documents the Temporal connection variables under the names @temporalio/envconfig reads', () => {
    const connection = [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_CONFIG_FILE',
      'TEMPORAL_PROFILE',
    ];
    const readme = read('deploy/README.md');
    for (const name of connection) {
      expect({ name, readByEnvconfig: envconfigVariables.has(name) }).toEqual({ name, readByEnvconfig: true });
      expect({ name, inEnvExample: envExampleNames.has(name) }).toEqual({ name, inEnvExample: true });
      expect({ name, inDockerfile: new RegExp(`\\b${name}\\b`).test(dockerfile) }).toEqual({
        name,
        inDockerfile: true,
      });
      expect({ name, inReadme: readme.includes(`\`${name}\``) }).toEqual({ name, inReadme: true });
    }
  });

  it('names no variable that nothing reads (catches typos such as TEMPORAL_TLS_CERT)', () => {
    // Clients, the webhook receiver, the codec server and the PII keys read their own variables.
    const clientVariables = new Set(
      [...tsSources('client'), ...tsSources('webhooks'), ...tsSources('codec'), ...tsSources('pii')].flatMap((f) => [
        ...namesIn(read(f)),
      ]),
    );
    // The local cluster's own settings (npm run cluster), read from the environment by cluster/ and chaos/.
    const clusterVariables = new Set(
      [...tsSources('cluster'), ...tsSources('chaos')].flatMap((f) =>
        [...read(f).matchAll(/\benv\.((?:IDWISE|TEMPORAL)_[A-Z0-9_]+)/g)].map((m) => m[1]!),
      ),
    );
    const known = new Set([
      ...workerVariables,
      ...envconfigVariables,
      ...composeVariables,
      ...clientVariables,
      ...clusterVariables,
    ]);
    const isKnown = (name: string) => known.has(name) || name.startsWith('TEMPORAL_GRPC_META_');
    for (const [file, names] of [
      ['.env.example', envExampleNames],
      [DOCKERFILE, namesIn(dockerfile)],
      ['deploy/README.md', namesIn(read('deploy/README.md'))],
      // Other services' variables belong to their images (e.g. the UI's TEMPORAL_DEFAULT_NAMESPACE).
      [`${COMPOSE_FILE} worker`, new Set(Object.keys(environment(service('worker'))))],
    ] as const) {
      expect({ file, unknown: [...names].filter((n) => !isKnown(n) && /^(IDWISE|TEMPORAL)_/.test(n)) }).toEqual({
        file,
        unknown: [],
      });
    }
    // Compose's own variables are documented for whoever fills in .env.
    expect([...composeVariables].filter((v) => !envExampleNames.has(v))).toEqual([]);
  });

  it('holds placeholders only, never a credential', () => {
    const secretLike = envExampleEntries.filter((e) => /(KEY|SECRET|PASSWORD|TOKEN)$/.test(e.name) && e.value !== '');
    expect(secretLike.length).toBeGreaterThan(0);
    for (const { name, value } of secretLike)
      expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^replace-with-/) });
    expect(read('.dockerignore')).toMatch(/^\.env$/m);
  });

  it('runs the built worker on Node 24 LTS with production dependencies only', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(dockerfile).toMatch(/^RUN npm run build /m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^ENV IDWISE_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js$/m);
    // --omit=dev drops devDependencies: every package the built code imports must be a dependency, and the
    // tools that only build or test (tsx, TypeScript, @temporalio/testing) must not be.
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    const imported = new Set(
      build.include.flatMap((dir) =>
        tsSources(dir).flatMap((f) =>
          [...read(f).matchAll(/^(?:import|export) (?!type )[^;]*? from '((?:@[^/']+\/)?[^./'][^/']*)[^']*';/gms)]
            .map((m) => m[1]!)
            .filter((name) => !name.startsWith('node:')),
        ),
      ),
    );
    expect(imported).toContain('@temporalio/worker');
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(Object.keys(pkg.dependencies).filter((name) => !imported.has(name))).toEqual([]);
    for (const tool of ['tsx', 'typescript', '@temporalio/testing'])
      expect(pkg.dependencies).not.toHaveProperty([tool]);
  });
});
