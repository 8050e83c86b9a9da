import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './journey-env.js';

// Debian's chromium, never a downloaded browser. The flags keep it off this machine's closed network:
// without them it retries Google hosts and component updates at every start. Playwright gives every
// launch a fresh, empty profile of its own.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'test', 'artifacts');

/** Installs Debian's chromium when it is missing (CI machines start without it). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
    stdio: 'inherit',
  });
}

/**
 * The Web UI decodes payloads through the run's codec server, which wants a bearer token. The UI itself only
 * forwards an OIDC access token; in tests the browser adds the header (production: README, "Encryption and
 * the codec server").
 */
export const codecAuth = () => ({
  extraHTTPHeaders: { Authorization: `Bearer ${process.env.TEMPORAL_TEST_CODEC_TOKEN!}` },
});

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
