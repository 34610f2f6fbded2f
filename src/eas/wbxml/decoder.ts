// WBXML 1.3 decoder (WAP-192-WBXML section 5) with the MS-ASWBXML 2.1.2 code pages. Input comes
// from the network, so every read is bounds-checked, every loop advances, lengths are checked against
// the bytes actually present before anything is allocated, and all failures are WbxmlError.
import { Buffer } from 'node:buffer';
import { MAX_PAGE, isBinaryTag, tagName } from './code-pages.js';
import { WbxmlError } from './errors.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';
import { END, ENTITY, OPAQUE, STR_I, STR_T, SWITCH_PAGE } from './tokens.js';

export interface DecodeOptions {
  /** Deepest element nesting accepted (root is depth 1). Default 64. */
  readonly maxDepth?: number;
  /** Largest input accepted, in bytes. Default 64 MiB. */
  readonly maxInputBytes?: number;
  /** Most elements accepted; bounds the tree's memory, which can be ~100x a one-byte tag. Default 500,000. */
  readonly maxElements?: number;
  /**
   * 'error' (default) raises WbxmlError 'unknown-tag'; 'drop' leaves an unknown non-root element and
   * its content out of the tree, for callers that prefer to ignore what a newer client adds.
   */
  readonly unknownTags?: 'error' | 'drop';
}

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_ELEMENTS = 500_000;

const CHARSET_LATIN1 = 4;

class Decoder {
  private pos = 0;
  private readonly len: number;
  private encoding: BufferEncoding = 'utf8';
  private tableStart = 0;
  private tableLen = 0;
  private expanded = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
    private readonly maxElements: number,
    private readonly dropUnknown: boolean,
  ) {
    this.len = buf.length;
  }

  private fail(code: WbxmlError['code'], message: string, at = this.pos): never {
    throw new WbxmlError(code, message, at);
  }

  private byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) this.fail('truncated', 'input ended early');
    this.pos++;
    return b;
  }

  /** mb_u_int32: 7 bits a byte, high bit continues; at most 5 bytes and 32 bits (WBXML 5.1). */
  private mbUint(): number {
    const start = this.pos;
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (v > 0xffffffff) this.fail('bad-length', 'multi-byte integer exceeds 32 bits', start);
        return v;
      }
    }
    return this.fail('bad-length', 'multi-byte integer longer than 5 bytes', start);
  }

  private header(): void {
    const version = this.byte();
    if (version < 0x01 || version > 0x03) this.fail('bad-header', `unsupported WBXML version byte 0x${version.toString(16)}`, 0);
    // A zero public id is followed by an index into the string table naming the DTD; EAS ignores both.
    if (this.mbUint() === 0) this.mbUint();
    // Phones send 106 (UTF-8); a few send 0 (unknown). Anything but Latin-1 is read as UTF-8.
    this.encoding = this.mbUint() === CHARSET_LATIN1 ? 'latin1' : 'utf8';
    this.tableLen = this.mbUint();
    this.tableStart = this.pos;
    if (this.tableLen > this.len - this.pos) this.fail('bad-length', 'string table longer than the input');
    this.pos += this.tableLen;
  }

  /** Bounds of the string table entry at index: from there to its NUL or the end of the table. */
  private tableEntry(index: number, at: number): [number, number] {
    if (index >= this.tableLen) this.fail('bad-length', 'string table reference out of range', at);
    const start = this.tableStart + index;
    const end = this.tableStart + this.tableLen;
    // Search the table only: scanning on into the body would make many references quadratic.
    const nul = this.buf.subarray(start, end).indexOf(0);
    const stop = nul === -1 ? end : start + nul;
    // Repeating a long entry many times would turn a small body into a huge text: allow the
    // compression real string tables give, and no more.
    this.expanded += stop - start;
    if (this.expanded > this.len * 8 + 65_536) this.fail('too-large', 'string table references expand too much', at);
    return [start, stop];
  }

  decode(): WbxmlElement {
    this.header();
    const stack: WbxmlElement[] = [];
    const binary: boolean[] = [];
    let page = 0;
    let count = 0;
    let root: WbxmlElement | undefined;
    const buf = this.buf;

    const parentAt = (at: number): WbxmlElement => {
      const p = stack[stack.length - 1];
      if (!p) this.fail('unexpected-token', 'content outside the root element', at);
      return p;
    };

    for (;;) {
      const at = this.pos;
      if (at >= this.len) this.fail('truncated', root ? 'input ended before the root element was closed' : 'no root element');
      const t = buf[at] as number;
      this.pos = at + 1;
      if (t === SWITCH_PAGE) {
        const p = this.byte();
        if (p > MAX_PAGE) this.fail('unknown-page', `unknown code page ${p}`, at);
        page = p;
      } else if (t === END) {
        if (!stack.pop()) this.fail('unexpected-token', 'END without an open element', at);
        binary.pop();
        if (stack.length === 0) break;
      } else if (t === STR_I) {
        const parent = parentAt(at);
        const nul = buf.indexOf(0, this.pos);
        if (nul === -1) this.fail('truncated', 'inline string without its terminating NUL', at);
        if (nul > this.pos) {
          // Bytes of a binary element are a view too (an inline Mime of several MiB), as for OPAQUE below.
          addContent(parent, binary[binary.length - 1] === true
            ? new Uint8Array(buf.buffer, buf.byteOffset + this.pos, nul - this.pos)
            : buf.toString(this.encoding, this.pos, nul));
        }
        this.pos = nul + 1;
      } else if (t === OPAQUE) {
        const parent = parentAt(at);
        const n = this.mbUint();
        if (n > this.len - this.pos) this.fail('bad-length', `opaque length ${n} exceeds the input`, at);
        // A view, not a copy: a 10 MiB attachment in SendMail is not duplicated (the request is never mutated).
        if (n > 0) addContent(parent, new Uint8Array(buf.buffer, buf.byteOffset + this.pos, n));
        this.pos += n;
      } else if (t === STR_T) {
        const parent = parentAt(at);
        const [start, stop] = this.tableEntry(this.mbUint(), at);
        if (stop > start) {
          addContent(parent, binary[binary.length - 1] === true
            ? new Uint8Array(buf.subarray(start, stop))
            : buf.toString(this.encoding, start, stop));
        }
      } else if (t === ENTITY) {
        const parent = parentAt(at);
        const cp = this.mbUint();
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail('unexpected-token', `invalid character entity ${cp}`, at);
        // A NUL character cannot travel in STR_I and is stripped everywhere else too.
        if (cp !== 0) addContent(parent, String.fromCodePoint(cp));
      } else if ((t & 0x3f) < 0x05) {
        // LITERAL*, EXT*, PI: defined by WBXML but never used by MS-ASWBXML.
        this.fail('unexpected-token', `global token 0x${t.toString(16)} is not used by ActiveSync`, at);
      } else if ((t & 0x80) !== 0) {
        this.fail('unexpected-token', 'attributes are not used by ActiveSync', at);
      } else {
        const token = t & 0x3f;
        const parent = stack[stack.length - 1];
        let tag = tagName(page, token);
        // A dropped element is built but never attached, so its whole subtree falls away with it.
        const drop = tag === undefined && this.dropUnknown && parent !== undefined;
        if (drop) tag = '';
        else if (tag === undefined) this.fail('unknown-tag', `unknown tag 0x${token.toString(16)} on code page ${page}`, at);
        if (++count > this.maxElements) this.fail('too-large', `more than ${this.maxElements} elements`, at);
        if (stack.length >= this.maxDepth) this.fail('too-deep', `elements nested deeper than ${this.maxDepth}`, at);
        const e: WbxmlElement = { page, tag, children: [] };
        if (!parent) {
          if (root) this.fail('unexpected-token', 'a second root element', at);
          root = e;
        } else if (!drop) {
          parent.children.push(e);
        }
        if ((t & 0x40) !== 0) {
          stack.push(e);
          binary.push(isBinaryTag(page, token));
        } else if (!parent) {
          break;
        }
      }
    }
    // Some phones pad the body with NULs after the root's END; anything else is not ours to guess.
    while (this.pos < this.len) {
      if (buf[this.pos] !== 0) this.fail('unexpected-token', 'data after the root element');
      this.pos++;
    }
    return root as WbxmlElement;
  }
}

/**
 * Appends content. Adjacent strings merge (rope concatenation is cheap) so that text split by ENTITY
 * or STR_T reads as one string; byte chunks stay separate, since merging them one at a time would be
 * quadratic on hostile input, and `bytes()` joins them.
 */
const addContent = (parent: WbxmlElement, node: string | Uint8Array): void => {
  const kids: WbxmlNode[] = parent.children;
  const last = kids[kids.length - 1];
  if (typeof node === 'string' && typeof last === 'string') kids[kids.length - 1] = last + node;
  else kids.push(node);
};

/**
 * Decodes an ActiveSync WBXML body into its root element. Throws WbxmlError on anything malformed
 * (the HTTP layer answers 400). An empty body is 'truncated': callers treat empty bodies first.
 */
export const decode = (input: Uint8Array, options: DecodeOptions = {}): WbxmlElement => {
  const maxInput = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (input.byteLength > maxInput) throw new WbxmlError('too-large', `body of ${input.byteLength} bytes exceeds ${maxInput}`);
  if (input.byteLength === 0) throw new WbxmlError('truncated', 'empty body', 0);
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { maxDepth = DEFAULT_MAX_DEPTH, maxElements = DEFAULT_MAX_ELEMENTS, unknownTags = 'error' } = options;
  return new Decoder(buf, maxDepth, maxElements, unknownTags === 'drop').decode();
};
