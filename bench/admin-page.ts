// The web console as a browser gets it (issue 14): the gzipped size of each page's JavaScript and CSS
// (what dist/web/<page>/index.html loads, shared chunks included), and, in Debian's Chromium driven
// by playwright-core, the ms from navigating to the admin page's device list to its first page of 50
// drawn, with 10,000 devices stored (median of 15 navigations, signed in already; SQLite). Skips the
// browser figure when /usr/bin/chromium is absent.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startTestApp } from '../test/helpers/app.js';
import { browserMissing, launchBrowser } from '../test/helpers/browser.js';
import { createDevices } from '../test/helpers/device-fixture.js';
import { percentile, printMeasured, report } from './lib.js';

const COUNT = 10_000;
const RUNS = 15;
const web = fileURLToPath(new URL('../web/', import.meta.url));

/** The gzipped bytes of the scripts and style sheets a page's HTML loads. */
function pageBytes(html: string): { js: number; css: number } {
  const text = fs.readFileSync(path.join(web, html), 'utf8');
  const out = { js: 0, css: 0 };
  for (const m of text.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(js|css))"/g)) {
    const bytes = gzipSync(fs.readFileSync(path.join(web, m[1]!)), { level: 9 }).length;
    out[m[2] as 'js' | 'css'] += bytes;
  }
  return out;
}

for (const [name, html] of [['user page', 'index.html'], ['admin page', 'admin/index.html']] as const) {
  const b = pageBytes(html);
  report(`web ${name} js gzipped`, b.js / 1024, 'KiB');
  report(`web ${name} css gzipped`, b.css / 1024, 'KiB');
}

const missing = browserMissing();
if (missing) {
  console.log(`admin device list draw time skipped: ${missing}`);
} else {
  const app = await startTestApp();
  const browser = await launchBrowser();
  try {
    const fx = await createDevices(app.store, { devices: COUNT, accounts: COUNT / 5, domains: 5 });
    console.log(`${COUNT} devices stored in ${(fx.ms / 1000).toFixed(2)} s (the fixture)`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${app.baseUrl}/admin`);
    await page.getByLabel('Email address').fill(app.admin.email);
    await page.getByLabel('Password', { exact: true }).fill(app.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      await page.goto('about:blank');
      const t = performance.now();
      await page.goto(`${app.baseUrl}/admin#/devices`);
      // Drawn: the 50th row of the first page is in the document and the count says how many there are.
      await page.locator('tbody tr').nth(49).waitFor();
      await page.getByText(new RegExp(`^Showing 1–50 of ${COUNT.toLocaleString('en-US')}$`)).waitFor();
      if (i > 0) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    report(`web admin device list drawn ${COUNT / 1000}k`, percentile(times, 50), 'ms');
    console.log(`device list drawn: min ${times[0]!.toFixed(0)} ms, median ${percentile(times, 50).toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms`);
  } finally {
    await browser.close();
    await app.stop();
  }
}
printMeasured();
