// Response formatting (RFC 9051 section 7 and the formal syntax of section 9). Values are written as a
// tree (ImapValue) and serialized to a list of Buffer parts: small text is gathered into one part, a large
// literal (a message body) is passed through as its own part so the caller can write it without the
// whole response ever being joined in memory.
//
// Strings: a JS string or a Buffer is written quoted when that is exact (printable US-ASCII, no CR/LF/NUL,
// not too long; with `utf8`, valid UTF-8 too, as RFC 9051 QUOTED-CHAR and RFC 6855 allow), otherwise as a
// literal. null is NIL (nstring). Numbers are written as they are. Atom and Raw write text verbatim
// (flags such as \Seen, keywords, section labels such as BODY[1.MIME]).
import { Buffer } from 'node:buffer';

export class Atom {
  constructor(readonly text: string) {}
}
/** Pre-formatted protocol text, written as is (the caller guarantees it is valid there). */
export class Raw {
  constructor(readonly text: string) {}
}
/** Always a literal; `binary` writes literal8 `~{n}` (BINARY responses to content with NUL, RFC 3516). */
export class Literal {
  constructor(
    readonly bytes: Buffer,
    readonly binary = false,
  ) {}
}

/**
 * Values written one after another with no space: the grammar's `1*address` in an ENVELOPE and `1*body`
 * in a multipart BODYSTRUCTURE (RFC 9051 section 9). Written inside a list: [joined(...), ...].
 */
export class Joined {
  constructor(readonly values: readonly ImapValue[]) {}
}

export type ImapValue = null | number | bigint | string | Buffer | Atom | Raw | Literal | Joined | ImapValue[];

export const atom = (text: string): Atom => new Atom(text);
export const raw = (text: string): Raw => new Raw(text);
export const literal = (bytes: Buffer, binary = false): Literal => new Literal(bytes, binary);
export const joined = (values: readonly ImapValue[]): Joined => new Joined(values);
/** A BINARY[...] value (RFC 3516 section 4.3): a literal8 when the bytes hold a NUL, a plain literal otherwise. */
export const binaryLiteral = (bytes: Buffer): Literal => new Literal(bytes, bytes.includes(0));

export interface WriteOptions {
  /** The client enabled UTF8=ACCEPT or IMAP4rev2: quoted strings may carry UTF-8. */
  utf8?: boolean;
}

/** Literals at least this long become their own part (not copied into the text part). */
const BIG_PART = 8192;
/** Strings longer than this are written as literals even when they could be quoted (readability of traces). */
const MAX_QUOTED = 1024;

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const QUOTED_SPECIALS = /["\\]/g;

/** Whether these bytes can be written exactly as a quoted string. */
function quotable(b: Buffer, utf8: boolean): boolean {
  if (b.length > MAX_QUOTED) return false;
  let high = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 0x80) {
      high = true;
      continue;
    }
    if (c < 0x20 || c === 0x7f) return false;
  }
  if (!high) return true;
  if (!utf8) return false;
  try {
    utf8Fatal.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serializes values into Buffer parts. Text is gathered as a latin1 string (one char per byte, so any
 * bytes survive exactly) and turned into one Buffer per run; a big literal becomes its own part.
 */
export class PartsBuilder {
  private text: string[] = [];
  readonly parts: Buffer[] = [];

  constructor(private readonly options: WriteOptions = {}) {}

  /** ASCII protocol text (or latin1-encoded bytes). */
  ascii(s: string): this {
    this.text.push(s);
    return this;
  }

  /** Bytes inline (small). */
  bytes(b: Buffer): this {
    this.text.push(b.toString('latin1'));
    return this;
  }

  private flush(): void {
    if (this.text.length) {
      this.parts.push(Buffer.from(this.text.join(''), 'latin1'));
      this.text = [];
    }
  }

  literal(b: Buffer, binary = false): this {
    this.ascii(`${binary ? '~' : ''}{${b.length}}\r\n`);
    if (b.length >= BIG_PART) {
      this.flush();
      this.parts.push(b);
    } else this.bytes(b);
    return this;
  }

  string(v: string | Buffer): this {
    if (typeof v === 'string') {
      // The common case: short printable ASCII, quoted without touching bytes.
      if (v.length <= MAX_QUOTED && PRINTABLE_ASCII.test(v)) return this.ascii(`"${v.replace(QUOTED_SPECIALS, '\\$&')}"`);
      v = Buffer.from(v, 'utf8');
    }
    if (!quotable(v, this.options.utf8 ?? false)) return this.literal(v);
    return this.ascii(`"${v.toString('latin1').replace(QUOTED_SPECIALS, '\\$&')}"`);
  }

  value(v: ImapValue): this {
    if (v === null) return this.ascii('NIL');
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`not an IMAP number: ${v}`);
      return this.ascii(String(v));
    }
    if (typeof v === 'bigint') return this.ascii(v.toString());
    if (typeof v === 'string' || Buffer.isBuffer(v)) return this.string(v);
    if (v instanceof Atom || v instanceof Raw) return this.ascii(v.text);
    if (v instanceof Literal) return this.literal(v.bytes, v.binary);
    if (v instanceof Joined) {
      for (const x of v.values) this.value(x);
      return this;
    }
    this.ascii('(');
    this.values(v);
    return this.ascii(')');
  }

  /** Values separated by spaces. */
  values(vs: readonly ImapValue[]): this {
    for (let i = 0; i < vs.length; i++) {
      if (i) this.ascii(' ');
      this.value(vs[i]!);
    }
    return this;
  }

  /** The parts; the builder is spent. */
  done(): Buffer[] {
    this.flush();
    return this.parts;
  }
}

/** One value as bytes, joined (an array is a parenthesized list); for small values and tests. */
export function serialize(value: ImapValue, options: WriteOptions = {}): Buffer {
  return Buffer.concat(new PartsBuilder(options).value(value).done());
}

/** A response code: `[NAME]` or `[NAME args]` (RFC 9051 section 7.1). args: pre-formatted text or values. */
export interface ResponseCode {
  name: string;
  args?: string | readonly ImapValue[];
}

/** Text after the status: CR and LF would end the line early, so they become spaces. */
function safeText(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}

function codeText(b: PartsBuilder, code: ResponseCode | undefined): void {
  if (!code) return;
  b.ascii(`[${code.name}`);
  if (typeof code.args === 'string') b.ascii(` ${code.args}`);
  else if (code.args && code.args.length) b.ascii(' ').values(code.args);
  b.ascii('] ');
}

export type Status = 'OK' | 'NO' | 'BAD' | 'PREAUTH' | 'BYE';

/** `tag OK [CODE] text\r\n` */
export function tagged(tag: string, status: 'OK' | 'NO' | 'BAD', text: string, code?: ResponseCode): Buffer {
  const b = new PartsBuilder().ascii(`${tag} ${status} `);
  codeText(b, code);
  return Buffer.concat(b.ascii(`${safeText(text) || status}\r\n`).done());
}

/** `* OK [CODE] text\r\n` (and NO, BAD, PREAUTH, BYE). */
export function untaggedStatus(status: Status, text: string, code?: ResponseCode): Buffer {
  const b = new PartsBuilder().ascii(`* ${status} `);
  codeText(b, code);
  return Buffer.concat(b.ascii(`${safeText(text) || status}\r\n`).done());
}

/** `* <values...>\r\n`, e.g. untagged([5, atom('EXISTS')]) or untagged([atom('LIST'), list, '/', 'INBOX']). */
export function untagged(values: readonly ImapValue[], options: WriteOptions = {}): Buffer[] {
  return new PartsBuilder(options).ascii('* ').values(values).ascii('\r\n').done();
}

/** `+ text\r\n` (RFC 9051 section 7.5); a SASL challenge is its base64 text ('' gives "+ "). */
export function continuation(text = 'Ready for literal data'): Buffer {
  return Buffer.from(`+ ${safeText(text)}\r\n`, 'latin1');
}

/**
 * `* <seq> FETCH (name value name value ...)\r\n` as Buffer parts: big literals (BODY[] of a large
 * message) stay their own parts. Names are pre-formatted (`UID`, `BODY[1.MIME]`, `BODY[]<0>`).
 */
export function fetchResponse(seq: number, items: ReadonlyArray<readonly [string, ImapValue]>, options: WriteOptions = {}): Buffer[] {
  const b = new PartsBuilder(options).ascii(`* ${seq} FETCH (`);
  items.forEach(([name, v], i) => {
    b.ascii(i ? ` ${name} ` : `${name} `).value(v);
  });
  return b.ascii(')\r\n').done();
}

/** flag = "\" atom / atom (keyword); "\*" in PERMANENTFLAGS (RFC 9051 section 9). */
const FLAG = /^(?:\\\*|\\?[^(){ %*"\\\]\x00-\x1f\x7f-\uffff]+)$/;

/**
 * A flag list value: (\Seen $Forwarded). A name that is not a valid flag (a keyword taken from somewhere
 * else, say with a space) is left out rather than written: it would break the response's syntax.
 */
export function flagList(flags: readonly string[]): Raw {
  return raw(`(${flags.filter((f) => FLAG.test(f)).join(' ')})`);
}

/** Whether a string can be written as a flag (see flagList). */
export const isValidFlag = (flag: string): boolean => FLAG.test(flag);

/** The data item name a BODY[...] fetch answers with: the section as asked, partials only by origin (RFC 9051 section 7.5.2). */
export function sectionLabel(
  kind: 'BODY' | 'BINARY' | 'BINARY.SIZE',
  section: { part: readonly number[]; text?: string; fields?: readonly string[] },
  partialOffset?: number,
): string {
  let spec = section.part.join('.');
  if (section.text) {
    spec += (spec ? '.' : '') + section.text;
    if (section.fields) spec += ` (${section.fields.map((f) => quoteIfNeeded(f)).join(' ')})`;
  }
  return `${kind}[${spec}]${partialOffset !== undefined ? `<${partialOffset}>` : ''}`;
}

/** A header field name as an astring: an atom when it is one, else quoted. */
function quoteIfNeeded(s: string): string {
  if (/^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/.test(s)) return s;
  return `"${s.replace(/[\\"]/g, (m) => '\\' + m)}"`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * INTERNALDATE's date-time (RFC 9051 section 9): "dd-Mon-yyyy hh:mm:ss +zzzz", the day space-padded
 * (date-day-fixed), in the given zone (minutes east of UTC; UTC by default). A value to write as a string.
 */
export function formatInternalDate(date: Date, offsetMinutes = 0): string {
  const d = new Date(date.getTime() + offsetMinutes * 60000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return (
    `${String(d.getUTCDate()).padStart(2, ' ')}-${MONTHS[d.getUTCMonth()]}-${String(d.getUTCFullYear()).padStart(4, '0')} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(off / 60))}${p2(off % 60)}`
  );
}

/**
 * `* ESEARCH (TAG "a1") UID MIN 2 MAX 9 COUNT 5 ALL 2:4,9` (RFC 4731 section 3.1). `all` is the wire form
 * of the matching set (formatSeqSet in parser.ts); items left undefined are omitted, as asked by RETURN.
 */
export function esearchResponse(
  tag: string,
  uid: boolean,
  result: { min?: number; max?: number; count?: number; all?: string },
): Buffer[] {
  const values: ImapValue[] = [atom('ESEARCH'), [atom('TAG'), tag]];
  if (uid) values.push(atom('UID'));
  if (result.min !== undefined) values.push(atom('MIN'), result.min);
  if (result.max !== undefined) values.push(atom('MAX'), result.max);
  if (result.count !== undefined) values.push(atom('COUNT'), result.count);
  if (result.all) values.push(atom('ALL'), raw(result.all));
  return untagged(values);
}
