// Benchmark: a realistic fleet (issue 16 part 6). 500 accounts, 2,000 devices (half 14.1, half 16.1) run by
// a load client in its own process (bench/fleet-client.ts): FolderSync and initial Sync of Inbox, Calendar
// and Contacts (not timed), then Ping on the three (heartbeat 480-900 s), a Sync of the folders a Ping
// names on wake, Ping again; mail over SMTP at 20 messages/s to random accounts; a tenth of the devices
// send mail now and then. Reports requests/s by command, Sync and wake (SMTP 250 -> Ping answer) p50/p99,
// errors by kind (must be none: the exit code is 1 otherwise), the server's RSS every 5 s with its slope
// after warm-up, and the CPU of the server(s) and of the client. On SQLite (one server process) and, with
// CARBONIO_TEST_PG_URL or --pg, on PostgreSQL with two server processes: devices spread over both, mail
// into node 1, wakes crossing through the PostgreSQL bus.
//   node dist/bench/fleet.js [--seconds 300] [--db sqlite|postgres|both] [--pg URL] [--accounts 500]
//     [--devices 2000] [--rate 20] [--seed 1]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeProcess } from '../test/helpers/node-process.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';
import { runFleetClient } from './fleet-run.js';
import { printFleetReport } from './fleet-report.js';
import { printMeasured } from './lib.js';

export interface FleetOptions {
  seconds: number;
  db: 'sqlite' | 'postgres' | 'both';
  pg: string | undefined;
  accounts: number;
  devices: number;
  rate: number;
  seed: number;
}

const PASSWORD = 'fleet-password-1';
/** Messages each Inbox holds before the devices enrol, so that the initial Sync has something to fetch. */
const SEED_MESSAGES = 10;

function parseArgs(argv: string[]): FleetOptions {
  const opts: FleetOptions = { seconds: 300, db: 'both', pg: process.env.CARBONIO_TEST_PG_URL || undefined, accounts: 500, devices: 2000, rate: 20, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag ?? ''} needs a value`);
    if (flag === '--pg') opts.pg = value;
    else if (flag === '--db') {
      if (value !== 'sqlite' && value !== 'postgres' && value !== 'both') throw new Error('--db is sqlite, postgres or both');
      opts.db = value;
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag ?? ''} needs a positive whole number`);
      if (flag === '--seconds') opts.seconds = n;
      else if (flag === '--accounts') opts.accounts = n;
      else if (flag === '--devices') opts.devices = n;
      else if (flag === '--rate') opts.rate = n;
      else if (flag === '--seed') opts.seed = n;
      else throw new Error(`unknown argument ${flag ?? ''}`);
    }
  }
  if (opts.devices < opts.accounts) throw new Error('--devices must be at least --accounts');
  return opts;
}

/** Every held Ping is a socket in the client and in a server: both inherit this limit from us. */
function checkFileLimit(devices: number): void {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number(r.stdout.trim());
  if (Number.isFinite(limit) && limit < devices + 1000) {
    throw new Error(`ulimit -n is ${limit}: ${devices} held Pings need at least ${devices + 1000} open files (raise it with ulimit -n before the run)`);
  }
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** The accounts through the admin API (8 at a time), then SEED_MESSAGES to each over SMTP, 50 recipients a transaction. */
async function setupAccounts(node: NodeProcess, opts: FleetOptions): Promise<string[]> {
  const { nodeAdminCall } = await import('../test/helpers/node-process.js');
  const accounts = Array.from({ length: opts.accounts }, (_, i) => `fleet${i}@example.com`);
  await pool(accounts, 8, async (email) => {
    const r = await nodeAdminCall(node, 'POST', '/accounts', { email, password: PASSWORD });
    if (r.status !== 201) throw new Error(`creating ${email}: ${r.status} ${JSON.stringify(r.json)}`);
  });
  const smtp = await SmtpClient.connect(node.smtpPort);
  await smtp.ehlo('seed.remote.test');
  for (let m = 0; m < SEED_MESSAGES; m++) {
    for (let i = 0; i < accounts.length; i += 50) {
      const to = accounts.slice(i, i + 50);
      const body = `From: seed@remote.test\r\nTo: undisclosed-recipients:;\r\nSubject: welcome ${m}\r\nMessage-ID: <seed-${m}-${i}@remote.test>\r\n\r\n${'Seed text. '.repeat(200)}\r\n`;
      const r = await smtp.send('seed@remote.test', to, body);
      if (r.data?.code !== 250) throw new Error(`seeding: ${r.data?.code ?? r.mail.code} ${r.data?.text ?? r.mail.text}`);
    }
  }
  await smtp.quit();
  return accounts;
}

async function runBackend(backend: 'sqlite' | 'postgres', opts: FleetOptions): Promise<number> {
  const { startNode } = await import('../test/helpers/node-process.js');
  const nodes: NodeProcess[] = [];
  let dropDb: (() => Promise<void>) | null = null;
  const sqliteDir = backend === 'sqlite' ? fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-fleet-')) : null;
  try {
    let dbUrl: string;
    if (sqliteDir) dbUrl = `sqlite://${path.join(sqliteDir, 'fleet.sqlite')}`;
    else {
      // Imported late: the PostgreSQL helper reads the variable at load time.
      const { createTempPgDatabase } = await import('../test/helpers/pg.js');
      const db = await createTempPgDatabase();
      dropDb = () => db.drop();
      dbUrl = db.url;
    }
    const count = backend === 'sqlite' ? 1 : 2;
    for (let i = 1; i <= count; i++) nodes.push(await startNode({ name: `fleet-node${i}`, dbUrl }));
    const t0 = performance.now();
    const accounts = await setupAccounts(nodes[0]!, opts);
    console.log(`fleet ${backend}: ${accounts.length} accounts with ${SEED_MESSAGES} messages each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const result = await runFleetClient(nodes, {
      nodes: nodes.map((n) => ({ baseUrl: n.baseUrl, smtpPort: n.smtpPort })), smtpNode: 0, accounts, password: PASSWORD,
      devices: opts.devices, seconds: opts.seconds, smtpRate: opts.rate, senderShare: 0.1, sendEverySeconds: 120,
      heartbeat: [480, 900], seed: opts.seed,
    });
    const prefix = backend === 'sqlite' ? 'fleet sqlite' : 'fleet postgres 2 nodes';
    return printFleetReport(prefix, count === 1 ? ['server'] : nodes.map((_, i) => `node${i + 1}`), result);
  } finally {
    for (const n of nodes) await n.stop();
    if (dropDb) await dropDb();
    if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  checkFileLimit(opts.devices);
  if (opts.pg) process.env.CARBONIO_TEST_PG_URL = opts.pg;
  const backends: Array<'sqlite' | 'postgres'> = [];
  if (opts.db !== 'postgres') backends.push('sqlite');
  if (opts.db !== 'sqlite') {
    if (opts.pg) backends.push('postgres');
    else console.log('fleet postgres: skipped (set CARBONIO_TEST_PG_URL or pass --pg URL)');
  }
  let errors = 0;
  for (const b of backends) errors += await runBackend(b, opts);
  printMeasured();
  if (errors > 0) {
    console.error(`fleet: ${errors} errors`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
