import { z } from 'zod';

// Where and how the sandbox delivers IDWise's webhooks (idwise-api.md §10), and the faults it can inject into
// that delivery. The auth string uses the format of the project's webhook receiver, so one value configures
// both ends: `none`, `bearer:<token>`, `basic:<user>:<password>`, `header:<Name>:<value>`.

export const WEBHOOK_EVENTS = ['Finished Step', 'Finished User Steps', 'Finished Journey', 'Updated Journey'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type WebhookAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'header'; name: string; value: string };

const AUTH_HELP = 'auth must be none, bearer:<token>, basic:<user>:<password> or header:<Name>:<value>';

/** Parses the auth string; undefined when it is malformed (the schema turns that into a field error). */
export function parseWebhookAuth(raw: string): WebhookAuth | undefined {
  if (raw === 'none') return { kind: 'none' };
  const colon = raw.indexOf(':');
  const kind = raw.slice(0, colon);
  const rest = raw.slice(colon + 1);
  if (colon < 0 || !rest) return undefined;
  if (kind === 'bearer') return { kind, token: rest };
  const split = rest.indexOf(':');
  const [first, second] = [rest.slice(0, split), rest.slice(split + 1)];
  if (split <= 0 || !second) return undefined;
  if (kind === 'basic') return { kind, user: first, password: second };
  if (kind === 'header' && TOKEN_CHARS.test(first)) return { kind, name: first, value: second };
  return undefined;
}

/** The request headers for an auth setting. */
export function authHeaders(auth: WebhookAuth): Record<string, string> {
  switch (auth.kind) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
    default:
      return {};
  }
}

/** The auth setting with its secret masked, for GET /_sandbox/webhooks. */
export function maskAuth(auth: WebhookAuth): string {
  if (auth.kind === 'bearer') return 'bearer:***';
  if (auth.kind === 'basic') return `basic:${auth.user}:***`;
  if (auth.kind === 'header') return `header:${auth.name}:***`;
  return 'none';
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL, or null to turn webhooks off' })
  .nullable();
const authString = z
  .string()
  .refine((s) => parseWebhookAuth(s) !== undefined, AUTH_HELP)
  .transform((s) => parseWebhookAuth(s)!);

/** Every field optional: the config file's `webhooks`, PUT /_sandbox/webhooks and admin.setWebhooks(). */
export const WebhookSettingsPatchSchema = z
  .strictObject({
    url: httpUrl,
    auth: authString,
    /** Delay before each retry after a failed delivery; IDWise retries after 5, 10 and 15 minutes. */
    retryScheduleMs: z.array(z.number().int().min(0)).max(20),
    timeoutMs: z.number().int().min(1).max(600_000),
  })
  .partial();
export type WebhookSettingsPatch = z.input<typeof WebhookSettingsPatchSchema>;
export interface WebhookSettings {
  url: string | null;
  auth: WebhookAuth;
  retryScheduleMs: number[];
  timeoutMs: number;
}
export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  url: null,
  auth: { kind: 'none' },
  retryScheduleMs: [300_000, 600_000, 900_000],
  timeoutMs: 10_000,
};
/** What GET /_sandbox/webhooks answers: the settings with the auth secret masked. */
export interface WebhookSettingsView {
  url: string | null;
  auth: string;
  retryScheduleMs: number[];
  timeoutMs: number;
}
export const viewSettings = (s: WebhookSettings): WebhookSettingsView => ({
  url: s.url,
  auth: maskAuth(s.auth),
  retryScheduleMs: [...s.retryScheduleMs],
  timeoutMs: s.timeoutMs,
});

const rate = z.number().min(0).max(1);
export const WebhookFaultsPatchSchema = z
  .strictObject({
    /** Share of events delivered twice (same eventId), as an at-least-once sender does. */
    duplicateRate: rate,
    /** Share of events never sent, as if lost. */
    dropRate: rate,
    /** Extra delay before an event's first delivery. */
    delayMs: z.number().int().min(0).max(3_600_000),
    /** Hold each event briefly and send a journey's held events newest first. */
    reorder: z.boolean(),
  })
  .partial();
export type WebhookFaults = Required<z.output<typeof WebhookFaultsPatchSchema>>;
export const DEFAULT_WEBHOOK_FAULTS: WebhookFaults = { duplicateRate: 0, dropRate: 0, delayMs: 0, reorder: false };
