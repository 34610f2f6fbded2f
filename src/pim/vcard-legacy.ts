// vCard 2.1 idioms rewritten as 3.0 before parsing, because ical.js reads 3.0 and 4.0 only and Android's
// contact export still writes 2.1: bare parameters (`TEL;CELL;VOICE:`, vCard 2.1 section 2.1.3 allows the
// TYPE name to be left out), `ENCODING=BASE64`, and QUOTED-PRINTABLE values with their soft line breaks
// (`=` at the end of a line continues it) and CHARSET. Lines without these pass through unchanged.
import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';

/** Index of the first ':' outside a quoted parameter value, or -1. */
function headEnd(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) return i;
  }
  return -1;
}

function decodeQuotedPrintable(s: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === '=' ? s.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset || 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** One logical line of a 2.1 card as 3.0, with `more` giving the following raw lines for soft breaks. */
function rewrite(line: string, more: () => string | undefined): string {
  const colon = headEnd(line);
  if (colon <= 0) return line;
  const [name = '', ...params] = line.slice(0, colon).split(';');
  if (params.every((p) => p.includes('=') && !/^(encoding|charset)=/i.test(p))) return line;
  let qp = false;
  let charset = '';
  const out: string[] = [];
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = eq === -1 ? '' : p.slice(0, eq).toUpperCase();
    const value = (eq === -1 ? p : p.slice(eq + 1)).toUpperCase();
    if (value === 'QUOTED-PRINTABLE' && (key === '' || key === 'ENCODING')) qp = true;
    else if (value === 'BASE64' && (key === '' || key === 'ENCODING')) out.push('ENCODING=b');
    else if (key === 'CHARSET') charset = p.slice(eq + 1);
    else out.push(eq === -1 ? `TYPE=${p}` : p);
  }
  let value = line.slice(colon + 1);
  if (qp) {
    for (let next = value.endsWith('=') ? more() : undefined; next !== undefined; next = value.endsWith('=') ? more() : undefined) {
      value = value.slice(0, -1) + next;
    }
    // Decoded text is 3.0 text now: its line breaks must be escaped, its ';' structure kept as is.
    value = decodeQuotedPrintable(value, charset).replace(/\r\n|\r|\n/g, '\\n');
  }
  return `${[name, ...out].join(';')}:${value}`;
}

export function normalizeLegacy(text: string): string {
  if (!/^VERSION:2\.1\s*$/im.test(text)) return text;
  const lines = text.split(/\r\n|\n|\r/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    out.push(/^[ \t]/.test(line) ? line : rewrite(line, () => (i + 1 < lines.length ? lines[++i] : undefined)));
  }
  return out.join('\r\n');
}
