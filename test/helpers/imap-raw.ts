// A raw IMAP connection for tests that need the exact bytes (untagged responses, IDLE, literal8): send
// lines, read until a pattern or a tagged answer. Waits on data events, never on fixed sleeps.
import net from 'node:net';
import tls from 'node:tls';

export class RawImap {
  private buf = '';
  private waiters: Array<() => void> = [];
  greeting = '';
  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => { this.buf += d; for (const w of this.waiters.splice(0)) w(); });
    sock.on('close', () => { for (const w of this.waiters.splice(0)) w(); });
  }

  /** `localAddress` (e.g. 127.0.0.2: a client that is not loopback to the plaintext rule), `tls`: implicit TLS. */
  static async open(port: number, opts: { localAddress?: string; tls?: boolean } = {}): Promise<RawImap> {
    const where = { port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) };
    const sock = opts.tls ? tls.connect({ ...where, rejectUnauthorized: false }) : net.connect(where);
    await new Promise<void>((resolve, reject) => { sock.once(opts.tls ? 'secureConnect' : 'connect', () => resolve()); sock.once('error', reject); });
    const r = new RawImap(sock);
    r.greeting = await r.until(/^\* (OK|BYE).*\r\n/m);
    return r;
  }

  /** Opens, logs in and (with `select`) selects; ENABLE QRESYNC first with `qresync`. */
  static async login(port: number, user: string, pass: string, opts: { select?: string; qresync?: boolean } = {}): Promise<RawImap> {
    const r = await RawImap.open(port);
    const l = await r.cmd('l1', `LOGIN "${user}" "${pass}"`);
    if (!/^l1 OK/m.test(l)) throw new Error(`login failed: ${l}`);
    if (opts.qresync) await r.cmd('l2', 'ENABLE QRESYNC');
    if (opts.select) await r.cmd('l3', `SELECT ${opts.select}`);
    return r;
  }

  /** Everything received up to and including the first match of `re` (which is consumed). */
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const out = this.buf.slice(0, m.index + m[0].length);
        this.buf = this.buf.slice(m.index + m[0].length);
        return out;
      }
      if (this.sock.destroyed) throw new Error(`connection closed; got ${JSON.stringify(this.buf.slice(0, 300))}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  write(s: string | Buffer): void { this.sock.write(s); }

  /** Sends a tagged command and returns everything up to its tagged answer. */
  cmd(tag: string, text: string | Buffer): Promise<string> {
    this.write(typeof text === 'string' ? `${tag} ${text}\r\n` : Buffer.concat([Buffer.from(`${tag} `), text, Buffer.from('\r\n')]));
    return this.until(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'));
  }

  closed(): Promise<void> {
    return this.sock.destroyed ? Promise.resolve() : new Promise((resolve) => this.sock.once('close', () => resolve()));
  }

  close(): void { this.sock.destroy(); }

  async logout(): Promise<void> {
    await this.cmd('zz', 'LOGOUT');
    this.sock.destroy();
  }
}
