// IMAP (issue 18 part 1), one server process on SQLite. Measures:
// - SELECT + `UID FETCH 1:* (FLAGS ENVELOPE)` on a 10,000-message folder: time and bytes, the first time (the
//   UIDs are assigned then) and again;
// - QRESYNC resync of that folder after 10 changes (5 flag changes, 5 deletions elsewhere): SELECT with
//   (QRESYNC (uidvalidity modseq)) to its tagged OK, and the same on a 1,000-message folder for comparison;
// - IDLE with 1,000 connections (100 accounts x 10, held by a client in its own process): memory per idle
//   connection (heap after GC) and wake latency p50/p99 from a delivery's commit to the client reading
//   `* n EXISTS` (one delivery per account, one after another).
// Run with `node --expose-gc dist/bench/imap.js`. Sizes: BENCH_IMAP_MESSAGES (10000), BENCH_IMAP_IDLE (1000).
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { parseMessage } from '../src/mail/parse.js';
import type { AccountId, FolderId } from '../src/core/ids.js';
import type { NewMessage, Store } from '../src/store/types.js';
import { percentile, printMeasured, report } from './lib.js';

const MESSAGES = Number(process.env.BENCH_IMAP_MESSAGES ?? 10_000);
const IDLE = Number(process.env.BENCH_IMAP_IDLE ?? 1000);
const PER_ACCOUNT = 10;
const PASSWORD = 'bench-password-1';
const now = (): number => performance.timeOrigin + performance.now();

/** A minimal IMAP client over a socket: counts bytes, waits for a tagged answer or a pattern. */
class Conn {
  buf = '';
  bytes = 0;
  private wake: (() => void) | null = null;
  constructor(readonly sock: net.Socket, private readonly onLine?: (text: string) => void) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.bytes += Buffer.byteLength(d, 'latin1');
      if (this.onLine) this.onLine(d);
      else this.buf += d;
      this.wake?.();
    });
  }
  static open(port: number, onLine?: (text: string) => void): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s, onLine)));
      s.once('error', reject);
    });
  }
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const out = this.buf.slice(0, m.index + m[0].length);
        this.buf = this.buf.slice(m.index + m[0].length);
        return out;
      }
      await new Promise<void>((r) => { this.wake = r; });
    }
  }
  cmd(tag: string, text: string): Promise<string> {
    this.sock.write(`${tag} ${text}\r\n`);
    return this.until(new RegExp(`^${tag} (OK|NO|BAD)[^\\r]*\\r\\n`, 'm'));
  }
}

// ---- IDLE client (its own process) ----
type ToClient = { port: number; accounts: string[] };
type FromClient = { kind: 'ready' } | { kind: 'exists'; account: string; at: number };

function clientMain(): void {
  process.on('message', (m: ToClient) => {
    void (async () => {
      let i = 0;
      const all = m.accounts.flatMap((a) => Array.from({ length: PER_ACCOUNT }, () => a));
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (i < all.length) {
          const a = all[i++]!;
          const c = await Conn.open(m.port);
          await c.until(/^\* OK.*\r\n/m);
          await c.cmd('a', `LOGIN ${a} ${PASSWORD}`);
          await c.cmd('b', 'SELECT INBOX');
          c.sock.write('c IDLE\r\n');
          await c.until(/^\+ .*\r\n/m);
          let first = true;
          c.sock.on('data', (d: string) => {
            if (first && / EXISTS\r\n/.test(d)) {
              first = false;
              process.send?.({ kind: 'exists', account: a, at: now() } satisfies FromClient);
            }
          });
        }
      }));
      process.send?.({ kind: 'ready' } satisfies FromClient);
    })();
  });
}

// ---- server side ----
function message(i: number): Buffer {
  return Buffer.from([
    `From: "Sender ${i % 97}" <sender${i % 97}@example.org>`, 'To: "Bench" <bench@example.com>', `Subject: Message number ${i} about the quarterly report`,
    `Date: Mon, 1 Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`, `Message-ID: <m${i}@example.org>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', `Body of message ${i}. ${'Lorem ipsum dolor sit amet. '.repeat(20)}`, '',
  ].join('\r\n'));
}

async function fill(store: Store, accountId: AccountId, folderId: FolderId, n: number): Promise<void> {
  const template = await parseMessage(message(0));
  for (let i = 0; i < n; i += 500) {
    const batch: NewMessage[] = [];
    for (let j = i; j < Math.min(n, i + 500); j++) batch.push({ raw: message(j), meta: { ...template.meta, subject: `Message number ${j} about the quarterly report` }, text: template.text, receivedAt: 1_700_000_000_000 + j * 1000 });
    await store.mailbox.addMessages(accountId, folderId, batch);
  }
}

async function serverMain(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.log('note: run with --expose-gc for exact heap figures');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-imap-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1',
    CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS: '100000',
  });
  const app = await startApp(config, silentLogger());
  const port = app.imapPort!;
  const { store } = app;

  // 1. SELECT + UID FETCH 1:* (FLAGS ENVELOPE) on MESSAGES messages.
  const big = await app.directory.createAccount({ email: 'big@example.com', password: PASSWORD });
  const inbox = (await store.mailbox.getFolderByRole(big.id, 'inbox'))!;
  const small = await store.mailbox.createFolder(big.id, { parentId: null, name: 'Small', kind: 'mail' });
  await fill(store, big.id, inbox.id, MESSAGES);
  await fill(store, big.id, small.id, MESSAGES / 10);
  const c = await Conn.open(port);
  await c.until(/^\* OK.*\r\n/m);
  await c.cmd('l', `LOGIN ${big.email} ${PASSWORD}`);
  await c.cmd('e', 'ENABLE QRESYNC');
  for (const round of ['first', 'again'] as const) {
    const b0 = c.bytes;
    const t0 = performance.now();
    await c.cmd('s', 'SELECT INBOX');
    await c.cmd('f', 'UID FETCH 1:* (FLAGS ENVELOPE)');
    const ms = performance.now() - t0;
    report(`imap select+fetch flags envelope ${MESSAGES} ${round}`, ms, 'ms');
    report(`imap select+fetch flags envelope ${MESSAGES} bytes`, c.bytes - b0, 'bytes');
    c.buf = '';
  }

  // 2. QRESYNC resync after 10 changes, on the big folder and on one a tenth of its size.
  for (const [name, folder, size] of [['INBOX', inbox, MESSAGES], ['Small', small, MESSAGES / 10]] as const) {
    const sel = await c.cmd('q0', `SELECT ${name}`);
    const validity = /UIDVALIDITY (\d+)/.exec(sel)![1];
    const highest = /HIGHESTMODSEQ (\d+)/.exec(sel)![1];
    await c.cmd('q1', 'UNSELECT');
    const entries = await store.imap.entries(big.id, folder.id, { minUid: 1, maxUid: 40 });
    for (const e of entries.slice(0, 5)) await store.mailbox.updateItem(big.id, e.itemId, { flags: { seen: true } });
    for (const e of entries.slice(10, 15)) await store.mailbox.deleteItem(big.id, e.itemId);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await c.cmd('q2', `SELECT ${name} (QRESYNC (${validity} ${highest}))`);
      times.push(performance.now() - t0);
      if (i === 0 && (!/VANISHED \(EARLIER\)/.test(r) || (r.match(/ FETCH /g) ?? []).length !== 5)) throw new Error(`unexpected resync answer: ${r.slice(0, 500)}`);
      await c.cmd('q3', 'UNSELECT');
    }
    times.sort((a, b) => a - b);
    report(`imap qresync after 10 changes ${size} median`, percentile(times, 50), 'ms');
  }
  c.sock.destroy();

  // 3. IDLE: memory per connection, wake latency.
  const accounts: string[] = [];
  for (let i = 0; i < IDLE / PER_ACCOUNT; i++) accounts.push((await app.directory.createAccount({ email: `idle${i}@example.com`, password: PASSWORD })).email);
  gc?.(); await new Promise((r) => setTimeout(r, 300)); gc?.();
  const before = process.memoryUsage();
  const client: ChildProcess = fork(fileURLToPath(import.meta.url), ['--client'], { env: { ...process.env } });
  const seen = new Map<string, number>();
  let ready: () => void = () => undefined;
  let arrived: (() => void) | null = null;
  client.on('message', (m: FromClient) => {
    if (m.kind === 'ready') ready();
    else if (!seen.has(m.account)) {
      seen.set(m.account, m.at);
      arrived?.();
    }
  });
  await new Promise<void>((r) => { ready = r; client.send({ port, accounts } satisfies ToClient); });
  gc?.(); await new Promise((r) => setTimeout(r, 300)); gc?.();
  const after = process.memoryUsage();
  // RSS is left out: after the 10,000-message stage the process gives pages back while the connections
  // open, so its difference says nothing (it came out negative).
  report(`imap idle per connection heap (${IDLE})`, (after.heapUsed - before.heapUsed) / IDLE, 'bytes');
  const latencies: number[] = [];
  for (const email of accounts) {
    const acct = (await store.accounts.getByEmail(email))!;
    const box = (await store.mailbox.getFolderByRole(acct.id, 'inbox'))!;
    const got = new Promise<void>((r) => { arrived = () => { if (seen.has(email)) r(); }; });
    await store.mailbox.addMessage(acct.id, box.id, { raw: message(1), meta: (await parseMessage(message(1))).meta });
    const committed = now();
    await got;
    latencies.push(Math.max(0, seen.get(email)! - committed));
  }
  latencies.sort((a, b) => a - b);
  report(`imap idle wake latency p50 (${IDLE} idle)`, percentile(latencies, 50), 'ms');
  report(`imap idle wake latency p99 (${IDLE} idle)`, percentile(latencies, 99), 'ms');
  client.kill();
  printMeasured();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

if (process.argv[2] === '--client') clientMain();
else await serverMain();
