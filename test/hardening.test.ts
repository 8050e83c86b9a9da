import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { generateKeyList } from '../codec/keys.js';
import { loadWorkerConfig } from '../worker/config.js';
import { repoRoot, TEST_IMAGE_ROOTS } from './helpers/journey-env.js';

// What the outside security review of issue 20 still found, one describe per finding, each against the real part
// (the sandbox over HTTP, real files, the real config loaders). Bad inputs among them are rows of bad-inputs.test.ts.

describe('a worker configuration logged whole (issue 20, item 8)', () => {
  it('shows neither the events secret nor the Temporal API key, in JSON.stringify or util.inspect', () => {
    const eventsSecret = `events-${randomBytes(16).toString('hex')}`;
    const apiKey = `temporal-api-${randomBytes(16).toString('hex')}`;
    const config = loadWorkerConfig({
      IDWISE_API_KEY: 'key-0123456789',
      IDWISE_API_SECRET: 'idwise-secret-0123456789',
      IDWISE_IMAGE_ROOTS: TEST_IMAGE_ROOTS,
      IDWISE_CODEC_KEYS: generateKeyList(['c1']),
      IDWISE_EVENTS_URL: 'https://backend.example.com/idwise-events',
      IDWISE_EVENTS_SECRET: eventsSecret,
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_API_KEY: apiKey,
    });
    // The fields themselves stay usable.
    expect(config.events?.secret).toBe(eventsSecret);
    expect(config.temporal.connectionOptions.apiKey).toBe(apiKey);
    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${inspect({ config }, { depth: 10 })}`,
    ]) {
      expect(shown).not.toContain(eventsSecret);
      expect(shown).not.toContain(apiKey);
      expect(shown).not.toContain('idwise-secret-0123456789');
      expect(shown).toContain('[redacted]');
    }
  });
});

describe('production dependencies (issue 20, item 11)', () => {
  const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

  /** Modules a file loads at run time: `import type` and `export type` are erased and do not count. */
  function runtimeImports(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    const statics = /^\s*(?:import|export)\s+(?!type\b)(?:[^;='(]*?\s+from\s+)?'([^']+)'/gm;
    for (const m of text.matchAll(statics)) found.push(m[1]!);
    for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
    return found;
  }

  /** Every package a production entry point reaches through the project's own files. */
  function packagesReachedFrom(entries: string[]): Map<string, string> {
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const queue = entries.map((e) => join(repoRoot, e));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith('.')) {
          const target = resolvePath(dirname(file), spec).replace(/\.js$/, '');
          queue.push(existsSync(`${target}.ts`) ? `${target}.ts` : target);
        } else if (!spec.startsWith('node:')) {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!packages.has(name)) packages.set(name, file.slice(repoRoot.length + 1));
        }
      }
    }
    return packages;
  }

  it('@temporalio/testing is a dev dependency, in package.json and package-lock.json', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.toHaveProperty(['@temporalio/testing']);
    expect(pkg.devDependencies).toHaveProperty(['@temporalio/testing']);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dependencies?: object; devDependencies?: object; dev?: boolean }>;
    };
    expect(lock.packages['']!.dependencies).not.toHaveProperty(['@temporalio/testing']);
    expect(lock.packages['']!.devDependencies).toHaveProperty(['@temporalio/testing']);
    expect(lock.packages['node_modules/@temporalio/testing']!.dev).toBe(true);
  });

  it('no production entry point loads a dev dependency at run time', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    const reached = packagesReachedFrom([
      'worker/main.ts',
      'client/main.ts',
      'client/index.ts',
      'webhooks/main.ts',
      'codec/server-main.ts',
      'sandbox/main.ts',
    ]);
    expect(reached.has('@temporalio/worker')).toBe(true); // the walk does follow the imports
    const devOnly = [...reached].filter(([name]) => !(name in pkg.dependencies!));
    expect(devOnly).toEqual([]);
  });
});
