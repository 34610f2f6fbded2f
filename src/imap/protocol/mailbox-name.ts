// Mailbox name codecs. IMAP4rev1 clients name mailboxes in modified UTF-7 (RFC 3501 section 5.1.3, kept
// by RFC 9051 appendix A for compatibility): printable US-ASCII but "&" stands for itself, "&" is "&-",
// and any other run of characters is "&" + modified base64 (RFC 2045 base64 with "," for "/", no "=" padding)
// of their UTF-16BE code units + "-". Once a client has enabled UTF8=ACCEPT (RFC 6855) or IMAP4rev2 names
// travel as UTF-8 (RFC 9051 section 5.1), which only needs validating.
import { Buffer } from 'node:buffer';

export class MailboxNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailboxNameError';
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** A Unicode mailbox name in modified UTF-7. */
export function encodeModifiedUtf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      out += c === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    // A run of characters outside printable ASCII, as UTF-16BE code units.
    let j = i;
    while (j < name.length && !(name.charCodeAt(j) >= 0x20 && name.charCodeAt(j) <= 0x7e)) j++;
    const units = Buffer.alloc((j - i) * 2);
    for (let k = i; k < j; k++) units.writeUInt16BE(name.charCodeAt(k), (k - i) * 2);
    out += '&' + units.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    i = j;
  }
  return out;
}

/**
 * A modified UTF-7 mailbox name in Unicode. Throws MailboxNameError on what RFC 3501 forbids: 8-bit or
 * control characters, an unterminated or empty "&...-" run other than "&-", leftover non-zero bits, lone
 * surrogates, and printable ASCII encoded in base64 (which would give one name two spellings).
 */
export function decodeModifiedUtf7(wire: string): string {
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new MailboxNameError('a mailbox name in modified UTF-7 is printable US-ASCII');
    if (c !== 0x26) {
      out += wire[i];
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw new MailboxNameError('unterminated "&" run in a modified UTF-7 mailbox name');
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    let bits = 0;
    let acc = 0;
    const units: number[] = [];
    for (let k = i + 1; k < end; k++) {
      const v = B64_VALUE[wire.charCodeAt(k)] ?? -1;
      if (v < 0) throw new MailboxNameError('bad character in a modified UTF-7 run');
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        units.push((acc >> bits) & 0xffff);
        acc &= (1 << bits) - 1;
      }
    }
    if (bits >= 6 || acc !== 0 || units.length === 0) throw new MailboxNameError('bad padding in a modified UTF-7 run');
    for (let k = 0; k < units.length; k++) {
      const u = units[k]!;
      if (u >= 0x20 && u <= 0x7e) throw new MailboxNameError('printable US-ASCII encoded in a modified UTF-7 run');
      if (u >= 0xd800 && u <= 0xdbff) {
        const lo = units[k + 1];
        if (lo === undefined || lo < 0xdc00 || lo > 0xdfff) throw new MailboxNameError('lone surrogate in a mailbox name');
        out += String.fromCharCode(u, lo);
        k++;
        continue;
      }
      if (u >= 0xdc00 && u <= 0xdfff) throw new MailboxNameError('lone surrogate in a mailbox name');
      out += String.fromCharCode(u);
    }
    i = end + 1;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A UTF-8 mailbox name (UTF8=ACCEPT / IMAP4rev2) as a string; throws MailboxNameError when not valid UTF-8. */
export function decodeUtf8MailboxName(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MailboxNameError('a mailbox name is not valid UTF-8');
  }
}

/** RFC 9051 section 5.1: INBOX is case-insensitive (only the name itself, not a prefix). */
export function normalizeInbox(name: string): string {
  return name.length === 5 && name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** A mailbox name for the wire (LIST, STATUS, ...): UTF-8 when the client enabled it, else modified UTF-7. */
export function encodeMailboxName(name: string, utf8: boolean): string {
  return utf8 ? name : encodeModifiedUtf7(name);
}
