// Benchmark: POP3 (src/pop3) over loopback on SQLite (and PostgreSQL with CARBONIO_TEST_PG_URL): login
// plus UIDL of a 5,000-message Inbox (the snapshot a client takes at every poll), RETR of a 20 MiB
// message (throughput and the memory it takes while being sent), and QUIT applying 1,000 DELEs in one
// transaction. Server and client share the process; the memory figure is the whole process's (the
// client keeps nothing of what it receives).
//   node --expose-gc dist/bench/pop3.js
import net from 'node:net';
import type { AccountId, FolderId } from '../src/core/ids.js';
import type { NewMessage } from '../src/store/types.js';
import { printMeasured, report } from './lib.js';

const MESSAGES = 5000;
const BIG_MIB = 20;
const DELETE = 1000;

/** The answer lines of one command: the status line, and for a multi-line answer everything up to ".". */
class Client {
  /** The first bytes and the last bytes of what arrived since the last answer: enough to check it, nothing kept. */
  private head = '';
  private tail = '';
  private wake: (() => void) | null = null;
  bytes = 0;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      if (this.head.length < 200) this.head += d.subarray(0, 200).toString('latin1');
      this.tail = (this.tail + d.subarray(-8).toString('latin1')).slice(-8);
      this.wake?.();
    });
  }

  static async connect(port: number): Promise<Client> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const c = new Client(s);
    await c.until('\r\n');
    return c;
  }

  /** Waits until what arrived ends with `end`; returns its beginning. */
  private async until(end: string): Promise<string> {
    for (;;) {
      if (this.head !== '' && this.tail.endsWith(end)) {
        const head = this.head;
        this.head = '';
        this.tail = '';
        return head;
      }
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  async cmd(line: string, multi = false): Promise<string> {
    this.socket.write(`${line}\r\n`);
    const t = await this.until(multi ? '\r\n.\r\n' : '\r\n');
    if (!t.startsWith('+OK')) throw new Error(`${line.split(' ')[0]}: ${t.slice(0, 200)}`);
    return t;
  }

  end(): void {
    this.socket.destroy();
  }
}

function message(n: number, bodyBytes: number): Buffer {
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 76)}\r\n`;
  const body = line.repeat(Math.ceil(bodyBytes / line.length));
  return Buffer.from(`From: bench@remote.test\r\nTo: pop@example.com\r\nSubject: pop3 bench ${n}\r\nMessage-ID: <pop3-${n}@remote.test>\r\n\r\n${body}`);
}

async function runOne(backend: 'sqlite' | 'postgres'): Promise<void> {
  const { startTestApp } = await import('../test/helpers/app.js');
  const { parseMessage } = await import('../src/mail/parse.js');
  const app = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'pop@example.com', password: 'pop-password-1' });
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    const add = async (accountId: AccountId, folderId: FolderId, raws: Buffer[]): Promise<void> => {
      const msgs: NewMessage[] = [];
      for (const raw of raws) {
        const p = await parseMessage(raw);
        msgs.push({ raw, meta: p.meta, text: p.text });
      }
      for (let i = 0; i < msgs.length; i += 500) await app.store.mailbox.addMessages(accountId, folderId, msgs.slice(i, i + 500));
    };
    await add(account.id, inbox.id, Array.from({ length: MESSAGES }, (_, n) => message(n, 2000)));
    await add(account.id, inbox.id, [message(MESSAGES, BIG_MIB * 1024 * 1024)]);

    // Login + UIDL, best of 5 (a polling client does exactly this).
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const c = await Client.connect(app.pop3Port!);
      await c.cmd('USER pop@example.com');
      await c.cmd('PASS pop-password-1');
      await c.cmd('UIDL', true);
      times.push(performance.now() - t0);
      await c.cmd('QUIT');
      c.end();
    }
    report(`pop3 login+uidl ${MESSAGES} ${backend}`, Math.min(...times), 'ms');

    // RETR of the big one (the last message).
    const c = await Client.connect(app.pop3Port!);
    await c.cmd('USER pop@example.com');
    await c.cmd('PASS pop-password-1');
    globalThis.gc?.();
    // Heap plus Buffers (the blob and the chunks being written live outside the JS heap).
    const used = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
    const base = used();
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, used()); }, 5);
    const before = c.bytes;
    const t0 = performance.now();
    await c.cmd(`RETR ${MESSAGES + 1}`, true);
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    report(`pop3 retr ${BIG_MIB}MiB ${backend}`, (c.bytes - before) / 1024 / 1024 / secs, 'MiB/s');
    report(`pop3 retr ${BIG_MIB}MiB ${backend} peak heap+buffers above idle`, (peak - base) / 1024 / 1024, 'MiB');

    // 1,000 DELEs, then QUIT: the UPDATE transaction.
    for (let n = 1; n <= DELETE; n++) await c.cmd(`DELE ${n}`);
    const q0 = performance.now();
    await c.cmd('QUIT');
    report(`pop3 quit with ${DELETE} deletions ${backend}`, performance.now() - q0, 'ms');
    c.end();
  } finally {
    await app.stop();
  }
}

await runOne('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await runOne('postgres');
printMeasured();
