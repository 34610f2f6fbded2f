// Exceptions of a recurring calendar item (MS-ASCAL 2.2.2.21 Exception, 2.2.2.22 Exceptions): each
// names the occurrence it changes by its original start, as ExceptionStartTime (2.2.2.23) before 16.0
// and as airsyncbase:InstanceId (MS-ASAIRS 2.2.2.25) from 16.0, and either deletes it (Deleted, 2.2.2.16)
// or overrides some of its fields. Also the 16.x way of editing one occurrence: a Change or Delete that
// carries an InstanceId next to the ServerId (MS-ASCAL 2.2.2.22, MS-ASCMD 2.2.3.24 / 2.2.3.42.2).
import type { EventData, EventException, EventFields } from '../../pim/event-model.js';
import { localToUtc, offsetAt, type Zone } from '../../pim/timezone.js';
import { child, children, intOf, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import {
  compactDate, dateField, enumField, locationField, locationOut, parseAttendees, parseBody, parseEasDate, plainBody, renderAttendees, renderBody,
} from './calendar-fields.js';
import type { BodyPreference } from './email.js';
import { ClassError } from './registry.js';

const cal = ns('Calendar');
const asb = ns('AirSyncBase');
const DAY = 86_400_000;

export const BUSY = [0, 1, 2, 3, 4];
export const SENSITIVITY = [0, 1, 2, 3];
export const MEETING_STATUS = [0, 1, 3, 5, 7, 9, 11, 13, 15];
export const RESPONSE_TYPE = [0, 1, 2, 3, 4, 5];

/** How times travel for one request: the version, the series' zone, and whether it is all-day. */
export interface CalendarTimes {
  version: number;
  zone: Zone;
  allDay: boolean;
}

/**
 * A time as the client reads it. All-day values are floating dates: from 16.0 sent as the date
 * (T000000Z, no zone), before as the instant of local midnight in the event's zone (MS-ASCAL 2.2.2.42).
 */
export function timeOut(ms: number, allDay: boolean, t: CalendarTimes): string {
  return compactDate(allDay && t.version < 160 ? localToUtc(t.zone, ms) : ms);
}

/** A client's time, for an all-day value the date it names (rounded up for an end that is not midnight). */
export function timeIn(s: string, allDay: boolean, t: CalendarTimes, isEnd = false): number {
  const v = parseEasDate(s);
  if (v === undefined) throw new ClassError(`not a date: ${s.slice(0, 40)}`);
  if (!allDay) return v;
  const local = t.version >= 160 ? v : v + offsetAt(t.zone, v);
  return (isEnd ? Math.ceil(local / DAY) : Math.floor(local / DAY)) * DAY;
}

/** BusyStatus 4 (working elsewhere) exists from 16.0; older clients see the time as busy, the safe reading for scheduling. */
export const busyOut = (b: number, version: number): number => (b === 4 && version < 160 ? 2 : b);

/** The fields of an Exception (or of a 16.x occurrence Change) a client sent. */
export function parseExceptionFields(x: WbxmlElement, t: CalendarTimes, base: EventFields = {}): EventFields {
  const f: EventFields = { ...base };
  const subject = textOf(x, 'Calendar:Subject');
  if (subject !== undefined) f.subject = subject;
  const allDayFlag = intOf(x, 'Calendar:AllDayEvent');
  if (allDayFlag !== undefined) f.allDay = allDayFlag === 1;
  const allDay = f.allDay ?? t.allDay;
  const start = textOf(x, 'Calendar:StartTime');
  if (start !== undefined) f.start = timeIn(start, allDay, t);
  const end = textOf(x, 'Calendar:EndTime');
  if (end !== undefined) f.end = timeIn(end, allDay, t, true);
  const body = parseBody(x);
  if (body) f.body = body;
  else if (t.version < 120 && textOf(x, 'Calendar:Body') !== undefined) f.body = { type: 1, data: textOf(x, 'Calendar:Body') ?? '' };
  const location = locationField(x, f.location);
  if (location) f.location = location;
  const cats = child(x, 'Calendar:Categories');
  if (cats) f.categories = children(cats, 'Calendar:Category').map((c) => text(c));
  const sensitivity = enumField(x, 'Calendar:Sensitivity', SENSITIVITY);
  if (sensitivity !== undefined) f.sensitivity = sensitivity;
  const busy = enumField(x, 'Calendar:BusyStatus', BUSY);
  if (busy !== undefined) f.busyStatus = busy;
  const reminder = intOf(x, 'Calendar:Reminder');
  if (reminder !== undefined && reminder >= 0) f.reminder = reminder;
  // 16.x clients must not send DtStamp (MS-ASCAL R2221); the server stamps the change.
  const stamp = t.version < 160 ? dateField(x, 'Calendar:DtStamp') : undefined;
  if (stamp !== undefined) f.dtStamp = stamp;
  const meeting = enumField(x, 'Calendar:MeetingStatus', MEETING_STATUS);
  if (meeting !== undefined) f.meetingStatus = meeting;
  const attendees = child(x, 'Calendar:Attendees');
  if (attendees) f.attendees = parseAttendees(attendees, t.version, base.attendees ?? []);
  const reply = dateField(x, 'Calendar:AppointmentReplyTime');
  if (reply !== undefined) f.appointmentReplyTime = reply;
  const response = enumField(x, 'Calendar:ResponseType', RESPONSE_TYPE);
  if (response !== undefined) f.responseType = response;
  const conf = textOf(x, 'Calendar:OnlineMeetingConfLink');
  if (conf !== undefined) f.onlineMeetingConfLink = conf;
  const ext = textOf(x, 'Calendar:OnlineMeetingExternalLink');
  if (ext !== undefined) f.onlineMeetingExternalLink = ext;
  if (f.start !== undefined && f.end !== undefined && f.end < f.start) throw new ClassError('an exception ends before it starts');
  return f;
}

/** The occurrence an InstanceId or ExceptionStartTime names, as the series keys it. */
export function instanceKey(value: string, t: CalendarTimes): number {
  return timeIn(value, t.allDay, t);
}

/**
 * A client's Exceptions: the whole list, each exception complete (a field it leaves out is the series'
 * own, MS-ASCAL 2.2.2.43 and siblings, not the previous exception's).
 */
export function parseExceptions(container: WbxmlElement, t: CalendarTimes): EventException[] {
  const out = new Map<number, EventException>();
  for (const x of children(container, 'Calendar:Exception')) {
    const key = textOf(x, 'AirSyncBase:InstanceId') ?? textOf(x, 'Calendar:ExceptionStartTime');
    if (key === undefined) throw new ClassError('an exception names no occurrence');
    const originalStart = instanceKey(key, t);
    const ex: EventException = { ...parseExceptionFields(x, t), originalStart };
    if (intOf(x, 'Calendar:Deleted') === 1) ex.deleted = true;
    out.set(originalStart, ex);
  }
  return [...out.values()].sort((a, b) => a.originalStart - b.originalStart);
}

export function renderExceptions(e: EventData, t: CalendarTimes, prefs: readonly BodyPreference[]): WbxmlElement {
  const v = t.version;
  return cal('Exceptions', e.exceptions.map((x) => {
    const allDay = x.allDay ?? e.allDay;
    return cal('Exception',
      x.deleted && cal('Deleted', 1),
      v >= 160 ? asb('InstanceId', timeOut(x.originalStart, e.allDay, t)) : cal('ExceptionStartTime', timeOut(x.originalStart, e.allDay, t)),
      x.subject !== undefined && cal('Subject', x.subject),
      x.start !== undefined && cal('StartTime', timeOut(x.start, allDay, t)),
      x.end !== undefined && cal('EndTime', timeOut(x.end, allDay, t)),
      x.body && (v >= 120 ? renderBody(x.body, prefs) : cal('Body', plainBody(x.body))),
      locationOut(x.location, v),
      x.categories && cal('Categories', x.categories.map((c) => cal('Category', c))),
      x.sensitivity !== undefined && cal('Sensitivity', x.sensitivity),
      x.busyStatus !== undefined && cal('BusyStatus', busyOut(x.busyStatus, v)),
      x.allDay !== undefined && cal('AllDayEvent', x.allDay ? 1 : 0),
      x.reminder !== undefined && cal('Reminder', x.reminder),
      x.dtStamp !== undefined && cal('DtStamp', compactDate(x.dtStamp)),
      x.meetingStatus !== undefined && cal('MeetingStatus', x.meetingStatus),
      x.attendees && renderAttendees(x.attendees, v),
      v >= 140 && x.appointmentReplyTime !== undefined && cal('AppointmentReplyTime', compactDate(x.appointmentReplyTime)),
      v >= 140 && x.responseType !== undefined && cal('ResponseType', x.responseType),
      v >= 141 && x.onlineMeetingConfLink !== undefined && cal('OnlineMeetingConfLink', x.onlineMeetingConfLink),
      v >= 141 && x.onlineMeetingExternalLink !== undefined && cal('OnlineMeetingExternalLink', x.onlineMeetingExternalLink));
  }));
}
