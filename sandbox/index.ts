import type { AddressInfo } from 'node:net';
import {
  loadConfig,
  type Faults,
  type Operation,
  type SandboxConfig,
  type SandboxFlow,
  type Switches,
} from './config.js';
import type { Counters, JourneyCounters } from './counters.js';
import type { FailNextOptions, FaultKind } from './faults.js';
import { createSandboxServer } from './server.js';
import { SandboxState, type JourneyMatch } from './state.js';

// The IDWise sandbox: a local HTTP server that follows shared/idwise-api.md, for developing, demoing,
// testing and benchmarking without an IDWise account. See sandbox/README.md.

export type {
  Counters,
  FailNextOptions,
  FaultKind,
  Faults,
  JourneyCounters,
  JourneyMatch,
  Operation,
  SandboxConfig,
  SandboxFlow,
  Switches,
};
export type { SandboxCredential, SandboxStep } from './config.js';
/** Aliases under the sandbox's name, for importers that also deal with Temporal or client settings. */
export type SandboxSwitches = Switches;
export type SandboxFaults = Faults;
export { DEFAULT_CONFIG_PATH, DEFAULT_FAULTS, DEFAULT_SWITCHES, loadConfig } from './config.js';

export interface StartSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the admin endpoints have no auth. */
  host?: string;
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
  journeyCounters(journeyId: string): JourneyCounters | undefined;
  findJourneys(referenceNo: string): JourneyMatch[];
  setSwitches(s: Partial<Switches>): void;
  /** Clears journeys and counters; faults and switches back to the config. */
  reset(): void;
}

export interface RunningSandbox {
  /** With a trailing slash, e.g. http://127.0.0.1:43123/ */
  baseUrl: string;
  /** The first configured credential pair. */
  credentials: { key: string; secret: string };
  flows: SandboxFlow[];
  admin: SandboxAdmin;
  close(): Promise<void>;
}

export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const config = loadConfig(opts.config);
  const state = new SandboxState(config);
  const { server, shutdown } = createSandboxServer(state, { log: opts.log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  // A wildcard bind is reachable on loopback; print an address a local client can actually use.
  const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
  const first = config.credentials[0]!;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}/`,
    credentials: { key: first.key, secret: first.secret },
    flows: structuredClone(config.flows),
    admin: {
      setFaults: (f) => void state.setFaults(f),
      resetFaults: () => state.faults.reset(),
      failNext: (o) => state.failNext(o),
      counters: () => state.counters.snapshot(),
      journeyCounters: (id) => state.counters.journey(id),
      findJourneys: (ref) => state.findJourneys(ref),
      setSwitches: (s) => void state.setSwitches(s),
      reset: () => state.reset(),
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        shutdown.abort();
        server.closeAllConnections();
      })),
  };
}
