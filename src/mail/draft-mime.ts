// A draft that a 16.x phone sends whole, as an RFC 5322 message: Sync Add/Change in Drafts whose
// AirSyncBase:Body has Type 4 (MS-ASAIRS 2.2.2.22.1, 2.2.2.41.1; MS-ASCMD 2.2.3.7.2 / 2.2.3.24). The
// stored draft is that message, byte for byte, with only what a stored message must have added when the
// phone left it out: From (the account), Message-ID (kept across edits, so the draft keeps its identity)
// and Date. Bytes that are not a message are refused rather than stored as a text body: a phone that
// sends garbage gets a per-item error (Status 6), never a silently corrupted draft.
import { randomUUID } from 'node:crypto';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import type { Account } from '../store/types.js';

export class NotAMessageError extends Error {
  override readonly name = 'NotAMessageError';
}

/** RFC 5322 3.6.8: a field name is printable US-ASCII except the colon. */
const FIELD_LINE = /^[\x21-\x39\x3b-\x7e]+:/;
/** At least one of these says the bytes are a message and not, say, a text body with a colon in it. */
const MESSAGE_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'reply-to', 'sender']);

/** CRLF everywhere (RFC 5322 2.1): phones sometimes send bare LF, the rest of the store expects CRLF. */
function crlf(buf: Buffer): Buffer {
  if (!buf.includes(0x0a)) return buf;
  return Buffer.from(buf.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The names of the header fields, lower-cased; throws when the header block is not one. */
function fieldNames(header: string): string[] {
  const names: string[] = [];
  for (const line of header.split('\r\n')) {
    if (line === '') continue;
    // A folded continuation of the previous field (RFC 5322 2.2.3).
    if ((line.startsWith(' ') || line.startsWith('\t')) && names.length > 0) continue;
    if (!FIELD_LINE.test(line)) throw new NotAMessageError('the body is not an RFC 5322 message: a header line is malformed');
    names.push(line.slice(0, line.indexOf(':')).trim().toLowerCase());
  }
  if (!names.some((n) => MESSAGE_FIELDS.has(n))) throw new NotAMessageError('the body is not an RFC 5322 message: no message header fields');
  return names;
}

/** A display name as a quoted string when it is plain ASCII, else as RFC 2047 encoded words. */
function displayName(name: string): string {
  const clean = name.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? `"${clean.replace(/(["\\])/g, '\\$1')}"` : encodeWord(clean, 'Q', 52);
}

/**
 * The stored form of a draft the phone sent as MIME. `messageId` is the draft's current Message-ID (on a
 * Change), used when the new MIME has none.
 */
export function draftFromMime(sender: Account, mime: Uint8Array, messageId: string | null): Buffer {
  const buf = crlf(Buffer.from(mime.buffer, mime.byteOffset, mime.byteLength));
  if (buf.length === 0) throw new NotAMessageError('the body is empty');
  const end = buf.indexOf('\r\n\r\n');
  const header = buf.subarray(0, end === -1 ? buf.length : end).toString('latin1');
  const names = new Set(fieldNames(header));
  const added: string[] = [];
  if (!names.has('from')) {
    added.push(`From: ${sender.displayName ? `${displayName(sender.displayName)} ` : ''}<${sender.email}>`);
  }
  if (!names.has('message-id')) {
    added.push(`Message-ID: ${messageId ?? `<${randomUUID()}@${sender.email.slice(sender.email.indexOf('@') + 1)}>`}`);
  }
  if (!names.has('date')) added.push(`Date: ${new Date().toUTCString().replace(/GMT$/, '+0000')}`);
  // A message with no body at all still needs the empty line that ends its header.
  const tail = end === -1 ? Buffer.from(header.endsWith('\r\n') ? '\r\n' : '\r\n\r\n', 'latin1') : Buffer.alloc(0);
  if (added.length === 0 && tail.length === 0) return buf;
  return Buffer.concat([Buffer.from(added.map((l) => `${l}\r\n`).join(''), 'latin1'), buf, tail]);
}
