// The EAS recurrence pattern (MS-ASCAL 2.2.2.37) as an RFC 5545 3.3.10 RRULE and back. Every EAS
// pattern has an exact RRULE; the reverse holds only for the RRULEs that fit the EAS types (the same
// subset MS-OXCICAL 2.1.3.2.2 maps to Exchange patterns): anything else reads as null, so a caller can
// refuse it instead of storing a different series. Exchange's month semantics are kept exact: "day 31"
// is BYMONTHDAY=28,29,30,31;BYSETPOS=-1 (the last existing of those days), WeekOfMonth 5 is -1.
import type { Recurrence } from './recurrence.js';
import { localToUtc, MS, offsetAt, UTC_ZONE, type Zone } from './timezone.js';

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const SHORTEST_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface RRuleContext {
  allDay: boolean;
  /** The series' zone and first start: needed to fill a pattern's missing weekday and to read a floating UNTIL. */
  zone?: Zone | undefined;
  start?: number | undefined;
}

const two = (n: number): string => String(n).padStart(2, '0');

function formatUntil(until: number, allDay: boolean): string {
  const d = new Date(until);
  const date = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
  return allDay ? date : `${date}T${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
}

const maskDays = (mask: number): string[] => DAYS.filter((_, i) => mask & (1 << i));

function startWeekdayMask(ctx: RRuleContext): number {
  if (ctx.start === undefined) return 0;
  const zone = ctx.allDay || !ctx.zone ? UTC_ZONE : ctx.zone;
  const dn = Math.floor((ctx.start + offsetAt(zone, ctx.start)) / MS.DAY);
  return 1 << ((((dn + 4) % 7) + 7) % 7);
}

/** "day d of the month, or the month's last day when it has fewer" */
function monthDay(d: number, shortest: number): string[] {
  if (d <= shortest) return [`BYMONTHDAY=${d}`];
  const days: number[] = [];
  for (let x = shortest; x <= d; x++) days.push(x);
  return [`BYMONTHDAY=${days.join(',')}`, 'BYSETPOS=-1'];
}

/** The nth (5 = last) of the mask's weekdays: BYDAY=2TU for one weekday, BYDAY=MO,TU;BYSETPOS=2 for several. */
function nthWeekday(mask: number, week: number): string[] {
  const n = week >= 5 ? -1 : week;
  const days = maskDays(mask);
  return days.length === 1 ? [`BYDAY=${n}${days[0]}`] : [`BYDAY=${days.join(',')}`, `BYSETPOS=${n}`];
}

export function toRRule(r: Recurrence, ctx: RRuleContext): string {
  const parts: string[] = [];
  const freq = { 0: 'DAILY', 1: 'WEEKLY', 2: 'MONTHLY', 3: 'MONTHLY', 5: 'YEARLY', 6: 'YEARLY' }[r.type];
  parts.push(`FREQ=${freq}`);
  if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  const mask = r.dayOfWeek || startWeekdayMask(ctx);
  switch (r.type) {
    case 0:
      if (r.dayOfWeek) parts.push(`BYDAY=${maskDays(r.dayOfWeek).join(',')}`);
      break;
    case 1:
      if (mask) parts.push(`BYDAY=${maskDays(mask).join(',')}`);
      break;
    case 2:
      if (r.dayOfMonth) parts.push(...monthDay(r.dayOfMonth, 28));
      break;
    case 3:
      parts.push(...nthWeekday(mask, r.weekOfMonth ?? 1));
      break;
    case 5:
      if (r.monthOfYear) parts.push(`BYMONTH=${r.monthOfYear}`);
      if (r.dayOfMonth) parts.push(...monthDay(r.dayOfMonth, r.monthOfYear ? SHORTEST_MONTH[r.monthOfYear - 1]! : 28));
      break;
    case 6:
      if (r.monthOfYear) parts.push(`BYMONTH=${r.monthOfYear}`);
      parts.push(...nthWeekday(mask, r.weekOfMonth ?? 1));
      break;
  }
  if (r.firstDayOfWeek !== undefined) parts.push(`WKST=${DAYS[r.firstDayOfWeek]}`);
  // RFC 5545 forbids both; EAS says the same (MS-ASCAL 2.2.2.34): the count wins.
  if (r.occurrences !== undefined) parts.push(`COUNT=${r.occurrences}`);
  else if (r.until !== undefined) parts.push(`UNTIL=${formatUntil(r.until, ctx.allDay)}`);
  return parts.join(';');
}

interface ByDay { n: number | null; day: number }

function parseByDay(v: string): ByDay[] | null {
  const out: ByDay[] = [];
  for (const item of v.split(',')) {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(item.trim().toUpperCase());
    if (!m) return null;
    out.push({ n: m[1] !== undefined ? Number(m[1]) : null, day: DAYS.indexOf(m[2] as (typeof DAYS)[number]) });
  }
  return out;
}

const numbers = (v: string): number[] | null => {
  const xs = v.split(',').map((x) => Number(x.trim()));
  return xs.every((x) => Number.isInteger(x)) ? xs : null;
};

function parseUntil(v: string, ctx: RRuleContext): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(v.trim());
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (ctx.allDay) return Math.floor(wall / MS.DAY) * MS.DAY;
  if (m[7]) return wall;
  const zone = ctx.zone ?? UTC_ZONE;
  // A bare date ends the series at the end of that local day; a floating time is local time.
  return m[4] === undefined ? localToUtc(zone, wall + MS.DAY) - 1000 : localToUtc(zone, wall);
}

/** "the nth of these weekdays" from BYDAY (+ BYSETPOS): week 1..4 or 5 for the last, else null. */
function nthFrom(byday: ByDay[], setpos: number[] | null): { mask: number; week: number } | null {
  const toWeek = (n: number): number | null => (n >= 1 && n <= 4 ? n : n === -1 ? 5 : null);
  if (setpos) {
    if (setpos.length !== 1 || byday.some((d) => d.n !== null)) return null;
    const week = toWeek(setpos[0]!);
    return week === null ? null : { mask: byday.reduce((m, d) => m | (1 << d.day), 0), week };
  }
  if (byday.length !== 1 || byday[0]!.n === null) return null;
  const week = toWeek(byday[0]!.n);
  return week === null ? null : { mask: 1 << byday[0]!.day, week };
}

/** BYMONTHDAY (+ BYSETPOS) as an Exchange "day d" (clamped to the month), else null. */
function dayFrom(monthDays: number[], setpos: number[] | null): number | null {
  if (monthDays.length === 1 && !setpos) {
    const d = monthDays[0]!;
    return d >= 1 && d <= 31 ? d : d === -1 ? 31 : null;
  }
  // The clamp form: a run of days ending at d, last one that exists.
  if (setpos?.length === 1 && setpos[0] === -1 && monthDays.every((d, i) => i === 0 || d === monthDays[i - 1]! + 1)) {
    const d = monthDays[monthDays.length - 1]!;
    return monthDays[0]! >= 28 && d <= 31 ? d : null;
  }
  return null;
}

/** The EAS pattern of an RRULE, or null when the rule has no EAS equivalent. */
export function fromRRule(rule: string, ctx: RRuleContext): Recurrence | null {
  const p = new Map<string, string>();
  for (const part of rule.trim().replace(/^RRULE:/i, '').split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).toUpperCase();
    if (p.has(key)) return null;
    p.set(key, part.slice(eq + 1));
  }
  const known = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
  for (const k of p.keys()) if (!known.has(k)) return null;
  if (p.has('COUNT') && p.has('UNTIL')) return null;
  const interval = p.has('INTERVAL') ? Number(p.get('INTERVAL')) : 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) return null;
  const r: { -readonly [K in keyof Recurrence]: Recurrence[K] } = { type: 0, interval };
  if (p.has('COUNT')) {
    const c = Number(p.get('COUNT'));
    if (!Number.isInteger(c) || c < 1 || c > 999) return null;
    r.occurrences = c;
  }
  if (p.has('UNTIL')) {
    const u = parseUntil(p.get('UNTIL')!, ctx);
    if (u === null) return null;
    r.until = u;
  }
  if (p.has('WKST')) {
    const w = DAYS.indexOf(p.get('WKST')!.toUpperCase() as (typeof DAYS)[number]);
    if (w < 0) return null;
    r.firstDayOfWeek = w;
  }
  const byday = p.has('BYDAY') ? parseByDay(p.get('BYDAY')!) : null;
  if (p.has('BYDAY') && !byday) return null;
  const monthDays = p.has('BYMONTHDAY') ? numbers(p.get('BYMONTHDAY')!) : null;
  const setpos = p.has('BYSETPOS') ? numbers(p.get('BYSETPOS')!) : null;
  const months = p.has('BYMONTH') ? numbers(p.get('BYMONTH')!) : null;
  if ((p.has('BYMONTHDAY') && !monthDays) || (p.has('BYSETPOS') && !setpos) || (p.has('BYMONTH') && !months)) return null;
  const plainMask = byday && byday.every((d) => d.n === null) ? byday.reduce((m, d) => m | (1 << d.day), 0) : null;
  switch (p.get('FREQ')?.toUpperCase()) {
    case 'DAILY':
      if (monthDays || setpos || months || (byday && plainMask === null)) return null;
      r.type = 0;
      if (plainMask) r.dayOfWeek = plainMask;
      return r;
    case 'WEEKLY':
      if (monthDays || setpos || months || (byday && plainMask === null)) return null;
      r.type = 1;
      {
        const mask = plainMask || startWeekdayMask(ctx);
        if (mask) r.dayOfWeek = mask;
      }
      return r;
    case 'MONTHLY':
    case 'YEARLY': {
      const yearly = p.get('FREQ')!.toUpperCase() === 'YEARLY';
      if (months && (!yearly || months.length !== 1 || months[0]! < 1 || months[0]! > 12)) return null;
      if (months) r.monthOfYear = months[0]!;
      if (byday) {
        if (monthDays) return null;
        const nth = nthFrom(byday, setpos);
        if (!nth) return null;
        r.type = yearly ? 6 : 3;
        r.dayOfWeek = nth.mask;
        r.weekOfMonth = nth.week;
        return r;
      }
      r.type = yearly ? 5 : 2;
      if (monthDays) {
        const d = dayFrom(monthDays, setpos);
        if (d === null) return null;
        r.dayOfMonth = d;
      } else if (setpos) return null;
      return r;
    }
    default:
      return null;
  }
}
