// The Calendar class (MS-ASCAL 2.2.2, all versions from 2.5), both directions, to and from the store's
// event model (src/pim/event-model.ts).
//
// Before 16.0 times travel as UTC instants with the event's TimeZone blob (MS-ASCAL 2.2.2.44), and an
// all-day event is local midnight to midnight in that zone. From 16.0 an all-day event is date-only and
// carries no TimeZone (MS-ASCAL R2005-R2008; one sent anyway is ignored), exceptions are named by
// airsyncbase:InstanceId, the place is the structured airsyncbase:Location, and the client's UID,
// OrganizerName/Email, DtStamp and AttendeeStatus are ignored (the client MUST NOT send them, MS-ASCAL
// R2028, R2088, R2112, R2168, R2221): the server keeps its own. Elements are written in the order of
// the Calendar.xsd AllProps group (MS-ASCAL 6). On a Change an element the client leaves out keeps its
// value (16.x ghosts every absent top-level element, MS-ASCAL 3.1.5.3), except that from 16.0 moving a
// series or changing its pattern drops its exceptions (MS-ASCAL 2.2.2.22).
import { randomUUID } from 'node:crypto';
import {
  eventData, eventProblem, eventWindowDate, eventZone, recurringView, setAllDay, setEventZone, setTimed, type EventData,
} from '../../pim/event-model.js';
import { isOccurrence } from '../../pim/recurrence.js';
import { blobForZone, localToUtc, offsetAt, zoneForBlob, type Zone } from '../../pim/timezone.js';
import type { Item } from '../../store/types.js';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import {
  BUSY, busyOut, instanceKey, MEETING_STATUS, parseExceptionFields, parseExceptions, renderExceptions, RESPONSE_TYPE, SENSITIVITY, timeIn, timeOut,
  type CalendarTimes,
} from './calendar-exceptions.js';
import {
  compactDate, dateField, enumField, flagField, locationField, locationOut, parseAttendees, parseBody, parseEasDate, plainBody, renderAttendees, renderBody,
} from './calendar-fields.js';
import { parseRecurrence, renderRecurrence } from './recurrence-element.js';
import { ClassError, type ClassContext, type ItemClass, type ParsedItem } from './registry.js';

const cal = ns('Calendar');
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The TimeZone blob for the event: the one the phone sent, as it was, while it still describes the
 * event's zone in the event's year; otherwise one built from the zone's rule for that year.
 */
function timezoneBlob(e: EventData, zone: Zone): string {
  const year = new Date(e.start).getUTCFullYear();
  if (e.timeZoneBlob && blobStillFits(e.timeZoneBlob, zone, year)) return e.timeZoneBlob;
  return blobForZone(zone, year);
}

// Whether a stored blob still names the event's zone: a dozen Intl calls, asked again for every event of
// an initial sync, so the answers are remembered (phones send few distinct blobs).
const fits = new Map<string, boolean>();

function blobStillFits(blob: string, zone: Zone, year: number): boolean {
  const key = `${zone.kind === 'iana' ? zone.id : 'rule'}|${year}|${blob}`;
  let ok = fits.get(key);
  if (ok === undefined) {
    const z = zoneForBlob(blob, year, zone.kind === 'iana' ? [zone.id] : []);
    ok = z.kind === zone.kind && (z.kind === 'rule' || (zone.kind === 'iana' && z.id === zone.id));
    if (fits.size >= 4096) fits.clear();
    fits.set(key, ok);
  }
  return ok;
}

export function renderEvent(item: Item, ctx: ClassContext): WbxmlElement {
  const e = eventData(item.data, item.receivedAt);
  const v = ctx.version;
  const zone = eventZone(e);
  const t: CalendarTimes = { version: v, zone, allDay: e.allDay };
  return el('AirSync:ApplicationData',
    !(e.allDay && v >= 160) && cal('Timezone', timezoneBlob(e, zone)),
    cal('AllDayEvent', e.allDay ? 1 : 0),
    v >= 120 ? renderBody(e.body, ctx.bodyPreferences) : [e.body && cal('Body', plainBody(e.body)), e.body && cal('BodyTruncated', 0)],
    e.busyStatus !== undefined && cal('BusyStatus', busyOut(e.busyStatus, v)),
    e.organizerName !== undefined && cal('OrganizerName', e.organizerName),
    e.organizerEmail !== undefined && cal('OrganizerEmail', e.organizerEmail),
    cal('DtStamp', compactDate(e.dtStamp)),
    cal('EndTime', timeOut(e.end, e.allDay, t)),
    locationOut(e.location, v),
    e.reminder !== undefined && cal('Reminder', e.reminder),
    e.sensitivity !== undefined && cal('Sensitivity', e.sensitivity),
    cal('Subject', e.subject),
    cal('StartTime', timeOut(e.start, e.allDay, t)),
    cal('UID', e.uid),
    e.meetingStatus !== undefined && cal('MeetingStatus', e.meetingStatus),
    e.attendees.length > 0 && renderAttendees(e.attendees, v),
    cal('Categories', item.categories.map((c) => cal('Category', c))),
    e.recurrence && renderRecurrence(e.recurrence, 'Calendar', { version: v, allDay: e.allDay, zone }),
    e.recurrence && e.exceptions.length > 0 && renderExceptions(e, t, ctx.bodyPreferences),
    v >= 140 && e.responseRequested !== undefined && cal('ResponseRequested', e.responseRequested ? 1 : 0),
    v >= 140 && e.appointmentReplyTime !== undefined && cal('AppointmentReplyTime', compactDate(e.appointmentReplyTime)),
    v >= 140 && e.responseType !== undefined && cal('ResponseType', e.responseType),
    v >= 140 && e.disallowNewTimeProposal !== undefined && cal('DisallowNewTimeProposal', e.disallowNewTimeProposal ? 1 : 0),
    v >= 141 && e.onlineMeetingConfLink !== undefined && cal('OnlineMeetingConfLink', e.onlineMeetingConfLink),
    v >= 141 && e.onlineMeetingExternalLink !== undefined && cal('OnlineMeetingExternalLink', e.onlineMeetingExternalLink));
}

const floorDay = (ms: number): number => Math.floor(ms / DAY) * DAY;

/** Start and end from the client, or derived from what the event had (keeping its length). */
function applyTimes(e: EventData, appData: WbxmlElement, t: CalendarTimes, isAdd: boolean, now: number): void {
  const startText = textOf(appData, 'Calendar:StartTime');
  const endText = textOf(appData, 'Calendar:EndTime');
  const wasAllDay = e.allDay;
  if (t.allDay) {
    // Switching a timed event to all-day without new times keeps its local date.
    const prevStart = wasAllDay ? e.start : floorDay(e.start + offsetAt(t.zone, e.start));
    const length = wasAllDay ? e.end - e.start : DAY;
    const start = startText !== undefined ? timeIn(startText, true, t) : prevStart;
    const end = endText !== undefined ? timeIn(endText, true, t, true) : start + length;
    setAllDay(e, start, end);
    return;
  }
  // MS-ASCAL 3.2.4.4: an Add without a start begins at the next half hour.
  const fallbackStart = isAdd ? Math.ceil(now / (30 * MINUTE)) * 30 * MINUTE : wasAllDay ? localToUtc(t.zone, e.start) : e.start;
  const length = isAdd ? 30 * MINUTE : wasAllDay ? localToUtc(t.zone, e.end) - localToUtc(t.zone, e.start) : e.end - e.start;
  const start = startText !== undefined ? timeIn(startText, false, t) : fallbackStart;
  const end = endText !== undefined ? timeIn(endText, false, t) : start + length;
  setTimed(e, start, end);
}

function setOptional<K extends keyof EventData>(e: EventData, key: K, value: EventData[K] | undefined): void {
  if (value !== undefined) e[key] = value;
}

export function parseEvent(appData: WbxmlElement, ctx: ClassContext, current?: Item): ParsedItem {
  const v = ctx.version;
  const v16 = v >= 160;
  const base = current ? eventData(current.data, current.receivedAt) : null;
  const e: EventData = base ? structuredClone(base) : { uid: '', subject: '', start: ctx.now, end: ctx.now, allDay: false, attendees: [], exceptions: [], dtStamp: ctx.now };
  const before = JSON.stringify([e.start, e.end, e.allDay, e.recurrence ?? null]);

  const allDayFlag = intOf(appData, 'Calendar:AllDayEvent');
  const allDay = allDayFlag !== undefined ? allDayFlag === 1 : e.allDay;
  const blob = textOf(appData, 'Calendar:Timezone')?.trim();
  if (blob && !(v16 && allDay)) {
    const hint = parseEasDate(textOf(appData, 'Calendar:StartTime')) ?? e.start;
    setEventZone(e, zoneForBlob(blob, new Date(hint).getUTCFullYear(), e.timeZone ? [e.timeZone] : []));
    e.timeZoneBlob = blob;
  }
  const zone = eventZone(e);
  const t: CalendarTimes = { version: v, zone, allDay };
  applyTimes(e, appData, t, !base, ctx.now);

  setOptional(e, 'subject', textOf(appData, 'Calendar:Subject'));
  const location = locationField(appData, e.location);
  if (location) {
    if (Object.values(location).every((x) => x === '')) delete e.location;
    else e.location = location;
  }
  if (!v16) {
    setOptional(e, 'uid', textOf(appData, 'Calendar:UID')?.trim() || undefined);
    setOptional(e, 'organizerName', textOf(appData, 'Calendar:OrganizerName'));
    setOptional(e, 'organizerEmail', textOf(appData, 'Calendar:OrganizerEmail'));
  }
  // A 16.x phone sends no organizer: the event it creates is the user's own.
  if (v16 && !base && ctx.user && e.organizerEmail === undefined) {
    e.organizerEmail = ctx.user.email;
    e.organizerName = ctx.user.name || ctx.user.email;
  }
  if (!e.uid) e.uid = randomUUID().toUpperCase();
  e.dtStamp = (!v16 ? dateField(appData, 'Calendar:DtStamp') : undefined) ?? ctx.now;
  const attendees = child(appData, 'Calendar:Attendees');
  if (attendees) e.attendees = parseAttendees(attendees, v, e.attendees);
  const reminder = child(appData, 'Calendar:Reminder');
  if (reminder) {
    const minutes = intOf(appData, 'Calendar:Reminder');
    if (minutes !== undefined && minutes >= 0) e.reminder = minutes;
    else if (text(reminder).trim() === '') delete e.reminder;
  }
  setOptional(e, 'busyStatus', enumField(appData, 'Calendar:BusyStatus', BUSY));
  setOptional(e, 'sensitivity', enumField(appData, 'Calendar:Sensitivity', SENSITIVITY));
  setOptional(e, 'meetingStatus', enumField(appData, 'Calendar:MeetingStatus', MEETING_STATUS));
  setOptional(e, 'responseRequested', flagField(appData, 'Calendar:ResponseRequested'));
  setOptional(e, 'responseType', enumField(appData, 'Calendar:ResponseType', RESPONSE_TYPE));
  setOptional(e, 'appointmentReplyTime', dateField(appData, 'Calendar:AppointmentReplyTime'));
  setOptional(e, 'disallowNewTimeProposal', flagField(appData, 'Calendar:DisallowNewTimeProposal'));
  setOptional(e, 'onlineMeetingConfLink', textOf(appData, 'Calendar:OnlineMeetingConfLink'));
  setOptional(e, 'onlineMeetingExternalLink', textOf(appData, 'Calendar:OnlineMeetingExternalLink'));
  const body = parseBody(appData) ?? (v < 120 && textOf(appData, 'Calendar:Body') !== undefined ? { type: 1 as const, data: textOf(appData, 'Calendar:Body') ?? '' } : undefined);
  if (body) e.body = body;
  if (v16) setOptional(e, 'clientUid', textOf(appData, 'Calendar:ClientUid')?.slice(0, 300));

  const recurrence = child(appData, 'Calendar:Recurrence');
  if (recurrence) e.recurrence = parseRecurrence(recurrence, 'Calendar', { version: v, allDay, zone });
  // From 16.0 moving a series or changing its pattern deletes its exceptions (MS-ASCAL 2.2.2.22).
  if (v16 && JSON.stringify([e.start, e.end, e.allDay, e.recurrence ?? null]) !== before) e.exceptions = [];
  const exceptions = child(appData, 'Calendar:Exceptions');
  if (exceptions) {
    const sent = e.recurrence ? parseExceptions(exceptions, t) : [];
    const view = recurringView({ ...e, exceptions: [] });
    const stray = sent.find((x) => !isOccurrence(view, x.originalStart));
    if (stray) throw new ClassError(`exception ${compactDate(stray.originalStart)} is not an occurrence of the series`);
    // A pre-16 client sends the whole list; a 16.x one (which should use InstanceId) only what it changes.
    const keys = new Set(sent.map((x) => x.originalStart));
    e.exceptions = (v16 ? [...e.exceptions.filter((x) => !keys.has(x.originalStart)), ...sent] : sent).sort((a, b) => a.originalStart - b.originalStart);
  } else if (e.exceptions.length > 0) {
    // Exceptions of a pattern that changed under them name occurrences that no longer exist.
    const view = recurringView(e);
    e.exceptions = e.exceptions.filter((x) => isOccurrence(view, x.originalStart));
  }

  const problem = eventProblem(e);
  if (problem) throw new ClassError(problem);
  const cats = child(appData, 'Calendar:Categories');
  const categories = cats ? children(cats, 'Calendar:Category').map((c) => text(c)) : current?.categories ?? [];
  return { data: e, categories, windowDate: eventWindowDate(e) };
}

/** An occurrence of a stored series that a 16.x client names by InstanceId; ClassError if there is none. */
function occurrenceOf(current: Item, instanceId: string, version: number): { e: EventData; t: CalendarTimes; key: number } {
  const e = eventData(current.data, current.receivedAt);
  if (!e.recurrence) throw new ClassError('InstanceId on an event that does not recur');
  const t: CalendarTimes = { version, zone: eventZone(e), allDay: e.allDay };
  const key = instanceKey(instanceId, t);
  if (!isOccurrence(recurringView(e), key)) throw new ClassError(`${instanceId} is not an occurrence of the series`);
  return { e, t, key };
}

function withException(e: EventData, current: Item, ex: EventData['exceptions'][number]): ParsedItem {
  e.exceptions = [...e.exceptions.filter((x) => x.originalStart !== ex.originalStart), ex].sort((a, b) => a.originalStart - b.originalStart);
  const problem = eventProblem(e);
  if (problem) throw new ClassError(problem);
  return { data: e, categories: current.categories, windowDate: eventWindowDate(e) };
}

/**
 * A 16.x Change of one occurrence (airsync:Change with airsyncbase:InstanceId): the ApplicationData holds
 * that occurrence's fields, merged into its exception (absent fields keep their value, as 16.x ghosts them).
 */
export function parseInstanceChange(appData: WbxmlElement, instanceId: string, ctx: ClassContext, current: Item): ParsedItem {
  const { e, t, key } = occurrenceOf(current, instanceId, ctx.version);
  const { originalStart: _o, deleted: _d, ...kept } = e.exceptions.find((x) => x.originalStart === key) ?? { originalStart: key };
  return withException(e, current, { ...parseExceptionFields(appData, t, kept), dtStamp: ctx.now, originalStart: key });
}

/** A 16.x Delete of one occurrence (airsync:Delete with airsyncbase:InstanceId): the occurrence is marked deleted. */
export function deleteInstance(current: Item, instanceId: string, ctx: ClassContext): ParsedItem {
  const { e, key } = occurrenceOf(current, instanceId, ctx.version);
  return withException(e, current, { originalStart: key, deleted: true, dtStamp: ctx.now });
}

/** The ClientUid a 16.x phone gave the event it created (MS-ASCAL 2.2.2.11), which its resent Add repeats. */
function clientUidOf(data: unknown): string | undefined {
  const v = typeof data === 'object' && data !== null ? (data as { clientUid?: unknown }).clientUid : undefined;
  return typeof v === 'string' && v ? v : undefined;
}

export const calendarClass: ItemClass = {
  className: 'Calendar',
  itemKind: 'event',
  folderKind: 'calendar',
  minVersion: 25,
  render: (item, ctx) => Promise.resolve(renderEvent(item, ctx)),
  parse: parseEvent,
  parseInstance: parseInstanceChange,
  deleteInstance,
  sameItem(data) {
    const uid = clientUidOf(data);
    return uid ? (i) => i.kind === 'event' && clientUidOf(i.data) === uid : null;
  },
};
