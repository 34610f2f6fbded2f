// FETCH ENVELOPE (RFC 9051 section 7.5.2; RFC 3501 section 7.4.2 for the same rules): date, subject,
// from, sender, reply-to, to, cc, bcc, in-reply-to, message-id, from the message's top-level header.
// Values are the header bytes as sent (unfolded, trimmed): encoded words are left encoded and 8-bit
// bytes kept, so the writer chooses a literal where a quoted string would not be exact. Addresses are
// (name adl mailbox host); a group is (NIL NIL group-name NIL) ... (NIL NIL NIL NIL); an absent or empty
// Sender / Reply-To is the From value; an absent or empty address header is NIL.
import { Buffer } from 'node:buffer';
import { joined } from '../protocol/writer.js';
import type { ImapValue } from '../protocol/writer.js';
import { fieldValue, findField, parseHeaderBlock } from './mime.js';
import type { HeaderField } from './mime.js';

export interface Address {
  name: Buffer | null;
  /** The source route (obsolete, RFC 5322 obs-route) like "@a,@b", or null. */
  adl: Buffer | null;
  /** Local part; for a group start, the group name; null for a group end. */
  mailbox: Buffer | null;
  /** Domain; null marks group syntax (start when mailbox is set, end when it is null). */
  host: Buffer | null;
}

export interface Envelope {
  date: Buffer | null;
  subject: Buffer | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: Buffer | null;
  messageId: Buffer | null;
}

/** Dovecot's placeholders for an address without a local part or a domain (host NIL would mean a group). */
const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';

type Token = { t: 'word'; v: string; quoted: boolean } | { t: 'special'; v: string } | { t: 'literal'; v: string } | { t: 'comment'; v: string };

/** RFC 5322 lexer over a latin1 string (bytes kept 1:1), comments included (an addr-spec's comment names it). */
function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '(') {
      let depth = 0;
      let v = '';
      while (i < s.length) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) {
          i++;
          if (depth > 0) v += s[i];
        } else if (c === '(') {
          if (depth > 0) v += c;
          depth++;
        } else if (c === ')') {
          if (--depth === 0) {
            i++;
            break;
          }
          v += c;
        } else v += c;
        i++;
      }
      out.push({ t: 'comment', v: v.trim() });
    } else if (ch === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
        i++;
      }
      i++;
      out.push({ t: 'word', v, quoted: true });
    } else if (ch === '[') {
      const end = s.indexOf(']', i);
      const stop = end < 0 ? s.length : end + 1;
      out.push({ t: 'literal', v: s.slice(i, stop) });
      i = stop;
    } else if ('<>:;@,'.includes(ch)) {
      out.push({ t: 'special', v: ch });
      i++;
    } else if (ch === ')' || ch === ']' || ch === '\\') {
      i++; // stray
    } else {
      let j = i;
      while (j < s.length && !' \t\r\n()"[]<>:;@,\\'.includes(s[j]!)) j++;
      out.push({ t: 'word', v: s.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

class AddressParser {
  private i = 0;
  private readonly toks: Token[] = [];
  /** The first non-empty comment before each token (index toks.length: after the last one). */
  private readonly commentBefore: Array<string | undefined> = [];

  constructor(all: Token[]) {
    let pending: string | undefined;
    for (const t of all) {
      if (t.t === 'comment') {
        pending ??= t.v || undefined;
        continue;
      }
      this.commentBefore[this.toks.length] = pending;
      this.toks.push(t);
      pending = undefined;
    }
    this.commentBefore[this.toks.length] = pending;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isSpecial(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'special' && t.v === v;
  }

  list(): Address[] {
    const out: Address[] = [];
    while (this.i < this.toks.length) {
      if (this.isSpecial(',')) {
        this.i++;
        continue;
      }
      this.address(out, false);
    }
    return out;
  }

  /** One address (or group) into out. */
  private address(out: Address[], inGroup: boolean): void {
    const phrase: Token[] = [];
    const start = this.i;
    while (this.i < this.toks.length) {
      const t = this.peek()!;
      if (t.t === 'special' && t.v !== '@') break;
      if (t.t === 'special' && t.v === '@') break;
      phrase.push(t);
      this.i++;
    }
    const t = this.peek();
    if (t?.t === 'special' && t.v === ':' && !inGroup) {
      // group = display-name ":" [group-list] ";"
      this.i++;
      out.push({ name: null, adl: null, mailbox: b(this.phraseText(phrase) || MISSING_MAILBOX), host: null });
      while (this.i < this.toks.length && !this.isSpecial(';')) {
        if (this.isSpecial(',')) {
          this.i++;
          continue;
        }
        this.address(out, true);
      }
      if (this.isSpecial(';')) this.i++;
      out.push({ name: null, adl: null, mailbox: null, host: null });
      return;
    }
    if (t?.t === 'special' && t.v === '<') {
      this.i++;
      const name = this.phraseText(phrase);
      const { adl, mailbox, host } = this.angleAddr();
      out.push({ name: name ? b(name) : null, adl, mailbox, host });
      return;
    }
    // addr-spec: local-part [@ domain]
    this.i = start;
    const local = this.localPart();
    let host: string | null = null;
    if (this.isSpecial('@')) {
      this.i++;
      host = this.domain();
    }
    // "user@domain (Real Name)": the old convention of a comment naming the address (Dovecot reads it so).
    const comment = this.commentBefore[this.i];
    // Skip anything up to the next separator (garbage after an addr-spec).
    while (this.i < this.toks.length && !this.isSpecial(',') && !(inGroup && this.isSpecial(';'))) this.i++;
    if (!local && !host) return;
    out.push({ name: comment ? b(comment) : null, adl: null, mailbox: b(local || MISSING_MAILBOX), host: b(host || MISSING_DOMAIN) });
  }

  private phraseText(phrase: Token[]): string {
    return phrase.map((p) => p.v).join(' ');
  }

  private localPart(): string {
    let s = '';
    while (this.i < this.toks.length) {
      const t = this.peek()!;
      if (t.t !== 'word') break;
      s += t.quoted ? `"${t.v.replace(/["\\]/g, (m) => '\\' + m)}"` : t.v;
      this.i++;
    }
    return s;
  }

  private domain(): string {
    let s = '';
    while (this.i < this.toks.length) {
      const t = this.peek()!;
      if (t.t === 'special') break;
      s += t.v;
      this.i++;
    }
    return s;
  }

  /** After "<": [route ":"] addr-spec ">" (obs-route: "@a,@b:"). */
  private angleAddr(): { adl: Buffer | null; mailbox: Buffer | null; host: Buffer | null } {
    let adl: string | null = null;
    if (this.isSpecial('@')) {
      const parts: string[] = [];
      while (this.isSpecial('@') || this.isSpecial(',')) {
        if (this.isSpecial(',')) {
          this.i++;
          continue;
        }
        this.i++;
        parts.push('@' + this.domain());
      }
      if (this.isSpecial(':')) this.i++;
      adl = parts.join(',');
    }
    const local = this.localPart();
    let host: string | null = null;
    if (this.isSpecial('@')) {
      this.i++;
      host = this.domain();
    }
    while (this.i < this.toks.length && !this.isSpecial('>')) this.i++;
    if (this.isSpecial('>')) this.i++;
    if (!local && !host) {
      // "<>" (a null return path): Dovecot writes a mailbox with empty parts.
      return { adl: adl ? b(adl) : null, mailbox: b(''), host: b('') };
    }
    return { adl: adl ? b(adl) : null, mailbox: b(local || MISSING_MAILBOX), host: b(host || MISSING_DOMAIN) };
  }
}

/** Parses an RFC 5322 address-list value (bytes as sent). */
export function parseAddressList(value: Buffer): Address[] {
  return new AddressParser(tokenize(value.toString('latin1'))).list();
}

function addressesOf(raw: Buffer, fields: readonly HeaderField[], lname: string): Address[] | null {
  const f = findField(fields, lname);
  if (!f) return null;
  const list = parseAddressList(fieldValue(raw, f));
  return list.length ? list : null;
}

function textOf(raw: Buffer, fields: readonly HeaderField[], lname: string): Buffer | null {
  const f = findField(fields, lname);
  return f ? Buffer.from(fieldValue(raw, f)) : null;
}

/** The envelope from a header's fields (the message's top level, or an encapsulated message's). */
export function envelopeFromFields(raw: Buffer, fields: readonly HeaderField[]): Envelope {
  const from = addressesOf(raw, fields, 'from');
  return {
    date: textOf(raw, fields, 'date'),
    subject: textOf(raw, fields, 'subject'),
    from,
    sender: addressesOf(raw, fields, 'sender') ?? from,
    replyTo: addressesOf(raw, fields, 'reply-to') ?? from,
    to: addressesOf(raw, fields, 'to'),
    cc: addressesOf(raw, fields, 'cc'),
    bcc: addressesOf(raw, fields, 'bcc'),
    inReplyTo: textOf(raw, fields, 'in-reply-to'),
    messageId: textOf(raw, fields, 'message-id'),
  };
}

/**
 * The envelope from header bytes alone (a stored header, or a whole message: the header ends at the first
 * blank line). The cheap path: the body is never read.
 */
export function envelopeFromHeaders(headerBytes: Buffer): Envelope {
  const { fields } = parseHeaderBlock(headerBytes, 0, headerBytes.length);
  return envelopeFromFields(headerBytes, fields);
}

/** The envelope of a whole message. */
export function envelope(raw: Buffer): Envelope {
  return envelopeFromHeaders(raw);
}

function addressValue(a: Address): ImapValue {
  return [a.name, a.adl, a.mailbox, a.host];
}

function addressListValue(list: Address[] | null): ImapValue {
  return list ? [joined(list.map(addressValue))] : null;
}

/** The envelope as a writer value: `(date subject (from) (sender) ... in-reply-to message-id)`. */
export function envelopeValue(e: Envelope): ImapValue {
  return [
    e.date,
    e.subject,
    addressListValue(e.from),
    addressListValue(e.sender),
    addressListValue(e.replyTo),
    addressListValue(e.to),
    addressListValue(e.cc),
    addressListValue(e.bcc),
    e.inReplyTo,
    e.messageId,
  ];
}
