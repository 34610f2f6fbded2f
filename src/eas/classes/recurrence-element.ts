// The Recurrence element of the Calendar class (MS-ASCAL 2.2.2.37: Type, Occurrences, Interval,
// WeekOfMonth, DayOfWeek, MonthOfYear, Until, DayOfMonth, CalendarType and IsLeapMonth from 14.0,
// FirstDayOfWeek from 14.1) and of the Tasks class (MS-ASTASK 2.2.2.18, which adds Start, Regenerate
// and DeadOccur), to and from the store's recurrence model. The two share tag names on their own pages.
import { RECURRENCE_TYPES, type Recurrence, type RecurrenceType } from '../../pim/recurrence.js';
import { localToUtc, offsetAt, type Zone } from '../../pim/timezone.js';
import { el, intOf, textOf, type Content, type QName, type WbxmlElement } from '../wbxml/index.js';
import { compactDate, parseEasDate } from './calendar-fields.js';
import { easDate } from './email-fields.js';
import { ClassError } from './registry.js';

type RecurrenceNs = 'Calendar' | 'Tasks';

export interface RecurrenceTimes {
  version: number;
  /** All-day series keep Until as a floating date. */
  allDay: boolean;
  zone: Zone;
}

const DAY = 86_400_000;
const q = (ns: RecurrenceNs, tag: string): QName => `${ns}:${tag}` as QName;
const item = (ns: RecurrenceNs, tag: string, ...content: Content[]): WbxmlElement => el(q(ns, tag), ...content);

/** Until as the client reads it: 16.x all-day a date (T000000Z), earlier versions the local midnight in the zone. */
function untilOut(until: number, ns: RecurrenceNs, t: RecurrenceTimes): string {
  if (ns === 'Tasks') return easDate(until);
  if (t.allDay && t.version < 160) return compactDate(localToUtc(t.zone, until));
  return compactDate(until);
}

function untilIn(s: string, ns: RecurrenceNs, t: RecurrenceTimes): number {
  const v = parseEasDate(s);
  if (v === undefined) throw new ClassError(`${ns}:Until: not a date`);
  if (!t.allDay || ns === 'Tasks') return v;
  // A 16.x all-day Until is a date; before 16.0 it is an instant whose local date in the zone counts.
  const local = t.version >= 160 ? v : v + offsetAt(t.zone, v);
  return Math.floor(local / DAY) * DAY;
}

export function renderRecurrence(r: Recurrence, ns: RecurrenceNs, t: RecurrenceTimes): WbxmlElement {
  const v = t.version;
  const calendarType = v >= 140 && item(ns, 'CalendarType', r.calendarType ?? 0);
  const tail = [
    v >= 140 && r.isLeapMonth !== undefined && item(ns, 'IsLeapMonth', r.isLeapMonth ? 1 : 0),
    v >= 141 && r.firstDayOfWeek !== undefined && item(ns, 'FirstDayOfWeek', r.firstDayOfWeek),
  ];
  const until = r.until !== undefined && item(ns, 'Until', untilOut(r.until, ns, t));
  if (ns === 'Calendar') {
    return item(ns, 'Recurrence', item(ns, 'Type', r.type), r.occurrences !== undefined && item(ns, 'Occurrences', r.occurrences),
      item(ns, 'Interval', r.interval), r.weekOfMonth !== undefined && item(ns, 'WeekOfMonth', r.weekOfMonth),
      r.dayOfWeek !== undefined && item(ns, 'DayOfWeek', r.dayOfWeek), r.monthOfYear !== undefined && item(ns, 'MonthOfYear', r.monthOfYear),
      until, r.dayOfMonth !== undefined && item(ns, 'DayOfMonth', r.dayOfMonth), calendarType, tail);
  }
  return item(ns, 'Recurrence', item(ns, 'Type', r.type), r.start !== undefined && item(ns, 'Start', easDate(r.start)), until,
    r.occurrences !== undefined && item(ns, 'Occurrences', r.occurrences), item(ns, 'Interval', r.interval),
    r.dayOfWeek !== undefined && item(ns, 'DayOfWeek', r.dayOfWeek), r.dayOfMonth !== undefined && item(ns, 'DayOfMonth', r.dayOfMonth),
    r.weekOfMonth !== undefined && item(ns, 'WeekOfMonth', r.weekOfMonth), r.monthOfYear !== undefined && item(ns, 'MonthOfYear', r.monthOfYear),
    r.regenerate !== undefined && item(ns, 'Regenerate', r.regenerate ? 1 : 0), r.deadOccur !== undefined && item(ns, 'DeadOccur', r.deadOccur ? 1 : 0),
    calendarType, tail);
}

/** A client's Recurrence element; ClassError when its Type is missing or unknown. */
export function parseRecurrence(e: WbxmlElement, ns: RecurrenceNs, t: RecurrenceTimes): Recurrence {
  const type = intOf(e, q(ns, 'Type'));
  if (type === undefined || !RECURRENCE_TYPES.includes(type as RecurrenceType)) throw new ClassError(`${ns}:Recurrence: type ${type ?? 'missing'}`);
  // Interval 0 (allowed by the schema) means every period, as 1 does.
  const r: Recurrence = { type: type as RecurrenceType, interval: Math.max(1, intOf(e, q(ns, 'Interval')) ?? 1) };
  const ints = ['Occurrences', 'DayOfWeek', 'DayOfMonth', 'WeekOfMonth', 'MonthOfYear', 'FirstDayOfWeek', 'CalendarType'] as const;
  const keys = { Occurrences: 'occurrences', DayOfWeek: 'dayOfWeek', DayOfMonth: 'dayOfMonth', WeekOfMonth: 'weekOfMonth', MonthOfYear: 'monthOfYear', FirstDayOfWeek: 'firstDayOfWeek', CalendarType: 'calendarType' } as const;
  for (const tag of ints) {
    const v = intOf(e, q(ns, tag));
    if (v !== undefined) r[keys[tag]] = v;
  }
  const leap = intOf(e, q(ns, 'IsLeapMonth'));
  if (leap !== undefined) r.isLeapMonth = leap === 1;
  const until = textOf(e, q(ns, 'Until'));
  if (until !== undefined && until.trim() !== '') r.until = untilIn(until, ns, t);
  if (ns === 'Tasks') {
    const start = textOf(e, q(ns, 'Start'));
    if (start !== undefined) {
      const s = parseEasDate(start);
      if (s === undefined) throw new ClassError('Tasks:Start: not a date');
      r.start = s;
    }
    const regen = intOf(e, q(ns, 'Regenerate'));
    if (regen !== undefined) r.regenerate = regen === 1;
    const dead = intOf(e, q(ns, 'DeadOccur'));
    if (dead !== undefined) r.deadOccur = dead === 1;
  }
  return r;
}
