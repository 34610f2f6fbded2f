// A MIME tree over a message's raw bytes, by offsets (no copies): RFC 5322 header blocks, RFC 2045
// Content-Type / Content-Transfer-Encoding, RFC 2046 multipart boundaries (section 5.1.1: the CRLF before a
// delimiter belongs to the delimiter) and message/rfc822 encapsulation. The IMAP part numbering of RFC 9051
// section 6.4.5 is resolved here too. Lenient the way Dovecot is: a header without a blank line ends at the
// end of its part, a missing closing boundary ends a multipart at its parent's end, an outer boundary ends
// inner parts, an unparsable Content-Type is text/plain.
import { Buffer } from 'node:buffer';

export interface HeaderField {
  /** The name as sent. */
  name: string;
  /** The name lower-cased, for lookups. */
  lname: string;
  /** Offset of the field's first byte. */
  start: number;
  /** Offset just past the field's last line break (folded lines included). */
  end: number;
  /** Offset of the first byte after the colon. */
  valueStart: number;
  /** Offset of the field's final line break (the value ends there). */
  valueEnd: number;
}

export interface ContentType {
  type: string;
  subtype: string;
  /** Parameters in order, RFC 2231 continuations joined; names as sent. */
  params: Array<[string, string]>;
  /** True when there was no (usable) Content-Type header and the defaults apply. */
  defaulted: boolean;
}

export interface MimeEntity {
  /** Offset of the entity's header (for the top level, 0). */
  start: number;
  /** Offset of the body (just past the blank line; = end of part when there is no blank line). */
  bodyStart: number;
  /** Offset just past the body (the line break before a delimiter excluded). */
  end: number;
  fields: HeaderField[];
  contentType: ContentType;
  /** multipart/*: the body parts (at least one unless the boundary was never found). */
  children?: MimeEntity[];
  /** message/rfc822 and message/global: the encapsulated message's top-level entity. */
  message?: MimeEntity;
}

const LF = 0x0a;
const CR = 0x0d;

/** Where the line starting at `pos` ends (the offset of its LF, or `end`). */
function lineEnd(raw: Buffer, pos: number, end: number): number {
  const i = raw.indexOf(LF, pos);
  return i < 0 || i >= end ? end : i;
}

/** Parses a header block at [start, end): its fields and where the body starts. */
export function parseHeaderBlock(raw: Buffer, start: number, end: number): { fields: HeaderField[]; bodyStart: number } {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < end) {
    const le = lineEnd(raw, pos, end);
    const next = le < end ? le + 1 : end;
    // A blank line (CRLF or bare LF) ends the header.
    if (le === pos || (le === pos + 1 && raw[pos] === CR)) {
      return { fields, bodyStart: next };
    }
    const c = raw[pos];
    if ((c === 0x20 || c === 0x09) && current) {
      // Folded continuation of the previous field.
      current.end = next;
      current.valueEnd = le > pos && raw[le - 1] === CR && le < end ? le - 1 : le;
    } else {
      const colon = raw.indexOf(0x3a, pos);
      if (colon > pos && colon < le) {
        const name = raw.toString('latin1', pos, colon).trimEnd();
        current = {
          name,
          lname: name.toLowerCase(),
          start: pos,
          end: next,
          valueStart: colon + 1,
          valueEnd: le > pos && raw[le - 1] === CR && le < end ? le - 1 : le,
        };
        fields.push(current);
      } else current = null; // not a field: ignored, like Dovecot
    }
    pos = next;
  }
  return { fields, bodyStart: end };
}

/** A field's value, unfolded (line breaks before whitespace removed) and trimmed, as bytes. */
export function fieldValue(raw: Buffer, f: HeaderField): Buffer {
  let v = raw.subarray(f.valueStart, f.valueEnd);
  if (v.indexOf(LF) >= 0) {
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      if (c === CR && v[i + 1] === LF) continue;
      if (c === LF) continue;
      out.push(c);
    }
    v = Buffer.from(out);
  }
  let a = 0;
  let b = v.length;
  while (a < b && (v[a] === 0x20 || v[a] === 0x09)) a++;
  while (b > a && (v[b - 1] === 0x20 || v[b - 1] === 0x09)) b--;
  return v.subarray(a, b);
}

export function findField(fields: readonly HeaderField[], lname: string): HeaderField | undefined {
  return fields.find((f) => f.lname === lname);
}

// ---- Structured header values (RFC 2045 section 5.1 tokens and quoted strings, RFC 5322 comments) ----

/** tspecials of RFC 2045 plus whitespace and CTLs end a token. */
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !'()<>@,;:\\"/[]?='.includes(String.fromCharCode(c));
}

class Lexer {
  pos = 0;
  constructor(readonly s: string) {}
  /** Skips whitespace and (nested) comments. */
  skip(): void {
    for (;;) {
      while (this.pos < this.s.length && ' \t\r\n'.includes(this.s[this.pos]!)) this.pos++;
      if (this.s[this.pos] !== '(') return;
      let depth = 0;
      while (this.pos < this.s.length) {
        const ch = this.s[this.pos]!;
        if (ch === '\\') this.pos++;
        else if (ch === '(') depth++;
        else if (ch === ')') {
          depth--;
          if (depth === 0) {
            this.pos++;
            break;
          }
        }
        this.pos++;
      }
    }
  }
  token(): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.s.length && isTokenChar(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }
  quoted(): string {
    // At a '"'.
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '\\' && this.pos + 1 < this.s.length) {
        this.pos++;
        out += this.s[this.pos];
      } else out += ch;
      this.pos++;
    }
    return out;
  }
  value(): string {
    this.skip();
    if (this.s[this.pos] === '"') return this.quoted();
    // Lenient: a value runs to the next ';' (unquoted values with spaces or '/' are common).
    const start = this.pos;
    while (this.pos < this.s.length && this.s[this.pos] !== ';') this.pos++;
    return this.s.slice(start, this.pos).trim();
  }
  eat(ch: string): boolean {
    this.skip();
    if (this.s[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }
}

/** `; name=value` parameters, with RFC 2231 continuations (name*0, name*1*...) joined in order. */
function parseParams(lx: Lexer): Array<[string, string]> {
  const raw: Array<[string, string]> = [];
  while (lx.pos < lx.s.length) {
    if (!lx.eat(';')) {
      // Garbage: skip to the next ';'.
      const i = lx.s.indexOf(';', lx.pos);
      if (i < 0) break;
      lx.pos = i;
      continue;
    }
    const name = lx.token();
    if (!name) continue;
    if (!lx.eat('=')) continue;
    raw.push([name, lx.value()]);
  }
  // RFC 2231 section 3: name*0, name*1, ... (each maybe with a trailing * for extended values).
  const out: Array<[string, string]> = [];
  const continued = new Map<string, { index: number; parts: Array<[number, string]>; extended: boolean }>();
  for (const [name, value] of raw) {
    const m = /^(.+?)\*(\d+)(\*?)$/.exec(name);
    if (!m) {
      out.push([name, value]);
      continue;
    }
    const base = m[1]!;
    const key = base.toLowerCase();
    let entry = continued.get(key);
    if (!entry) {
      entry = { index: out.length, parts: [], extended: false };
      continued.set(key, entry);
      out.push([base, '']);
    }
    if (m[2] === '0' && m[3]) entry.extended = true;
    entry.parts.push([Number(m[2]), value]);
  }
  for (const [, entry] of continued) {
    const slot = out[entry.index]!;
    const value = entry.parts.sort((a, b) => a[0] - b[0]).map((p) => p[1]).join('');
    out[entry.index] = [entry.extended ? `${slot[0]}*` : slot[0], value];
  }
  return out;
}

/** `token/token *(; param)` (RFC 2045 section 5.1); null when not parsable. */
export function parseContentTypeValue(value: string): { type: string; subtype: string; params: Array<[string, string]> } | null {
  const lx = new Lexer(value);
  const type = lx.token();
  if (!type || !lx.eat('/')) return null;
  const subtype = lx.token();
  if (!subtype) return null;
  return { type, subtype, params: parseParams(lx) };
}

/** `token *(; param)` (Content-Disposition, RFC 2183); null when not parsable. */
export function parseDispositionValue(value: string): { type: string; params: Array<[string, string]> } | null {
  const lx = new Lexer(value);
  const type = lx.token();
  if (!type) return null;
  return { type, params: parseParams(lx) };
}

/** A single token (Content-Transfer-Encoding), or null if the value is not exactly one token. */
export function parseTokenValue(value: string): string | null {
  const lx = new Lexer(value);
  const t = lx.token();
  lx.skip();
  return t && lx.pos >= value.length ? t : null;
}

function contentTypeOf(raw: Buffer, fields: HeaderField[], parentSubtype: string | null): ContentType {
  const f = findField(fields, 'content-type');
  if (f) {
    const ct = parseContentTypeValue(fieldValue(raw, f).toString('latin1'));
    if (ct) return { ...ct, defaulted: false };
  }
  // RFC 2046 section 5.1.5: in multipart/digest the default is message/rfc822.
  if (parentSubtype === 'digest') return { type: 'message', subtype: 'rfc822', params: [], defaulted: true };
  return { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']], defaulted: true };
}

export function param(ct: { params: ReadonlyArray<[string, string]> }, name: string): string | undefined {
  const l = name.toLowerCase();
  return ct.params.find(([n]) => n.toLowerCase() === l)?.[1];
}

/**
 * Deeper nesting is treated as an opaque body, and past MAX_PARTS entities no more bodies are split
 * (Dovecot's defaults for its message parser are 100 levels and 10,000 parts): a hostile message can
 * neither exhaust the stack nor make the walk quadratic.
 */
const MAX_DEPTH = 64;
const MAX_PARTS = 10000;

interface WalkBudget {
  parts: number;
}

/** Parses the entity at [start, end). */
function parseEntity(raw: Buffer, start: number, end: number, parentSubtype: string | null, depth: number, budget: WalkBudget): MimeEntity {
  const { fields, bodyStart } = parseHeaderBlock(raw, start, end);
  const contentType = contentTypeOf(raw, fields, parentSubtype);
  const entity: MimeEntity = { start, bodyStart, end, fields, contentType };
  budget.parts++;
  if (depth >= MAX_DEPTH || budget.parts >= MAX_PARTS) return entity;
  const type = contentType.type.toLowerCase();
  const subtype = contentType.subtype.toLowerCase();
  if (type === 'multipart') {
    const boundary = param(contentType, 'boundary');
    entity.children = boundary ? splitMultipart(raw, bodyStart, end, boundary, subtype, depth, budget) : [];
  } else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    entity.message = parseEntity(raw, bodyStart, end, null, depth + 1, budget);
  }
  return entity;
}

/** Whether raw has `prefix` at `pos` (a byte loop: Buffer.compare's argument checks cost more on short lines). */
function startsWithAt(raw: Buffer, pos: number, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (raw[pos + i] !== prefix[i]) return false;
  return true;
}

/**
 * What follows "--boundary" on a line: "--" makes it a close delimiter; then only transport padding
 * (spaces, tabs) may come before the line break (RFC 2046 section 5.1.1). Anything else means this is not
 * a delimiter at all: another boundary that merely starts with this one ("b1" vs "b1-inner").
 */
function delimiterKind(raw: Buffer, at: number, lineEnd: number): 'delimiter' | 'close' | null {
  let i = at;
  let kind: 'delimiter' | 'close' = 'delimiter';
  if (raw[i] === 0x2d && raw[i + 1] === 0x2d && i + 2 <= lineEnd) {
    kind = 'close';
    i += 2;
  }
  for (; i < lineEnd; i++) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && !(c === CR && i === lineEnd - 1)) return null;
  }
  return kind;
}

/**
 * The body parts of a multipart body [start, end) (RFC 2046 section 5.1.1). A delimiter is a line of
 * "--" boundary, then "--" for the close, then transport padding; the line break before it belongs to it.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string, subtype: string, depth: number, budget: WalkBudget): MimeEntity[] {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimeEntity[] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const le = lineEnd(raw, pos, end);
    const kind = raw[pos] === 0x2d && raw[pos + 1] === 0x2d && le - pos >= delim.length && startsWithAt(raw, pos, delim) ? delimiterKind(raw, pos + delim.length, le) : null;
    if (kind) {
      const isClose = kind === 'close';
      // Out of budget: the current part runs to the end, unsplit.
      if (partStart >= 0 && budget.parts >= MAX_PARTS) break;
      if (partStart >= 0) {
        // The line break before the delimiter belongs to the delimiter.
        let partEnd = pos;
        if (partEnd > partStart && raw[partEnd - 1] === LF) partEnd--;
        if (partEnd > partStart && raw[partEnd - 1] === CR) partEnd--;
        parts.push(parseEntity(raw, partStart, partEnd, subtype, depth + 1, budget));
      }
      const next = le < end ? le + 1 : end;
      if (isClose) return parts;
      partStart = next;
      pos = next;
      continue;
    }
    pos = le < end ? le + 1 : end;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart >= 0) parts.push(parseEntity(raw, partStart, end, subtype, depth + 1, budget));
  return parts;
}

/** The MIME tree of a whole message. */
export function parseMessage(raw: Buffer): MimeEntity {
  return parseEntity(raw, 0, raw.length, null, 0, { parts: 0 });
}

/** A part located by an IMAP part number (RFC 9051 section 6.4.5). */
export interface LocatedPart {
  entity: MimeEntity;
  /** True for the top-level message itself (part number []). */
  isRoot: boolean;
}

/**
 * Resolves a part number: in a multipart, n is the nth body part; a message/rfc822 part's numbers continue
 * in its encapsulated message (whose own body is n=1 when it is not multipart); a non-multipart message's
 * body is part 1. Null when the part does not exist.
 */
export function locatePart(root: MimeEntity, part: readonly number[]): LocatedPart | null {
  let cur = root;
  let isRoot = true;
  for (const n of part) {
    let container = cur;
    if (!isRoot && cur.message) container = cur.message; // step into the encapsulated message
    else if (!isRoot && !cur.children) return null; // a leaf has no sub-parts
    if (container.children) {
      const child = container.children[n - 1];
      if (!child) return null;
      cur = child;
    } else {
      if (n !== 1) return null;
      cur = container;
    }
    isRoot = false;
  }
  return { entity: cur, isRoot };
}

/** Counts LF bytes in [start, end) (IMAP body-fld-lines). */
export function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  let i = raw.indexOf(LF, start);
  while (i >= 0 && i < end) {
    n++;
    i = raw.indexOf(LF, i + 1);
  }
  return n;
}
