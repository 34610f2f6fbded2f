// Sync throughput over HTTP with real WBXML: the initial sync of 10,000 messages of ~20 KiB
// (BodyPreference 2, truncated at 5 KiB) in windows of 100, items/s, the server's peak RSS and CPU; then
// an incremental Sync with one new message (delivered over SMTP) in that folder, ms (must not grow with the
// folder); then the catch-up of a device that was away while 5,000 of those messages were read elsewhere:
// the flag Changes read from the change log in windows of 100, changes/s. SQLite always; PostgreSQL too
// when CARBONIO_TEST_PG_URL is set.
// The server runs in its own process (test/helpers/node-process.ts), so its RSS (VmHWM) and CPU are its
// own, not the load's or the setup's: the messages are written into the database by this process first,
// as delivery stores them (parsed once, issue 16), then the server starts on that database.
//   BENCH_SYNC_COUNT   messages (10,000)
//   BENCH_SYNC_RUNS    initial syncs, each by a new device on a freshly started server (1); the figures
//                      reported are the medians, every run is printed with the load average
//   BENCH_SYNC_CPU_PROF a directory: the server runs with --cpu-prof and writes its profile there
//   BENCH_SYNC_NODE_ARGS more options for the server's node, space-separated (e.g. --trace-gc)
//   BENCH_SYNC_GC_LOG   a path prefix: each server's standard output is written to <prefix>.<db>.<run>
//                       (with --trace-gc above: its GC lines, as used to explain the two RSS modes)
// The load client sends the Syncs as a phone does (gzip accepted) but does not decode the answers: it reads
// the SyncKey, counts the Adds and sees MoreAvailable in one scan of the WBXML tokens (bench/sync-scan.ts).
// A full decode of 100 bodies a window was CPU taken from the server on a 2-core machine; the protocol
// itself is the tests' business.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AccountId, FolderId } from '../src/core/ids.js';
import { DirectoryService } from '../src/auth/directory-service.js';
import { loadConfig } from '../src/config.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import { startNode, type NodeProcess } from '../test/helpers/node-process.js';
import { basicAuth, easRequest, WBXML_TYPE } from '../test/helpers/eas-client.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';
import { el, encode, ns, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { readContent } from '../src/mail/content.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import { initialSync, syncToEnd } from './initial-sync.js';
import { scanSync } from './sync-scan.js';
import { percentile, printMeasured, report } from './lib.js';
import { cpuSeconds, memoryOf } from './proc.js';

const as = ns('AirSync');
const COUNT = Number(process.env.BENCH_SYNC_COUNT ?? 10_000);
const RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 1);
const CPU_PROF = process.env.BENCH_SYNC_CPU_PROF;
const NODE_ARGS = (process.env.BENCH_SYNC_NODE_ARGS ?? '').split(' ').filter(Boolean);
const WINDOW = 100;
const EMAIL = 'user@example.com';
const PASSWORD = 'bench-password-1';
const MiB = 1024 * 1024;

function message(i: number): Buffer {
  const html = `<html><body>${`<p>Paragraph ${i} with some words to make the body realistic and long enough.</p>`.repeat(120)}</body></html>`;
  const text = `Paragraph ${i} with some words.\n`.repeat(300);
  const b = `b${i}`;
  return Buffer.from([
    'From: Sender <sender@example.net>', `To: ${EMAIL}`, `Subject: Message ${i}`, `Message-ID: <m${i}@example.net>`,
    'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', `Content-Type: multipart/alternative; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', text, `--${b}`, 'Content-Type: text/html; charset=utf-8', '', html, `--${b}--`, '',
  ].join('\r\n'));
}

const CATCH_UP = Math.min(5000, COUNT);

/** The account and its COUNT messages, written straight into the database the server will open. */
async function fill(store: SqlStore): Promise<{ accountId: AccountId; inboxId: FolderId }> {
  await store.domains.create('example.com');
  const config = loadConfig({ CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1' });
  const directory = new DirectoryService(store, { kdf: config.kdf, publicUrl: () => config.publicUrl });
  const account = await directory.createAccount({ email: EMAIL, password: PASSWORD });
  const inbox = (await store.mailbox.getFolderByRole(account.id, 'inbox'))!;
  const meta = await parseMessageMeta(message(0));
  for (let i = 0; i < COUNT; i++) {
    const raw = message(i);
    // As delivery stores it: with its MessageContent, parsed once (issue 16).
    await store.mailbox.addMessage(account.id, inbox.id, { raw, meta: { ...meta, subject: `Message ${i}` }, content: await readContent(raw) });
  }
  return { accountId: account.id, inboxId: inbox.id };
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** An answer's bytes, undecoded (gunzipped by fetch). */
interface Answer {
  raw: Buffer;
}

interface Device {
  sync(key: string): Promise<Answer>;
}

/** One Sync POST as test/helpers/eas-client.ts sends it, the answer left undecoded. */
async function post(node: NodeProcess, deviceId: string, body: WbxmlElement): Promise<Answer> {
  const q = new URLSearchParams({ Cmd: 'Sync', User: EMAIL, DeviceId: deviceId, DeviceType: 'TestPhone' });
  const res = await fetch(`${node.baseUrl}/Microsoft-Server-ActiveSync?${q.toString()}`, {
    method: 'POST',
    headers: { authorization: basicAuth(EMAIL, PASSWORD), 'ms-asprotocolversion': '16.1', 'content-type': WBXML_TYPE, 'user-agent': 'eas-test-client/1.0' },
    body: new Uint8Array(encode(body)),
  });
  if (res.status !== 200) throw new Error(`Sync: HTTP ${res.status}`);
  return { raw: Buffer.from(await res.arrayBuffer()) };
}

/** A device on `node` set up for the Inbox with BodyPreference 2 truncated at 5 KiB, windows of WINDOW. */
async function device(node: NodeProcess, deviceId: string, inboxId: FolderId): Promise<Device> {
  const cred = { user: EMAIL, password: PASSWORD, deviceId, version: '16.1' };
  await easRequest(node, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
  const options = as('Options', as('FilterType', 0), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 2), el('AirSyncBase:TruncationSize', 5120)));
  return {
    sync: (key) => post(node, deviceId, as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(inboxId)), as('WindowSize', WINDOW), options)))),
  };
}

const keyOf = (r: Answer): string => scanSync(r.raw).key!;

/** One Sync per new message, each delivered over SMTP just before: the time of the Sync, not of the delivery. */
async function incremental(node: NodeProcess, d: Device, key: string, backend: string): Promise<string> {
  const smtp = await SmtpClient.connect(node.smtpPort);
  await smtp.ehlo('bench.remote.test');
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await smtp.send('sender@example.net', [EMAIL], message(COUNT + i));
    if (r.data?.code !== 250) throw new Error(`delivery: ${r.data?.code ?? r.mail.code}`);
    const t = performance.now();
    const s = await d.sync(key);
    times.push(performance.now() - t);
    key = keyOf(s);
  }
  await smtp.quit();
  times.sort((a, b) => a - b);
  report(`sync incremental ${backend} median`, percentile(times, 50), 'ms');
  report(`sync incremental ${backend} p99`, percentile(times, 99), 'ms');
  return key;
}

/** Marks CATCH_UP messages read behind the device's back (in the database), then Syncs until it has every Change. */
async function catchUp(store: SqlStore, accountId: AccountId, inboxId: FolderId, d: Device, key: string, backend: string): Promise<void> {
  const items = await store.mailbox.listItems(accountId, inboxId, { limit: CATCH_UP });
  for (const item of items) await store.mailbox.updateItem(accountId, item.id, { flags: { seen: true } });
  const r = await syncToEnd((k) => d.sync(k), key, 'Change');
  if (r.count !== CATCH_UP) console.log(`warning: caught up ${r.count} of ${CATCH_UP} changes`);
  report(`sync catch-up ${backend}`, r.count / r.seconds, 'changes/s');
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-sync-'));
  const pgDb = backend === 'postgres' ? await (await import('../test/helpers/pg.js')).createTempPgDatabase() : null;
  const dbUrl = pgDb ? pgDb.url : `sqlite://${path.join(dir, 'db.sqlite')}`;
  const store = await SqlStore.open(pgDb ? { kind: 'postgres', url: pgDb.url } : { kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
  let node: NodeProcess | null = null;
  try {
    const t0 = performance.now();
    const { accountId, inboxId } = await fill(store);
    console.log(`${backend}: ${COUNT} messages stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const rates: number[] = [];
    const peaks: number[] = [];
    const cpus: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      // At the log level info, as in production: the per-request lines are part of the cost.
      node = await startNode({ name: `bench-sync-${backend}`, dbUrl, execArgv: [...NODE_ARGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [])] });
      const pid = node.child.pid!;
      const d = await device(node, `bench${backend}${i}`, inboxId);
      const idle = memoryOf(pid).rss;
      const cpu0 = cpuSeconds(pid);
      const first = await initialSync((k) => d.sync(k), () => memoryOf(pid).peak);
      const cpu = cpuSeconds(pid) - cpu0;
      if (first.items !== COUNT) console.log(`warning: got ${first.items} of ${COUNT}`);
      rates.push(first.items / first.seconds);
      peaks.push(first.peakRss / MiB);
      cpus.push(cpu);
      console.log(`${backend} run ${i}: ${(first.items / first.seconds).toFixed(0)} items/s, server idle RSS ${(idle / MiB).toFixed(0)} MiB, `
        + `peak (VmHWM) ${(first.peakRss / MiB).toFixed(0)} MiB, server CPU ${cpu.toFixed(2)} s, load average ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
      if (process.env.BENCH_SYNC_GC_LOG) fs.writeFileSync(`${process.env.BENCH_SYNC_GC_LOG}.${backend}.${i}`, node.out());
      if (i === RUNS) {
        report(`sync initial ${backend}`, median(rates), 'items/s');
        report(`sync initial ${backend} peak rss`, median(peaks), 'MiB');
        report(`sync initial ${backend} server cpu`, median(cpus), 's');
        const key = await incremental(node, d, first.key, backend);
        await catchUp(store, accountId, inboxId, d, key, backend);
      }
      await node.stop();
      node = null;
    }
  } finally {
    await node?.stop();
    await store.close();
    await pgDb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
