// One pass of mailparser over a stored message (RFC 5322 / MIME, RFC 2045-2049), reduced to what the
// Email class needs: root headers, the text and HTML bodies, the list of attachments (numbered in
// document order, with their decoded sizes) and an iCalendar invitation part (RFC 5546) if any.
// extractAttachment() walks the same parse to hand out one attachment's bytes, so the numbering the
// device sees in a FileReference (MS-ASAIRS 2.2.2.24) always resolves to the same part.
// Nothing here throws: a message mailparser cannot read yields whatever was read before the error.
import { Buffer } from 'node:buffer';
import { MailParser, type AttachmentStream, type EmailAddress, type HeaderValue, type Headers, type MessageText, type StructuredHeader } from 'mailparser';
import { emptyMeta } from './parse.js';
import type { Address, ContentPart, MessageMeta } from '../store/types.js';

/** One non-body part of a message, as listed to the device (kept as is in a message's stored content). */
export type MimePart = ContentPart;

export interface MimeMessage {
  /** Root headers, or null when not even the header block could be read. */
  headers: Headers | null;
  /** Plain text of the text/plain parts ('' when there are none). */
  text: string;
  /** HTML of the text/html parts, or null when the message has none. */
  html: string | null;
  attachments: MimePart[];
  /** 'signed' for multipart/signed, 'encrypted' for application/pkcs7-mime (RFC 8551). */
  smime: 'signed' | 'encrypted' | null;
  /** Text of the first text/calendar part and the index of that part. */
  calendar: { index: number; text: string } | null;
}

/** An invitation larger than this is not an invitation a phone needs to render natively. */
const MAX_CALENDAR_BYTES = 256 * 1024;
/** More parts than this are not listed: no phone shows them and the response would balloon. */
export const MAX_LISTED_ATTACHMENTS = 256;

// Body conversions are ours to do lazily (only the body type the device asked for), so mailparser's
// own HTML-to-text and text-to-HTML work, and hashing, are switched off.
const parserOptions = {
  skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, checksumAlgo: false,
} as const;

const asBuffer = (raw: Uint8Array): Buffer => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);

interface Walk {
  onAttachment?: (part: MimePart, chunk: Buffer) => void;
  onAttachmentEnd?: (part: MimePart) => void;
}

function walk(raw: Uint8Array, hooks: Walk): Promise<MimeMessage> {
  const msg: MimeMessage = { headers: null, text: '', html: null, attachments: [], smime: null, calendar: null };
  return new Promise((resolve) => {
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      resolve(msg);
    };
    let parser: MailParser;
    try {
      parser = new MailParser(parserOptions);
    } catch {
      done();
      return;
    }
    let count = 0;
    parser.on('headers', (headers: Headers) => {
      msg.headers = headers;
      msg.smime = smimeKind(headers.get('content-type'));
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment') {
        const part = describe(data, count++);
        if (part.index < MAX_LISTED_ATTACHMENTS) msg.attachments.push(part);
        const calendarChunks: Buffer[] | null = part.contentType === 'text/calendar' && !msg.calendar ? [] : null;
        let calendarBytes = 0;
        data.content.on('data', (chunk: Buffer) => {
          part.size += chunk.length;
          if (calendarChunks && calendarBytes < MAX_CALENDAR_BYTES) {
            calendarChunks.push(chunk);
            calendarBytes += chunk.length;
          }
          hooks.onAttachment?.(part, chunk);
        });
        // A broken part must not stall the parser, which waits for every attachment to be released.
        data.content.on('error', () => data.release?.());
        data.content.on('end', () => {
          if (calendarChunks && calendarBytes <= MAX_CALENDAR_BYTES && !msg.calendar) {
            msg.calendar = { index: part.index, text: Buffer.concat(calendarChunks).toString('utf8') };
          }
          hooks.onAttachmentEnd?.(part);
          data.release?.();
        });
      } else {
        msg.text = data.text ?? '';
        msg.html = data.html ?? null;
      }
    });
    parser.on('error', done);
    parser.on('end', done);
    try {
      parser.end(asBuffer(raw));
    } catch {
      done();
    }
  });
}

/** Parses a stored message once; never throws. */
export function readMessage(raw: Uint8Array): Promise<MimeMessage> {
  return walk(raw, {});
}

/** The bytes and type of attachment `partIndex` (ItemOperations Fetch by FileReference), or null. */
export async function extractAttachment(
  raw: Uint8Array,
  partIndex: number,
): Promise<{ contentType: string; fileName: string; data: Buffer } | null> {
  if (!Number.isSafeInteger(partIndex) || partIndex < 0) return null;
  const chunks: Buffer[] = [];
  const hit: { part: MimePart | null } = { part: null };
  await walk(raw, {
    onAttachment: (part, chunk) => {
      if (part.index === partIndex) chunks.push(chunk);
    },
    onAttachmentEnd: (part) => {
      if (part.index === partIndex) hit.part = part;
    },
  });
  const part = hit.part;
  return part ? { contentType: part.contentType, fileName: part.fileName, data: Buffer.concat(chunks) } : null;
}

function describe(a: AttachmentStream, index: number): MimePart {
  const contentType = (a.contentType || 'application/octet-stream').toLowerCase();
  const location = a.headers.get('content-location');
  const disposition = a.contentDisposition?.toLowerCase();
  return {
    index,
    contentType,
    fileName: cleanName(a.filename) || defaultName(contentType, index),
    size: 0,
    contentId: a.cid || null,
    contentLocation: typeof location === 'string' && location.trim() ? location.trim() : null,
    inline: a.related === true || (disposition === 'inline' && !!a.cid),
    calendarAlternative: contentType === 'text/calendar' && !a.filename && disposition !== 'attachment',
  };
}

/** Control characters and path separators have no place in a name a phone saves a file under. */
function cleanName(name: string | undefined): string {
  if (!name) return '';
  return name.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[\\/]/, '').trim().slice(0, 255);
}

const extensions: Record<string, string> = {
  'message/rfc822': 'eml', 'text/calendar': 'ics', 'text/plain': 'txt', 'text/html': 'html', 'image/jpeg': 'jpg',
  'image/png': 'png', 'image/gif': 'gif', 'application/pdf': 'pdf', 'application/pkcs7-signature': 'p7s',
  'application/x-pkcs7-signature': 'p7s', 'application/pkcs7-mime': 'p7m', 'application/x-pkcs7-mime': 'p7m',
};

function defaultName(contentType: string, index: number): string {
  if (contentType === 'message/rfc822') return 'message.eml';
  const ext = extensions[contentType] ?? (/^[a-z]+\/([a-z0-9]{1,8})$/.exec(contentType)?.[1] ?? 'bin');
  return `attachment-${index + 1}.${ext}`;
}

function smimeKind(ct: HeaderValue | undefined): MimeMessage['smime'] {
  if (!isStructured(ct)) return null;
  const value = ct.value.toLowerCase();
  if (value === 'multipart/signed' && /pkcs7-signature/i.test(ct.params.protocol ?? '')) return 'signed';
  if (value === 'application/pkcs7-mime' || value === 'application/x-pkcs7-mime') {
    // smime-type=signed-data is an opaque-signed message: still unreadable without S/MIME support.
    return 'encrypted';
  }
  return null;
}

function isStructured(v: HeaderValue | undefined): v is StructuredHeader {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
    && typeof (v as { value?: unknown }).value === 'string' && typeof (v as { params?: unknown }).params === 'object';
}

/**
 * The header summary of a message whose item has no stored MessageMeta (it normally has one: the
 * store keeps it so lists need no parse). Same rules as src/mail/parse.ts, from the headers at hand.
 */
export function metaFromHeaders(headers: Headers | null): MessageMeta {
  const meta = emptyMeta();
  if (!headers) return meta;
  const str = (v: HeaderValue | undefined): string | null =>
    typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null;
  meta.subject = str(headers.get('subject')) ?? '';
  meta.from = addresses(headers.get('from'));
  meta.to = addresses(headers.get('to'));
  meta.cc = addresses(headers.get('cc'));
  meta.replyTo = addresses(headers.get('reply-to'));
  meta.messageId = str(headers.get('message-id'));
  meta.inReplyTo = str(headers.get('in-reply-to'));
  const refs = headers.get('references');
  meta.references = typeof refs === 'string' ? [refs] : Array.isArray(refs) ? refs.filter((r): r is string => typeof r === 'string') : [];
  const prio = headers.get('priority');
  meta.importance = prio === 'high' ? 2 : prio === 'low' ? 0 : 1;
  const date = headers.get('date');
  meta.sentAt = date instanceof Date && Number.isFinite(date.getTime()) ? date.getTime() : null;
  return meta;
}

export function addresses(v: HeaderValue | undefined): Address[] {
  const out: Address[] = [];
  const walkList = (list: EmailAddress[]): void => {
    for (const a of list) {
      if (a.group) walkList(a.group);
      else if (a.address || a.name) out.push({ name: a.name, address: a.address ?? '' });
    }
  };
  for (const o of Array.isArray(v) ? v : [v]) {
    const list = typeof o === 'object' && o !== null ? (o as { value?: unknown }).value : undefined;
    if (Array.isArray(list)) walkList(list as EmailAddress[]);
  }
  return out;
}
