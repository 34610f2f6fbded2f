// Held Pings at scale, on one server process (SQLite): 1,000 accounts x 10 devices = 10,000 Pings held
// by a load client in its own process. Measures memory per held Ping (RSS and heap, after GC), CPU while
// idle, wake latency p50/p99 from the SMTP 250 to the Ping answer with 10,000 held, and the time to wake
// 1,000 accounts that receive one message at once. Run with `node --expose-gc dist/bench/ping-hold.js`.
// Sizes: BENCH_PING_ACCOUNTS (1000), BENCH_PING_DEVICES (10). BENCH_PING_SNAPSHOTS=<dir> also writes heap
// snapshots before and with all held (compare them with heap-diff.ts; the memory figures then include them).
// The Pings open 2,500 connections a second, as a fleet does after a restart: more than a busy server
// accepts from its listen queue (Node's backlog of 511), so the kernel drops SYNs (connect time-outs) and
// answers SYN cookies that go stale before the connection is accepted (ECONNRESET on the first read); about
// 1% of the Pings were lost that way. A phone reconnects after a failed connection, and so does this client
// (up to 6 attempts, backing off from about a second); the reconnects are counted and printed.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { child, children, el, ns, textOf } from '../src/eas/wbxml/index.js';
import { easRequest, pingBody } from '../test/helpers/eas-client.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';
import { percentile, printMeasured, report } from './lib.js';

const ACCOUNTS = Number(process.env.BENCH_PING_ACCOUNTS ?? 1000);
const DEVICES = Number(process.env.BENCH_PING_DEVICES ?? 10);
const PASSWORD = 'bench-password-1';
const as = ns('AirSync');
const now = (): number => performance.timeOrigin + performance.now();

type ToClient = { cmd: 'setup' | 'hold'; baseUrl: string; accounts: string[] } | { cmd: 'rehold'; baseUrl: string; accounts: string[] };
type FromClient = { kind: 'ready' } | { kind: 'answer'; account: string; device: string; at: number; status: number } | { kind: 'reconnect'; code: string };

const RECONNECTS = 5;

// ---- load client (its own process) ----
function clientMain(): void {
  const inboxes = new Map<string, string>();
  const keys = new Map<string, string>();
  const send = (m: FromClient): void => { process.send?.(m); };
  const limit = async <T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> => {
    let i = 0;
    await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await fn(items[i++]!); }));
  };
  const devices = (accounts: string[]) => accounts.flatMap((a) => Array.from({ length: DEVICES }, (_, d) => ({ a, d: `dev${d}x${a.split('@')[0]}` })));
  const ping = (baseUrl: string, a: string, d: string, attempt = 0): void => {
    void easRequest({ baseUrl }, {
      cmd: 'Ping', user: a, password: PASSWORD, deviceId: d, version: '14.1',
      body: pingBody(3000, [inboxes.get(a) ?? '']),
    }).then((r) => send({ kind: 'answer', account: a, device: d, at: now(), status: Number(textOf(r.root ?? undefined, 'Ping:Status') ?? 0) }),
      (err: unknown) => {
        // fetch fails (rather than answering an HTTP status) only when the connection did: try again later.
        if (attempt >= RECONNECTS) return console.error('ping failed', err);
        const cause = (err as { cause?: { code?: unknown } }).cause;
        send({ kind: 'reconnect', code: typeof cause?.code === 'string' ? cause.code : String(err) });
        setTimeout(() => ping(baseUrl, a, d, attempt + 1), 1000 * 2 ** attempt * (0.5 + Math.random()));
      });
  };
  process.on('message', (m: ToClient) => {
    const run = async (): Promise<void> => {
      if (m.cmd === 'setup') {
        await limit(devices(m.accounts), 64, async ({ a, d }) => {
          const cred = { user: a, password: PASSWORD, deviceId: d, version: '14.1' };
          const fs0 = await easRequest({ baseUrl: m.baseUrl }, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
          const inbox = textOf(children(child(fs0.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')[0], 'FolderHierarchy:ServerId')!;
          inboxes.set(a, inbox);
          const sync = (key: string) => easRequest({ baseUrl: m.baseUrl }, { ...cred, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inbox)))) });
          const first = await sync('0');
          const key = textOf(child(child(first.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
          const second = await sync(key);
          keys.set(d, second.raw.length === 0 ? key : textOf(child(child(second.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
        });
        send({ kind: 'ready' });
      } else if (m.cmd === 'hold') {
        // Ramp up, as phones do not all connect in the same millisecond: 250 new Pings every 100 ms.
        let n = 0;
        for (const { a, d } of devices(m.accounts)) {
          ping(m.baseUrl, a, d);
          if (++n % 250 === 0) await new Promise((r) => setTimeout(r, 100));
        }
      } else {
        // As a phone does after a Ping answered 2: Sync the folder, then Ping again.
        await Promise.all(devices(m.accounts).map(async ({ a, d }) => {
          const r = await easRequest({ baseUrl: m.baseUrl }, {
            cmd: 'Sync', user: a, password: PASSWORD, deviceId: d, version: '14.1',
            body: as('Sync', as('Collections', as('Collection', as('SyncKey', keys.get(d)), as('CollectionId', inboxes.get(a))))),
          });
          if (r.raw.length > 0) keys.set(d, textOf(child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
          ping(m.baseUrl, a, d);
        }));
      }
    };
    run().catch((err: unknown) => { console.error(err); process.exit(1); });
  });
}

// ---- server side (this process) ----
async function serverMain(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.log('note: run with --expose-gc for exact heap figures');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-ping-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0', CARBONIO_BIND_ADDRESS: '127.0.0.1',
    CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1',
  });
  const app = await startApp(config, silentLogger());
  const baseUrl = `http://127.0.0.1:${app.httpPort}`;
  const accounts: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) accounts.push((await app.directory.createAccount({ email: `u${i}@example.com`, password: PASSWORD })).email);
  const client: ChildProcess = fork(fileURLToPath(import.meta.url), ['--client'], { env: { ...process.env } });
  const answers: Array<Extract<FromClient, { kind: 'answer' }>> = [];
  const reconnects = new Map<string, number>();
  let ready: () => void = () => undefined;
  client.on('message', (m: FromClient) => {
    if (m.kind === 'ready') ready();
    else if (m.kind === 'reconnect') reconnects.set(m.code, (reconnects.get(m.code) ?? 0) + 1);
    else answers.push(m);
  });
  const t0 = now();
  await new Promise<void>((r) => { ready = r; client.send({ cmd: 'setup', baseUrl, accounts } satisfies ToClient); });
  console.log(`setup: ${ACCOUNTS} accounts x ${DEVICES} devices synced in ${((now() - t0) / 1000).toFixed(1)} s`);
  const total = ACCOUNTS * DEVICES;
  const settle = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return cond();
  };
  gc?.(); await new Promise((r) => setTimeout(r, 500)); gc?.();
  const before = process.memoryUsage();
  const snapshots = process.env.BENCH_PING_SNAPSHOTS;
  if (snapshots) console.log(`snapshot: ${v8.writeHeapSnapshot(path.join(snapshots, 'before.heapsnapshot'))}`);
  client.send({ cmd: 'hold', baseUrl, accounts } satisfies ToClient);
  const holdFrom = now();
  if (!(await settle(() => app.sessions.count() >= total, 300_000))) console.log(`warning: only ${app.sessions.count()} held`);
  const heldAt = now();
  const retried = [...reconnects].map(([code, n]) => `${n} ${code}`).join(', ') || 'none';
  console.log(`hold: ${app.sessions.count()} Pings held ${((heldAt - holdFrom) / 1000).toFixed(1)} s after the first (${((heldAt - t0) / 1000).toFixed(1)} s in all); reconnects: ${retried}`);
  gc?.(); await new Promise((r) => setTimeout(r, 500)); gc?.();
  const after = process.memoryUsage();
  report('ping held per ping rss', (after.rss - before.rss) / total, 'bytes');
  report('ping held per ping heap', (after.heapUsed - before.heapUsed) / total, 'bytes');
  report('ping held total rss', after.rss / 1024 / 1024, 'MiB');
  if (snapshots) console.log(`snapshot: ${v8.writeHeapSnapshot(path.join(snapshots, 'held.heapsnapshot'))}`);
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 5000));
  const cpu = process.cpuUsage(cpu0);
  report('ping idle cpu with all held', ((cpu.user + cpu.system) / 1000 / 5000) * 100, '% of one core');

  // Wake latency with everything held: one account at a time, its devices answer; then they Ping again.
  const smtp = await SmtpClient.connect(app.smtpPort);
  await smtp.ehlo();
  const latencies: number[] = [];
  const sample = accounts.slice(0, Math.min(50, ACCOUNTS));
  for (const a of sample) {
    const start = answers.length;
    const r = await smtp.send('zed@example.net', [a], `From: zed@example.net\r\nTo: ${a}\r\nSubject: wake\r\n\r\nHi.\r\n`);
    const accepted = now();
    if (r.data?.code !== 250) throw new Error(`delivery refused: ${r.data?.text}`);
    await settle(() => answers.length - start >= DEVICES, 10_000);
    for (const x of answers.slice(start)) if (x.account === a) latencies.push(x.at - accepted);
    client.send({ cmd: 'rehold', baseUrl, accounts: [a] } satisfies ToClient);
    await settle(() => app.sessions.count() >= total, 10_000);
  }
  latencies.sort((x, y) => x - y);
  report('ping wake latency p50', percentile(latencies, 50), 'ms');
  report('ping wake latency p99', percentile(latencies, 99), 'ms');

  // Every account receives one message at once (one SMTP transaction, one recipient each).
  const start = answers.length;
  const r = await smtp.send('zed@example.net', accounts, `From: zed@example.net\r\nSubject: everyone\r\n\r\nHi all.\r\n`);
  const accepted = now();
  if (r.data?.code !== 250) throw new Error(`delivery refused: ${r.data?.text}`);
  await settle(() => answers.length - start >= total, 60_000);
  const last = Math.max(...answers.slice(start).map((x) => x.at));
  report(`ping wake all ${ACCOUNTS} accounts (${total} pings)`, last - accepted, 'ms');
  await smtp.quit();
  printMeasured();
  client.kill();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

if (process.argv[2] === '--client') clientMain();
else await serverMain();
