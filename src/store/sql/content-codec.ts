// How a MessageContent (store/types.ts, migration 016) is kept in `blobs.content`: the record without its
// bodies as JSON, then the plain text and the HTML as they are, their lengths in the JSON. A Sync window
// reads a hundred of these; JSON.parse of one with 40 KB of escaped body text took ~70 us, the bodies cut
// out of the column's string (V8 keeps them as slices of it, no copy) ~3 us: bench/sync.ts's server CPU
// fell by about 7 % and its items/s rose by about 15 % (issue 16 part 3). Records written before this one are plain JSON of the whole record, and are still read; a record
// whose bodies hold a NUL (PostgreSQL's text cannot hold one) or a lone surrogate (UTF-8 has none: the
// database would keep U+FFFD) stays plain JSON too, which escapes both.
import type { MessageContent } from '../types.js';

/** First character of the split form: never the first of a JSON text. */
const SPLIT = '\u0001';

interface SplitHead extends Omit<MessageContent, 'bodies'> {
  bodies: null;
  /** Lengths (UTF-16 units) of the text and of the HTML (-1: none). */
  b: [number, number];
}

/** The body can be stored as it is: no NUL, no lone surrogate (String.prototype.isWellFormed, ES2024). */
const storable = (s: string): boolean => !s.includes('\u0000') && (s as string & { isWellFormed(): boolean }).isWellFormed();

export function encodeContent(c: MessageContent): string {
  const b = c.bodies;
  if (!b || !storable(b.text) || (b.html !== null && !storable(b.html))) return JSON.stringify(c);
  const head: SplitHead = { ...c, bodies: null, b: [b.text.length, b.html === null ? -1 : b.html.length] };
  // JSON.stringify without indentation writes no raw line feed: the first one ends the head.
  return `${SPLIT}${JSON.stringify(head)}\n${b.text}${b.html ?? ''}`;
}

const isLength = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= -1;

/** The record kept in the column, or null when it is damaged or of no known form (the message is parsed then). */
export function decodeContent(stored: string): MessageContent | null {
  try {
    if (!stored.startsWith(SPLIT)) {
      const v: unknown = JSON.parse(stored);
      return typeof v === 'object' && v !== null && typeof (v as { v?: unknown }).v === 'number' ? (v as MessageContent) : null;
    }
    const nl = stored.indexOf('\n');
    if (nl < 0) return null;
    const head = JSON.parse(stored.slice(1, nl)) as unknown;
    if (typeof head !== 'object' || head === null || typeof (head as { v?: unknown }).v !== 'number') return null;
    const { b, ...rest } = head as SplitHead;
    if (!Array.isArray(b)) return null;
    const start = nl + 1;
    const [t, h] = b;
    if (!isLength(t) || t < 0 || !isLength(h) || start + t + Math.max(h, 0) !== stored.length) return null;
    return { ...rest, bodies: { text: stored.slice(start, start + t), html: h < 0 ? null : stored.slice(start + t) } };
  } catch {
    // A damaged record is as good as none: the message is parsed when rendered.
    return null;
  }
}
