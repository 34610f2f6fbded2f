// Recurrence of events and tasks: the EAS pattern (MS-ASCAL 2.2.2.37 Recurrence with Type, Interval,
// Occurrences, Until, DayOfWeek, DayOfMonth, WeekOfMonth, MonthOfYear, CalendarType, IsLeapMonth,
// FirstDayOfWeek; MS-ASTASK 2.2.2.18 adds Start, Regenerate, DeadOccur), its RFC 5545 3.3.10 RRULE
// form both ways, and expansion into occurrences.
//
// Expansion is on the wall clock of the event's zone: a 09:00 Europe/Rome weekly meeting is at 09:00
// local time on both sides of a daylight-saving switch, so its UTC instant moves by an hour. Dates are
// handled as day numbers (days since 1970-01-01) and converted to instants only when needed.
// Where EAS and RFC 5545 differ we follow Exchange: "day 31 of the month" falls on the last day of
// shorter months (written in RRULE as BYMONTHDAY=28,29,30,31;BYSETPOS=-1), and WeekOfMonth 5 is "the
// last" (BYSETPOS=-1 / BYDAY=-1XX), not "the fifth"; and the series is the pattern's dates from the
// first start on (a start that is off the pattern is not itself an occurrence, unlike RFC 5545 DTSTART).
import { localToUtc, MS, offsetAt, UTC_ZONE, type Zone } from './timezone.js';

export type RecurrenceType = 0 | 1 | 2 | 3 | 5 | 6;
export const RECURRENCE_TYPES: readonly RecurrenceType[] = [0, 1, 2, 3, 5, 6];

export interface Recurrence {
  /** 0 daily, 1 weekly, 2 monthly on a day, 3 monthly on the nth weekday, 5 yearly on a day, 6 yearly on the nth weekday. */
  type: RecurrenceType;
  /** Every `interval` days/weeks/months/years (1..999). */
  interval: number;
  occurrences?: number;
  /** Epoch ms: the last occurrence starts at or before it (all-day series: a floating date at 00:00 UTC). */
  until?: number;
  /** Bitmask: Sunday 1, Monday 2, Tuesday 4, ..., Saturday 64. */
  dayOfWeek?: number;
  dayOfMonth?: number;
  /** 1..4, or 5 for the last. */
  weekOfMonth?: number;
  monthOfYear?: number;
  /** 0 Sunday .. 6 Saturday; decides which weeks count for an interval above 1. */
  firstDayOfWeek?: number;
  /** Non-Gregorian calendar of the pattern (MS-ASCAL 2.2.2.12); kept, expanded as Gregorian. */
  calendarType?: number;
  isLeapMonth?: boolean;
  /** Tasks: start of the series (epoch ms), whether the next task is made on completion, dead occurrence. */
  start?: number;
  regenerate?: boolean;
  deadOccur?: boolean;
}

/** What expansion needs of an event (the store's event model has all of it). */
export interface RecurringEvent {
  /** First occurrence, epoch ms (all-day: the floating date at 00:00 UTC). */
  start: number;
  end: number;
  allDay: boolean;
  zone: Zone;
  recurrence?: Recurrence | undefined;
  exceptions?: ReadonlyArray<{ originalStart: number; deleted?: boolean | undefined; start?: number | undefined; end?: number | undefined }>;
}

export interface Occurrence {
  /** The original start of the occurrence (what ExceptionStartTime / InstanceId name). */
  instanceId: number;
  start: number;
  end: number;
  /** An exception changed this occurrence. */
  exception: boolean;
}

const DAY = MS.DAY;
/** Safety stop for generators: about 270 years of daily occurrences. */
const MAX_STEPS = 100_000;

const weekday = (dn: number): number => (((dn + 4) % 7) + 7) % 7;
const ymd = (dn: number): { y: number; m: number; d: number } => {
  const t = new Date(dn * DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const dayNumber = (y: number, m: number, d: number): number => Math.floor(Date.UTC(y, m - 1, d) / DAY);
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const bit = (dow: number): number => 1 << dow;

/** Days of a month whose weekday is in the mask, in order. */
function matchingDays(y: number, m: number, mask: number): number[] {
  const out: number[] = [];
  const first = dayNumber(y, m, 1);
  for (let i = 0; i < daysIn(y, m); i++) if (mask & bit(weekday(first + i))) out.push(first + i);
  return out;
}

/** The nth (5 = last) of the days of a month matching the mask, or undefined. */
function nthDay(y: number, m: number, mask: number, n: number): number | undefined {
  const days = matchingDays(y, m, mask);
  return n >= 5 ? days[days.length - 1] : days[n - 1];
}

const clampDay = (y: number, m: number, d: number): number => dayNumber(y, m, Math.min(d, daysIn(y, m)));

/** Dates (day numbers) of the pattern from the first occurrence's date onwards, in order, unbounded. */
function* patternDays(r: Recurrence, startDn: number): Generator<number> {
  const interval = Math.max(1, Math.min(999, Math.trunc(r.interval) || 1));
  const s = ymd(startDn);
  const startMask = bit(weekday(startDn));
  switch (r.type) {
    case 0:
      for (let dn = startDn, i = 0; i < MAX_STEPS; dn += interval, i++) if (!r.dayOfWeek || r.dayOfWeek & bit(weekday(dn))) yield dn;
      return;
    case 1: {
      const mask = r.dayOfWeek || startMask;
      const wkst = r.firstDayOfWeek ?? 0;
      const weekStart = startDn - ((weekday(startDn) - wkst + 7) % 7);
      for (let w = 0; w < MAX_STEPS; w++) {
        const base = weekStart + w * 7 * interval;
        for (let i = 0; i < 7; i++) if (base + i >= startDn && mask & bit(weekday(base + i))) yield base + i;
      }
      return;
    }
    case 2:
    case 3:
      for (let k = 0; k < MAX_STEPS; k += interval) {
        const y = s.y + Math.floor((s.m - 1 + k) / 12);
        const m = ((s.m - 1 + k) % 12) + 1;
        const dn = r.type === 2 ? clampDay(y, m, r.dayOfMonth ?? s.d) : nthDay(y, m, r.dayOfWeek || startMask, r.weekOfMonth ?? 1);
        if (dn !== undefined && dn >= startDn) yield dn;
      }
      return;
    case 5:
    case 6:
      for (let k = 0; k < MAX_STEPS / 12; k += interval) {
        const y = s.y + k;
        const m = r.monthOfYear ?? s.m;
        const dn = r.type === 5 ? clampDay(y, m, r.dayOfMonth ?? s.d) : nthDay(y, m, r.dayOfWeek || startMask, r.weekOfMonth ?? 1);
        if (dn !== undefined && dn >= startDn) yield dn;
      }
      return;
  }
}

interface SeriesClock {
  zone: Zone;
  /** Wall ms of the first start; every occurrence starts at its time of day. */
  startWall: number;
  timeOfDay: number;
  duration: number;
}

function clockOf(ev: RecurringEvent): SeriesClock {
  // All-day series run on floating dates: the same date everywhere.
  const zone = ev.allDay ? UTC_ZONE : ev.zone;
  const startWall = ev.start + offsetAt(zone, ev.start);
  return { zone, startWall, timeOfDay: ((startWall % DAY) + DAY) % DAY, duration: Math.max(0, ev.end - ev.start) };
}

/**
 * Wall clocks of the original occurrences in order, honouring Occurrences and Until. Converting a wall
 * clock to an instant costs a few Intl calls, so it is done only near Until; callers convert what they keep.
 */
function* seriesWalls(ev: RecurringEvent, c: SeriesClock): Generator<number> {
  const r = ev.recurrence;
  if (!r) {
    yield c.startWall;
    return;
  }
  const untilWall = r.until !== undefined ? r.until + offsetAt(c.zone, r.until) : undefined;
  let count = 0;
  for (const dn of patternDays(r, Math.floor(c.startWall / DAY))) {
    const wall = dn * DAY + c.timeOfDay;
    if (r.occurrences !== undefined && count >= r.occurrences) return;
    if (untilWall !== undefined && r.until !== undefined) {
      if (wall > untilWall + 2 * DAY) return;
      if (wall > untilWall - 2 * DAY && toUtc(c, wall, ev.start) > r.until) return;
    }
    count++;
    yield wall;
  }
}

/** The instant of an occurrence's wall clock; the first occurrence is the event's own start. */
const toUtc = (c: SeriesClock, wall: number, start: number): number => (wall === c.startWall ? start : localToUtc(c.zone, wall));

type ExceptionRef = NonNullable<RecurringEvent['exceptions']>[number];

/** Whether `instanceId` is the original start of an occurrence of the series. */
export function isOccurrence(ev: RecurringEvent, instanceId: number): boolean {
  const c = clockOf(ev);
  const target = instanceId + offsetAt(c.zone, instanceId);
  for (const wall of seriesWalls(ev, c)) {
    if (wall > target + 2 * DAY) return false;
    if (wall > target - 2 * DAY && toUtc(c, wall, ev.start) === instanceId) return true;
  }
  return false;
}

/**
 * Occurrences overlapping [fromUtc, toUtc), in start order: deleted ones left out, changed ones at their
 * new times (an occurrence moved into the range from outside it is found too).
 */
export function occurrences(ev: RecurringEvent, fromUtc: number, toUtc_: number): Occurrence[] {
  const c = clockOf(ev);
  const changed = new Map<number, ExceptionRef>();
  for (const x of ev.exceptions ?? []) changed.set(x.originalStart, x);
  const overlaps = (s: number, e: number): boolean => (e > fromUtc && s < toUtc_) || (s === e && s >= fromUtc && s < toUtc_);
  // Walk far enough to reach the original slot of every exception that now lies in the range.
  let lastWall = toUtc_ + offsetAt(c.zone, toUtc_) + 2 * DAY;
  const nearDays = new Set<number>();
  for (const x of changed.values()) {
    const w = x.originalStart + offsetAt(c.zone, x.originalStart);
    nearDays.add(Math.floor(w / DAY));
    if (!x.deleted && x.start !== undefined && overlaps(x.start, x.end ?? x.start + c.duration)) lastWall = Math.max(lastWall, w + 2 * DAY);
  }
  const firstWall = fromUtc + offsetAt(c.zone, fromUtc) - 2 * DAY - c.duration;
  const out: Occurrence[] = [];
  for (const wall of seriesWalls(ev, c)) {
    if (wall > lastWall) break;
    const dn = Math.floor(wall / DAY);
    // Occurrences that end before the range are skipped unconverted unless an exception may move them.
    if (wall < firstWall && !nearDays.has(dn) && !nearDays.has(dn - 1) && !nearDays.has(dn + 1)) continue;
    const id = toUtc(c, wall, ev.start);
    const x = changed.get(id);
    if (x?.deleted) continue;
    const start = x?.start ?? id;
    const end = x?.end ?? start + c.duration;
    if (overlaps(start, end)) out.push({ instanceId: id, start, end, exception: x !== undefined });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * When the series is over: the end of its last occurrence (or of a later-moved exception), or null for a
 * series without end. This is what FilterType windows compare an event by.
 */
export function seriesEnd(ev: RecurringEvent): number | null {
  const r = ev.recurrence;
  let end = ev.end;
  for (const x of ev.exceptions ?? []) if (!x.deleted && x.end !== undefined) end = Math.max(end, x.end);
  if (!r) return end;
  if (r.occurrences === undefined && r.until === undefined) return null;
  const c = clockOf(ev);
  let last: number | undefined;
  for (const wall of seriesWalls(ev, c)) last = wall;
  return last === undefined ? end : Math.max(end, toUtc(c, last, ev.start) + c.duration);
}

/** A recurrence with its numbers in range, or a reason it cannot be used. */
export function checkRecurrence(r: Recurrence): string | null {
  if (!RECURRENCE_TYPES.includes(r.type)) return `recurrence type ${r.type}`;
  if (!Number.isInteger(r.interval) || r.interval < 1 || r.interval > 999) return `interval ${r.interval}`;
  if (r.occurrences !== undefined && (!Number.isInteger(r.occurrences) || r.occurrences < 1 || r.occurrences > 999)) return `occurrences ${r.occurrences}`;
  if (r.dayOfWeek !== undefined && (!Number.isInteger(r.dayOfWeek) || r.dayOfWeek < 1 || r.dayOfWeek > 127)) return `day of week ${r.dayOfWeek}`;
  if (r.dayOfMonth !== undefined && (!Number.isInteger(r.dayOfMonth) || r.dayOfMonth < 1 || r.dayOfMonth > 31)) return `day of month ${r.dayOfMonth}`;
  if (r.weekOfMonth !== undefined && (!Number.isInteger(r.weekOfMonth) || r.weekOfMonth < 1 || r.weekOfMonth > 5)) return `week of month ${r.weekOfMonth}`;
  if (r.monthOfYear !== undefined && (!Number.isInteger(r.monthOfYear) || r.monthOfYear < 1 || r.monthOfYear > 12)) return `month ${r.monthOfYear}`;
  if (r.firstDayOfWeek !== undefined && (!Number.isInteger(r.firstDayOfWeek) || r.firstDayOfWeek < 0 || r.firstDayOfWeek > 6)) return `first day of week ${r.firstDayOfWeek}`;
  if (r.until !== undefined && !Number.isFinite(r.until)) return 'until';
  return null;
}

export { fromRRule, toRRule } from './rrule.js';
