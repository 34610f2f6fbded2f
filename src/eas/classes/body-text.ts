// Text helpers of the body conversions (MS-ASAIRS 2.2.2.9 Body, 2.2.2.20.1 Data, 2.2.2.35.1 Preview):
// HTML to plain text and back, and truncation at a UTF-8 character boundary. TruncationSize and
// EstimatedDataSize are byte counts (MS-ASAIRS 2.2.2.23 says bytes; peers cut bytes too), so a cut
// must never split a multi-byte character: the device would show a replacement glyph or reject it.
import { Buffer } from 'node:buffer';

/** Past this much HTML, plain text is made from the head only: nobody reads a 40 MB body on a phone. */
const MAX_HTML_TO_CONVERT = 2 * 1024 * 1024;

const entities: Record<string, string> = {
  nbsp: '\u00a0', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', hellip: '…', mdash: '—',
  ndash: '–', laquo: '«', raquo: '»', euro: '€', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', middot: '·',
};

const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] !== '#') return entities[name.toLowerCase()] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });

/**
 * Readable plain text from HTML (BodyPreference Type 1 of an HTML-only message): paragraphs and line
 * breaks become newlines, list items a dash, links keep their target. Not a renderer, and need not be.
 */
export function htmlToPlain(html: string): string {
  // Every pattern below stops at the next '<' or is bounded, so hostile markup ("<<<<...", a
  // thousand unclosed <style>) costs linear time, never quadratic.
  const text = decodeEntities(stripInvisible(html.slice(0, MAX_HTML_TO_CONVERT).replace(/[\u0001\u0002]/g, ''))
    // Source line breaks are not breaks in HTML; collapse runs of white space as a browser would.
    .replace(/\s+/g, ' ')
    .replace(/<a\b[^<>]*?\shref\s*=\s*["']?(https?:[^"'\s<>]{1,2048})["']?[^<>]*>([^<]{0,1024})<\/a\s*>/gi,
      // The target goes in \u0001...\u0002 until the tags are gone, or it would be stripped as one.
      (_whole, href: string, label: string) => (label.includes(href) || !label.trim() ? label || href : `${label} \u0001${href}\u0002`))
    .replace(/<br\b[^<>]*>/gi, '\n')
    .replace(/<li\b[^<>]*>/gi, '\n- ')
    .replace(/<\/?(?:p|div|tr|table|h[1-6]|blockquote|ul|ol|pre|section|article|header|footer|hr)\b[^<>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<[^<>]*>/g, '')
    .replace(/\u0001([^\u0002]*)\u0002/g, '<$1>'));
  return text.split('\n').map((line) => line.replace(/\u00a0/g, ' ').trim()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Drops comments and the content of head, style, script and title; an unclosed one runs to the end. */
function stripInvisible(html: string): string {
  const lower = html.toLowerCase();
  const opener = /<!--|<(head|style|script|title)\b/g;
  let out = '';
  let from = 0;
  for (let m = opener.exec(lower); m; m = opener.exec(lower)) {
    if (m.index < from) continue;
    out += html.slice(from, m.index);
    const close = m[1] ? lower.indexOf(`</${m[1]}`, m.index + m[0].length) : lower.indexOf('-->', m.index + 4);
    if (close === -1) return out;
    const end = m[1] ? lower.indexOf('>', close) : close + 3;
    if (end === -1) return out;
    from = m[1] ? end + 1 : end;
    opener.lastIndex = from;
  }
  return out + html.slice(from);
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

/** Minimal HTML around plain text (BodyPreference Type 2 of a text-only message). */
export function plainToHtml(text: string): string {
  return '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
    + `<div style="white-space: pre-wrap">${escapeHtml(text).replace(/\r?\n/g, '<br>\n')}</div></body></html>`;
}

/**
 * HTML declares its charset in <meta>; the device receives it as UTF-8 whatever the message used, so a
 * left-over "charset=iso-8859-1" would make a web view decode our UTF-8 as Latin-1.
 */
export function declareUtf8(html: string): string {
  return html.replace(/(<meta\b[^<>]*?charset\s*=\s*["']?)([^"'\s;<>/]+)/gi,
    (whole, head: string, charset: string) => (charset.toLowerCase() === 'utf-8' ? whole : `${head}utf-8`));
}

export interface Cut {
  /** The text sent: all of it, or its longest prefix of at most the limit in UTF-8 bytes. */
  data: string;
  /** UTF-8 size of the whole text. */
  size: number;
  truncated: boolean;
}

/** Cuts text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cutUtf8(text: string, maxBytes: number | undefined): Cut {
  const size = Buffer.byteLength(text, 'utf8');
  if (maxBytes === undefined || size <= maxBytes) return { data: text, size, truncated: false };
  // Only the head is encoded (a Sync window cut a hundred whole bodies to keep 5 KiB of each): maxBytes + 2
  // UTF-16 units make more than maxBytes bytes, and bytes 0..maxBytes are those of the whole text (a
  // surrogate pair split at the end of the slice lies past them), so the cut is the same.
  const head = Buffer.from(text.slice(0, maxBytes + 2), 'utf8');
  return { data: head.toString('utf8', 0, utf8Boundary(head, maxBytes)), size, truncated: true };
}

/** Cuts bytes (a raw MIME message) to at most `maxBytes`, backing off to a UTF-8 boundary in 8-bit text. */
export function cutBytes(bytes: Uint8Array, maxBytes: number | undefined): { data: Uint8Array; truncated: boolean } {
  if (maxBytes === undefined || bytes.byteLength <= maxBytes) return { data: bytes, truncated: false };
  return { data: bytes.subarray(0, utf8Boundary(bytes, maxBytes)), truncated: true };
}

/** The largest offset <= limit that does not fall inside a UTF-8 sequence (at most 3 bytes back). */
function utf8Boundary(buf: Uint8Array, limit: number): number {
  let end = Math.max(0, Math.min(limit, buf.length));
  for (let back = 0; back < 3 && end > 0 && end < buf.length && ((buf[end] ?? 0) & 0xc0) === 0x80; back++) end--;
  return end;
}

/** At most `n` characters (code points), never splitting a surrogate pair. */
export function firstChars(s: string, n: number): string {
  if (s.length <= n) return s;
  let i = 0;
  for (let count = 0; count < n && i < s.length; count++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return s.slice(0, i);
}
