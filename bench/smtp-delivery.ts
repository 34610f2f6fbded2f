// Benchmark: inbound SMTP delivery (RFC 5321) over loopback into the store. A few persistent
// connections each send messages in sequence (RSET, MAIL, RCPT, DATA); we report messages per
// second and MB/s for SQLite, and PostgreSQL when CARBONIO_TEST_PG_URL or `--pg URL` is given.
//   node dist/bench/smtp-delivery.js [--pg URL] [--messages 1000] [--kib 20] [--connections 4]
import { pathToFileURL } from 'node:url';
import { printMeasured, report } from './lib.js';
import type { SmtpClient as SmtpClientType } from '../test/helpers/smtp-client.js';

interface Options {
  messages: number;
  kib: number;
  connections: number;
  pg: string | undefined;
}

export interface BenchResult {
  backend: 'sqlite' | 'postgres';
  messages: number;
  bytes: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { messages: 1000, kib: 20, connections: 4, pg: process.env.CARBONIO_TEST_PG_URL || undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive whole number`);
      i++;
      return n;
    };
    if (flag === '--pg') {
      if (!value) throw new Error('--pg needs a postgres:// URL');
      opts.pg = value;
      i++;
    } else if (flag === '--messages') opts.messages = num();
    else if (flag === '--kib') opts.kib = num();
    else if (flag === '--connections') opts.connections = num();
    else throw new Error(`unknown argument ${flag ?? ''}`);
  }
  return opts;
}

/** A plausible text message of exactly `size` bytes, unique per `n` so blobs do not deduplicate. */
function makeMessage(n: number, size: number): Buffer {
  const head = `From: Bench <bench@remote.test>\r\nTo: bob@example.com\r\nSubject: bench message ${n}\r\n`
    + `Message-ID: <bench-${n}-${Date.now()}@remote.test>\r\nDate: ${new Date().toUTCString()}\r\n`
    + 'Content-Type: text/plain; charset=utf-8\r\n\r\n';
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 76)}\r\n`;
  let body = '';
  while (head.length + body.length + line.length <= size - 2) body += line;
  body += 'x'.repeat(size - 2 - head.length - body.length) + '\r\n';
  return Buffer.from(head + body, 'utf8');
}

async function runOne(backend: 'sqlite' | 'postgres', opts: Options): Promise<BenchResult> {
  // Imported late so that --pg can set the variable the test helpers read at load time.
  const { startTestApp } = await import('../test/helpers/app.js');
  const { SmtpClient } = await import('../test/helpers/smtp-client.js');
  const app = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    const size = opts.kib * 1024;
    const messages = Array.from({ length: opts.messages + 20 }, (_, n) => makeMessage(n, size));
    const clients = await Promise.all(Array.from({ length: opts.connections }, () => SmtpClient.connect(app.smtpPort)));
    for (const c of clients) await c.ehlo('bench.test');

    let next = 0;
    const sendAll = async (c: SmtpClientType, limit: number): Promise<void> => {
      while (next < limit) {
        const n = next++;
        const msg = messages[n];
        if (!msg) return;
        if ((await c.command('RSET')).code !== 250) throw new Error('RSET refused');
        const r = await c.send('bench@remote.test', ['bob@example.com'], msg);
        if (r.data?.code !== 250) throw new Error(`message ${n} refused: ${r.data?.code} ${r.data?.text}`);
      }
    };
    // Warm-up (connections, statement caches, JIT), not timed.
    await Promise.all(clients.map((c) => sendAll(c, 20)));
    const started = process.hrtime.bigint();
    await Promise.all(clients.map((c) => sendAll(c, messages.length)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await Promise.all(clients.map((c) => c.quit()));

    const inbox = await app.store.mailbox.getFolderByRole(bob.id, 'inbox');
    const stored = inbox ? await app.store.mailbox.countItems(bob.id, inbox.id) : 0;
    if (stored !== messages.length) throw new Error(`expected ${messages.length} stored messages, found ${stored}`);
    const bytes = opts.messages * size;
    return { backend, messages: opts.messages, bytes, seconds, msgsPerSec: opts.messages / seconds, mbPerSec: bytes / 1e6 / seconds };
  } finally {
    await app.stop();
  }
}

export async function main(argv: string[]): Promise<BenchResult[]> {
  const opts = parseArgs(argv);
  if (opts.pg) process.env.CARBONIO_TEST_PG_URL = opts.pg;
  const backends: Array<'sqlite' | 'postgres'> = ['sqlite', ...(opts.pg ? ['postgres' as const] : [])];
  const results: BenchResult[] = [];
  for (const backend of backends) {
    const r = await runOne(backend, opts);
    results.push(r);
    console.log(`smtp delivery ${backend}: ${r.messages} msgs of ${opts.kib} KiB over ${opts.connections} connections in `
      + `${r.seconds.toFixed(2)} s = ${Math.round(r.msgsPerSec)} msg/s, ${r.mbPerSec.toFixed(1)} MB/s`);
    // The comparable figures, with their ratio to bench/baselines.json when it has them.
    report(`smtp delivery ${backend}`, r.msgsPerSec, 'msg/s');
    report(`smtp delivery ${backend} throughput`, r.mbPerSec, 'MB/s');
  }
  printMeasured();
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
