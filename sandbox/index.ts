import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_CONFIG_PATH,
  formatIssues,
  loadConfig,
  type Faults,
  type Operation,
  type SandboxConfig,
  type SandboxCredential,
  type SandboxFlow,
  type Switches,
} from './config.js';
import type { Counters, JourneyCounters, WebhookEventCounters } from './counters.js';
import type { FailNextOptions, FaultKind } from './faults.js';
import type { ManualDecision } from './journeys.js';
import { createSandboxServer } from './server.js';
import { SandboxState, type JourneyMatch } from './state.js';
import {
  viewSettings,
  WebhookSettingsPatchSchema,
  type WebhookEventName,
  type WebhookFaults,
  type WebhookSettingsPatch,
  type WebhookSettingsView,
} from './webhook-config.js';
import type { WebhookLogEntry, WebhookPayload, WebhookStatus } from './webhook-log.js';

// The IDWise sandbox: a local HTTP server that follows shared/idwise-api.md, for developing, demoing,
// testing and benchmarking without an IDWise account. See sandbox/README.md.

export type {
  Counters,
  FailNextOptions,
  FaultKind,
  Faults,
  JourneyCounters,
  JourneyMatch,
  ManualDecision,
  Operation,
  SandboxConfig,
  SandboxFlow,
  Switches,
  WebhookEventCounters,
  WebhookEventName,
  WebhookFaults,
  WebhookLogEntry,
  WebhookPayload,
  WebhookSettingsPatch,
  WebhookSettingsView,
  WebhookStatus,
};
export type { SandboxCredential, SandboxStep } from './config.js';
/** Aliases under the sandbox's name, for importers that also deal with Temporal or client settings. */
export type SandboxSwitches = Switches;
export type SandboxFaults = Faults;
export { DEFAULT_CONFIG_PATH, DEFAULT_FAULTS, DEFAULT_SWITCHES, loadConfig } from './config.js';
export { WEBHOOK_EVENTS } from './webhook-config.js';

export interface StartSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** The admin endpoints' Bearer token; random per start when omitted. */
  adminToken?: string;
  /** Webhook settings on top of the config's; admin.reset() comes back to these. */
  webhooks?: WebhookSettingsPatch;
  /** A config object or a path to a JSON file; default sandbox/sandbox.config.json. */
  config?: SandboxConfig | string;
  /** Request log lines; never contain credentials or image bytes. */
  log?: (line: string) => void;
}

export interface SandboxAdmin {
  setFaults(f: Partial<Faults>): void;
  /** Faults back to the config's, and queued failNext entries dropped. */
  resetFaults(): void;
  /** The next `count` API requests (of `routes`, default any) get this fault. */
  failNext(o: FailNextOptions): void;
  counters(): Counters;
  /** counters().totals without copying every journey's counters and timings: cheap enough to poll. */
  totals(): Counters['totals'];
  journeyCounters(journeyId: string): JourneyCounters | undefined;
  findJourneys(referenceNo: string): JourneyMatch[];
  setSwitches(s: Partial<Switches>): void;
  /** Clears journeys, counters, timers and the webhook log; faults, switches and webhooks as at start. */
  reset(): void;
  /** A reviewer's decision on a Refer journey whose final processing has ended (else an ApiError, 409). */
  review(journeyId: string, decision: ManualDecision): void;
  /** Changes where and how webhooks are sent; returns the settings with the auth secret masked. */
  setWebhooks(w: WebhookSettingsPatch): WebhookSettingsView;
  webhooks(): WebhookSettingsView;
  setWebhookFaults(f: Partial<WebhookFaults>): WebhookFaults;
  /** Every webhook event since the last reset (at most the last 10,000), with its delivery state. */
  webhookLog(): WebhookLogEntry[];
}

export interface RunningSandbox {
  /** With a trailing slash, e.g. http://127.0.0.1:43123/ */
  baseUrl: string;
  /** The first configured credential pair. */
  credentials: { key: string; secret: string };
  flows: SandboxFlow[];
  /** Bearer token for the HTTP admin endpoints under /_sandbox/ (the in-process admin needs none). */
  adminToken: string;
  admin: SandboxAdmin;
  close(): Promise<void>;
}

export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const config = loadConfig(opts.config);
  if (opts.webhooks) {
    const parsed = WebhookSettingsPatchSchema.safeParse(opts.webhooks);
    if (!parsed.success) throw new Error(`Invalid sandbox webhooks option: ${formatIssues(parsed.error)}`);
    config.webhooks = { ...config.webhooks, ...parsed.data };
  }
  if (opts.adminToken !== undefined && !/^[\x21-\x7e]{8,}$/.test(opts.adminToken)) {
    throw new Error('adminToken must be at least 8 printable characters without spaces');
  }
  const adminToken = opts.adminToken ?? randomBytes(24).toString('base64url');
  const listenHost = opts.host ?? '127.0.0.1';
  refuseDefaultCredentialsOffLoopback(listenHost, config.credentials);
  const state = new SandboxState(config, opts.log);
  let port = 0;
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const hosts = new Set<string>();
  const { app, shutdown } = createSandboxServer(state, { log: opts.log, adminToken, adminHosts: () => hosts });
  await app.listen({ port: opts.port ?? 0, host: listenHost });
  const addr = app.server.address() as AddressInfo;
  port = addr.port;
  for (const h of ['127.0.0.1', 'localhost', '[::1]', bracket(listenHost.toLowerCase())]) hosts.add(`${h}:${port}`);
  // A wildcard bind is reachable on loopback; print an address a local client can actually use.
  const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
  const first = config.credentials[0]!;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://${bracket(host)}:${port}/`,
    credentials: { key: first.key, secret: first.secret },
    flows: structuredClone(config.flows),
    adminToken,
    admin: {
      setFaults: (f) => void state.setFaults(f),
      resetFaults: () => state.faults.reset(),
      failNext: (o) => state.failNext(o),
      counters: () => state.counters.snapshot(),
      totals: () => state.counters.totalsSnapshot(),
      journeyCounters: (id) => state.counters.journey(id),
      findJourneys: (ref) => state.findJourneys(ref),
      setSwitches: (s) => void state.setSwitches(s),
      reset: () => state.reset(),
      review: (journeyId, decision) => state.review(journeyId, { decision }),
      setWebhooks: (w) => state.setWebhooks(w),
      webhooks: () => viewSettings(state.webhooks.settings),
      setWebhookFaults: (f) => state.setWebhookFaults(f),
      webhookLog: () => state.webhooks.log(),
    },
    close: () =>
      (closing ??= (async () => {
        shutdown.abort();
        state.stop();
        await app.close();
      })()),
  };
}

/**
 * The default config's credentials are published in this repository: reachable beyond this machine, anyone could
 * use the sandbox (and its webhooks) with them. Off loopback, the sandbox needs a config with its own.
 */
function refuseDefaultCredentialsOffLoopback(host: string, credentials: readonly SandboxCredential[]): void {
  if (/^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i.test(host)) return;
  const published = new Set(loadConfig(DEFAULT_CONFIG_PATH).credentials.map((c) => c.secret));
  const reused = credentials.find((c) => published.has(c.secret));
  if (!reused) return;
  throw new Error(
    `IDWISE_SANDBOX_HOST=${host} would expose the sandbox beyond this machine with the published credentials ` +
      `(key ${reused.key}): listen on 127.0.0.1, or set IDWISE_SANDBOX_CONFIG to a config with your own credentials`,
  );
}
