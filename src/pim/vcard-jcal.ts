// The bridge to ical.js (RFC 7095 jCard): text to typed property lists and back. ical.js returns `any`;
// everything it gives is read here as `unknown` and checked, so the rest of src/pim sees plain types.
import ICAL from 'ical.js';
import { errorMessage } from '../core/errors.js';
import { normalizeLegacy } from './vcard-legacy.js';

/** A vCard the parser cannot read at all (a broken card inside a file fails the file: see parseCards). */
export class VCardError extends Error {
  override readonly name = 'VCardError';
}

export interface VProp {
  /** Lower case, without its group. */
  name: string;
  /** `item1` of `item1.TEL` (Apple's grouping), '' when none. */
  group: string;
  /** Parameters by lower-case name; every value a list (TYPE=a,b and TYPE=a;TYPE=b alike). */
  params: ReadonlyMap<string, string[]>;
  values: unknown[];
}

/** jCard parameter and property values on the way out: text, a list, or a structured value. */
export type JValue = string | string[];
export type JProp = [name: string, params: Record<string, JValue>, type: string, ...values: JValue[]];

function toProp(raw: unknown): VProp | null {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return null;
  const params = new Map<string, string[]>();
  let group = '';
  const rawParams: unknown = raw[1];
  if (rawParams !== null && typeof rawParams === 'object') {
    for (const [k, v] of Object.entries(rawParams as Record<string, unknown>)) {
      const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
      if (k === 'group') group = list[0] ?? '';
      else params.set(k.toLowerCase(), list.flatMap((x) => x.split(',')));
    }
  }
  return { name: raw[0].toLowerCase(), group, params, values: raw.slice(3) as unknown[] };
}

/** Every VCARD in the text, as property lists. Throws VCardError when the text is not vCard. */
export function parseCards(text: string): VProp[][] {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = ICAL.parse(normalizeLegacy(text));
  } catch (err) {
    throw new VCardError(`not a readable vCard: ${errorMessage(err)}`, { cause: err });
  }
  const components: unknown[] = Array.isArray(parsed) && typeof parsed[0] === 'string' ? [parsed] : Array.isArray(parsed) ? parsed : [];
  const cards: VProp[][] = [];
  for (const c of components) {
    if (!Array.isArray(c) || c[0] !== 'vcard' || !Array.isArray(c[1])) continue;
    cards.push((c[1] as unknown[]).map(toProp).filter((p): p is VProp => p !== null));
  }
  return cards;
}

/** A value as text: lists (an unescaped ',' in a structured part) are joined back with ','. */
export function str(v: unknown): string {
  // ical.js leaves vCard 3.0's "\;" escaped in text values (RFC 2426 5: it is a plain ';').
  if (typeof v === 'string') return v.replace(/\\;/g, ';');
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(str).join(',');
  return '';
}

export const firstValue = (p: VProp): string => str(p.values[0]);

/** The components of a structured value (N, ADR, ORG), padded to `n`. */
export function parts(p: VProp, n: number): string[] {
  const v = p.values[0];
  const list = Array.isArray(v) ? v.map(str) : [str(v)];
  while (list.length < n) list.push('');
  return list;
}

export const param = (p: VProp, name: string): string | undefined => p.params.get(name)?.[0];

/** TYPE values, upper case. */
export const typesOf = (p: VProp): Set<string> => new Set((p.params.get('type') ?? []).map((t) => t.trim().toUpperCase()));

/**
 * vCard text has one line break, `\n` (RFC 2426 5.8.4). ical.js escapes LF but writes a CR as it is, and
 * a bare CR ends the line for many readers: every CRLF or CR becomes LF first. (So notes written with
 * CRLF come back with LF: the one change a vCard round trip makes.)
 */
const lf = (v: JValue): JValue => (Array.isArray(v) ? v.map((x) => x.replace(/\r\n?/g, '\n')) : v.replace(/\r\n?/g, '\n'));

/** One VCARD as text (CRLF lines, folded at 75 octets by ical.js). */
export function stringifyCard(props: JProp[]): string {
  const clean = props.map(([name, params, type, ...values]): JProp =>
    [name, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, lf(v)])), type, ...values.map(lf)]);
  return ICAL.stringify(['vcard', clean, []]);
}
