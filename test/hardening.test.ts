import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { generateKeyList } from '../codec/keys.js';
import { loadWorkerConfig } from '../worker/config.js';
import { TEST_IMAGE_ROOTS } from './helpers/journey-env.js';

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
