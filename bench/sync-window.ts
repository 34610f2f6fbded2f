// One 100-message Sync window over HTTP with real WBXML (issue 16: parse once at delivery): small
// messages delivered through the local delivery path (as SMTP stores them), then, per round, a Sync with
// SyncKey 0 and the timed Sync that brings the 100 Adds. BodyPreference 1 and 2 (truncated at 5 KiB, and
// Preview on 16.1), protocol 14.1 and 16.1; the median and p90 of each. SQLite always; PostgreSQL too
// when CARBONIO_TEST_PG_URL is set. BENCH_WINDOW_ROUNDS sets the rounds per case (default 30).
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { easRequest, type EasResponse } from '../test/helpers/eas-client.js';
import { child, children, el, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { LocalDelivery } from '../src/mail/delivery.js';
import { percentile, printMeasured, report } from './lib.js';

const as = ns('AirSync');
const WINDOW = 100;
const ROUNDS = Number(process.env.BENCH_WINDOW_ROUNDS ?? 30);
const WARMUP = 5;

/** A small multipart/alternative message (about 2 KiB), as most mail is. */
function message(i: number): Buffer {
  const text = `Hello,\n\nthis is message ${i} of the window benchmark, with a few lines of text.\n`.repeat(8);
  const html = `<html><body>${`<p>This is message <b>${i}</b> of the window benchmark.</p>`.repeat(8)}</body></html>`;
  const b = `b${i}`;
  return Buffer.from([
    'From: Sender <sender@example.net>', 'To: User <user@example.com>', `Subject: Window message ${i}`, `Message-ID: <w${i}@example.net>`,
    'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', `Content-Type: multipart/alternative; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', text, `--${b}`, 'Content-Type: text/html; charset=utf-8', '', html, `--${b}--`, '',
  ].join('\r\n'));
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app: TestApp = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    const delivery = new LocalDelivery(app.store);
    for (let i = 0; i < WINDOW; i++) await delivery.deliver([account], message(i));
    for (const version of ['14.1', '16.1']) {
      for (const type of [1, 2]) {
        const cred = { user: account.email, password: 'bench-password-1', deviceId: `win${backend}${version.replace('.', '')}t${type}`, version };
        await easRequest(app, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
        const pref: WbxmlElement = el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', type),
          type === 2 && el('AirSyncBase:TruncationSize', 5120), version === '16.1' && el('AirSyncBase:Preview', 255));
        const sync = (key: string): Promise<EasResponse> => easRequest(app, {
          ...cred, cmd: 'Sync',
          body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(inbox.id)), as('WindowSize', WINDOW), as('Options', as('FilterType', 0), pref)))),
        });
        const collection = (r: EasResponse): WbxmlElement => child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;
        const times: number[] = [];
        for (let round = 0; round < ROUNDS + WARMUP; round++) {
          const key = textOf(collection(await sync('0')), 'AirSync:SyncKey')!;
          const t = performance.now();
          const r = await sync(key);
          const ms = performance.now() - t;
          const adds = children(child(collection(r), 'AirSync:Commands'), 'AirSync:Add').length;
          if (adds !== WINDOW) throw new Error(`expected ${WINDOW} Adds, got ${adds}`);
          // The first rounds warm the JIT and the statement caches.
          if (round >= WARMUP) times.push(ms);
        }
        times.sort((a, b) => a - b);
        report(`sync window ${backend} ${version} bp${type} median`, percentile(times, 50), 'ms');
        report(`sync window ${backend} ${version} bp${type} p90`, percentile(times, 90), 'ms');
      }
    }
  } finally {
    await app.stop();
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
