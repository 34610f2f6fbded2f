// What an account's address and its people-facing text may hold, checked where every path (API, CLI,
// bootstrap, imports) meets: the store. An address ends up in SMTP envelopes, IMAP responses, log
// lines and HTTP headers, so a CR, LF, NUL or control character in it would be an injection, and an `@`
// or `:` in the local part makes it ambiguous to every parser downstream.
//   - local part: RFC 5321 4.1.2 Dot-string or Quoted-string, at most 64 octets (4.5.3.1.1);
//   - the whole address: at most 254 octets (RFC 5321 4.5.3.1.3 path limit less the angle brackets);
//   - display names and address-book fields: no control characters, at most 256 characters.
import { StoreError } from '../core/errors.js';

const MAX_LOCAL_OCTETS = 64;
const MAX_ADDRESS_OCTETS = 254;
const MAX_TEXT_CHARS = 256;

/** RFC 5322 atext: the characters of one dot-separated atom. */
const DOT_STRING = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** RFC 5321 Quoted-string: qtextSMTP or a quoted pair of printable ASCII. */
const QUOTED_STRING = /^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const invalid = (field: string, why: string): StoreError => new StoreError('invalid', `invalid "${field}": ${why}`);

/** Throws a StoreError('invalid') naming `field` when the address cannot be an account's. */
export function checkAccountAddress(email: string, field = 'email'): void {
  if (CONTROL.test(email)) throw invalid(field, 'control characters (CR, LF, NUL...) are not allowed in an address');
  if (Buffer.byteLength(email) > MAX_ADDRESS_OCTETS) throw invalid(field, `an address is at most ${MAX_ADDRESS_OCTETS} octets`);
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) throw invalid(field, `not an email address: ${JSON.stringify(email)}`);
  const local = email.slice(0, at);
  if (Buffer.byteLength(local) > MAX_LOCAL_OCTETS) throw invalid(field, `the local part is at most ${MAX_LOCAL_OCTETS} octets`);
  if (local.includes('@') || local.includes(':')) throw invalid(field, 'the local part may not contain "@" or ":"');
  if (!DOT_STRING.test(local) && !QUOTED_STRING.test(local)) {
    throw invalid(field, 'the local part must be letters, digits and !#$%&\'*+/=?^_`{|}~- separated by single dots, or a quoted string');
  }
}

/** Throws a StoreError('invalid') naming `field` for text with control characters or over 256 characters. */
export function checkDisplayText(value: string, field: string): void {
  if (CONTROL.test(value)) throw invalid(field, 'control characters (CR, LF, tab, NUL...) are not allowed');
  if ([...value].length > MAX_TEXT_CHARS) throw invalid(field, `at most ${MAX_TEXT_CHARS} characters`);
}
