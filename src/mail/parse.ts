// RFC 5322 / MIME (RFC 2045-2047) header and body summary of a raw message, built with mailparser:
// the MessageMeta the store keeps so that protocols never re-parse MIME to list a folder.
// It runs on every delivery, so it streams (attachments are drained, never buffered) and it never
// throws: a message we cannot make sense of is still delivered, with whatever could be read.
import { joined, lengthOf, type ByteParts } from '../core/byte-parts.js';
import { MailParser, type AddressObject, type EmailAddress, type HeaderLines, type HeaderValue, type Headers } from 'mailparser';
import type { Address, MessageContent, MessageMeta } from '../store/types.js';
import { skeleton, SKELETON_FROM } from './skeleton.js';

export const PREVIEW_LENGTH = 255;

/** HTML-only messages get their preview from an HTML-to-text conversion; past this size it is not worth it. */
const MAX_HTML_TO_CONVERT = 2 * 1024 * 1024;

export function emptyMeta(): MessageMeta {
  return {
    subject: '', from: [], to: [], cc: [], replyTo: [], messageId: null, inReplyTo: null, references: [],
    sentAt: null, hasAttachments: false, preview: '', importance: 1,
  };
}

/** What delivery keeps of a message besides its bytes: the summary, and the body text for the search index. */
export interface ParsedMessage {
  meta: MessageMeta;
  text: string;
  /** What ActiveSync renders (src/mail/content.ts), when the caller has it already; delivery makes it otherwise. */
  content?: MessageContent;
}

export async function parseMessageMeta(raw: ByteParts): Promise<MessageMeta> {
  return (await parseMessage(raw)).meta;
}

export async function parseMessage(raw: ByteParts): Promise<ParsedMessage> {
  try {
    // A large message is mostly attachments: parse it without their bytes (src/mail/skeleton.ts).
    const bones = lengthOf(raw) >= SKELETON_FROM ? await skeleton(raw).catch(() => null) : null;
    return await parse(bones ?? joined(raw));
  } catch {
    // mailparser only fails on pathological input (e.g. a 1 MB header block); such a message is still
    // stored byte for byte, it just lists with an empty summary.
    return { meta: emptyMeta(), text: '' };
  }
}

function parse(buf: Buffer): Promise<ParsedMessage> {
  return new Promise((resolve) => {
    const meta = emptyMeta();
    let text = '';
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      resolve({ meta, text });
    };
    const parser = new MailParser({
      skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, checksumAlgo: false,
      maxHtmlLengthToParse: MAX_HTML_TO_CONVERT,
    });
    parser.on('headers', (headers: Headers) => applyHeaders(meta, headers));
    parser.on('headerLines', (lines: HeaderLines) => {
      meta.sentAt = dateOf(lines);
    });
    parser.on('data', (part) => {
      if (part.type === 'attachment') {
        // Inline images of an HTML body (multipart/related with a Content-ID) are not what a user
        // calls an attachment; everything else (files, forwarded messages) is.
        if (!part.related) meta.hasAttachments = true;
        part.content.on('error', () => undefined);
        part.content.on('end', () => part.release?.());
        part.content.resume();
      } else if (part.text?.trim()) {
        text = part.text;
        meta.preview = previewOf(part.text);
      } else if (part.html) {
        // mailparser converts HTML to text only for a top-level HTML body, not inside multipart/related.
        text = htmlToText(part.html);
        meta.preview = previewOf(text);
      }
    });
    // Whatever was read before an error is kept: headers are usually fine even when a body is broken.
    parser.on('error', done);
    parser.on('end', done);
    parser.end(buf);
  });
}

function applyHeaders(meta: MessageMeta, headers: Headers): void {
  meta.subject = str(headers.get('subject')) ?? '';
  meta.from = addresses(headers.get('from'));
  meta.to = addresses(headers.get('to'));
  meta.cc = addresses(headers.get('cc'));
  meta.replyTo = addresses(headers.get('reply-to'));
  meta.messageId = str(headers.get('message-id')) ?? null;
  meta.inReplyTo = str(headers.get('in-reply-to')) ?? null;
  const refs = headers.get('references');
  meta.references = typeof refs === 'string' ? [refs] : Array.isArray(refs) ? refs.filter((r): r is string => typeof r === 'string') : [];
  // mailparser folds Importance, Priority, X-Priority and X-MSMail-Priority into one 'priority' value.
  const prio = headers.get('priority');
  meta.importance = prio === 'high' ? 2 : prio === 'low' ? 0 : 1;
}

function str(v: HeaderValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && Array.isArray((v as { value?: unknown }).value);
}

/** Address headers flattened to mailboxes: groups are replaced by their members. */
function addresses(v: HeaderValue | undefined): Address[] {
  const objects: unknown[] = Array.isArray(v) ? v : [v];
  const out: Address[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address || a.name) out.push({ name: a.name, address: a.address ?? '' });
    }
  };
  for (const o of objects) if (isAddressObject(o)) walk(o.value);
  return out;
}

/**
 * The Date header in epoch ms, or null. Read from the raw line because mailparser substitutes the
 * current time for a date it cannot parse, and "now" would be a lie in a message list.
 */
function dateOf(lines: HeaderLines): number | null {
  const line = lines.find((l) => l.key === 'date')?.line;
  if (!line) return null;
  const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : null;
}

const entities: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Just enough HTML-to-text for a 255-character preview: markup, styles and scripts dropped, common
 * entities decoded. Only the head of a long document is looked at.
 */
export function htmlToText(html: string): string {
  return html.slice(0, 512 * 1024)
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    // Block-level tags separate words; inline ones (<b>, <span>) must not split them.
    .replace(/<\/?(?:br|p|div|li|ul|ol|tr|td|th|table|h[1-6]|blockquote|hr|pre|section|article)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] !== '#') return entities[name.toLowerCase()] ?? whole;
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    });
}

/** The first PREVIEW_LENGTH characters of the text, whitespace collapsed so a list line reads well. */
export function previewOf(text: string): string {
  // Collapse only a head of the text, growing it while whitespace eats it: running the regex over
  // a 40 MB body to keep 255 characters would be wasted work on every delivery.
  for (let size = 1024; ; size *= 8) {
    const head = text.slice(0, size).replace(/\s+/g, ' ').trim();
    if (head.length > PREVIEW_LENGTH * 2 || size >= text.length || size >= 1024 * 1024) return firstCodePoints(head, PREVIEW_LENGTH);
  }
}

/** At most `n` characters, never splitting a surrogate pair. */
function firstCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  let i = 0;
  for (let count = 0; count < n && i < s.length; count++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return s.slice(0, i);
}
