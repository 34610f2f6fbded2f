// Calendar events and tasks as iCalendar (RFC 5545) and iTIP (RFC 5546), for import, export, CalDAV
// and meeting mail. The modules: ical-jcal.ts is the typed bridge to ical.js (lexing, folding,
// escaping, RFC 6868 parameters) and cuts a text into components so one broken component is skipped
// alone; ical-read.ts reads a VEVENT, ical-series.ts puts a UID's VEVENTs together as one series with
// its exceptions, ical-task.ts reads and writes VTODOs, ical-tz.ts maps TZIDs to zones and
// ical-tz-write.ts writes VTIMEZONEs, ical-write.ts writes events, ical-itip.ts an attendee's REPLY or
// COUNTER; ical-map.ts holds the field mappings they share.
//
// Round trip. EventData -> iCalendar -> parseICalendar gives back the same EventData field by field
// (test/pim-ical.test.ts checks every field), except what iCalendar cannot carry or carries in a
// normal form:
// - clientUid and timeZoneBlob: one phone's own data, meaningless to any other client; not written.
// - times have whole seconds (RFC 5545 3.3.5); a wall-clock time in the hour a fall-back switch repeats
//   reads as the first of the two (3.3.5); a zone id reads as its canonical name ('US/Eastern' ->
//   'America/New_York'); an event without a zone reads as timeZone 'UTC' (which is what it meant).
// - a TimeZoneInfo rule (timeZoneRule) comes back with its standardBias folded into bias, no
//   milliseconds in its switch times, and daylightBias 0 when it has no daylight time; an all-day event
//   keeps an IANA timeZone (X-EAS-TIMEZONE) but not a rule.
// - an exception keeps only what differs from its series, its times both or neither (ical-series.ts);
//   exceptions of an event without recurrence are not written (EAS ignores them too).
// - a series whose first start is off its own pattern starts at its first occurrence (ical-write.ts).
// - text has one line break, LF (CR may not appear in TEXT, 3.3.11).
// - a backslash in a parameter value (a CN) is lost: RFC 5545 has no escapes there, ical.js reads one.
// - an organizer name without an address comes back with the address ''.
// - Recurrence: the toRRule/fromRRule normal form (a weekly pattern without DayOfWeek gets the start's day).
// - meetingStatus, responseType, responseRequested and the structured location beyond its name and GEO
//   travel in X-EAS-* properties other programs ignore; without them (a file from elsewhere) they are
//   derived as ical-read.ts explains.
// Tasks: TaskData has no UID (one is derived from the task); a date with only its local or only its
// UTC half comes back with both; reminderTime is kept only while reminderSet, and a set reminder without
// a time comes back at the task's start when it has one.
import { errorMessage } from '../core/errors.js';
import type { EventData } from './event-model.js';
import type { TaskData } from './task-model.js';
import { ICalError, readCalendar, text } from './ical-jcal.js';
import { itipReply as writeReply, type PartStat, type ReplyOptions } from './ical-itip.js';
import { ReadContext } from './ical-read.js';
import { readEvents, type ParsedEvent } from './ical-series.js';
import { readTask, vtodo } from './ical-task.js';
import { vtimezones } from './ical-tz.js';
import { ZoneWriter } from './ical-tz-write.js';
import { calendarText, eventComponents, type CalendarOptions } from './ical-write.js';

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
