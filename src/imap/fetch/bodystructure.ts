// FETCH BODY and BODYSTRUCTURE (RFC 9051 section 7.5.2 and the body grammar of section 9): basic, text
// and message/rfc822 (message/global, RFC 6532) fields with nested envelope, body and line count; multipart
// bodies with their subtype; BODYSTRUCTURE adds the extension data (body-ext-1part: md5, disposition,
// language, location; body-ext-mpart: params, disposition, language, location). Sizes are octets as
// stored (the message's own line breaks), lines are LF counts of the part's body. Where RFC 9051 leaves
// room, Dovecot's output is the model (types and parameters as sent, text/* without a charset gets
// ("charset" "us-ascii"), an invalid transfer encoding reads "7bit", a multipart without parts gets an
// empty text/plain part so the answer stays valid grammar).
import { Buffer } from 'node:buffer';
import { joined } from '../protocol/writer.js';
import type { ImapValue } from '../protocol/writer.js';
import { envelopeFromFields, envelopeValue } from './envelope.js';
import {
  countLines,
  fieldValue,
  findField,
  parseDispositionValue,
  parseMessage,
  parseTokenValue,
} from './mime.js';
import type { MimeEntity } from './mime.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function paramsValue(params: ReadonlyArray<[string, string]>, defaultCharset: boolean): ImapValue {
  const list: ImapValue[] = [];
  if (defaultCharset && !params.some(([n]) => n.toLowerCase() === 'charset')) list.push('charset', 'us-ascii');
  for (const [n, v] of params) list.push(b(n), b(v));
  return list.length ? list : null;
}

function textField(raw: Buffer, e: MimeEntity, lname: string): ImapValue {
  const f = findField(e.fields, lname);
  return f ? Buffer.from(fieldValue(raw, f)) : null;
}

function dispositionValue(raw: Buffer, e: MimeEntity): ImapValue {
  const f = findField(e.fields, 'content-disposition');
  if (!f) return null;
  const d = parseDispositionValue(fieldValue(raw, f).toString('latin1'));
  if (!d) return null;
  return [b(d.type), paramsValue(d.params, false)];
}

function languageValue(raw: Buffer, e: MimeEntity): ImapValue {
  const f = findField(e.fields, 'content-language');
  if (!f) return null;
  const langs = fieldValue(raw, f)
    .toString('latin1')
    .replace(/\([^)]*\)/g, ' ')
    .split(/[\s,]+/)
    .filter(Boolean);
  return langs.length ? langs.map(b) : null;
}

function encodingOf(raw: Buffer, e: MimeEntity): string {
  const f = findField(e.fields, 'content-transfer-encoding');
  if (!f) return '7bit';
  return parseTokenValue(fieldValue(raw, f).toString('latin1')) ?? '7bit';
}

/** The empty part Dovecot writes for a multipart without body parts. */
function emptyPart(extended: boolean): ImapValue {
  const v: ImapValue[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0];
  if (extended) v.push(null, null, null, null);
  return v;
}

/** One entity's body / bodystructure value. */
export function partValue(raw: Buffer, e: MimeEntity, extended: boolean): ImapValue {
  const ct = e.contentType;
  const type = ct.type.toLowerCase();
  const subtype = ct.subtype.toLowerCase();
  if (e.children) {
    const kids = e.children.length ? e.children.map((c) => partValue(raw, c, extended)) : [emptyPart(extended)];
    const v: ImapValue[] = [joined(kids), b(ct.subtype)];
    if (extended) v.push(paramsValue(ct.params, false), dispositionValue(raw, e), languageValue(raw, e), textField(raw, e, 'content-location'));
    return v;
  }
  const v: ImapValue[] = [
    b(ct.type),
    b(ct.subtype),
    paramsValue(ct.params, type === 'text'),
    textField(raw, e, 'content-id'),
    textField(raw, e, 'content-description'),
    b(encodingOf(raw, e)),
    e.end - e.bodyStart,
  ];
  if (e.message) {
    v.push(envelopeValue(envelopeFromFields(raw, e.message.fields)), partValue(raw, e.message, extended), countLines(raw, e.bodyStart, e.end));
  } else if (type === 'text') {
    v.push(countLines(raw, e.bodyStart, e.end));
  } else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    // Too deep to have been parsed: still valid grammar with an empty envelope and body.
    v.push(envelopeValue({ date: null, subject: null, from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null }), emptyPart(extended), countLines(raw, e.bodyStart, e.end));
  }
  if (extended) v.push(textField(raw, e, 'content-md5'), dispositionValue(raw, e), languageValue(raw, e), textField(raw, e, 'content-location'));
  return v;
}

/** FETCH BODYSTRUCTURE (extended = true) or BODY (extended = false) of a message. */
export function bodyStructure(raw: Buffer, extended: boolean, tree: MimeEntity = parseMessage(raw)): ImapValue {
  return partValue(raw, tree, extended);
}
