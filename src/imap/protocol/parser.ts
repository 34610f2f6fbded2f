// Parses one framed command (reader.ts RawCommand) into its typed form (types.ts), by the formal syntax of
// RFC 9051 section 9, with RFC 3501 for IMAP4rev1 clients and the extensions' grammars: RFC 7162
// (CONDSTORE/QRESYNC), RFC 4315 (UID EXPUNGE), RFC 6851 (MOVE), RFC 5258/6154/5819 (LIST-EXTENDED,
// SPECIAL-USE, LIST-STATUS), RFC 2971 (ID), RFC 5161 (ENABLE), RFC 4731/5182 (ESEARCH, SAVE), RFC 3516
// (BINARY), RFC 4959 (SASL-IR), RFC 3502 (MULTIAPPEND), RFC 6855 (APPEND's UTF8 data item). Anything that
// does not fit throws ParseError, which names the tag so the server can answer `tag BAD ...` (or `* BAD`
// when the tag itself is unreadable).
import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { RawCommand } from './reader.js';
import { literalMarker } from './reader.js';
import { MailboxNameError, decodeModifiedUtf7, decodeUtf8MailboxName, normalizeInbox } from './mailbox-name.js';
import type {
  AppendMessage,
  Command,
  FetchAtt,
  ListReturn,
  Partial,
  QresyncParams,
  SearchKey,
  SearchReturnOpt,
  Section,
  SeqRange,
  SequenceSet,
  SimpleFetchAtt,
  StatusItem,
} from './types.js';

export class ParseError extends Error {
  /** The command's tag ('*' when unreadable). */
  readonly tag: string;
  /** A response code for the tagged answer, e.g. BADCHARSET (RFC 9051 section 7.1). */
  readonly code: string | undefined;
  /** The command name when it was recognized (for a state-specific answer). */
  readonly command: string | undefined;
  constructor(message: string, tag: string, code?: string, command?: string) {
    super(message);
    this.name = 'ParseError';
    this.tag = tag;
    this.code = code;
    this.command = command;
  }
}

export interface ParseOptions {
  /**
   * Mailbox names are UTF-8 (the client enabled UTF8=ACCEPT or IMAP4rev2); otherwise they are modified
   * UTF-7 (RFC 3501 section 5.1.3) and decoded here. Either way commands carry Unicode names.
   */
  utf8?: boolean;
}

const MAX_NZ = 0xffffffff; // nz-number: 1..4294967295 (RFC 9051 section 9)
const MAX_MODSEQ_WIRE = 9223372036854775807n; // mod-sequence-value: up to 2^63-1

/** ATOM-CHAR: any CHAR except atom-specials: ( ) { SP CTL % * " \ ] (RFC 9051 section 9). */
function isAtomChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== 0x22 && c !== 0x5c && c !== 0x5d;
}
/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}
/** list-char = ATOM-CHAR / list-wildcards / resp-specials. */
function isListChar(c: number): boolean {
  return isAstringChar(c) || c === 0x25 || c === 0x2a;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A cursor over a command's lines and literals. */
class Cursor {
  private seg = 0;
  pos = 0;
  private line: Buffer;
  /** Where the current line's literal marker starts (or the line's length when it has none). */
  private markerAt: number;

  constructor(
    private readonly raw: RawCommand,
    readonly tag: string,
    public command: string | undefined,
  ) {
    this.line = raw.lines[0] ?? Buffer.alloc(0);
    this.markerAt = this.findMarker();
  }

  private findMarker(): number {
    if (this.seg >= this.raw.literals.length) return this.line.length;
    return literalMarker(this.line)?.start ?? this.line.length;
  }

  fail(message: string, code?: string): never {
    throw new ParseError(message, this.tag, code, this.command);
  }

  /** The byte at the cursor, or -1 at a literal marker / the end. */
  peek(): number {
    return this.pos < this.markerAt ? this.line[this.pos]! : -1;
  }

  atEnd(): boolean {
    return this.seg === this.raw.lines.length - 1 && this.pos >= this.line.length;
  }

  atLiteral(): boolean {
    return this.pos === this.markerAt && this.seg < this.raw.literals.length;
  }

  end(): void {
    if (!this.atEnd()) this.fail('unexpected text at the end of the command');
  }

  sp(): void {
    if (this.peek() !== 0x20) this.fail('expected a space');
    this.pos++;
  }

  /** Consumes a space if there is one (and something follows). */
  maybeSp(): boolean {
    if (this.peek() === 0x20) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) this.fail(`expected "${ch}"`);
    this.pos++;
  }

  maybe(ch: string): boolean {
    if (this.peek() === ch.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Consumes `word` (case-insensitive) if it is next and is followed by a non-atom char. */
  keyword(word: string): boolean {
    const end = this.pos + word.length;
    if (end > this.markerAt) return false;
    if (this.line.toString('latin1', this.pos, end).toUpperCase() !== word) return false;
    const next = end < this.markerAt ? this.line[end]! : -1;
    if (next !== -1 && isAtomChar(next)) return false;
    this.pos = end;
    return true;
  }

  private run(pred: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.markerAt && pred(this.line[this.pos]!)) this.pos++;
    return this.line.toString('latin1', start, this.pos);
  }

  /** tag = 1*<any ASTRING-CHAR except "+">. */
  tagText(): string {
    return this.run((c) => isAstringChar(c) && c !== 0x2b);
  }

  atom(): string {
    const a = this.run(isAtomChar);
    if (!a) this.fail('expected an atom');
    return a;
  }

  /** An upper-cased word of letters, digits, '.', '-' (fetch-att names and the like). */
  word(): string {
    return this.run((c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d).toUpperCase();
  }

  number(max = MAX_NZ, what = 'number'): number {
    const d = this.run((c) => c >= 0x30 && c <= 0x39);
    if (!d) this.fail(`expected a ${what}`);
    if (d.length > 20) this.fail(`${what} too large`);
    const n = Number(d);
    if (n > max) this.fail(`${what} too large`);
    return n;
  }

  nzNumber(what = 'number'): number {
    const n = this.number(MAX_NZ, what);
    if (n === 0) this.fail(`${what} must not be 0`);
    return n;
  }

  /**
   * mod-sequence-value (RFC 7162 section 7: 1..2^63-1). Ours fit in a double; a larger value (another
   * server's, or a client's guess) is clamped to Number.MAX_SAFE_INTEGER, which compares the same way
   * against every modseq this server hands out.
   */
  modseq(allowZero: boolean): number {
    const d = this.run((c) => c >= 0x30 && c <= 0x39);
    if (!d) this.fail('expected a mod-sequence');
    if (d.length > 19 || BigInt(d) > MAX_MODSEQ_WIRE) this.fail('mod-sequence too large');
    const n = Math.min(Number(d), Number.MAX_SAFE_INTEGER);
    if (n === 0 && !allowZero) this.fail('mod-sequence must not be 0');
    return n;
  }

  private literal(): Buffer {
    const lit = this.raw.literals[this.seg]!;
    this.seg++;
    this.line = this.raw.lines[this.seg]!;
    this.pos = 0;
    this.markerAt = this.findMarker();
    return lit;
  }

  /** Whether the literal at the cursor is a literal8 (~{n}). */
  literalIsBinary(): boolean {
    return this.atLiteral() && this.line[this.markerAt] === 0x7e;
  }

  private quoted(): Buffer {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      const c = this.peek();
      if (c === -1) this.fail('unterminated quoted string');
      this.pos++;
      if (c === 0x22) break;
      if (c === 0x5c) {
        const e = this.peek();
        if (e !== 0x22 && e !== 0x5c) this.fail('bad escape in a quoted string');
        this.pos++;
        out.push(e);
        continue;
      }
      // TEXT-CHAR excludes CR and LF; CHAR excludes NUL. 8-bit bytes are UTF-8 (RFC 9051 QUOTED-CHAR).
      if (c === 0 || c === 0x0d || c === 0x0a) this.fail('bad character in a quoted string');
      out.push(c);
    }
    return Buffer.from(out);
  }

  /** string = quoted / literal (a literal8 is refused here: only APPEND takes one). */
  stringBytes(): Buffer {
    if (this.atLiteral()) {
      if (this.literalIsBinary()) this.fail('literal8 is only allowed in APPEND');
      return this.literal();
    }
    if (this.peek() === 0x22) return this.quoted();
    return this.fail('expected a string');
  }

  /** astring = 1*ASTRING-CHAR / string. */
  astringBytes(): Buffer {
    const c = this.peek();
    if (c === 0x22 || this.atLiteral()) return this.stringBytes();
    const start = this.pos;
    this.run(isAstringChar);
    if (this.pos === start) this.fail('expected an astring');
    return this.line.subarray(start, this.pos);
  }

  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  /** nstring = string / NIL. */
  nstring(): string | null {
    if (this.keyword('NIL')) return null;
    return this.stringBytes().toString('utf8');
  }

  /** list-mailbox = 1*list-char / string. */
  listMailboxBytes(): Buffer {
    const c = this.peek();
    if (c === 0x22 || this.atLiteral()) return this.stringBytes();
    const start = this.pos;
    this.run(isListChar);
    if (this.pos === start) this.fail('expected a mailbox pattern');
    return this.line.subarray(start, this.pos);
  }

  literalForAppend(): { bytes: Buffer; binary: boolean } {
    if (!this.atLiteral()) this.fail('APPEND takes the message as a literal');
    const binary = this.literalIsBinary();
    return { bytes: this.literal(), binary };
  }

  /** sequence-set, or "$" (RFC 5182). */
  seqSet(): SequenceSet {
    if (this.maybe('$')) return { saved: true };
    const ranges: SeqRange[] = [];
    do {
      const from = this.seqNumber();
      let to = from;
      if (this.maybe(':')) to = this.seqNumber();
      ranges.push({ from, to });
    } while (this.maybe(','));
    return { saved: false, ranges };
  }

  private seqNumber(): number | '*' {
    if (this.maybe('*')) return '*';
    return this.nzNumber('sequence number');
  }

  /** flag = "\" atom / atom (keyword). */
  flag(): string {
    if (this.maybe('\\')) {
      if (this.peek() === 0x2a) this.fail('\\* is not a flag');
      return '\\' + this.atom();
    }
    return this.atom();
  }

  /** "(" [flag *(SP flag)] ")" */
  flagList(): string[] {
    this.expect('(');
    const flags: string[] = [];
    if (this.maybe(')')) return flags;
    for (;;) {
      flags.push(this.flag());
      if (this.maybe(')')) return flags;
      this.sp();
    }
  }

  /** date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year. */
  date(): string {
    const q = this.maybe('"');
    const day = this.number(31, 'day');
    this.expect('-');
    const mon = MONTHS.indexOf(this.run((c) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a).toLowerCase());
    if (mon < 0) this.fail('bad month in a date');
    this.expect('-');
    const yearStart = this.pos;
    const year = this.number(9999, 'year');
    if (this.pos - yearStart !== 4) this.fail('a year has four digits');
    if (q) this.expect('"');
    if (day < 1 || day > 31) this.fail('bad day in a date');
    return `${String(year).padStart(4, '0')}-${String(mon + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE. */
  dateTime(): Date {
    this.expect('"');
    if (this.peek() === 0x20) this.pos++; // date-day-fixed = (SP DIGIT) / 2DIGIT
    const day = this.number(31, 'day');
    this.expect('-');
    const mon = MONTHS.indexOf(this.run((c) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a).toLowerCase());
    if (mon < 0) this.fail('bad month in a date-time');
    this.expect('-');
    const year = this.number(9999, 'year');
    this.sp();
    const hh = this.twoDigits(23);
    this.expect(':');
    const mm = this.twoDigits(59);
    this.expect(':');
    const ss = this.twoDigits(60);
    this.sp();
    const sign = this.peek();
    if (sign !== 0x2b && sign !== 0x2d) this.fail('bad zone in a date-time');
    this.pos++;
    const zone = this.run((c) => c >= 0x30 && c <= 0x39);
    if (zone.length !== 4) this.fail('bad zone in a date-time');
    this.expect('"');
    const offset = (sign === 0x2d ? -1 : 1) * (Number(zone.slice(0, 2)) * 60 + Number(zone.slice(2)));
    if (day < 1) this.fail('bad day in a date-time');
    const ms = Date.UTC(year, mon, day, hh, mm, Math.min(ss, 59)) - offset * 60000;
    const d = new Date(ms);
    if (Number.isNaN(d.getTime()) || new Date(Date.UTC(year, mon, day)).getUTCDate() !== day) this.fail('bad date-time');
    return d;
  }

  private twoDigits(max: number): number {
    const d = this.run((c) => c >= 0x30 && c <= 0x39);
    if (d.length !== 2 || Number(d) > max) this.fail('bad time in a date-time');
    return Number(d);
  }
}

/** A mailbox argument: decoded (mUTF-7 or UTF-8) and with INBOX normalized. */
function mailboxName(bytes: Buffer, cur: Cursor, options: ParseOptions): string {
  try {
    const name = options.utf8 ? decodeUtf8MailboxName(bytes) : decodeModifiedUtf7(bytes.toString('latin1'));
    return normalizeInbox(name);
  } catch (err) {
    if (err instanceof MailboxNameError) cur.fail(err.message);
    throw err;
  }
}

/** A pattern is decoded like a name; wildcards are ASCII and pass through both codecs. */
function patternName(bytes: Buffer, cur: Cursor, options: ParseOptions): string {
  try {
    return options.utf8 ? decodeUtf8MailboxName(bytes) : decodeModifiedUtf7(bytes.toString('latin1'));
  } catch (err) {
    if (err instanceof MailboxNameError) cur.fail(err.message);
    throw err;
  }
}

const STATUS_ITEMS: readonly StatusItem[] = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'RECENT'];

function statusItems(cur: Cursor): StatusItem[] {
  cur.expect('(');
  const items: StatusItem[] = [];
  for (;;) {
    const w = cur.word() as StatusItem;
    if (!STATUS_ITEMS.includes(w)) cur.fail(`unknown STATUS item ${w || '(none)'}`);
    if (!items.includes(w)) items.push(w);
    if (cur.maybe(')')) return items;
    cur.sp();
  }
}

const NO_ARGS = new Set(['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE']);
const UID_COMMANDS = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'EXPUNGE']);

/** The tag and command name of a raw command, for error answers before (or without) a full parse. */
export function commandHead(raw: RawCommand): { tag: string; name: string; uid: boolean } {
  const first = raw.lines[0] ?? Buffer.alloc(0);
  const text = first.toString('latin1', 0, Math.min(first.length, 200));
  const m = /^(\S+) ([A-Za-z]+)(?: ([A-Za-z]+))?/.exec(text);
  if (!m) return { tag: raw.tag, name: '', uid: false };
  const name = m[2]!.toUpperCase();
  if (name === 'UID' && m[3]) return { tag: raw.tag, name: m[3].toUpperCase(), uid: true };
  return { tag: raw.tag, name, uid: false };
}

/**
 * Parses a framed command. Throws ParseError (and nothing else) when the bytes are not a command this
 * server knows in the grammar of RFC 9051 and its extensions.
 */
export function parseCommand(raw: RawCommand, options: ParseOptions = {}): Command {
  const cur = new Cursor(raw, raw.tag, undefined);
  if (raw.tag === '*') cur.fail('missing or invalid tag');
  const tag = cur.tagText();
  if (tag !== raw.tag) cur.fail('invalid tag');
  cur.sp();
  let name = cur.atom().toUpperCase();
  let uid = false;
  if (name === 'UID') {
    cur.sp();
    name = cur.atom().toUpperCase();
    if (!UID_COMMANDS.has(name)) cur.fail(`UID ${name} is not a command`);
    uid = true;
  }
  cur.command = name;
  if (NO_ARGS.has(name)) {
    cur.end();
    return { tag, name: name as 'NOOP' };
  }
  const cmd = parseArgs(cur, tag, name, uid, options);
  cur.end();
  return cmd;
}

function parseArgs(cur: Cursor, tag: string, name: string, uid: boolean, options: ParseOptions): Command {
  switch (name) {
    case 'AUTHENTICATE': {
      cur.sp();
      const mechanism = cur.atom().toUpperCase();
      if (cur.maybeSp()) {
        if (cur.maybe('=')) return { tag, name, mechanism, initialResponse: '' };
        const b64 = cur.atom();
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) cur.fail('the initial response is not base64');
        return { tag, name, mechanism, initialResponse: b64 };
      }
      return { tag, name, mechanism };
    }
    case 'LOGIN': {
      cur.sp();
      const user = cur.astring();
      cur.sp();
      const password = cur.astring();
      return { tag, name, user, password };
    }
    case 'ENABLE': {
      const capabilities: string[] = [];
      do {
        cur.sp();
        capabilities.push(cur.atom().toUpperCase());
      } while (!cur.atEnd());
      return { tag, name, capabilities };
    }
    case 'ID': {
      cur.sp();
      if (cur.keyword('NIL')) return { tag, name, params: null };
      cur.expect('(');
      const params: Array<[string, string | null]> = [];
      if (!cur.maybe(')')) {
        for (;;) {
          const k = cur.stringBytes().toString('utf8');
          cur.sp();
          params.push([k, cur.nstring()]);
          if (cur.maybe(')')) break;
          cur.sp();
        }
      }
      if (params.length > 30) cur.fail('too many ID fields'); // RFC 2971 section 3.3: at most 30
      return { tag, name, params };
    }
    case 'SELECT':
    case 'EXAMINE': {
      cur.sp();
      const mailbox = mailboxName(cur.astringBytes(), cur, options);
      let condstore = false;
      let qresync: QresyncParams | undefined;
      if (cur.maybeSp()) {
        cur.expect('(');
        for (;;) {
          const p = cur.word();
          if (p === 'CONDSTORE') condstore = true;
          else if (p === 'QRESYNC') {
            cur.sp();
            qresync = qresyncParams(cur);
          } else cur.fail(`unknown ${name} parameter ${p || '(none)'}`);
          if (cur.maybe(')')) break;
          cur.sp();
        }
      }
      return { tag, name, mailbox, condstore, ...(qresync ? { qresync } : {}) };
    }
    case 'CREATE':
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      cur.sp();
      return { tag, name, mailbox: mailboxName(cur.astringBytes(), cur, options) };
    }
    case 'RENAME': {
      cur.sp();
      const from = mailboxName(cur.astringBytes(), cur, options);
      cur.sp();
      const to = mailboxName(cur.astringBytes(), cur, options);
      return { tag, name, from, to };
    }
    case 'LIST':
      return parseList(cur, tag, options);
    case 'LSUB': {
      cur.sp();
      const reference = patternName(cur.astringBytes(), cur, options);
      cur.sp();
      const pattern = patternName(cur.listMailboxBytes(), cur, options);
      return { tag, name, reference, pattern };
    }
    case 'STATUS': {
      cur.sp();
      const mailbox = mailboxName(cur.astringBytes(), cur, options);
      cur.sp();
      return { tag, name, mailbox, items: statusItems(cur) };
    }
    case 'APPEND': {
      cur.sp();
      const mailbox = mailboxName(cur.astringBytes(), cur, options);
      const messages: AppendMessage[] = [];
      // MULTIAPPEND (RFC 3502): append-message *(SP append-message).
      while (cur.maybeSp()) {
        const msg: Pick<AppendMessage, 'flags' | 'date'> = {};
        if (cur.peek() === 0x28) {
          msg.flags = cur.flagList();
          cur.sp();
        }
        if (cur.peek() === 0x22) {
          msg.date = cur.dateTime();
          cur.sp();
        }
        // RFC 6855 4: append-data = "UTF8" SP "(" literal8 ")", a message whose headers may be UTF-8.
        const utf8 = cur.keyword('UTF8');
        if (utf8) {
          cur.sp();
          cur.expect('(');
        }
        const { bytes, binary } = cur.literalForAppend();
        if (utf8) cur.expect(')');
        messages.push({ ...msg, message: bytes, binary });
      }
      if (messages.length === 0) cur.fail('APPEND needs a message');
      return { tag, name, mailbox, messages };
    }
    case 'EXPUNGE': {
      if (!uid) return { tag, name, uid };
      cur.sp();
      return { tag, name, uid, uids: cur.seqSet() };
    }
    case 'SEARCH':
      return parseSearch(cur, tag, uid);
    case 'FETCH':
      return parseFetch(cur, tag, uid);
    case 'STORE':
      return parseStore(cur, tag, uid);
    case 'COPY':
    case 'MOVE': {
      cur.sp();
      const set = cur.seqSet();
      cur.sp();
      return { tag, name, uid, set, mailbox: mailboxName(cur.astringBytes(), cur, options) };
    }
    default:
      return cur.fail(`unknown command ${name}`);
  }
}

/** "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")" (RFC 7162 section 3.2.5). */
function qresyncParams(cur: Cursor): QresyncParams {
  cur.expect('(');
  const uidValidity = cur.nzNumber('UIDVALIDITY');
  cur.sp();
  const modseq = cur.modseq(false);
  const q: QresyncParams = { uidValidity, modseq };
  if (cur.maybeSp()) {
    if (cur.peek() !== 0x28) {
      q.knownUids = cur.seqSet();
      if (!cur.maybeSp()) {
        cur.expect(')');
        return q;
      }
    }
    cur.expect('(');
    const seqs = cur.seqSet();
    cur.sp();
    const uids = cur.seqSet();
    cur.expect(')');
    q.seqMatch = { seqs, uids };
  }
  cur.expect(')');
  return q;
}

function parseList(cur: Cursor, tag: string, options: ParseOptions): Command {
  cur.sp();
  const selection: string[] = [];
  let extended = false;
  if (cur.peek() === 0x28) {
    // list-select-opts (RFC 5258): the reference cannot start with "(", so this is unambiguous.
    extended = true;
    cur.expect('(');
    if (!cur.maybe(')')) {
      for (;;) {
        const opt = cur.atom().toUpperCase();
        if (!selection.includes(opt)) selection.push(opt);
        if (cur.maybe(')')) break;
        cur.sp();
      }
    }
    cur.sp();
  }
  const reference = patternName(cur.astringBytes(), cur, options);
  cur.sp();
  const patterns: string[] = [];
  if (cur.peek() === 0x28) {
    extended = true;
    cur.expect('(');
    for (;;) {
      patterns.push(patternName(cur.listMailboxBytes(), cur, options));
      if (cur.maybe(')')) break;
      cur.sp();
    }
  } else patterns.push(patternName(cur.listMailboxBytes(), cur, options));
  const ret: ListReturn = { subscribed: false, children: false, specialUse: false };
  if (cur.maybeSp()) {
    if (!cur.keyword('RETURN')) cur.fail('expected RETURN');
    extended = true;
    cur.sp();
    cur.expect('(');
    if (!cur.maybe(')')) {
      for (;;) {
        const opt = cur.word();
        if (opt === 'SUBSCRIBED') ret.subscribed = true;
        else if (opt === 'CHILDREN') ret.children = true;
        else if (opt === 'SPECIAL-USE') ret.specialUse = true;
        else if (opt === 'STATUS') {
          cur.sp();
          ret.status = statusItems(cur);
        } else cur.fail(`unknown LIST return option ${opt || '(none)'}`);
        if (cur.maybe(')')) break;
        cur.sp();
      }
    }
  }
  // RFC 5258 section 3: RECURSIVEMATCH alone is an error; the server also knows only these options.
  for (const s of selection) {
    if (!['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'].includes(s)) cur.fail(`unknown LIST selection option ${s}`);
  }
  if (selection.includes('RECURSIVEMATCH') && selection.length === 1) cur.fail('RECURSIVEMATCH needs another selection option');
  return { tag, name: 'LIST', reference, patterns, selection, extended, return: ret };
}

const RETURN_OPTS: readonly SearchReturnOpt[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'];

function parseSearch(cur: Cursor, tag: string, uid: boolean): Command {
  cur.sp();
  let ret: SearchReturnOpt[] | undefined;
  if (cur.keyword('RETURN')) {
    cur.sp();
    cur.expect('(');
    ret = [];
    if (!cur.maybe(')')) {
      for (;;) {
        const o = cur.word() as SearchReturnOpt;
        if (!RETURN_OPTS.includes(o)) cur.fail(`unknown SEARCH return option ${o || '(none)'}`);
        if (!ret.includes(o)) ret.push(o);
        if (cur.maybe(')')) break;
        cur.sp();
      }
    }
    cur.sp();
  }
  let charset: string | undefined;
  let decoder: TextDecoder = UTF8;
  if (cur.keyword('CHARSET')) {
    cur.sp();
    charset = cur.astring();
    decoder = decoderFor(charset, cur);
    cur.sp();
  }
  const keys: SearchKey[] = [];
  for (;;) {
    keys.push(searchKey(cur, decoder, 0));
    if (cur.atEnd()) break;
    cur.sp();
  }
  const key: SearchKey = keys.length === 1 ? keys[0]! : { type: 'and', keys };
  return { tag, name: 'SEARCH', uid, key, ...(charset !== undefined ? { charset } : {}), ...(ret ? { return: ret } : {}) };
}

const UTF8 = new TextDecoder('utf-8');

function decoderFor(charset: string, cur: Cursor): TextDecoder {
  const c = charset.toLowerCase();
  if (c === 'us-ascii' || c === 'utf-8' || c === 'utf8') return UTF8;
  try {
    return new TextDecoder(c);
  } catch {
    // RFC 9051 section 6.4.4: tagged NO [BADCHARSET (charsets)]; the server lists what it supports.
    return cur.fail(`unsupported charset ${charset}`, 'BADCHARSET');
  }
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  RECENT: ['\\Recent', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS: Record<string, string> = { BCC: 'Bcc', CC: 'Cc', FROM: 'From', SUBJECT: 'Subject', TO: 'To' };
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};
/** Deep enough for any real client; stops a hostile NOT NOT NOT ... from exhausting the stack. */
const MAX_SEARCH_DEPTH = 64;

function searchKey(cur: Cursor, decoder: TextDecoder, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) cur.fail('search key nested too deeply');
  const c = cur.peek();
  if (c === 0x28) {
    cur.expect('(');
    const keys: SearchKey[] = [];
    for (;;) {
      keys.push(searchKey(cur, decoder, depth + 1));
      if (cur.maybe(')')) break;
      cur.sp();
    }
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24) return { type: 'seq', set: cur.seqSet() };
  const w = cur.word();
  const text = (): string => decoder.decode(cur.astringBytes());
  const flag = FLAG_KEYS[w];
  if (flag) return { type: 'flag', flag: flag[0], set: flag[1] };
  const header = HEADER_KEYS[w];
  if (header) {
    cur.sp();
    return { type: 'header', field: header, value: text() };
  }
  const date = DATE_KEYS[w];
  if (date) {
    cur.sp();
    return { type: 'date', field: date[0], cmp: date[1], date: cur.date() };
  }
  switch (w) {
    case 'ALL':
      return { type: 'all' };
    case 'NEW':
      return { type: 'and', keys: [{ type: 'flag', flag: '\\Recent', set: true }, { type: 'flag', flag: '\\Seen', set: false }] };
    case 'OLD':
      return { type: 'not', key: { type: 'flag', flag: '\\Recent', set: true } };
    case 'KEYWORD':
    case 'UNKEYWORD': {
      cur.sp();
      return { type: 'flag', flag: cur.atom(), set: w === 'KEYWORD' };
    }
    case 'HEADER': {
      cur.sp();
      const field = cur.astring();
      cur.sp();
      return { type: 'header', field, value: text() };
    }
    case 'BODY':
    case 'TEXT': {
      cur.sp();
      return { type: w === 'BODY' ? 'body' : 'text', value: text() };
    }
    case 'LARGER':
    case 'SMALLER': {
      cur.sp();
      return { type: 'size', cmp: w === 'LARGER' ? 'larger' : 'smaller', size: cur.number(Number.MAX_SAFE_INTEGER, 'size') };
    }
    case 'UID': {
      cur.sp();
      return { type: 'uid', set: cur.seqSet() };
    }
    case 'NOT': {
      cur.sp();
      return { type: 'not', key: searchKey(cur, decoder, depth + 1) };
    }
    case 'OR': {
      cur.sp();
      const left = searchKey(cur, decoder, depth + 1);
      cur.sp();
      const right = searchKey(cur, decoder, depth + 1);
      return { type: 'or', left, right };
    }
    case 'MODSEQ': {
      // "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzero (RFC 7162 section 3.1.5)
      cur.sp();
      let entry: { name: string; kind: 'priv' | 'shared' | 'all' } | undefined;
      if (cur.peek() === 0x22) {
        const name = cur.stringBytes().toString('utf8');
        cur.sp();
        const kind = cur.word().toLowerCase();
        if (kind !== 'priv' && kind !== 'shared' && kind !== 'all') cur.fail('bad MODSEQ entry type');
        cur.sp();
        entry = { name, kind };
      }
      return { type: 'modseq', modseq: cur.modseq(true), ...(entry ? { entry } : {}) };
    }
    default:
      return cur.fail(`unknown search key ${w || '(none)'}`);
  }
}

const SIMPLE_FETCH: ReadonlySet<string> = new Set<SimpleFetchAtt>([
  'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT',
]);

const MACROS: Record<'ALL' | 'FAST' | 'FULL', SimpleFetchAtt[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

function parseFetch(cur: Cursor, tag: string, uid: boolean): Command {
  cur.sp();
  const set = cur.seqSet();
  cur.sp();
  let items: FetchAtt[] = [];
  let macro: 'ALL' | 'FAST' | 'FULL' | undefined;
  if (cur.maybe('(')) {
    for (;;) {
      items.push(fetchAtt(cur));
      if (cur.maybe(')')) break;
      cur.sp();
    }
  } else {
    const save = cur.pos;
    const w = cur.word();
    if (w === 'ALL' || w === 'FAST' || w === 'FULL') {
      macro = w;
      items = MACROS[w].map((kind) => ({ kind }));
    } else {
      cur.pos = save;
      items.push(fetchAtt(cur));
    }
  }
  let changedSince: number | undefined;
  let vanished = false;
  if (cur.maybeSp()) {
    // fetch-modifiers (RFC 7162 section 3.1.4.1 and 3.2.6)
    cur.expect('(');
    for (;;) {
      const m = cur.word();
      if (m === 'CHANGEDSINCE') {
        cur.sp();
        changedSince = cur.modseq(true);
      } else if (m === 'VANISHED') vanished = true;
      else cur.fail(`unknown FETCH modifier ${m || '(none)'}`);
      if (cur.maybe(')')) break;
      cur.sp();
    }
    // RFC 7162 section 3.2.6: VANISHED needs CHANGEDSINCE and UID FETCH.
    if (vanished && (changedSince === undefined || !uid)) cur.fail('VANISHED needs UID FETCH with CHANGEDSINCE');
  }
  return { tag, name: 'FETCH', uid, set, items, vanished, ...(macro ? { macro } : {}), ...(changedSince !== undefined ? { changedSince } : {}) };
}

function fetchAtt(cur: Cursor): FetchAtt {
  const w = cur.word();
  if (cur.peek() === 0x5b /* [ */) {
    if (w === 'BODY' || w === 'BODY.PEEK') {
      const section = parseSection(cur);
      const partial = parsePartial(cur);
      return { kind: 'BODY[]', peek: w === 'BODY.PEEK', section, ...(partial ? { partial } : {}) };
    }
    if (w === 'BINARY' || w === 'BINARY.PEEK' || w === 'BINARY.SIZE') {
      cur.expect('[');
      const part = cur.peek() === 0x5d ? [] : sectionPart(cur);
      cur.expect(']');
      if (w === 'BINARY.SIZE') return { kind: 'BINARY.SIZE', part };
      const partial = parsePartial(cur);
      return { kind: 'BINARY', peek: w === 'BINARY.PEEK', part, ...(partial ? { partial } : {}) };
    }
    return cur.fail(`${w} takes no section`);
  }
  if (SIMPLE_FETCH.has(w)) return { kind: w as SimpleFetchAtt };
  return cur.fail(`unknown FETCH item ${w || '(none)'}`);
}

function sectionPart(cur: Cursor): number[] {
  const part = [cur.nzNumber('part number')];
  // A "." followed by a digit continues the part; followed by a letter it starts section-text.
  while (cur.peek() === 0x2e) {
    const save = cur.pos;
    cur.pos++;
    const c = cur.peek();
    if (c < 0x30 || c > 0x39) {
      cur.pos = save;
      break;
    }
    part.push(cur.nzNumber('part number'));
  }
  return part;
}

/** section = "[" [section-spec] "]" (RFC 9051 section 9). */
function parseSection(cur: Cursor): Section {
  cur.expect('[');
  if (cur.maybe(']')) return { part: [] };
  let part: number[] = [];
  const c = cur.peek();
  if (c >= 0x30 && c <= 0x39) {
    part = sectionPart(cur);
    if (cur.maybe(']')) return { part };
    cur.expect('.');
  }
  const t = cur.word();
  let section: Section;
  if (t === 'HEADER' || t === 'TEXT') section = { part, text: t };
  else if (t === 'MIME' && part.length > 0) section = { part, text: t };
  else if (t === 'HEADER.FIELDS' || t === 'HEADER.FIELDS.NOT') {
    cur.sp();
    cur.expect('(');
    const fields: string[] = [];
    for (;;) {
      fields.push(cur.astring());
      if (cur.maybe(')')) break;
      cur.sp();
    }
    section = { part, text: t, fields };
  } else return cur.fail(`bad section ${t || '(none)'}`);
  cur.expect(']');
  return section;
}

/** partial = "<" number64 "." nz-number64 ">" */
function parsePartial(cur: Cursor): Partial | undefined {
  if (!cur.maybe('<')) return undefined;
  const offset = cur.number(Number.MAX_SAFE_INTEGER, 'offset');
  cur.expect('.');
  const length = cur.number(Number.MAX_SAFE_INTEGER, 'length');
  if (length === 0) cur.fail('a partial length must not be 0');
  cur.expect('>');
  return { offset, length };
}

function parseStore(cur: Cursor, tag: string, uid: boolean): Command {
  cur.sp();
  const set = cur.seqSet();
  cur.sp();
  let unchangedSince: number | undefined;
  if (cur.maybe('(')) {
    // store-modifiers (RFC 7162 section 3.1.3)
    for (;;) {
      const m = cur.word();
      if (m !== 'UNCHANGEDSINCE') cur.fail(`unknown STORE modifier ${m || '(none)'}`);
      cur.sp();
      unchangedSince = cur.modseq(true);
      if (cur.maybe(')')) break;
      cur.sp();
    }
    cur.sp();
  }
  let op: 'set' | 'add' | 'remove' = 'set';
  if (cur.maybe('+')) op = 'add';
  else if (cur.maybe('-')) op = 'remove';
  const w = cur.word();
  if (w !== 'FLAGS' && w !== 'FLAGS.SILENT') cur.fail('expected FLAGS or FLAGS.SILENT');
  cur.sp();
  let flags: string[];
  if (cur.peek() === 0x28) flags = cur.flagList();
  else {
    flags = [cur.flag()];
    while (cur.maybeSp()) flags.push(cur.flag());
  }
  return {
    tag,
    name: 'STORE',
    uid,
    set,
    op,
    silent: w === 'FLAGS.SILENT',
    flags,
    ...(unchangedSince !== undefined ? { unchangedSince } : {}),
  };
}

/** The numbers a sequence set covers, as sorted, merged inclusive ranges, with '*' = max (RFC 9051 section 9). */
export function resolveSeqSet(set: { ranges: readonly SeqRange[] }, max: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const r of set.ranges) {
    const a = r.from === '*' ? max : r.from;
    const b = r.to === '*' ? max : r.to;
    ranges.push(a <= b ? [a, b] : [b, a]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Whether n is in the set ('*' = max). */
export function seqSetHas(set: { ranges: readonly SeqRange[] }, n: number, max: number): boolean {
  for (const r of set.ranges) {
    const a = r.from === '*' ? max : r.from;
    const b = r.to === '*' ? max : r.to;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/** A sequence set in wire form (for COPYUID / APPENDUID / ESEARCH ALL / VANISHED). */
export function formatSeqSet(ranges: ReadonlyArray<readonly [number, number]> | readonly number[]): string {
  if (ranges.length === 0) return '';
  if (typeof ranges[0] === 'number') {
    // Compress sorted-or-not numbers into ranges, keeping the given order of runs (COPYUID pairs by order).
    const nums = ranges as readonly number[];
    const out: string[] = [];
    let start = nums[0]!;
    let prev = start;
    for (let i = 1; i <= nums.length; i++) {
      const n = nums[i];
      if (n !== undefined && n === prev + 1) {
        prev = n;
        continue;
      }
      out.push(start === prev ? String(start) : `${start}:${prev}`);
      if (n !== undefined) start = prev = n;
    }
    return out.join(',');
  }
  return (ranges as ReadonlyArray<readonly [number, number]>).map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(',');
}
