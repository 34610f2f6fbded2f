// Debian's Chromium driven by playwright-core (Playwright cannot download its own browsers here).
// .ci/run installs the `chromium` package; without it these suites skip, except in CI (CI=true),
// where a missing browser fails them.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CARBONIO_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser suites cannot run here, or null when they can. */
export function browserMissing(): string | null {
  if (fs.existsSync(CHROMIUM)) return null;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: the browser tests would be skipped (apt-get install chromium)`);
  return `${CHROMIUM} not installed`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network beyond loopback: without these, Chromium keeps trying Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
