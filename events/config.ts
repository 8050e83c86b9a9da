import { z } from 'zod';

// Where the worker sends journey events (IDWISE_EVENTS_URL) and the secret it signs them with
// (IDWISE_EVENTS_SECRET). Both unset: events are off and deliverJourneyEvent reports { delivered: false }.

export interface JourneyEventsConfig {
  url: string;
  secret: string;
  timeoutMs?: number;
}

export const MIN_SECRET_LENGTH = 32;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https anywhere; plain http only on loopback, where nothing can read the events on the wire. */
export function checkEventsUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'IDWISE_EVENTS_URL is not a URL: use https://your-backend.example.com/idwise-events';
  }
  if (url.username || url.password) return 'IDWISE_EVENTS_URL must not carry credentials: the signature authenticates';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'IDWISE_EVENTS_URL must be https:// (plain http:// only on 127.0.0.1, localhost or [::1])';
}

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);
const EventsEnvSchema = z.object({
  IDWISE_EVENTS_URL: z.preprocess(blankAsUnset, z.string().trim().optional()),
  IDWISE_EVENTS_SECRET: z.preprocess(blankAsUnset, z.string().optional()),
});

/** The events config from the environment, null when events are off; throws naming every problem. */
export function loadEventsConfig(env: NodeJS.ProcessEnv): JourneyEventsConfig | null {
  const { IDWISE_EVENTS_URL: url, IDWISE_EVENTS_SECRET: secret } = EventsEnvSchema.parse(env);
  const problems: string[] = [];
  if (!url) {
    if (secret) problems.push('IDWISE_EVENTS_SECRET is set but IDWISE_EVENTS_URL is not: set both, or neither');
  } else {
    const urlProblem = checkEventsUrl(url);
    if (urlProblem) problems.push(urlProblem);
    if (!secret) {
      problems.push('IDWISE_EVENTS_SECRET is required when IDWISE_EVENTS_URL is set (generate: openssl rand -hex 32)');
    } else if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(`IDWISE_EVENTS_SECRET must be at least ${MIN_SECRET_LENGTH} characters (openssl rand -hex 32)`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return url && secret ? { url, secret } : null;
}
