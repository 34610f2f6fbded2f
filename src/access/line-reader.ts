// A pull-style reader of CRLF-terminated command lines (IMAP RFC 9051 section 2.2, POP3 RFC 1939
// section 3) with raw byte reads for IMAP literals. A session asks for one thing at a time, so pipelined
// commands simply wait in the buffer, and while nobody asks and the buffer is full the socket is paused
// (back-pressure: a client flooding commands costs at most `maxBuffered` bytes).
//
// A line longer than `maxLineBytes` is reported once ({ kind: 'too-long' }), the rest of it (up to its LF)
// is thrown away as it arrives, and reading goes on with the next line: the connection is kept, as
// RFC 9051 section 7.1.5 (BAD) and Dovecot's behaviour ask. A bare LF also ends a line (clients written
// for Unix send it); a CR before it is removed.
import type { Socket } from 'node:net';

export type ReadResult =
  | { kind: 'line'; line: Buffer }
  /** A line over the limit was discarded (counted up to the limit; the rest is skipped as it arrives). */
  | { kind: 'too-long' }
  /** The connection closed (or was detached) before a complete line or the bytes asked for. */
  | { kind: 'end' };

export interface LineReaderOptions {
  /** Longest line accepted, CRLF excluded. */
  maxLineBytes: number;
  /** Pause the socket when this much is buffered and unread (default: maxLineBytes + 64 KiB). */
  maxBuffered?: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Inside an over-long line: bytes are dropped until its LF. */
  private discarding = false;
  private tooLongPending = false;
  private ended = false;
  private socket: Socket | null = null;
  private wake: (() => void) | null = null;
  private readonly maxBuffered: number;
  private readonly onData = (chunk: Buffer): void => this.push(chunk);
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(socket: Socket, private readonly opts: LineReaderOptions) {
    this.maxBuffered = opts.maxBuffered ?? opts.maxLineBytes + 64 * 1024;
    this.attach(socket);
  }

  /** Reads from `socket` from now on (after STARTTLS: the TLS socket). */
  attach(socket: Socket): void {
    this.detach();
    this.socket = socket;
    this.ended = false;
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.once('close', this.onEnd);
    socket.resume();
  }

  /**
   * Stops reading and returns what was buffered but not consumed. Before STARTTLS the caller throws that
   * away: plain-text bytes sent after the command must not run as if they came over TLS (CVE-2011-0411).
   */
  detach(): Buffer {
    const s = this.socket;
    if (s) {
      s.off('data', this.onData);
      s.off('end', this.onEnd);
      s.off('close', this.onEnd);
      s.pause();
    }
    this.socket = null;
    const rest = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.discarding = false;
    this.tooLongPending = false;
    return rest;
  }

  /** Bytes received and not consumed yet (a client pipelining, or injecting before STARTTLS). */
  get pending(): number {
    return this.buffered;
  }

  /** The next line (without its CRLF), an over-long line reported once, or the end of the connection. */
  async next(): Promise<ReadResult> {
    for (;;) {
      if (this.tooLongPending) {
        this.tooLongPending = false;
        return { kind: 'too-long' };
      }
      const line = this.takeLine();
      if (line) return { kind: 'line', line };
      if (this.tooLongPending) continue;
      if (this.ended || !this.socket) return { kind: 'end' };
      await this.waitForData();
    }
  }

  /**
   * Exactly `n` raw bytes (an IMAP literal's body). The caller checks `n` against its own maximum first
   * and refuses (without reading) what is too big; `max` here is the backstop.
   */
  async readBytes(n: number, max: number): Promise<Buffer | null> {
    if (n > max) throw new RangeError(`readBytes: ${n} bytes asked, at most ${max} allowed`);
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (this.buffered === 0) {
        if (this.ended || !this.socket) return null;
        await this.waitForData();
        continue;
      }
      const part = this.take(Math.min(need, this.buffered));
      parts.push(part);
      need -= part.length;
    }
    return Buffer.concat(parts, n);
  }

  /**
   * Reads and drops `n` bytes without keeping them (a LITERAL+ literal refused for its size, RFC 7888
   * section 4: the client sends it anyway). False when the connection ended first.
   */
  async skipBytes(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        if (this.ended || !this.socket) return false;
        await this.waitForData();
        continue;
      }
      left -= this.take(Math.min(left, this.buffered)).length;
    }
    return true;
  }

  private push(chunk: Buffer): void {
    if (this.discarding) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) return;
      this.discarding = false;
      chunk = chunk.subarray(lf + 1);
      if (chunk.length === 0) return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= this.maxBuffered) this.socket?.pause();
    this.notify();
  }

  /** A complete line from the buffer, or null (and then maybe tooLongPending, with the line being dropped). */
  private takeLine(): Buffer | null {
    let scanned = 0;
    for (const c of this.chunks) {
      const lf = c.indexOf(LF);
      if (lf >= 0) {
        const len = scanned + lf;
        // CRLF excluded: a line of exactly maxLineBytes is fine.
        const line = this.take(len + 1).subarray(0, len);
        const body = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
        if (body.length > this.opts.maxLineBytes) {
          this.tooLongPending = true;
          return null;
        }
        return body;
      }
      scanned += c.length;
    }
    if (this.buffered > this.opts.maxLineBytes + 1) {
      // No LF within the limit: drop what we have and the rest of the line as it comes.
      this.chunks = [];
      this.buffered = 0;
      this.discarding = true;
      this.tooLongPending = true;
      this.socket?.resume();
    }
    return null;
  }

  private take(n: number): Buffer {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        out.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        out.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    if (this.buffered < this.maxBuffered) this.socket?.resume();
    return out.length === 1 ? out[0]! : Buffer.concat(out, n);
  }

  private waitForData(): Promise<void> {
    this.socket?.resume();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
