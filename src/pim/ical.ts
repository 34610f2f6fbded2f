// Calendar events and tasks as iCalendar (RFC 5545) and iTIP (RFC 5546), for import, export, CalDAV
// and meeting mail. Read: VEVENTs, grouped by UID into series with their exceptions (ical-series.ts,
// ical-read.ts), VTODOs (ical-task.ts), TZIDs matched to IANA zones (ical-tz.ts). Written: one VCALENDAR
// with a VTIMEZONE per zone used, each series as its master plus one VEVENT per changed occurrence
// (ical-write.ts), and an attendee's REPLY or COUNTER (ical-itip.ts). ical.js does the lexical work
// (folding, escaping, parameters, RFC 6868), ical-jcal.ts is the typed bridge to it.
//
// Round trip. EventData -> iCalendar -> parseICalendar gives the same EventData, except what iCalendar
// cannot carry or carries in a normal form:
// - clientUid and timeZoneBlob: one phone's own data, meaningless to any other client; not written.
// - times have whole seconds (RFC 5545 3.3.5); a wall-clock time in the hour a fall-back switch repeats
//   reads as the first of the two (3.3.5); a zone id reads as its canonical name ('US/Eastern' ->
//   'America/New_York'); an event without a zone reads as timeZone 'UTC' (what eventZone meant).
// - a TimeZoneInfo rule (timeZoneRule) comes back with standardBias 0 (folded into bias), no
//   milliseconds in its switch times, and daylightBias 0 when it has no daylight time.
// - an exception keeps only what differs from its series, its times both or neither (ical-series.ts);
//   exceptions of an event without recurrence are not written (EAS ignores them too).
// - a series whose first start is off its own pattern starts at its first occurrence (ical-write.ts).
// - text has one line break, LF (CR is not allowed in TEXT, 3.3.11).
// - an organizer name without an address comes back with the address ''.
// - Recurrence: toRRule/fromRRule normal form (a weekly pattern without DayOfWeek gets the start's day).
// Tasks: TaskData has no UID (one is derived from the task); a date with only its local or only its
// UTC half comes back with both; reminderTime is kept only while reminderSet, and a set reminder without
// a time comes back at the task's start when it has one.
import { errorMessage } from '../core/errors.js';
import type { TaskData } from './task-model.js';
import { ICalError, readCalendar } from './ical-jcal.js';
import { itipReply as writeReply, type PartStat, type ReplyOptions } from './ical-itip.js';
import { ReadContext } from './ical-read.js';
import { readEvents, type ParsedEvent } from './ical-series.js';
import { readTask, vtodo } from './ical-task.js';
import { vtimezones } from './ical-tz.js';
import { ZoneWriter } from './ical-tz-write.js';
import { calendarText, eventComponents, type CalendarOptions } from './ical-write.js';
import { text } from './ical-jcal.js';
import type { EventData } from './event-model.js';

export { ICalError, type ParsedEvent, type CalendarOptions, type PartStat, type ReplyOptions };

export interface ParsedCalendar {
  /** RFC 5546 METHOD of the calendar (upper case), null for a plain calendar file. */
  method: string | null;
  events: ParsedEvent[];
  tasks: Array<{ data: TaskData; categories: string[] }>;
  /** What was not imported, or not exactly: broken components, rules EAS cannot hold, unknown zones. */
  skipped: Array<{ uid?: string; reason: string }>;
}

const IMPORTED = new Set(['vevent', 'vtodo', 'vtimezone']);

/**
 * Every event and task of an iCalendar text. Throws ICalError only when the text is no iCalendar at all;
 * a component that cannot be read is listed in `skipped` and the rest are returned. `now` stands in
 * for a missing DTSTAMP / LAST-MODIFIED.
 */
export function parseICalendar(input: string, opts: { now?: number } = {}): ParsedCalendar {
  const raw = readCalendar(input);
  const ctx = new ReadContext(raw.method, opts.now ?? Date.now(), vtimezones(raw.components));
  ctx.skipped.push(...raw.broken);
  const events = readEvents(raw.components.filter((c) => c.name === 'vevent'), ctx);
  const tasks: ParsedCalendar['tasks'] = [];
  for (const c of raw.components) {
    if (c.name === 'vtodo') {
      try {
        tasks.push(readTask(c, ctx));
      } catch (err) {
        ctx.note(text(c, 'uid'), `VTODO skipped: ${errorMessage(err)}`);
      }
    } else if (!IMPORTED.has(c.name)) {
      ctx.note(text(c, 'uid'), `${c.name.toUpperCase()} is not imported`);
    }
  }
  return { method: raw.method, events, tasks, skipped: ctx.skipped };
}

/** Events as one VCALENDAR (CRLF lines, folded), with METHOD when given. */
export function eventsToICalendar(items: ReadonlyArray<{ data: EventData; categories: readonly string[] }>, opts: CalendarOptions = {}): string {
  const zones = new ZoneWriter();
  return calendarText(items.flatMap((i) => eventComponents(i.data, i.categories, zones)), zones, opts);
}

/** Tasks as one VCALENDAR of VTODOs. */
export function tasksToICalendar(items: ReadonlyArray<{ data: TaskData; categories: readonly string[] }>, opts: CalendarOptions = {}): string {
  return calendarText(items.map((t, i) => vtodo(t.data, t.categories, i)), new ZoneWriter(), opts);
}

/**
 * An attendee's answer to an invitation: METHOD:REPLY with the PARTSTAT, or METHOD:COUNTER when new
 * times are proposed (RFC 5546 3.2.7; see ical-itip.ts). Throws when the event has no organizer.
 */
export function itipReply(
  event: EventData, attendee: { email: string; name: string }, partstat: PartStat, opts: ReplyOptions,
): string {
  return writeReply(event, attendee, partstat, opts);
}
