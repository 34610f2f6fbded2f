// FETCH BODY[section]<partial> (RFC 9051 section 6.4.5) and BINARY[part] / BINARY.SIZE[part] (RFC 3516
// section 4.2): the bytes a section names, cut from the raw message by offsets (subarrays, no copies,
// except HEADER.FIELDS which assembles matching fields). A section that does not exist gives null (the
// server answers NIL, as Dovecot does); BINARY of a part with an unknown transfer encoding gives
// { unknownCte } (the server answers NO [UNKNOWN-CTE]).
import { Buffer } from 'node:buffer';
import type { Partial, Section } from '../protocol/types.js';
import { fieldValue, findField, locatePart, parseMessage, parseTokenValue } from './mime.js';
import type { MimeEntity } from './mime.js';

const CRLF = Buffer.from('\r\n', 'latin1');

function headerFields(raw: Buffer, e: MimeEntity, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const parts: Buffer[] = [];
  for (const f of e.fields) {
    if (wanted.has(f.lname) === not) continue;
    const bytes = raw.subarray(f.start, f.end);
    parts.push(bytes);
    // A field on the last line of a message without a final line break still ends with one here.
    if (bytes[bytes.length - 1] !== 0x0a) parts.push(CRLF);
  }
  parts.push(CRLF); // the blank line ending the header (RFC 9051 section 6.4.5)
  return Buffer.concat(parts);
}

/** The message entity whose HEADER/TEXT a section means: the top level, or a message/rfc822 part's message. */
function messageOf(root: MimeEntity, part: readonly number[]): MimeEntity | null {
  if (part.length === 0) return root;
  const loc = locatePart(root, part);
  return loc?.entity.message ?? null;
}

/** The bytes of BODY[section] (before any partial), or null when the section does not exist. */
export function sectionBytes(raw: Buffer, section: Section, tree: MimeEntity = parseMessage(raw)): Buffer | null {
  const { part, text } = section;
  switch (text) {
    case undefined: {
      if (part.length === 0) return raw;
      const loc = locatePart(tree, part);
      return loc ? raw.subarray(loc.entity.bodyStart, loc.entity.end) : null;
    }
    case 'MIME': {
      const loc = locatePart(tree, part);
      return loc ? raw.subarray(loc.entity.start, loc.entity.bodyStart) : null;
    }
    case 'HEADER': {
      const m = messageOf(tree, part);
      return m ? raw.subarray(m.start, m.bodyStart) : null;
    }
    case 'TEXT': {
      const m = messageOf(tree, part);
      return m ? raw.subarray(m.bodyStart, m.end) : null;
    }
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      const m = messageOf(tree, part);
      return m ? headerFields(raw, m, section.fields ?? [], text === 'HEADER.FIELDS.NOT') : null;
    }
    default:
      return null;
  }
}

/** <offset.length> applied (RFC 9051 section 6.4.5: past the end is the empty string). */
export function applyPartial(bytes: Buffer, partial: Partial | undefined): Buffer {
  if (!partial) return bytes;
  if (partial.offset >= bytes.length) return bytes.subarray(0, 0);
  return bytes.subarray(partial.offset, Math.min(bytes.length, partial.offset + partial.length));
}

export type BinaryResult = { bytes: Buffer } | { unknownCte: string } | null;

/** Base64 decoding that skips characters outside the alphabet (line breaks, stray garbage), as Dovecot does. */
function decodeBase64(body: Buffer): Buffer {
  return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

/** Quoted-printable (RFC 2045 section 6.7): soft line breaks removed, =XX decoded, a bad "=" kept as is. */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === 0x3d /* = */) {
      // Soft line break: "=" then optional trailing whitespace then CRLF or LF.
      let j = i + 1;
      while (j < body.length && (body[j] === 0x20 || body[j] === 0x09)) j++;
      if (body[j] === 0x0d && body[j + 1] === 0x0a) {
        i = j + 2;
        continue;
      }
      if (body[j] === 0x0a) {
        i = j + 1;
        continue;
      }
      if (j === body.length) {
        i = j;
        continue;
      }
      const hex = body.toString('latin1', i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 3;
        continue;
      }
      out[n++] = c;
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09) {
      // Trailing whitespace before a line break was added in transport (section 6.7 rule 3): drop it.
      let j = i;
      while (j < body.length && (body[j] === 0x20 || body[j] === 0x09)) j++;
      if (j === body.length || body[j] === 0x0a || (body[j] === 0x0d && body[j + 1] === 0x0a)) {
        i = j;
        continue;
      }
    }
    out[n++] = c;
    i++;
  }
  return out.subarray(0, n);
}

/** BINARY[part]: the part's body with its Content-Transfer-Encoding undone. */
export function binaryBytes(raw: Buffer, part: readonly number[], tree: MimeEntity = parseMessage(raw)): BinaryResult {
  if (part.length === 0) return { bytes: raw };
  const loc = locatePart(tree, part);
  if (!loc) return null;
  const e = loc.entity;
  const body = raw.subarray(e.bodyStart, e.end);
  // Only leaf parts carry an encoding of their own (RFC 2045 section 6.4: composites are 7bit/8bit/binary).
  if (e.children || e.message) return { bytes: body };
  const f = findField(e.fields, 'content-transfer-encoding');
  const cte = f ? (parseTokenValue(fieldValue(raw, f).toString('latin1')) ?? '7bit').toLowerCase() : '7bit';
  switch (cte) {
    case '7bit':
    case '8bit':
    case 'binary':
      return { bytes: body };
    case 'base64':
      return { bytes: decodeBase64(body) };
    case 'quoted-printable':
      return { bytes: decodeQuotedPrintable(body) };
    default:
      return { unknownCte: cte };
  }
}

/** BINARY.SIZE[part]: the decoded size, or as binaryBytes for a missing part / unknown encoding. */
export function binarySize(raw: Buffer, part: readonly number[], tree: MimeEntity = parseMessage(raw)): { size: number } | { unknownCte: string } | null {
  const r = binaryBytes(raw, part, tree);
  if (!r) return null;
  if ('unknownCte' in r) return r;
  return { size: r.bytes.length };
}
