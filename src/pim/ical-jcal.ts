// The bridge to ical.js for iCalendar (RFC 5545; as jCal, RFC 7265): text to checked component
// trees and back. ical.js returns `any`; everything it gives is read here as `unknown` and checked, so the
// rest of src/pim sees plain types.
//
// Reading is per component: ical.js throws on the first bad line of a text (a line without ':', a
// component left open, an RRULE with an unknown FREQ), which would lose a whole calendar for one broken
// event. So the text is cut into its top-level components (RFC 5545 3.4, 3.6) first and each is handed to
// ical.js alone; one that fails is reported and the rest are read. Only a text with no calendar
// component at all is unreadable.
import { Buffer } from 'node:buffer';
import ICAL from 'ical.js';
import { errorMessage } from '../core/errors.js';

/** A text that is not iCalendar at all (a broken component inside a calendar is only skipped). */
export class ICalError extends Error {
  override readonly name = 'ICalError';
}

export interface IProp {
  /** Lower case. */
  name: string;
  /** Parameters by lower-case name; a multi-valued one (MEMBER="a","b") joined with ','. */
  params: ReadonlyMap<string, string>;
  /** The jCal value type ical.js gave it ('date-time', 'text', 'unknown' for an X- property, ...). */
  type: string;
  values: unknown[];
}

export interface IComp {
  /** Lower case. */
  name: string;
  props: IProp[];
  comps: IComp[];
  /** The jCal array the component came from (what ical.js's own Timezone needs). */
  jcal: unknown[];
}

export interface RawCalendar {
  method: string | null;
  components: IComp[];
  broken: Array<{ uid?: string; reason: string }>;
}

/** Components that live directly in a VCALENDAR; one of these opening inside another closes a broken one. */
const TOP_LEVEL = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VTIMEZONE', 'VAVAILABILITY']);

function toProp(raw: unknown): IProp | null {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || typeof raw[2] !== 'string') return null;
  const params = new Map<string, string>();
  const rawParams: unknown = raw[1];
  if (rawParams !== null && typeof rawParams === 'object') {
    for (const [k, v] of Object.entries(rawParams as Record<string, unknown>)) {
      const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
      params.set(k.toLowerCase(), list.join(','));
    }
  }
  return { name: raw[0].toLowerCase(), params, type: raw[2], values: raw.slice(3) as unknown[] };
}

function toComp(raw: unknown): IComp | null {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || !Array.isArray(raw[1]) || !Array.isArray(raw[2])) return null;
  return {
    name: raw[0].toLowerCase(),
    props: (raw[1] as unknown[]).map(toProp).filter((p): p is IProp => p !== null),
    comps: (raw[2] as unknown[]).map(toComp).filter((c): c is IComp => c !== null),
    jcal: raw as unknown[],
  };
}

interface Block { name: string; lines: string[]; depth: number; broken?: string; foreign?: boolean }

const uidIn = (lines: readonly string[]): string | undefined => {
  for (const l of lines) {
    const m = /^UID(?:;[^:]*)?:(.*)$/i.exec(l);
    if (m) return m[1]!.trim() || undefined;
  }
  return undefined;
};

/**
 * The top-level components of an iCalendar text (one VCALENDAR or several; bare components are taken
 * too, as some exporters write them), each parsed on its own; METHOD from the calendar level.
 */
export function readCalendar(text: string): RawCalendar {
  // RFC 5545 3.1: a line break followed by one space or tab continues the line.
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n[ \t]|\n[ \t]|\r[ \t]/g, '').split(/\r\n|\n|\r/);
  const out: RawCalendar = { method: null, components: [], broken: [] };
  let calendars = 0;
  let inCalendar = false;
  let cur: Block | null = null;
  const fail = (b: Block, why: string): void => {
    const uid = uidIn(b.lines);
    out.broken.push(uid !== undefined ? { uid, reason: `unreadable ${b.name}: ${why}` } : { reason: `unreadable ${b.name}: ${why}` });
  };
  const close = (b: Block): void => {
    if (b.foreign) return;
    if (b.broken) return fail(b, b.broken);
    try {
      const c = toComp(ICAL.parse(`${b.lines.join('\r\n')}\r\n`));
      if (!c) throw new Error('no component');
      out.components.push(c);
    } catch (err) {
      fail(b, errorMessage(err));
    }
  };
  for (const line of lines) {
    if (line.trim() === '') continue;
    const m = /^(BEGIN|END):(.*)$/i.exec(line);
    const name = m ? m[2]!.trim().toUpperCase() : '';
    if (m && m[1]!.toUpperCase() === 'BEGIN') {
      if (!cur && name === 'VCALENDAR') {
        calendars++;
        inCalendar = true;
      } else if (!cur || TOP_LEVEL.has(name)) {
        if (cur) close({ ...cur, broken: `not closed before BEGIN:${name}` });
        // Outside a VCALENDAR only calendar components count (a VCARD is no calendar).
        cur = { name, lines: [line], depth: 1, ...(!inCalendar && !TOP_LEVEL.has(name) ? { foreign: true } : {}) };
      } else {
        cur.lines.push(line);
        cur.depth++;
      }
    } else if (m) {
      if (name === 'VCALENDAR') inCalendar = false;
      if (!cur) continue;
      if (name === 'VCALENDAR') {
        close({ ...cur, broken: 'not closed before END:VCALENDAR' });
        cur = null;
        continue;
      }
      cur.lines.push(line);
      if (--cur.depth === 0) {
        close(name === cur.name ? cur : { ...cur, broken: `ends with END:${name}` });
        cur = null;
      }
    } else if (cur) {
      cur.lines.push(line);
    } else {
      const method = /^METHOD(?:;[^:]*)?:(.*)$/i.exec(line);
      if (method) out.method = method[1]!.trim().toUpperCase() || null;
    }
  }
  if (cur) close({ ...cur, broken: 'not closed at the end of the text' });
  if (calendars === 0 && out.components.length === 0 && out.broken.length === 0) {
    // Not one calendar line: a vCard, a mail, a binary file.
    throw new ICalError('not an iCalendar text: no VCALENDAR, VEVENT or VTODO in it');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Reading values.

export const props = (c: IComp, name: string): IProp[] => c.props.filter((p) => p.name === name);
export const prop = (c: IComp, name: string): IProp | undefined => c.props.find((p) => p.name === name);
export const param = (p: IProp | undefined, name: string): string | undefined => p?.params.get(name);

/** RFC 5545 3.3.11 TEXT unescaping, for X- properties ical.js hands over as they were written. */
const unescape = (s: string): string => s.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

/** A value as text ('' when absent); an X- property's escapes are undone unless a VALUE=TEXT did it. */
export function textOf(p: IProp | undefined): string {
  const v = p?.values[0];
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
  return p?.type === 'unknown' ? unescape(s) : s;
}

export const text = (c: IComp, name: string): string | undefined => {
  const p = prop(c, name);
  return p ? textOf(p).trim() : undefined;
};

/** A DATE or DATE-TIME value (RFC 5545 3.3.4, 3.3.5) as the parts it names, or null when it is not one. */
export type TimeValue =
  | { kind: 'date'; day: number }
  | { kind: 'utc'; ms: number }
  | { kind: 'local'; wall: number; tzid: string | null };

/** Date.UTC without its 1900 offset for years 0-99 (a birthday in year 1 is year 1). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  t.setUTCFullYear(y, mo - 1, d);
  return t.getTime();
}

const valid = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean =>
  mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(utc(y, mo + 1, 0)).getUTCDate() && h <= 23 && mi <= 59 && s <= 60;

export function timeValue(raw: unknown, tzid: string | undefined): TimeValue | null {
  if (typeof raw !== 'string') return null;
  // jCal form, or the basic form as an X- property keeps it; ical.js writes a bare date given as
  // DATE-TIME (a common slip) as "2026-03-16T::".
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(Z)?|T::)?$/.exec(raw.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[4] === undefined) return valid(y, mo, d) ? { kind: 'date', day: utc(y, mo, d) } : null;
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Math.min(59, Number(m[6]))];
  if (!valid(y, mo, d, h, mi, s)) return null;
  const wall = utc(y, mo, d, h, mi, s);
  if (m[7]) return { kind: 'utc', ms: wall };
  return { kind: 'local', wall, tzid: tzid?.trim() || null };
}

/** The time values of a property (EXDATE and RDATE hold lists), with its TZID. */
export const timeValues = (p: IProp): Array<TimeValue | null> => p.values.map((v) => timeValue(v, param(p, 'tzid')));

/** RFC 5545 3.3.6 DURATION as ms split into its nominal days and its exact time, or null. */
export function durationValue(raw: unknown): { sign: 1 | -1; days: number; ms: number } | null {
  const m = typeof raw === 'string' ? /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(raw.trim()) : null;
  if (!m || raw === 'P' || /T$/.test(String(raw))) return null;
  return {
    sign: m[1] === '-' ? -1 : 1,
    days: Number(m[2] ?? 0) * 7 + Number(m[3] ?? 0),
    ms: ((Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0)) * 1000,
  };
}

/** RFC 5545 3.3.14 UTC-OFFSET ("+01:00" in jCal) as ms. */
export function offsetValue(raw: unknown): number | null {
  const m = typeof raw === 'string' ? /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/.exec(raw.trim()) : null;
  return m ? (m[1] === '-' ? -1 : 1) * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000 : null;
}

const DAY_NAMES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** A RECUR value (jCal object) back to its RFC 5545 3.3.10 text, which rrule.ts reads. */
export function recurText(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    let s = Array.isArray(v) ? v.map(String).join(',') : typeof v === 'string' || typeof v === 'number' ? String(v) : null;
    if (s === null) return null;
    // ical.js gives WKST as its own day number (1 = Sunday) and UNTIL in jCal form.
    if (k === 'wkst' && typeof v === 'number') s = DAY_NAMES[v - 1] ?? s;
    if (k === 'until') s = s.replace(/[-:]/g, '');
    parts.push(`${k.toUpperCase()}=${s}`);
  }
  return parts.join(';');
}

// ---------------------------------------------------------------------------------------------------
// Writing.

export type JValue = string | number | readonly number[] | Readonly<Record<string, string>>;
export type JProp = [name: string, params: Record<string, string>, type: string, ...values: JValue[]];
export type JComp = [name: string, props: JProp[], comps: JComp[]];

/**
 * TEXT escaping (RFC 5545 3.3.11) for X- properties, which ical.js writes as given. There is one line
 * break, "\n": CR is a control character TEXT may not hold (TSAFE-CHAR), and ical.js would write it raw
 * (a bare CR ends the line for many readers), so CRLF and CR become LF everywhere.
 */
export const lf = (s: string): string => s.replace(/\r\n?/g, '\n');
export const escapeText = (s: string): string => lf(s).replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');

const two = (n: number): string => String(n).padStart(2, '0');

/** jCal DATE ("2026-03-16") of a floating date. */
export const jDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** jCal DATE-TIME of a wall clock (no Z) or of a UTC instant (Z); seconds precision, as RFC 5545 has. */
export const jDateTime = (ms: number, utc: boolean): string => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}${utc ? 'Z' : ''}`;

/** Compact UTC DATE-TIME ("20260316T090000Z"), for parameters and RRULE UNTIL. */
export const compactUtc = (ms: number): string => jDateTime(ms, true).replace(/[-:]/g, '');

/** jCal UTC-OFFSET of ms ("+01:00"). */
export function jOffset(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  return `${ms < 0 ? '-' : '+'}${two(Math.floor(m / 60))}:${two(m % 60)}`;
}

/** An RRULE text as the jCal object ical.js writes (parts as given, UNTIL in jCal form). */
export function recurJcal(rule: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of rule.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).toLowerCase();
    let v = part.slice(eq + 1);
    const u = k === 'until' ? /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(v) : null;
    if (u) v = u[4] === undefined ? `${u[1]}-${u[2]}-${u[3]}` : `${u[1]}-${u[2]}-${u[3]}T${u[4]}:${u[5]}:${u[6]}${u[7]}`;
    out[k] = v;
  }
  return out;
}

const hasCr = (v: unknown): boolean => typeof v === 'string' && v.includes('\r');

const cleanProp = (p: JProp): JProp => {
  const [name, params, type, ...values] = p;
  if (!values.some(hasCr) && !Object.values(params).some(hasCr)) return p;
  return [name, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, lf(v)])), type, ...values.map((v) => (typeof v === 'string' ? lf(v) : v))];
};

const cleanComp = ([name, ps, cs]: JComp): JComp => [name, ps.map(cleanProp), cs.map(cleanComp)];

/**
 * RFC 5545 3.1: lines of at most 75 octets, folded with CRLF and a space, never inside a UTF-8
 * sequence. (ical.js folds by UTF-16 units, which lets a line with accented letters run over.)
 */
function fold(line: string): string {
  if (line.length <= 25 || Buffer.byteLength(line) <= 75) return line;
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length === 0 ? 75 : 74)) {
      out.push(cur);
      [cur, bytes] = ['', 0];
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

/** A VCALENDAR as text: CRLF lines, folded at 75 octets. */
export function stringifyCalendar(cal: JComp): string {
  const text = ICAL.stringify(cleanComp(cal));
  return `${text.replace(/\r\n /g, '').split('\r\n').filter((l) => l !== '').map(fold).join('\r\n')}\r\n`;
}
