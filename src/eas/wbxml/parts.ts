// Decoding a WBXML body that is still in the chunks it arrived in (WAP-192-WBXML section 5.8), without
// joining it: a SendMail carries its message, often many MiB, as one OPAQUE or inline string of
// ComposeMail:Mime (MS-ASCMD 2.2.3.107), and joining the chunks would copy it (issue 16 part 5).
// A framing pass walks the tokens across the chunks and copies everything except large payloads into a
// small buffer, where each large payload is a one-byte OPAQUE placeholder; decoder.ts decodes that, and
// each placeholder is replaced by views of the payload in the chunks: the element then holds several byte
// nodes, which `bytes()` joins and `byteParts()` hands out as they are. Anything the framing pass does not
// follow (a malformed body) is decoded joined, so every error is the decoder's own.
import { Buffer } from 'node:buffer';
import { isBinaryTag } from './code-pages.js';
import { decode, DEFAULT_MAX_INPUT_BYTES, type DecodeOptions } from './decoder.js';
import { WbxmlError } from './errors.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';
import { END, ENTITY, OPAQUE, STR_I, STR_T, SWITCH_PAGE } from './tokens.js';

/** Payloads from this size on stay in the chunks; smaller ones are copied with the structure. */
export const LARGE_PAYLOAD = 16 * 1024;


/** A reader over the chunks that ends (null) where the input does. */
class Cursor {
  private part = 0;
  private at = 0;

  constructor(private readonly parts: readonly Buffer[]) {}

  byte(): number | null {
    for (; this.part < this.parts.length; this.part++, this.at = 0) {
      const p = this.parts[this.part]!;
      if (this.at < p.length) return p[this.at++]!;
    }
    return null;
  }

  /** The raw bytes of an mb_u_int32 (WBXML 5.1) and its value; null when it does not end within 5 bytes. */
  mbUint(): { raw: number[]; value: number } | null {
    const raw: number[] = [];
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (b === null) return null;
      raw.push(b);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return { raw, value };
    }
    return null;
  }

  /** The next n bytes as views into the chunks; null when fewer are left. */
  take(n: number): Buffer[] | null {
    const out: Buffer[] = [];
    let left = n;
    for (; left > 0 && this.part < this.parts.length; this.part++, this.at = 0) {
      const p = this.parts[this.part]!;
      const got = Math.min(left, p.length - this.at);
      if (got > 0) out.push(p.subarray(this.at, this.at + got));
      left -= got;
      this.at += got;
      if (left === 0) break;
    }
    return left === 0 ? out : null;
  }

  /** Bytes up to the next NUL (not included); null when there is none. */
  lengthToNul(): number | null {
    let n = 0;
    for (let part = this.part, at = this.at; part < this.parts.length; part++, at = 0) {
      const i = this.parts[part]!.indexOf(0, at);
      if (i !== -1) return n + i - at;
      n += this.parts[part]!.length - at;
    }
    return null;
  }

  rest(): Buffer[] {
    const out = this.parts.slice(this.part).map((p, i) => (i === 0 ? p.subarray(this.at) : p));
    this.part = this.parts.length;
    return out;
  }
}

/** The structure with placeholders, and each placeholder's offset in it with the payload it stands for. */
interface Framed {
  compact: Buffer;
  payloads: Map<number, Buffer[]>;
}

function frame(parts: readonly Buffer[]): Framed | null {
  const c = new Cursor(parts);
  const out: Buffer[] = [];
  let length = 0;
  const emit = (b: Buffer | readonly number[]): void => {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
    out.push(buf);
    length += buf.length;
  };
  const payloads = new Map<number, Buffer[]>();
  const placeholder = (views: Buffer[]): void => {
    emit([OPAQUE, 1]);
    payloads.set(length, views);
    emit([0]);
  };
  const byte = (): number | null => {
    const b = c.byte();
    if (b !== null) emit([b]);
    return b;
  };
  const mb = (): number | null => {
    const v = c.mbUint();
    if (v) emit(v.raw);
    return v ? v.value : null;
  };
  // Header: version, public id (0: then a string table index), charset, string table.
  if (byte() === null) return null;
  const publicId = mb();
  if (publicId === null || (publicId === 0 && mb() === null) || mb() === null) return null;
  const tableLength = mb();
  const table = tableLength === null ? null : c.take(tableLength);
  if (!table) return null;
  table.forEach(emit);
  const binary: boolean[] = [];
  let page = 0;
  for (;;) {
    const t = c.byte();
    if (t === null) return null;
    if (t === SWITCH_PAGE) {
      emit([t]);
      const p = byte();
      if (p === null) return null;
      page = p;
    } else if (t === END) {
      emit([t]);
      if (binary.pop() === undefined) return null;
      if (binary.length === 0) break;
    } else if (t === STR_I) {
      const n = c.lengthToNul();
      if (n === null) return null;
      const views = c.take(n + 1)!;
      // Only a binary element's string may become bytes: another's content stays a string for the decoder.
      if (n >= LARGE_PAYLOAD && binary[binary.length - 1] === true) {
        const last = views[views.length - 1]!;
        views[views.length - 1] = last.subarray(0, last.length - 1); // without its NUL
        placeholder(views.filter((v) => v.length > 0));
      } else {
        emit([t]);
        views.forEach(emit);
      }
    } else if (t === OPAQUE) {
      const v = c.mbUint();
      if (!v) return null;
      const views = c.take(v.value);
      if (!views) return null;
      if (v.value >= LARGE_PAYLOAD) {
        placeholder(views);
      } else {
        emit([t, ...v.raw]);
        views.forEach(emit);
      }
    } else if (t === STR_T || t === ENTITY) {
      emit([t]);
      if (mb() === null) return null;
    } else if ((t & 0x3f) < 0x05 || (t & 0x80) !== 0) {
      return null; // not ActiveSync's WBXML: the decoder says why
    } else {
      emit([t]);
      if ((t & 0x40) !== 0) binary.push(isBinaryTag(page, t & 0x3f));
      else if (binary.length === 0) break; // a root without content
    }
  }
  c.rest().forEach(emit); // trailing padding, or whatever the decoder will refuse
  return { compact: Buffer.concat(out, length), payloads };
}

/** Puts each payload's views where its placeholder was decoded. */
function restore(e: WbxmlElement, f: Framed): void {
  const kids: WbxmlNode[] = [];
  for (const k of e.children) {
    if (k instanceof Uint8Array) {
      const views = k.buffer === f.compact.buffer && k.byteLength === 1 ? f.payloads.get(k.byteOffset - f.compact.byteOffset) : undefined;
      if (views) kids.push(...views.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
      else kids.push(k);
    } else {
      if (typeof k !== 'string') restore(k, f);
      kids.push(k);
    }
  }
  e.children = kids;
}

/**
 * Decodes a body given as chunks; large OPAQUE (and binary-element inline string) payloads stay views into
 * the chunks, one byte node per chunk they span. Throws WbxmlError as `decode` does.
 */
export function decodeParts(parts: readonly Uint8Array[], options: DecodeOptions = {}): WbxmlElement {
  const bufs = parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const maxInput = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (total > maxInput) throw new WbxmlError('too-large', `body of ${total} bytes exceeds ${maxInput}`);
  const f = bufs.length > 1 ? frame(bufs) : null;
  if (!f) return decode(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, total), options);
  const root = decode(f.compact, options);
  if (f.payloads.size > 0) restore(root, f);
  return root;
}
