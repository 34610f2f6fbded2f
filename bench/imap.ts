// Benchmark: IMAP (src/imap) over loopback, SQLite always and PostgreSQL with CARBONIO_TEST_PG_URL.
// The server runs in its own process (forked, so its RSS and heap are the server's alone); the load
// client is this process and speaks raw IMAP over sockets, so the response bytes are counted exactly.
//  1. SELECT INBOX + `UID FETCH 1:* (FLAGS ENVELOPE)` on a 10,000-message folder: median of 5 after a
//     warm-up, and the bytes of both responses; SELECT alone too.
//  2. 1,000 accounts each IDLEing on INBOX: wake latency p50/p99 from the SMTP 250 after DATA to the
//     untagged EXISTS on that account's connection, and the server's RSS and heap per idle connection.
//  3. QRESYNC (RFC 7162 3.2.5): `SELECT INBOX (QRESYNC (uidvalidity modseq))` after 10 changes made by
//     another IMAP session (8 flag changes, 2 expunges), on 10,000 and on 1,000 messages: it should not
//     grow with the folder.
//  4. IDLE on the 10,000-message INBOX: the wake latency when the folder is big (what refresh() costs).
// Each run starts a fresh server; the idlers come first so the memory baseline is a quiet server's.
//   node --expose-gc dist/bench/imap.js   (sizes: BENCH_IMAP_IDLE (1000), BENCH_IMAP_WAKES (100))
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AccountId, FolderId } from '../src/core/ids.js';
import type { NewMessage } from '../src/store/types.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';
import { percentile, printMeasured, report } from './lib.js';
import { runQueueNs } from './proc.js';

const BIG = 10_000;
const SMALL = 1_000;
const IDLERS = Number(process.env.BENCH_IMAP_IDLE ?? 1000);
const WAKES = Number(process.env.BENCH_IMAP_WAKES ?? 100);
const PASSWORD = 'imap-bench-pw-1';
const now = (): number => performance.timeOrigin + performance.now();

type Backend = 'sqlite' | 'postgres';
type ToServer =
  | { cmd: 'fill'; email: string; count: number }
  | { cmd: 'accounts'; prefix: string; count: number }
  | { cmd: 'mem' }
  | { cmd: 'stop' };
type FromServer =
  | { kind: 'ready'; imapPort: number; smtpPort: number }
  | { kind: 'done' }
  | { kind: 'mem'; rss: number; heapUsed: number };

// ---- server (its own process) ----
function message(n: number, to: string): Buffer {
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 76)}\r\n`;
  const date = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    `From: Bench Sender ${n % 97} <sender${n % 97}@remote.test>\r\nTo: ${to}\r\nCc: copy@remote.test\r\n` +
    `Subject: imap bench message number ${n}\r\nDate: ${date}\r\nMessage-ID: <imap-${n}@remote.test>\r\n` +
    `In-Reply-To: <imap-${n - 1}@remote.test>\r\n\r\n${line.repeat(25)}`);
}

async function serverMain(backend: Backend): Promise<void> {
  const { startTestApp } = await import('../test/helpers/app.js');
  const { parseMessage } = await import('../src/mail/parse.js');
  // Enough connections from loopback for the idlers; warn level, as the test app keeps every log line.
  const app = await startTestApp({
    postgres: backend === 'postgres',
    env: { CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS: String(IDLERS + 100), CARBONIO_LOG_LEVEL: 'warn' },
  });
  const send = (m: FromServer): void => { process.send?.(m); };
  const add = async (accountId: AccountId, folderId: FolderId, raws: Buffer[]): Promise<void> => {
    for (let i = 0; i < raws.length; i += 500) {
      const msgs: NewMessage[] = [];
      for (const raw of raws.slice(i, i + 500)) {
        const p = await parseMessage(raw);
        msgs.push({ raw, meta: p.meta, text: p.text });
      }
      await app.store.mailbox.addMessages(accountId, folderId, msgs);
    }
  };
  process.on('message', (m: ToServer) => {
    const run = async (): Promise<void> => {
      if (m.cmd === 'fill') {
        const account = await app.directory.createAccount({ email: m.email, password: PASSWORD });
        const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
        await add(account.id, inbox.id, Array.from({ length: m.count }, (_, n) => message(n, m.email)));
        send({ kind: 'done' });
      } else if (m.cmd === 'accounts') {
        for (let i = 0; i < m.count; i++) await app.directory.createAccount({ email: `${m.prefix}${i}@example.com`, password: PASSWORD });
        send({ kind: 'done' });
      } else if (m.cmd === 'mem') {
        const gc = (globalThis as { gc?: () => void }).gc;
        gc?.(); await new Promise((r) => setTimeout(r, 300)); gc?.();
        const u = process.memoryUsage();
        send({ kind: 'mem', rss: u.rss, heapUsed: u.heapUsed });
      } else {
        await app.stop();
        process.exit(0);
      }
    };
    run().catch((err: unknown) => { console.error(err); process.exit(1); });
  });
  send({ kind: 'ready', imapPort: app.imapPort!, smtpPort: app.smtpPort });
}

// ---- load client (this process) ----

/**
 * A raw IMAP client: splits what arrives into response lines (skipping literals, RFC 9051 4.3, so a
 * line inside a literal is never taken for a tagged answer) and counts every byte received.
 */
class Imap {
  bytes = 0;
  private buf = '';
  /** Bytes of literal still to skip before the current line goes on. */
  private literal = 0;
  private line = '';
  private waiter: { tag: string; resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  private nextTag = 1;
  /** Called with each untagged line (joined over literals), when set. */
  onUntagged: ((line: string) => void) | null = null;
  /** Resolves at the server's greeting (the first untagged line). */
  private readonly greeted: Promise<void>;

  constructor(private readonly socket: net.Socket) {
    this.greeted = new Promise((resolve) => { this.onUntagged = () => { this.onUntagged = null; resolve(); }; });
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.bytes += d.length; this.feed(d); });
    socket.on('error', (err) => this.waiter?.reject(err));
    socket.on('close', () => this.waiter?.reject(new Error('connection closed')));
  }

  static async connect(port: number): Promise<Imap> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { s.once('connect', () => resolve()); s.once('error', reject); });
    const c = new Imap(s);
    await c.greeted;
    return c;
  }

  private feed(d: string): void {
    this.buf += d;
    let pos = 0;
    for (;;) {
      if (this.literal > 0) {
        const take = Math.min(this.literal, this.buf.length - pos);
        this.line += '<lit>';
        this.literal -= take;
        pos += take;
        if (this.literal > 0) break;
      }
      const nl = this.buf.indexOf('\r\n', pos);
      if (nl < 0) break;
      const part = this.buf.slice(pos, nl);
      pos = nl + 2;
      const lit = /\{(\d+)\+?\}$/.exec(part);
      if (lit) { this.line += part; this.literal = Number(lit[1]); continue; }
      const line = this.line + part;
      this.line = '';
      this.dispatch(line);
    }
    this.buf = this.buf.slice(pos);
  }

  private dispatch(line: string): void {
    const w = this.waiter;
    if (w && (line.startsWith(`${w.tag} `) || (w.tag === '+' && line.startsWith('+')))) {
      this.waiter = null;
      w.resolve(line);
    } else if (line.startsWith('* ')) this.onUntagged?.(line);
  }

  /** Sends a command; resolves with its tagged answer (which must be OK). */
  async cmd(text: string): Promise<string> {
    const tag = `a${this.nextTag++}`;
    const done = new Promise<string>((resolve, reject) => { this.waiter = { tag, resolve, reject }; });
    this.socket.write(`${tag} ${text}\r\n`);
    const line = await done;
    if (!line.startsWith(`${tag} OK`)) throw new Error(`${text.slice(0, 60)}: ${line.slice(0, 200)}`);
    return line;
  }

  /** IDLE (RFC 2177): resolves at the continuation. */
  async idle(): Promise<void> {
    const cont = new Promise<string>((resolve, reject) => { this.waiter = { tag: '+', resolve, reject }; });
    this.socket.write(`i${this.nextTag++} IDLE\r\n`);
    await cont;
  }

  end(): void { this.socket.destroy(); }
}

class Server {
  readonly pid: number;
  private pending: ((m: FromServer) => void) | null = null;
  private constructor(private readonly child: ChildProcess, readonly imapPort: number, readonly smtpPort: number) {
    this.pid = child.pid!;
    child.on('message', (m: FromServer) => { const p = this.pending; this.pending = null; p?.(m); });
  }

  static async start(backend: Backend): Promise<Server> {
    const child = fork(fileURLToPath(import.meta.url), ['--server', backend], { execArgv: ['--expose-gc'] });
    const ready = await new Promise<FromServer>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    if (ready.kind !== 'ready') throw new Error('server not ready');
    return new Server(child, ready.imapPort, ready.smtpPort);
  }

  async ask(m: ToServer): Promise<FromServer> {
    const answer = new Promise<FromServer>((resolve) => { this.pending = resolve; });
    this.child.send(m);
    return answer;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'stop' } satisfies ToServer);
    await exited;
  }
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

async function login(port: number, email: string): Promise<Imap> {
  const c = await Imap.connect(port);
  await c.cmd(`LOGIN ${email} ${PASSWORD}`);
  return c;
}

/** 1. SELECT + UID FETCH 1:* (FLAGS ENVELOPE): one warm-up, then the median of 5, each on a fresh login. */
async function selectFetch(srv: Server, email: string, backend: Backend): Promise<void> {
  const times: number[] = [];
  const selects: number[] = [];
  let bytes = 0;
  let fetched = 0;
  for (let i = 0; i < 6; i++) {
    const c = await login(srv.imapPort, email);
    let n = 0;
    c.onUntagged = (l) => { if (l.includes(' FETCH ')) n++; };
    const b0 = c.bytes;
    const t0 = performance.now();
    await c.cmd('SELECT INBOX');
    const t1 = performance.now();
    await c.cmd('UID FETCH 1:* (FLAGS ENVELOPE)');
    if (i > 0) { times.push(performance.now() - t0); selects.push(t1 - t0); }
    bytes = c.bytes - b0;
    fetched = n;
    await c.cmd('LOGOUT').catch(() => undefined);
    c.end();
  }
  if (fetched !== BIG) throw new Error(`fetched ${fetched} of ${BIG}`);
  report(`imap select+uid fetch 1:* (flags envelope) ${BIG} ${backend}`, median(times), 'ms');
  report(`imap select+uid fetch 1:* (flags envelope) ${BIG} ${backend} bytes`, bytes, 'bytes');
  report(`imap select alone ${BIG} ${backend}`, median(selects), 'ms');
}

/** 3. 10 changes by another session, then the median of 5 QRESYNC SELECTs after a warm-up. */
async function qresync(srv: Server, email: string, size: number, backend: Backend): Promise<void> {
  const first = await login(srv.imapPort, email);
  await first.cmd('ENABLE QRESYNC');
  let uidValidity = 0;
  let modseq = 0;
  first.onUntagged = (l) => {
    const v = /UIDVALIDITY (\d+)/.exec(l);
    if (v) uidValidity = Number(v[1]);
    const m = /HIGHESTMODSEQ (\d+)/.exec(l);
    if (m) modseq = Number(m[1]);
  };
  await first.cmd('SELECT INBOX');
  await first.cmd('LOGOUT').catch(() => undefined);
  first.end();
  if (!uidValidity || !modseq) throw new Error('no UIDVALIDITY / HIGHESTMODSEQ');

  // Elsewhere: 8 flag changes and 2 expunges, spread over the folder.
  const other = await login(srv.imapPort, email);
  await other.cmd('SELECT INBOX');
  const step = Math.floor(size / 10);
  for (let k = 0; k < 8; k++) await other.cmd(`UID STORE ${1 + k * step} +FLAGS.SILENT (${k % 2 ? '\\Flagged' : '\\Seen'})`);
  const doomed = `${1 + 8 * step},${1 + 9 * step}`;
  await other.cmd(`UID STORE ${doomed} +FLAGS.SILENT (\\Deleted)`);
  await other.cmd(`UID EXPUNGE ${doomed}`);
  await other.cmd('LOGOUT').catch(() => undefined);
  other.end();

  const times: number[] = [];
  let bytes = 0;
  let vanished = '';
  let changed = 0;
  for (let i = 0; i < 6; i++) {
    const c = await login(srv.imapPort, email);
    await c.cmd('ENABLE QRESYNC');
    let n = 0;
    c.onUntagged = (l) => {
      if (l.includes(' FETCH ')) n++;
      if (l.startsWith('* VANISHED')) vanished = l;
    };
    const b0 = c.bytes;
    const t0 = performance.now();
    await c.cmd(`SELECT INBOX (QRESYNC (${uidValidity} ${modseq}))`);
    if (i > 0) times.push(performance.now() - t0);
    bytes = c.bytes - b0;
    changed = n;
    await c.cmd('LOGOUT').catch(() => undefined);
    c.end();
  }
  if (changed !== 8 || !vanished.includes('(EARLIER)')) throw new Error(`QRESYNC answered ${changed} FETCH and "${vanished}"`);
  report(`imap qresync select after 10 changes ${size} ${backend}`, median(times), 'ms');
  report(`imap qresync select after 10 changes ${size} ${backend} bytes`, bytes, 'bytes');
}

/** 2. IDLERS accounts IDLE on INBOX; WAKES deliveries by SMTP to random ones, one at a time. */
async function idle(srv: Server, backend: Backend): Promise<void> {
  await srv.ask({ cmd: 'accounts', prefix: 'idle', count: IDLERS });
  // Twice: the first GC's freed pages go back to the system in its wake.
  await srv.ask({ cmd: 'mem' });
  const before = await srv.ask({ cmd: 'mem' });
  const conns: Imap[] = [];
  let woke: ((at: number) => void) | null = null;
  let next = 0;
  // A ramp of 50 at a time, as clients do not all log in in the same millisecond.
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < IDLERS) {
      const i = next++;
      const c = await login(srv.imapPort, `idle${i}@example.com`);
      await c.cmd('SELECT INBOX');
      c.onUntagged = (l) => { if (/^\* \d+ EXISTS/.test(l)) woke?.(now()); };
      await c.idle();
      conns[i] = c;
    }
  }));
  await new Promise((r) => setTimeout(r, 2000));
  const after = await srv.ask({ cmd: 'mem' });
  if (before.kind !== 'mem' || after.kind !== 'mem') throw new Error('no memory figures');
  report(`imap idle per connection rss ${backend}`, (after.rss - before.rss) / IDLERS, 'bytes');
  report(`imap idle per connection heap ${backend}`, (after.heapUsed - before.heapUsed) / IDLERS, 'bytes');
  report(`imap idle ${IDLERS} server rss ${backend}`, after.rss / 1024 / 1024, 'MiB');

  let seed = 42;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const latencies = await wakes(srv, WAKES, () => `idle${Math.floor(random() * IDLERS)}@example.com`, (f) => { woke = f; });
  report(`imap idle wake latency p50 with ${IDLERS} idle ${backend}`, percentile(latencies, 50), 'ms');
  report(`imap idle wake latency p99 with ${IDLERS} idle ${backend}`, percentile(latencies, 99), 'ms');
  for (const c of conns) c.end();
}

/**
 * Delivers `count` messages by SMTP, one at a time, to `pick()`; returns the sorted latencies from the 250
 * after DATA to the EXISTS that `onWake` reports.
 */
async function wakes(srv: Server, count: number, pick: () => string, onWake: (f: ((at: number) => void) | null) => void): Promise<number[]> {
  const smtp = await SmtpClient.connect(srv.smtpPort);
  await smtp.ehlo();
  const latencies: number[] = [];
  let early = 0;
  for (let k = 0; k < count; k++) {
    const to = pick();
    let wokeAt = 0;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no EXISTS for ${to} within 10 s`)), 10_000);
      onWake((at) => { clearTimeout(timer); wokeAt = at; resolve(); });
    });
    const r = await smtp.send('zed@remote.test', [to], `From: zed@remote.test\r\nTo: ${to}\r\nSubject: wake ${k}\r\n\r\nHi.\r\n`);
    const accepted = now();
    if (r.data?.code !== 250) throw new Error(`delivery refused: ${r.data?.text}`);
    await seen;
    onWake(null);
    // The EXISTS can arrive before the 250 is read (the bus is quicker than the reply): counted as 0.
    if (wokeAt < accepted) early++;
    latencies.push(Math.max(0, wokeAt - accepted));
  }
  await smtp.quit();
  if (early > 0) console.log(`note: ${early} of ${count} EXISTS arrived before the SMTP 250 was read`);
  return latencies.sort((a, b) => a - b);
}

/** IDLE on the 10,000-message folder: what a wake costs when the folder is big (the refresh's queries). */
async function idleBig(srv: Server, email: string, backend: Backend): Promise<void> {
  const c = await login(srv.imapPort, email);
  await c.cmd('SELECT INBOX');
  let woke: ((at: number) => void) | null = null;
  c.onUntagged = (l) => { if (/^\* \d+ EXISTS/.test(l)) woke?.(now()); };
  await c.idle();
  const latencies = await wakes(srv, 21, () => email, (f) => { woke = f; });
  report(`imap idle wake latency p50 on a ${BIG}-message folder ${backend}`, percentile(latencies, 50), 'ms');
  c.end();
}

async function runOne(backend: Backend): Promise<void> {
  const t0 = performance.now();
  const srv = await Server.start(backend);
  // On a shared machine the server may wait for a CPU: say how much, so the figures can be read with it.
  const wait0 = runQueueNs(srv.pid);
  const at0 = performance.now();
  try {
    // The idlers first, on a fresh server: the memory baseline is then not blurred by the pages the
    // filling and the big FETCH leave to the allocator.
    await idle(srv, backend);
    const t1 = performance.now();
    await srv.ask({ cmd: 'fill', email: 'big@example.com', count: BIG });
    await srv.ask({ cmd: 'fill', email: 'small@example.com', count: SMALL });
    console.log(`${backend}: filled ${BIG} + ${SMALL} messages in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    await selectFetch(srv, 'big@example.com', backend);
    await qresync(srv, 'big@example.com', BIG, backend);
    await qresync(srv, 'small@example.com', SMALL, backend);
    await idleBig(srv, 'big@example.com', backend);
    const waited = (runQueueNs(srv.pid) - wait0) / 1e6 / (performance.now() - at0);
    console.log(`${backend}: the server waited for a CPU ${(waited * 100).toFixed(0)} % of the time`);
  } finally {
    await srv.stop();
  }
  console.log(`${backend}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[2] === '--server') await serverMain(process.argv[3] as Backend);
else {
  console.log(`loadavg: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  await runOne('sqlite');
  if (process.env.CARBONIO_TEST_PG_URL) await runOne('postgres');
  console.log(`loadavg: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  printMeasured();
}
