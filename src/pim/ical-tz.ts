// Time zones of iCalendar times being read (RFC 5545 3.2.19 TZID, 3.6.5 VTIMEZONE), in this order:
// 1. A TZID that is an IANA name (also at the end of a Mozilla-style "/mozilla.org/.../Europe/Berlin")
//    is that zone. The program that wrote it used that zone, and the VTIMEZONE written next to an IANA
//    name is often partial (the current rule only, or standard time only), so the name wins.
// 2. A Windows name ("W. Europe Standard Time", what Outlook and Exchange write) is the CLDR default
//    zone of windows-zones.ts.
// 3. Any other name (Outlook's "(UTC+01:00) Amsterdam, Berlin, ..." display names, a program's own
//    ids) is matched by its VTIMEZONE, exactly as a phone's TimeZone blob is (timezone.ts zoneForBlob):
//    the VTIMEZONE's rule for the event's year becomes a TimeZoneInfo, compared with the cities the
//    name mentions first, then with every zone of the Windows list; when none keeps the same clock the
//    rule itself is the event's zone (EventData.timeZoneRule), so recurrences still follow its switches.
// 4. Last resort, a VTIMEZONE that is no yearly rule (a year in which the zone moved its base offset):
//    its own offsets, through ical.js, give the instants and the event is stored in UTC; a name that is
//    none of the above without a VTIMEZONE is read as UTC. Both are reported.
// Writing VTIMEZONEs is in ical-tz-write.ts.
import { Buffer } from 'node:buffer';
import ICAL from 'ical.js';
import {
  daysInMonth, encodeTzi, ianaOffset, ianaZone, localToUtc, summarise, UTC_ZONE, type SystemTime, type TimeZoneInfo, type Transition, type Zone, zoneForBlob,
} from './timezone.js';
import { WINDOWS_ZONES } from './windows-zones.js';
import { offsetValue, prop, props, textOf, timeValue, type IComp } from './ical-jcal.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

export interface ResolvedZone {
  /** The zone the event's wall clock runs in (UTC when only the VTIMEZONE's own offsets could be used). */
  zone: Zone;
  /** The instant a wall clock of this TZID names (RFC 5545 3.3.5: a skipped time moves forward, a repeated one is the first). */
  toUtc(wall: number): number;
  /** Why the zone is not the TZID's own, for the calendar's list of what was not kept. */
  note?: string;
}

interface Change extends Transition { daylight: boolean }

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** localToUtc (zone-clock.ts) over any offset function: a skipped wall time moves forward, a repeated one is the first. */
function toUtcBy(offset: (utc: number) => number, w: number): number {
  const before = offset(w - DAY);
  const fits = [w - before, w - offset(w + DAY)].filter((t) => t + offset(t) === w);
  return fits.length > 0 ? Math.min(...fits) : w - before;
}

/**
 * localToUtc for an IANA zone through its yearly summaries (zone-clock.ts summarise, cached there): a
 * large import converts thousands of times, and asking Intl four times for each is most of its cost.
 */
function ianaToUtc(id: string): (wall: number) => number {
  const yearStart = new Map<number, number>();
  const offset = (utc: number): number => {
    const year = new Date(utc).getUTCFullYear();
    const tr = summarise(id, year).transitions;
    let found: number | undefined;
    for (const x of tr) if (x.at <= utc) found = x.after;
    if (found !== undefined) return found;
    if (tr[0]) return tr[0].before;
    let o = yearStart.get(year);
    if (o === undefined) yearStart.set(year, (o = ianaOffset(id, Date.UTC(year, 0, 1))));
    return o;
  };
  return (w) => toUtcBy(offset, w);
}

/** "the nth (-1: last) weekday of a month" in a year as a day (epoch ms), or null when the month has no such day. */
function nthWeekday(year: number, month: number, dow: number, n: number): number | null {
  const dim = daysInMonth(year, month);
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const day = n > 0 ? 1 + ((dow - first + 7) % 7) + (n - 1) * 7 : dim - ((new Date(Date.UTC(year, month - 1, dim)).getUTCDay() - dow + 7) % 7);
  return day >= 1 && day <= dim ? Date.UTC(year, month - 1, day) : null;
}

/**
 * The switches of [year - 1, year + 1], computed directly when every observance is a single onset or
 * a plain yearly "nth weekday of a month" rule (what Outlook, Google and Apple write): ical.js expands
 * a rule year by year from its DTSTART -- 1601 in Outlook's -- at tens of ms a zone. Null when an
 * observance is anything else, for ical.js to expand.
 */
function simpleChanges(vtz: IComp, year: number): Change[] | null {
  const out: Change[] = [];
  for (const o of vtz.comps) {
    if (o.name !== 'standard' && o.name !== 'daylight') continue;
    const start = timeValue(prop(o, 'dtstart')?.values[0], undefined);
    const from = offsetValue(prop(o, 'tzoffsetfrom')?.values[0]);
    const to = offsetValue(prop(o, 'tzoffsetto')?.values[0]);
    const rules = props(o, 'rrule');
    // RFC 5545 3.6.5: an onset is local time in the offset before it.
    if (start?.kind !== 'local' || from === null || to === null || props(o, 'rdate').length > 0 || rules.length > 1) return null;
    const daylight = o.name === 'daylight';
    const r = rules[0]?.values[0];
    if (!rules[0]) {
      out.push({ at: start.wall - from, before: from, after: to, daylight });
      continue;
    }
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return null;
    const { freq, bymonth, byday, until, interval = 1, ...rest } = r as Record<string, unknown>;
    const m = typeof byday === 'string' ? /^([+-]?[1-5])(SU|MO|TU|WE|TH|FR|SA)$/.exec(byday) : null;
    const end = until === undefined ? null : timeValue(until, undefined);
    const n = Number(m?.[1]);
    if (freq !== 'YEARLY' || typeof bymonth !== 'number' || !m || interval !== 1 || (n < 0 && n !== -1) || Object.keys(rest).some((k) => k !== 'wkst')) return null;
    if (until !== undefined && end?.kind !== 'utc') return null;
    const tod = ((start.wall % DAY) + DAY) % DAY;
    for (let y = Math.max(year - 1, new Date(start.wall).getUTCFullYear()); y <= year + 1; y++) {
      const day = nthWeekday(y, bymonth, DAYS.indexOf(m[2] as (typeof DAYS)[number]), n);
      const at = day === null ? NaN : day + tod - from;
      if (day !== null && day + tod >= start.wall && (end?.kind !== 'utc' || at <= end.ms)) out.push({ at, before: from, after: to, daylight });
    }
  }
  return out.length > 0 ? out.sort((a, b) => a.at - b.at) : null;
}

/** The VTIMEZONE's switches up to the end of `year`, as ical.js expands them (UTC instants), or null. */
function changesOf(vtz: IComp, year: number): Change[] | null {
  try {
    const tz = new ICAL.Timezone(new ICAL.Component(vtz.jcal));
    tz._ensureCoverage(year + 1);
    const out: Change[] = [];
    for (const c of tz.changes as unknown[]) {
      if (c === null || typeof c !== 'object') continue;
      const r = c as Record<string, unknown>;
      const at = Date.UTC(num(r.year), num(r.month) - 1, num(r.day), num(r.hour), num(r.minute), num(r.second));
      if (Number.isFinite(at)) out.push({ at, before: num(r.prevUtcOffset) * 1000, after: num(r.utcOffset) * 1000, daylight: r.is_daylight === true });
    }
    return out.filter((c) => Number.isFinite(c.before) && Number.isFinite(c.after)).sort((a, b) => a.at - b.at);
  } catch {
    return null;
  }
}

function offsetIn(changes: readonly Change[], utc: number): number {
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changes[mid]!.at <= utc) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? changes[lo - 1]!.after : changes[0]?.before ?? 0;
}

interface WeekHint { daylight: boolean; month: number; dow: number; week: number }

/** "the nth weekday of month m" of the observances' yearly RRULEs (BYMONTH=3;BYDAY=-1SU). */
function weekHints(vtz: IComp): WeekHint[] {
  const out: WeekHint[] = [];
  for (const o of vtz.comps) {
    const r = prop(o, 'rrule')?.values[0];
    if (r === null || typeof r !== 'object') continue;
    const { bymonth, byday } = r as Record<string, unknown>;
    const m = typeof byday === 'string' ? /^([+-]?\d)(SU|MO|TU|WE|TH|FR|SA)$/.exec(byday) : null;
    const n = m ? Number(m[1]) : 0;
    if (m && typeof bymonth === 'number' && ((n >= 1 && n <= 4) || n === -1)) {
      out.push({ daylight: o.name === 'daylight', month: bymonth, dow: DAYS.indexOf(m[2] as (typeof DAYS)[number]), week: n === -1 ? 5 : n });
    }
  }
  return out;
}

const noDate = (): SystemTime => ({ year: 0, month: 0, dayOfWeek: 0, day: 0, hour: 0, minute: 0, second: 0, milliseconds: 0 });

/**
 * The yearly rule (SYSTEMTIME, MS-ASDTYPE 2.7.6) of a switch read on the wall clock before it: week
 * 5 ("last") in the month's last seven days, as timezone.ts tziForZone writes it -- unless the
 * observance's own RRULE says "4th" for a date that is both.
 */
export function ruleOf(wall: number, daylight = false, hints: readonly WeekHint[] = []): SystemTime {
  const d = new Date(wall);
  const [month, day, dow] = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay()];
  const last = day + 7 > daysInMonth(d.getUTCFullYear(), month);
  const h = hints.find((x) => x.daylight === daylight && x.month === month && x.dow === dow);
  const week = h && (h.week === 5 ? last : Math.ceil(day / 7) === h.week) ? h.week : last ? 5 : Math.ceil(day / 7);
  return { year: 0, month, dayOfWeek: dow, day: week, hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), milliseconds: 0 };
}

/** The VTIMEZONE's clock in one year as a TimeZoneInfo, or null when that year is not one yearly rule. */
function tziOfYear(vtz: IComp, changes: readonly Change[], year: number, tzid: string): TimeZoneInfo | null {
  const names = { standard: tzid, daylight: tzid };
  for (const o of vtz.comps) {
    const n = textOf(prop(o, 'tzname')).trim();
    if (n && (o.name === 'standard' || o.name === 'daylight')) names[o.name] = n;
  }
  const from = Date.UTC(year, 0, 1);
  const inYear = changes.filter((c) => c.at >= from && c.at < Date.UTC(year + 1, 0, 1) && c.after !== c.before);
  const base = { standardName: names.standard, daylightName: names.daylight, standardBias: 0 };
  if (inYear.length === 0) {
    return { ...base, bias: -Math.round(offsetIn(changes, from + 182 * DAY) / MINUTE), standardDate: noDate(), daylightDate: noDate(), daylightBias: 0 };
  }
  const up = inYear.find((c) => c.after > c.before);
  const down = inYear.find((c) => c.after < c.before);
  if (inYear.length !== 2 || !up || !down || up.before !== down.after || up.after !== down.before) return null;
  const hints = weekHints(vtz);
  return {
    ...base, bias: -Math.round(up.before / MINUTE), daylightBias: -Math.round((up.after - up.before) / MINUTE),
    standardDate: ruleOf(down.at + down.before, false, hints), daylightDate: ruleOf(up.at + up.before, true, hints),
  };
}

/** The IANA zone a TZID names itself: an IANA id, the end of a path that is one, or a Windows name. */
function namedZone(tzid: string): Zone | null {
  const segs = tzid.split('/').filter(Boolean);
  const ids = [tzid, ...[3, 2, 1].filter((n) => n <= segs.length).map((n) => segs.slice(-n).join('/'))];
  const lower = tzid.toLowerCase();
  const windows = WINDOWS_ZONES.find((w) => w.standard.toLowerCase() === lower || w.daylight.toLowerCase() === lower);
  if (windows) ids.push(windows.iana[0]!);
  for (const id of ids) {
    const z = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id) ? ianaZone(id) : null;
    if (z?.kind === 'iana') return z;
  }
  return null;
}

/** The zones whose cities an Outlook display name lists ("(UTC+10:00) Canberra, Melbourne, Sydney"). */
function citiesOf(tzid: string): string[] {
  if (!/^\(UTC[^)]*\)/i.test(tzid)) return [];
  const lower = tzid.toLowerCase();
  return WINDOWS_ZONES.flatMap((w) => w.iana).filter((id) => lower.includes((id.split('/').pop() ?? '').replace(/_/g, ' ').toLowerCase()));
}

const resolved = new Map<string, ResolvedZone>();

/** The zone of a TZID, with its VTIMEZONE when the calendar has one; `year` is the year of the first time using it. */
export function resolveZone(tzid: string, vtz: IComp | undefined, year: number): ResolvedZone {
  const key = `${tzid}\u0000${year}\u0000${vtz ? JSON.stringify(vtz.jcal) : ''}`;
  let r = resolved.get(key);
  if (!r) {
    r = resolveUncached(tzid, vtz, year);
    if (resolved.size >= 512) resolved.clear();
    resolved.set(key, r);
  }
  return r;
}

function resolveUncached(tzid: string, vtz: IComp | undefined, year: number): ResolvedZone {
  const named = namedZone(tzid);
  if (named?.kind === 'iana') return { zone: named, toUtc: ianaToUtc(named.id) };
  const changes = vtz ? simpleChanges(vtz, year) ?? changesOf(vtz, year) : null;
  if (!vtz || !changes || changes.length === 0) {
    return { zone: UTC_ZONE, toUtc: (w) => w, note: `unknown time zone "${tzid}" without a usable VTIMEZONE: its times are read as UTC` };
  }
  const tzi = tziOfYear(vtz, changes, year, tzid);
  if (tzi) {
    const zone = zoneForBlob(Buffer.from(encodeTzi(tzi)).toString('base64'), year, citiesOf(tzid));
    return { zone, toUtc: zone.kind === 'iana' ? ianaToUtc(zone.id) : (w) => localToUtc(zone, w) };
  }
  const all = changesOf(vtz, year) ?? changes;
  return {
    zone: UTC_ZONE, toUtc: (w) => toUtcBy((t) => offsetIn(all, t), w),
    note: `time zone "${tzid}" follows no yearly rule in ${year}: its times are kept as UTC instants`,
  };
}

/** The VTIMEZONEs of a calendar by TZID. */
export function vtimezones(comps: readonly IComp[]): Map<string, IComp> {
  const out = new Map<string, IComp>();
  for (const c of comps) {
    const id = c.name === 'vtimezone' ? textOf(prop(c, 'tzid')).trim() : '';
    if (id && !out.has(id)) out.set(id, c);
  }
  return out;
}
