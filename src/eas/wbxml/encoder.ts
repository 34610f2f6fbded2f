// WBXML 1.3 encoder (WAP-192-WBXML section 5) for MS-ASWBXML 2.1.2: header 03 01 6A 00 (version
// 1.3, unknown public id, UTF-8, no string table), SWITCH_PAGE only when the page changes, STR_I for
// text, OPAQUE for bytes and for byte-array elements, and the content bit only on non-empty elements.
import { Buffer } from 'node:buffer';
import { MAX_PAGE, isBinaryTag, namespaceOf, tokenOf } from './code-pages.js';
import { WbxmlError } from './errors.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface EncodeOptions {
  /** Deepest nesting written; also stops a cyclic tree. Default 64. */
  readonly maxDepth?: number;
  /** Expected size in bytes; above 64 KiB it sizes the first buffer, which doubles as needed. */
  readonly sizeHint?: number;
}

const HEADER = [0x03, 0x01, 0x6a, 0x00] as const;

// encode() is synchronous and not re-entrant, so one scratch buffer serves every small body; a
// small result is then copied out into a pooled allocation, which is far cheaper than a fresh 16 KiB.
const SCRATCH_SIZE = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_SIZE);

/** A doubling byte buffer: amortised O(1) appends, so a 1 MiB body costs about 2 MiB of copying. */
class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = size > SCRATCH_SIZE ? Buffer.allocUnsafe(size) : scratch;
  }
  result(): Buffer {
    if (this.buf !== scratch) return this.buf.subarray(0, this.pos);
    const out = Buffer.allocUnsafe(this.pos);
    scratch.copy(out, 0, 0, this.pos);
    return out;
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  mbUint(n: number): void {
    this.ensure(5);
    let shift = 28;
    while (shift > 0 && n < 2 ** shift) shift -= 7;
    for (; shift > 0; shift -= 7) this.buf[this.pos++] = 0x80 | (Math.floor(n / 2 ** shift) & 0x7f);
    this.buf[this.pos++] = n & 0x7f;
  }
  opaque(b: Uint8Array): void {
    this.byte(0xc3);
    this.mbUint(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }
  opaqueText(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.byte(0xc3);
    this.mbUint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  strI(s: string): void {
    // Three bytes per UTF-16 unit bounds the UTF-8 length, so one check covers the write.
    this.ensure(s.length * 3 + 2);
    const buf = this.buf;
    buf[this.pos++] = 0x03;
    // Most EAS strings are short ASCII (ids, keys, numbers): copying them by hand beats a native call.
    let i = 0;
    if (s.length <= 64) {
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[this.pos + i] = c;
      }
    }
    this.pos += i === s.length ? i : buf.write(s, this.pos, 'utf8');
    buf[this.pos++] = 0x00;
  }
}

// STR_I ends at the first NUL, so a NUL inside text would cut it; strip it as peer servers do.
const clean = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '') : s);

const hasContent = (children: readonly WbxmlNode[]): boolean => {
  for (const c of children) {
    if (typeof c === 'string') {
      if (clean(c).length > 0) return true;
    } else if (c instanceof Uint8Array) {
      if (c.byteLength > 0) return true;
    } else {
      return true;
    }
  }
  return false;
};

class Encoder {
  private page = 0;
  constructor(
    readonly w: Writer,
    private readonly maxDepth: number,
  ) {}

  element(e: WbxmlElement, depth: number): void {
    if (depth > this.maxDepth) throw new WbxmlError('too-deep', `elements nested deeper than ${this.maxDepth}`);
    if (!Number.isInteger(e.page) || e.page < 0 || e.page > MAX_PAGE) throw new WbxmlError('unknown-page', `unknown code page ${e.page}`);
    const token = tokenOf(e.page, e.tag);
    if (token === undefined) throw new WbxmlError('unknown-tag', `unknown tag ${namespaceOf(e.page)}:${e.tag}`);
    const w = this.w;
    if (e.page !== this.page) {
      w.byte(0x00);
      w.byte(e.page);
      this.page = e.page;
    }
    if (!hasContent(e.children)) {
      w.byte(token);
      return;
    }
    w.byte(token | 0x40);
    const binary = isBinaryTag(e.page, token);
    for (const c of e.children) {
      if (typeof c === 'string') {
        const s = binary ? c : clean(c);
        if (s.length === 0) continue;
        if (binary) w.opaqueText(s);
        else w.strI(s);
      } else if (c instanceof Uint8Array) {
        if (c.byteLength > 0) w.opaque(c);
      } else {
        this.element(c, depth + 1);
      }
    }
    w.byte(0x01);
  }
}

/** Encodes a tree as an ActiveSync WBXML body. Throws WbxmlError for a tag outside the code pages. */
export const encode = (root: WbxmlElement, options: EncodeOptions = {}): Buffer => {
  const w = new Writer(options.sizeHint ?? 0);
  for (const b of HEADER) w.byte(b);
  new Encoder(w, options.maxDepth ?? 64).element(root, 1);
  return w.result();
};
