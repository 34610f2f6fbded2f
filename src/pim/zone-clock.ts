// Wall-clock arithmetic in time zones (the part of src/pim/timezone.ts that knows no blob bytes): IANA
// zones through the runtime's Intl data, and "rule zones" built from a Windows TIME_ZONE_INFORMATION
// (MS-ASDTYPE 2.7.6) whose yearly switches are SYSTEMTIME rules (wYear 0, wDay = week of the month,
// 5 = last). Also a per-year summary of an IANA zone (standard offset and switches), which is what a
// blob describes. Instants are epoch ms; a wall clock is written as the epoch ms it would be in UTC.

/** Windows SYSTEMTIME (16 bytes). In a rule: year 0, day = week of the month (1..5, 5 = last). */
export interface SystemTime {
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  milliseconds: number;
}

/** Windows TIME_ZONE_INFORMATION; biases in minutes, UTC = local time + bias. */
export interface TimeZoneInfo {
  bias: number;
  standardName: string;
  standardDate: SystemTime;
  standardBias: number;
  daylightName: string;
  daylightDate: SystemTime;
  daylightBias: number;
}

/** A zone: an IANA zone the runtime knows, or the rule of a blob no IANA zone matched. */
export type Zone = { readonly kind: 'iana'; readonly id: string } | { readonly kind: 'rule'; readonly tzi: TimeZoneInfo };

/** A local date and time; month 1..12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export const UTC_ZONE: Zone = { kind: 'iana', id: 'UTC' };

// ---------------------------------------------------------------------------------------------------
// Wall clocks as numbers: a wall clock is written as the epoch ms it would be if the zone were UTC, so
// day arithmetic is plain addition and comparisons are numeric.

export const wallMs = (w: WallClock): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond ?? 0);

export function fromWallMs(ms: number): WallClock {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), millisecond: d.getUTCMilliseconds(),
  };
}

// ---------------------------------------------------------------------------------------------------
// IANA zones through Intl.

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(id: string): Intl.DateTimeFormat | null {
  let f = formatters.get(id);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: id, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      f = null;
    }
    formatters.set(id, f);
  }
  return f;
}

/** The canonical IANA zone for a name the runtime knows ('US/Eastern' -> 'America/New_York'), or null. */
export function ianaZone(id: string): Zone | null {
  const f = id && id.length <= 64 ? formatterFor(id) : null;
  if (!f) return null;
  const canonical = f.resolvedOptions().timeZone;
  return { kind: 'iana', id: canonical === 'Etc/UTC' || canonical === 'Etc/GMT' ? 'UTC' : canonical };
}

/** Intl formats years 1..9999 reliably; offsets outside are those of the nearest end. */
const EARLIEST = Date.parse('0001-01-02T00:00:00Z');
const LATEST = Date.UTC(9999, 11, 30);

export function ianaOffset(id: string, utcMs: number): number {
  const f = formatterFor(id);
  if (!f) return 0;
  const whole = Math.floor(Math.min(LATEST, Math.max(EARLIEST, utcMs)) / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(whole)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return local - whole;
}

/** Offset of the zone from UTC at an instant, in ms (local = UTC + offset). */
export function offsetAt(zone: Zone, utcMs: number): number {
  return zone.kind === 'iana' ? ianaOffset(zone.id, utcMs) : ruleOffset(zone.tzi, utcMs);
}

export function utcToLocal(zone: Zone, utcMs: number): WallClock {
  return fromWallMs(utcMs + offsetAt(zone, utcMs));
}

/**
 * The instant a wall clock names in a zone. A time the spring-forward gap skips is read with the offset
 * before the gap (02:30 becomes 03:30 daylight time), and a time the fall-back overlap repeats is the
 * first of the two, as RFC 5545 3.3.5 asks.
 */
export function localToUtc(zone: Zone, wall: WallClock | number): number {
  const w = typeof wall === 'number' ? wall : wallMs(wall);
  const before = offsetAt(zone, w - DAY);
  const after = offsetAt(zone, w + DAY);
  const fits = [w - before, w - after].filter((t) => t + offsetAt(zone, t) === w);
  if (fits.length > 0) return Math.min(...fits);
  return w - before;
}

// ---------------------------------------------------------------------------------------------------
// Rule zones (a blob's TIME_ZONE_INFORMATION).

export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Wall ms of a SYSTEMTIME rule in a year: the nth (5 = last) weekday of the month at the given time. */
function ruleWall(st: SystemTime, year: number): number {
  const time = ((st.hour * 60 + st.minute) * 60 + st.second) * 1000 + st.milliseconds;
  if (st.year !== 0) return Date.UTC(st.year, st.month - 1, st.day) + time;
  const firstDow = new Date(Date.UTC(year, st.month - 1, 1)).getUTCDay();
  let day = 1 + ((st.dayOfWeek - firstDow + 7) % 7) + (Math.min(Math.max(st.day, 1), 5) - 1) * 7;
  const dim = daysInMonth(year, st.month);
  while (day > dim) day -= 7;
  return Date.UTC(year, st.month - 1, day) + time;
}

const hasDst = (t: TimeZoneInfo): boolean =>
  t.standardDate.month >= 1 && t.standardDate.month <= 12 && t.daylightDate.month >= 1 && t.daylightDate.month <= 12 && t.daylightBias !== t.standardBias;

/** The two switches of a rule in a year as instants, or null when the rule has no daylight time then. */
export function ruleTransitions(t: TimeZoneInfo, year: number): { toDst: number; toStd: number } | null {
  if (!hasDst(t)) return null;
  // An absolute (wYear != 0) rule applies to its own year only.
  if ((t.standardDate.year !== 0 && t.standardDate.year !== year) || (t.daylightDate.year !== 0 && t.daylightDate.year !== year)) return null;
  const std = -(t.bias + t.standardBias) * MINUTE;
  const dst = -(t.bias + t.daylightBias) * MINUTE;
  // DaylightDate is read on the standard-time clock, StandardDate on the daylight-time clock.
  return { toDst: ruleWall(t.daylightDate, year) - std, toStd: ruleWall(t.standardDate, year) - dst };
}

function ruleOffset(t: TimeZoneInfo, utcMs: number): number {
  const std = -(t.bias + t.standardBias) * MINUTE;
  const dst = -(t.bias + t.daylightBias) * MINUTE;
  const year = new Date(utcMs + std).getUTCFullYear();
  const tr = ruleTransitions(t, year);
  if (!tr) return std;
  // Northern rules switch to daylight time first in the year; southern ones are in it across New Year.
  const inDst = tr.toDst < tr.toStd ? utcMs >= tr.toDst && utcMs < tr.toStd : utcMs >= tr.toDst || utcMs < tr.toStd;
  return inDst ? dst : std;
}

// ---------------------------------------------------------------------------------------------------
// An IANA zone's year, summarised: its standard offset and its switches.

export interface Transition { at: number; before: number; after: number }
export interface YearSummary { transitions: Transition[]; std: number; dst: number | null }

const summaries = new Map<string, YearSummary>();

/** The instant in (lo, hi] where the offset changes from offset(lo), to the second. */
function refine(id: string, lo: number, hi: number): number {
  const at = ianaOffset(id, lo);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (ianaOffset(id, mid) === at) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function summarise(id: string, year: number): YearSummary {
  const key = `${id}|${year}`;
  const known = summaries.get(key);
  if (known) return known;
  // Weekly probes find the switches (no zone has a daylight period shorter than a week), then a binary
  // search places each to the second.
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const transitions: Transition[] = [];
  let t = start;
  let off = ianaOffset(id, t);
  while (t < end) {
    const next = Math.min(t + 7 * DAY, end);
    const o = ianaOffset(id, next);
    if (o !== off) {
      const at = refine(id, t, next);
      transitions.push({ at, before: off, after: ianaOffset(id, at) });
      const later = ianaOffset(id, next);
      // A second switch inside the same week (rare) is found from the first one onwards.
      if (later !== ianaOffset(id, at)) {
        const at2 = refine(id, at, next);
        transitions.push({ at: at2, before: ianaOffset(id, at), after: later });
      }
    }
    t = next;
    off = o;
  }
  const offsets = transitions.length > 0 ? transitions.flatMap((x) => [x.before, x.after]) : [ianaOffset(id, start + 182 * DAY)];
  const std = Math.min(...offsets);
  const max = Math.max(...offsets);
  // Two switches that go up and back down make a daylight period; anything else (a zone moving its
  // base offset) is described by the offset the year ends with.
  const seasonal = transitions.length === 2 && transitions[0]!.before === transitions[1]!.after;
  const summary: YearSummary = seasonal ? { transitions, std, dst: max } : { transitions, std: ianaOffset(id, end - 1), dst: null };
  summaries.set(key, summary);
  return summary;
}

export const MS = { MINUTE, HOUR, DAY } as const;
