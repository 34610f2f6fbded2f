// Sync throughput over HTTP with real WBXML: the initial sync of 10,000 messages of ~20 KiB
// (BodyPreference 2, truncated at 5 KiB) in windows of 100, items/s and peak RSS; then an incremental
// Sync with one new message in that folder, ms (must not grow with the folder); then the catch-up of a
// device that was away while 5,000 of those messages were read elsewhere: the flag Changes read from the
// change log in windows of 100, changes/s. SQLite always; PostgreSQL too when CARBONIO_TEST_PG_URL is set.
import type { AccountId, FolderId } from '../src/core/ids.js';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { easRequest, type EasResponse } from '../test/helpers/eas-client.js';
import { child, el, ns, textOf } from '../src/eas/wbxml/index.js';
import { readContent } from '../src/mail/content.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import { initialSync, syncToEnd } from './initial-sync.js';
import { percentile, printMeasured, report } from './lib.js';

const as = ns('AirSync');
const COUNT = Number(process.env.BENCH_SYNC_COUNT ?? 10_000);
const WINDOW = 100;

function message(i: number): Buffer {
  const html = `<html><body>${`<p>Paragraph ${i} with some words to make the body realistic and long enough.</p>`.repeat(120)}</body></html>`;
  const text = `Paragraph ${i} with some words.\n`.repeat(300);
  const b = `b${i}`;
  return Buffer.from([
    'From: Sender <sender@example.net>', 'To: user@example.com', `Subject: Message ${i}`, `Message-ID: <m${i}@example.net>`,
    'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', `Content-Type: multipart/alternative; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', text, `--${b}`, 'Content-Type: text/html; charset=utf-8', '', html, `--${b}--`, '',
  ].join('\r\n'));
}

const CATCH_UP = Math.min(5000, COUNT);

/** Marks CATCH_UP messages read behind the device's back, then Syncs until it has every Change. */
async function catchUp(
  app: TestApp, accountId: AccountId, folderId: FolderId,
  sync: (key: string) => Promise<EasResponse>, key: string,
): Promise<{ changes: number; seconds: number }> {
  const items = await app.store.mailbox.listItems(accountId, folderId, { limit: CATCH_UP });
  for (const item of items) await app.store.mailbox.updateItem(accountId, item.id, { flags: { seen: true } });
  const r = await syncToEnd(sync, key, 'Change');
  return { changes: r.count, seconds: r.seconds };
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app: TestApp = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    const sample = message(0);
    const meta = await parseMessageMeta(sample);
    for (let i = 0; i < COUNT; i++) {
      const raw = message(i);
      // As delivery stores it: with its MessageContent, parsed once (issue 16).
      await app.store.mailbox.addMessage(account.id, inbox.id, { raw, meta: { ...meta, subject: `Message ${i}` }, content: await readContent(raw) });
    }
    // What the process holds before the sync starts: the peak below is measured on top of this.
    console.log(`rss after storing the messages (${backend}): ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
    const cred = { user: account.email, password: 'bench-password-1', deviceId: `bench${backend}`, version: '16.1' };
    await easRequest(app, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const options = as('Options', as('FilterType', 0), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 2), el('AirSyncBase:TruncationSize', 5120)));
    const sync = (key: string): Promise<EasResponse> => easRequest(app, {
      ...cred, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(inbox.id)), as('WindowSize', WINDOW), options))),
    });
    const keyOf = (r: EasResponse): string => textOf(child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
    const first = await initialSync(sync);
    let key = first.key;
    const { items: got, seconds, peakRss: peak } = first;
    if (got !== COUNT) console.log(`warning: got ${got} of ${COUNT}`);
    report(`sync initial ${backend}`, got / seconds, 'items/s');
    report(`sync initial ${backend} peak rss`, peak / 1024 / 1024, 'MiB');
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const raw = message(COUNT + i);
      await app.store.mailbox.addMessage(account.id, inbox.id, { raw, meta: { ...meta, subject: `New ${i}` }, content: await readContent(raw) });
      const t = performance.now();
      const r = await sync(key);
      times.push(performance.now() - t);
      key = keyOf(r);
    }
    times.sort((a, b) => a - b);
    report(`sync incremental ${backend} median`, percentile(times, 50), 'ms');
    report(`sync incremental ${backend} p99`, percentile(times, 99), 'ms');

    const caught = await catchUp(app, account.id, inbox.id, sync, key);
    if (caught.changes !== CATCH_UP) console.log(`warning: caught up ${caught.changes} of ${CATCH_UP} changes`);
    report(`sync catch-up ${backend}`, caught.changes / caught.seconds, 'changes/s');
  } finally {
    await app.stop();
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
