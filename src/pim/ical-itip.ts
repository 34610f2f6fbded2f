// An attendee's answer to an invitation (RFC 5546 iTIP). Accept, tentative and decline are a REPLY (3.2.3):
// one VEVENT with UID, SEQUENCE, DTSTAMP, ORGANIZER, the replying ATTENDEE and its PARTSTAT, and
// RECURRENCE-ID when the answer is for one occurrence; DTSTART/DTEND and SUMMARY are optional there
// but let the organizer's client show what is answered. A new time proposal is a COUNTER (3.2.7) --
// the method RFC 5546 has for "the attendee proposes a change" and what Outlook and Exchange send for
// "propose new time" -- with the proposed DTSTART/DTEND, the PARTSTAT chosen with it, and Outlook's
// X-MS-OLK-ORIGINALSTART/END so it can show the time being replaced. A REPLY also carries
// X-MICROSOFT-CDO-REPLYTIME: Outlook orders repeated replies by it rather than by SEQUENCE.
import { eventZone, type EventData } from './event-model.js';
import { offsetAt, type Zone } from './timezone.js';
import { jDate, jDateTime, recurJcal, type JComp, type JProp } from './ical-jcal.js';
import { mailto, rruleParams, X } from './ical-map.js';
import { ZoneWriter } from './ical-tz-write.js';
import { calendarText, occurrenceEvent } from './ical-write.js';
import { toRRule } from './recurrence.js';

export type PartStat = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

export interface ReplyOptions {
  now: number;
  /** Answer one occurrence: its original start. */
  recurrenceId?: number;
  comment?: string;
  /** Propose these times instead (sent as a COUNTER). */
  proposed?: { start: number; end: number };
  /** The SEQUENCE of the invitation answered (ParsedEvent.sequence); 0 when not given. */
  sequence?: number;
}

function when(name: string, ms: number, allDay: boolean, zone: Zone, zw: ZoneWriter): JProp {
  const tzid = allDay ? null : zw.tzid(zone, ms);
  const value = allDay ? jDate(ms) : jDateTime(tzid === null ? ms : ms + offsetAt(zone, ms), tzid === null);
  // An X- property's value is written as given (no VALUE=DATE-TIME), in the basic form.
  const x = name.startsWith('x-');
  return [name, { ...(tzid !== null ? { tzid } : {}), ...(allDay && x ? { value: 'DATE' } : {}) }, x ? 'unknown' : allDay ? 'date' : 'date-time', x ? value.replace(/[-:]/g, '') : value];
}

export function itipReply(event: EventData, attendee: { email: string; name: string }, partstat: PartStat, opts: ReplyOptions): string {
  if (event.organizerEmail === undefined || event.organizerEmail === '') throw new Error('the event has no organizer to answer');
  const counter = opts.proposed !== undefined;
  const zw = new ZoneWriter();
  const zone = eventZone(event);
  const rid = opts.recurrenceId;
  const x = rid !== undefined ? event.exceptions.find((e) => e.originalStart === rid) : undefined;
  const occ = rid !== undefined ? occurrenceEvent(event, x, rid) : event;
  const p: JProp[] = [
    ['uid', {}, 'text', event.uid],
    ['sequence', {}, 'integer', Math.max(0, Math.trunc(opts.sequence ?? 0))],
    ['dtstamp', {}, 'date-time', jDateTime(opts.now, true)],
  ];
  if (rid !== undefined) p.push(when('recurrence-id', rid, event.allDay, zone, zw));
  if (opts.proposed) {
    // A proposal is a time, not a date: also for an all-day event it is sent as instants.
    p.push(when('dtstart', opts.proposed.start, false, zone, zw), when('dtend', opts.proposed.end, false, zone, zw));
    p.push(when(X.ORIGINAL_START, occ.start, occ.allDay, zone, zw), when(X.ORIGINAL_END, occ.end, occ.allDay, zone, zw));
  } else {
    p.push(when('dtstart', occ.start, occ.allDay, zone, zw), when('dtend', occ.end, occ.allDay, zone, zw));
  }
  p.push(['summary', {}, 'text', occ.subject]);
  if (occ.location?.displayName !== undefined) p.push(['location', {}, 'text', occ.location.displayName]);
  p.push(['organizer', event.organizerName ? { cn: event.organizerName } : {}, 'cal-address', mailto(event.organizerEmail)]);
  p.push(['attendee', { ...(attendee.name ? { cn: attendee.name } : {}), partstat }, 'cal-address', mailto(attendee.email)]);
  if (opts.comment !== undefined && opts.comment !== '') p.push(['comment', {}, 'text', opts.comment]);
  // A COUNTER proposes a changed event: for the whole series that is the series with its rule.
  if (counter && rid === undefined && event.recurrence) {
    p.push(['rrule', rruleParams(event.recurrence), 'recur', recurJcal(toRRule(event.recurrence, { allDay: event.allDay, zone, start: event.start }))]);
  }
  if (!counter) p.push([X.REPLY_TIME, {}, 'unknown', jDateTime(opts.now, true).replace(/[-:]/g, '')]);
  const comp: JComp = ['vevent', p, []];
  return calendarText([comp], zw, { method: counter ? 'COUNTER' : 'REPLY' });
}
