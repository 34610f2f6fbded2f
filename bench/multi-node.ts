// Benchmark: Ping wake-up across server processes. Two real server processes share a fresh PostgreSQL
// database (the change bus is LISTEN/NOTIFY); N Pings are held on node 1 (devices spread over
// several accounts), mail is delivered over SMTP to node 2 one account at a time, and we report the
// latency from the SMTP "250" of the delivery to each Ping's answer (p50, p99, max). Skipped without
// CARBONIO_TEST_PG_URL or `--pg URL`.
//   node dist/bench/multi-node.js [--pg URL] [--pings 1000] [--accounts 100] [--rounds 2]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { child, el, intOf, ns, textOf, children, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { easRequest, type EasResponse, pingBody } from '../test/helpers/eas-client.js';
import type { NodeProcess } from '../test/helpers/node-process.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';
import { percentile, printMeasured, report } from './lib.js';

const as = ns('AirSync');
const PW = 'bench-password-1';

interface Options { pings: number; accounts: number; rounds: number; pg: string | undefined }

interface Device { user: string; deviceId: string; inbox: string; key: string }

function parseArgs(argv: string[]): Options {
  const opts: Options = { pings: 1000, accounts: 100, rounds: 2, pg: process.env.CARBONIO_TEST_PG_URL || undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--pg') {
      if (!value) throw new Error('--pg needs a postgres:// URL');
      opts.pg = value;
      i++;
      continue;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag ?? ''} needs a positive whole number`);
    i++;
    if (flag === '--pings') opts.pings = n;
    else if (flag === '--accounts') opts.accounts = n;
    else if (flag === '--rounds') opts.rounds = n;
    else throw new Error(`unknown argument ${flag ?? ''}`);
  }
  if (opts.pings % opts.accounts !== 0) throw new Error('--pings must be a multiple of --accounts');
  return opts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const eas = (node: NodeProcess, d: Pick<Device, 'user' | 'deviceId'>, cmd: string, body: WbxmlElement): Promise<EasResponse> =>
  easRequest(node, { cmd, user: d.user, password: PW, deviceId: d.deviceId, version: '14.1', body });

const syncKeyOf = (r: EasResponse): string | undefined => textOf(child(child(r.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey');

/** Syncs the device's Inbox to its end (an empty answer), keeping its key. */
async function syncToEnd(node: NodeProcess, d: Device): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = await eas(node, d, 'Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', d.key), as('CollectionId', d.inbox), as('WindowSize', 512)))));
    if (r.raw.length === 0) return;
    d.key = syncKeyOf(r) ?? d.key;
  }
  throw new Error(`device ${d.deviceId} did not finish syncing`);
}

/** One message over SMTP; resolves with the time its 250 arrived. */
async function deliver(port: number, to: string, n: number): Promise<number> {
  const c = await SmtpClient.connect(port);
  await c.ehlo('bench.test');
  const body = `From: bench@remote.test\r\nTo: ${to}\r\nSubject: wake ${n}\r\n\r\nHi.\r\n`;
  const r = await c.send('bench@remote.test', [to], body);
  const accepted = performance.now();
  await c.quit();
  if (r.data?.code !== 250) throw new Error(`delivery refused: ${r.data?.code} ${r.data?.text}`);
  return accepted;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  if (!opts.pg) {
    console.log('multi-node: skipped (set CARBONIO_TEST_PG_URL or pass --pg URL)');
    return;
  }
  process.env.CARBONIO_TEST_PG_URL = opts.pg;
  // Imported late: the PostgreSQL helper reads the variable at load time.
  const { createTempPgDatabase } = await import('../test/helpers/pg.js');
  const { nodeAdminCall, startNode } = await import('../test/helpers/node-process.js');
  const db = await createTempPgDatabase();
  const nodes: NodeProcess[] = [];
  try {
    const n1 = await startNode({ name: 'node1', dbUrl: db.url });
    nodes.push(n1);
    const n2 = await startNode({ name: 'node2', dbUrl: db.url });
    nodes.push(n2);
    const users = Array.from({ length: opts.accounts }, (_, i) => `user${i}@example.com`);
    await pool(users, 8, async (email) => {
      const r = await nodeAdminCall(n1, 'POST', '/accounts', { email, password: PW });
      if (r.status !== 201) throw new Error(`creating ${email}: ${r.status} ${JSON.stringify(r.json)}`);
    });
    const perAccount = opts.pings / opts.accounts;
    const devices: Device[] = users.flatMap((user, a) => Array.from({ length: perAccount }, (_, k) => ({ user, deviceId: `bench${a}x${k}`, inbox: '', key: '0' })));
    await pool(devices, 32, async (d) => {
      const fs = await eas(n1, d, 'FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
      const add = children(child(fs.root ?? undefined, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((x) => textOf(x, 'FolderHierarchy:DisplayName') === 'Inbox');
      d.inbox = (add && textOf(add, 'FolderHierarchy:ServerId')) ?? '';
      const first = await eas(n1, d, 'Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', '0'), as('CollectionId', d.inbox)))));
      d.key = syncKeyOf(first) ?? '0';
      await syncToEnd(n1, d);
    });
    console.log(`multi-node: ${devices.length} devices over ${users.length} accounts ready on node 1`);

    const latencies: number[] = [];
    let notWoken = 0;
    let delivered = 0;
    for (let round = 0; round < opts.rounds; round++) {
      const answeredAt = new Map<string, number>();
      const pings = devices.map((d) =>
        eas(n1, d, 'Ping', pingBody(600, [d.inbox])).then((r) => {
          answeredAt.set(d.deviceId, performance.now());
          if (intOf(r.root ?? undefined, 'Ping:Status') !== 2) notWoken++;
        }));
      await sleep(2000); // all held
      if (answeredAt.size > 0) throw new Error(`${answeredAt.size} Pings answered before any delivery`);
      for (const [a, user] of users.entries()) {
        const mine = devices.slice(a * perAccount, (a + 1) * perAccount);
        const accepted = await deliver(n2.smtpPort, user, delivered++);
        const deadline = accepted + 10_000;
        while (mine.some((d) => !answeredAt.has(d.deviceId))) {
          if (performance.now() > deadline) throw new Error(`Pings of ${user} not woken within 10 s`);
          await sleep(1);
        }
        for (const d of mine) latencies.push(answeredAt.get(d.deviceId)! - accepted);
      }
      await Promise.all(pings);
      await pool(devices, 32, (d) => syncToEnd(n1, d));
    }
    latencies.sort((x, y) => x - y);
    console.log(`multi-node: ${latencies.length} Pings woken by ${delivered} deliveries through the other node; ${notWoken} not Status 2`);
    report('multi-node ping wake p50', percentile(latencies, 50), 'ms');
    report('multi-node ping wake p99', percentile(latencies, 99), 'ms');
    report('multi-node ping wake max', latencies[latencies.length - 1] ?? NaN, 'ms');
    printMeasured();
  } finally {
    for (const n of nodes) await n.stop();
    await db.drop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
