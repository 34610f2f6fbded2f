// A deliberately small raw-socket SMTP client (RFC 5321) for tests: it writes exactly the bytes a
// test asks for and parses multi-line replies, so assertions are about what is on the wire rather
// than what a full client library decides to send.
import net from 'node:net';

export interface Reply {
  code: number;
  /** The text of each line, without the code and separator. */
  lines: string[];
  /** All lines joined with a newline. */
  text: string;
  /** The RFC 3463 enhanced status code of the first line, when there is one. */
  enhanced: string | null;
}

/** RFC 5321 section 4.5.2: a line starting with "." gets one more "."; line ends are CRLF. */
export function dotStuff(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  if (body[0] === 0x2e) parts.push(Buffer.from('.'));
  for (let i = body.indexOf('\n.'); i >= 0; i = body.indexOf('\n.', i + 2)) {
    parts.push(body.subarray(start, i + 1), Buffer.from('.'));
    start = i + 1;
  }
  parts.push(body.subarray(start));
  return parts.length === 1 ? body : Buffer.concat(parts);
}

export class SmtpClient {
  greeting!: Reply;
  closed = false;
  private buf = '';
  private replies: Reply[] = [];
  private waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<SmtpClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new SmtpClient(socket);
    c.greeting = await c.read();
    return c;
  }

  private onData(chunk: Buffer): void {
    this.buf += chunk.toString('latin1');
    for (;;) {
      // A reply ends with a line "ddd<SP>..."; "ddd-..." lines continue it.
      const m = /^((?:\d{3}-[^\r\n]*\r\n)*)(\d{3})(?: ([^\r\n]*))?\r\n/.exec(this.buf);
      if (!m) return;
      this.buf = this.buf.slice(m[0].length);
      const all = m[0].split('\r\n').filter(Boolean);
      const lines = all.map((l) => l.slice(4));
      const first = lines[0] ?? '';
      const reply: Reply = {
        code: Number(m[2]), lines, text: lines.join('\n'),
        enhanced: /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(first)?.[1] ?? null,
      };
      const w = this.waiters.shift();
      if (w) w.resolve(reply);
      else this.replies.push(reply);
    }
  }

  /** The next reply from the server. */
  read(): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async command(line: string): Promise<Reply> {
    await this.write(`${line}\r\n`);
    return this.read();
  }

  ehlo(name = 'client.test'): Promise<Reply> {
    return this.command(`EHLO ${name}`);
  }

  authPlain(user: string, pass: string, authzid = ''): Promise<Reply> {
    return this.command(`AUTH PLAIN ${Buffer.from(`${authzid}\0${user}\0${pass}`, 'utf8').toString('base64')}`);
  }

  async authLogin(user: string, pass: string): Promise<Reply> {
    const r1 = await this.command('AUTH LOGIN');
    if (r1.code !== 334) return r1;
    const r2 = await this.command(Buffer.from(user, 'utf8').toString('base64'));
    if (r2.code !== 334) return r2;
    return this.command(Buffer.from(pass, 'utf8').toString('base64'));
  }

  /** DATA, then the dot-stuffed body, a CRLF if it lacks one, and the terminating dot. */
  async data(body: string | Buffer): Promise<Reply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const tail = raw.length === 0 || raw.subarray(-2).equals(Buffer.from('\r\n')) ? '.\r\n' : '\r\n.\r\n';
    await this.write(Buffer.concat([dotStuff(raw), Buffer.from(tail)]));
    return this.read();
  }

  /** One whole transaction; returns the replies to MAIL, each RCPT, and DATA (null when not reached). */
  async send(from: string, to: string[], body: string | Buffer): Promise<{ mail: Reply; rcpt: Reply[]; data: Reply | null }> {
    const mail = await this.command(`MAIL FROM:<${from}>`);
    const rcpt: Reply[] = [];
    for (const t of to) rcpt.push(await this.command(`RCPT TO:<${t}>`));
    const data = mail.code === 250 && rcpt.some((r) => r.code === 250) ? await this.data(body) : null;
    return { mail, rcpt, data };
  }

  async quit(): Promise<void> {
    if (!this.closed) {
      await this.command('QUIT').catch(() => undefined);
      this.socket.end();
    }
    await this.closedPromise;
  }

  /** Drops the connection without QUIT (RST), as a crashing client would. */
  async abort(): Promise<void> {
    this.socket.resetAndDestroy();
    await this.closedPromise;
  }

  waitClosed(): Promise<void> {
    return this.closedPromise;
  }
}
