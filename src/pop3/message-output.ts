// A stored message as POP3 sends it (RFC 1939 section 3): CRLF line ends (the store keeps the bytes
// as received, and an import may have bare LFs), a leading "." doubled (byte-stuffing), the whole ended
// by ".\r\n" which the caller writes. TOP (section 7) sends the header, the blank line, and the first
// `bodyLines` lines of the body. The message comes in as the store's parts (BlobRepo.parts, 256 KiB
// each) and goes out in chunks of about CHUNK bytes, so a 50 MB message is written with back-pressure
// and never held whole; a line may span parts (and a CR end one part while its LF starts the next).
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CHUNK = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const DOT1 = Buffer.from('.');
const CR1 = Buffer.from('\r');

const asBuffer = (p: Uint8Array): Buffer => Buffer.from(p.buffer, p.byteOffset, p.byteLength);

/**
 * The encoder's state between parts. `push` takes the next part and returns the chunks ready to send;
 * `end` the rest. `done` turns true once TOP has its lines: the caller reads no further parts.
 */
class Pop3Encoder {
  private out: Buffer[] = [];
  private size = 0;
  /** At the first byte of a line (where a "." is doubled). */
  private lineStart = true;
  /** Bytes of the current line so far, its CR before LF left out (an empty line ends the header). */
  private lineLength = 0;
  /** The previous part ended with a CR: a line end if this part starts with LF, else a byte of the line. */
  private heldCr = false;
  private inBody = false;
  private bodyLeft: number;
  done = false;

  constructor(bodyLines: number | undefined) {
    this.bodyLeft = bodyLines ?? Infinity;
  }

  private emit(b: Buffer): void {
    if (b.length === 0) return;
    this.out.push(b);
    this.size += b.length;
  }

  /** Bytes of the current line (not a line end). */
  private data(b: Buffer): void {
    if (b.length === 0) return;
    if (this.lineStart) {
      if (this.inBody && this.bodyLeft <= 0) {
        this.done = true;
        return;
      }
      if (b[0] === DOT) this.emit(DOT1);
      this.lineStart = false;
    }
    this.emit(b);
    this.lineLength += b.length;
  }

  private endLine(): void {
    if (this.lineStart && this.inBody && this.bodyLeft <= 0) {
      this.done = true;
      return;
    }
    this.emit(CRLF);
    if (this.inBody) this.bodyLeft--;
    else if (this.lineLength === 0) this.inBody = true;
    this.lineStart = true;
    this.lineLength = 0;
  }

  private ready(flush: boolean): Buffer[] {
    if (this.size === 0 || (!flush && this.size < CHUNK)) return [];
    const chunk = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.size);
    this.out = [];
    this.size = 0;
    return [chunk];
  }

  push(part: Uint8Array): Buffer[] {
    const buf = asBuffer(part);
    let pos = 0;
    if (this.heldCr && buf.length > 0) {
      this.heldCr = false;
      if (buf[0] === LF) {
        this.endLine();
        pos = 1;
      } else {
        this.data(CR1);
      }
    }
    const chunks: Buffer[] = [];
    while (pos < buf.length && !this.done) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        // The rest of the line is in this part; a CR at its very end may belong to a CRLF.
        const end = buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
        this.data(buf.subarray(pos, end));
        this.heldCr = end < buf.length;
        break;
      }
      const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
      this.data(buf.subarray(pos, lineEnd));
      this.endLine();
      pos = lf + 1;
      chunks.push(...this.ready(false));
    }
    chunks.push(...this.ready(this.done));
    return chunks;
  }

  /** The last line gets a CRLF even when the stored message lacks one, so the "." is on a line of its own. */
  end(): Buffer[] {
    if (!this.done && (this.heldCr || !this.lineStart)) this.endLine();
    this.heldCr = false;
    return this.ready(true);
  }
}

/**
 * The message's lines, CRLF-ended and dot-stuffed, in chunks. `bodyLines`: TOP's line count of the body
 * (the header is always sent whole); undefined: everything (RETR).
 */
export function* pop3Lines(raw: Uint8Array, bodyLines?: number): Generator<Buffer> {
  const enc = new Pop3Encoder(bodyLines);
  yield* enc.push(raw);
  yield* enc.end();
}

/**
 * The same from the store's parts, as they are read: the parts iterator is left (and the store reads no
 * further) as soon as TOP has its lines or the consumer stops.
 */
export async function* pop3Stream(parts: AsyncIterable<Uint8Array>, bodyLines?: number): AsyncGenerator<Buffer> {
  const enc = new Pop3Encoder(bodyLines);
  for await (const part of parts) {
    yield* enc.push(part);
    if (enc.done) break;
  }
  yield* enc.end();
}
