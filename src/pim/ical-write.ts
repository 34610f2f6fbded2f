// The store's events to iCalendar (RFC 5545 3.4 VCALENDAR, 3.6.1 VEVENT) and the iTIP answers of an
// attendee (RFC 5546 3.2.3 REPLY, 3.2.7 COUNTER).
//
// A series is its master -- DTSTART/DTEND in the event's zone with its VTIMEZONE (ical-tz.ts), RRULE
// from the EAS pattern (rrule.ts), EXDATE for each deleted occurrence -- plus one complete VEVENT with
// RECURRENCE-ID per changed occurrence (RFC 5545 3.8.4.4: an override replaces the whole instance).
// An EAS series whose first start is off its own pattern (it is then not an occurrence, recurrence.ts)
// is written from its first real occurrence, since RFC 5545 would count that start as one.
//
// Fields without an RFC 5545 property use Microsoft's (MS-OXCICAL): X-MICROSOFT-CDO-BUSYSTATUS next to
// TRANSP, X-ALT-DESC for an HTML body, X-MICROSOFT-CDO-REPLYTIME, X-MICROSOFT-DISALLOW-COUNTER, the
// online meeting links; or our X-EAS-* (ical-map.ts): meeting status, response type and request, the
// structured location, an all-day event's zone, calendar type and leap month as RRULE parameters.
import { eventZone, isoDate, recurringView, type EventData, type EventException } from './event-model.js';
import { isOccurrence, occurrences, seriesEnd, toRRule } from './recurrence.js';
import { MS, offsetAt, type Zone } from './timezone.js';
import { compactUtc, escapeText, jDate, jDateTime, recurJcal, stringifyCalendar, type JComp, type JProp } from './ical-jcal.js';
import { alarm, beforeStart, bodyOut, categoriesOut, classOut, mailto, rruleParams, writeAttendee, X } from './ical-map.js';
import type { ZoneWriter } from './ical-tz-write.js';

export interface CalendarOptions {
  /** RFC 5546 METHOD (PUBLISH, REQUEST, ...); none for a plain export. */
  method?: string;
  prodId?: string;
}

export const PRODID = '-//Zextras//Carbonio Mobile//EN';

/** The VCALENDAR around some components, the VTIMEZONEs their times use first (many readers need a zone defined before its first use). */
export function calendarText(comps: JComp[], zones: ZoneWriter, opts: CalendarOptions = {}): string {
  const head: JProp[] = [['version', {}, 'text', '2.0'], ['prodid', {}, 'text', opts.prodId ?? PRODID], ['calscale', {}, 'text', 'GREGORIAN']];
  if (opts.method) head.push(['method', {}, 'text', opts.method.toUpperCase()]);
  return stringifyCalendar(['vcalendar', head, [...zones.components(), ...comps]]);
}

/** A DATE (all-day: a floating date) or DATE-TIME in the zone (UTC with Z, else TZID and wall clock) property. */
function timeProp(name: string, values: readonly number[], allDay: boolean, zone: Zone, zw: ZoneWriter): JProp {
  if (allDay) return [name, {}, 'date', ...values.map(jDate)];
  const tzid = values.length > 0 ? zw.tzid(zone, values[0]!) : null;
  for (const v of values.slice(1)) zw.tzid(zone, v);
  if (tzid === null) return [name, {}, 'date-time', ...values.map((v) => jDateTime(v, true))];
  return [name, { tzid }, 'date-time', ...values.map((v) => jDateTime(v + offsetAt(zone, v), false))];
}

const LOCATION_STD = new Set(['displayName', 'latitude', 'longitude']);

function locationOut(e: EventData): JProp[] {
  const l = e.location;
  if (!l) return [];
  const out: JProp[] = [];
  if (l.displayName !== undefined) out.push(['location', {}, 'text', l.displayName]);
  if (l.latitude !== undefined && l.longitude !== undefined) out.push(['geo', {}, 'float', [l.latitude, l.longitude]]);
  const keys = Object.keys(l).filter((k) => l[k as keyof typeof l] !== undefined);
  // The rest of a structured location, or a GEO with only one of its halves, goes in the hint.
  if (keys.length === 0 || keys.some((k) => !LOCATION_STD.has(k)) || (l.latitude === undefined) !== (l.longitude === undefined)) {
    out.push([X.LOCATION, {}, 'unknown', escapeText(JSON.stringify(l))]);
  }
  return out;
}

const BUSY = ['FREE', 'TENTATIVE', 'BUSY', 'OOF', 'WORKINGELSEWHERE'];

function busyOut(b: number | undefined): JProp[] {
  if (b === undefined || BUSY[b] === undefined) return [];
  return [['transp', {}, 'text', b === 0 ? 'TRANSPARENT' : 'OPAQUE'], [X.BUSY, {}, 'unknown', BUSY[b]]];
}

function meetingOut(e: EventData): JProp[] {
  const out: JProp[] = [];
  if (e.organizerEmail !== undefined || e.organizerName !== undefined) {
    out.push(['organizer', e.organizerName !== undefined ? { cn: e.organizerName } : {}, 'cal-address', mailto(e.organizerEmail ?? '')]);
  }
  for (const a of e.attendees) out.push(writeAttendee(a, e.responseRequested));
  if (e.meetingStatus !== undefined) {
    if (e.meetingStatus & 4) out.push(['status', {}, 'text', 'CANCELLED']);
    out.push([X.MEETING_STATUS, {}, 'unknown', String(e.meetingStatus)]);
  }
  if (e.responseRequested !== undefined) out.push([X.RESPONSE_REQUESTED, {}, 'unknown', e.responseRequested ? 'TRUE' : 'FALSE']);
  if (e.responseType !== undefined) out.push([X.RESPONSE_TYPE, {}, 'unknown', String(e.responseType)]);
  if (e.appointmentReplyTime !== undefined) out.push([X.REPLY_TIME, {}, 'unknown', compactUtc(e.appointmentReplyTime)]);
  if (e.disallowNewTimeProposal !== undefined) out.push([X.DISALLOW_COUNTER, {}, 'unknown', e.disallowNewTimeProposal ? 'TRUE' : 'FALSE']);
  if (e.onlineMeetingConfLink !== undefined) out.push([X.CONF_LINK, {}, 'unknown', escapeText(e.onlineMeetingConfLink)]);
  if (e.onlineMeetingExternalLink !== undefined) out.push([X.EXTERNAL_LINK, {}, 'unknown', escapeText(e.onlineMeetingExternalLink)]);
  return out;
}

interface VEventExtra {
  /** An override: the occurrence's original start, and whether the series is all-day. */
  recurrenceId?: { at: number; allDay: boolean };
  /** The series' RRULE and EXDATEs (masters only). */
  series?: boolean;
}

function vevent(e: EventData, categories: readonly string[], zw: ZoneWriter, extra: VEventExtra = {}): JComp {
  const zone = eventZone(e);
  const p: JProp[] = [['uid', {}, 'text', e.uid], ['dtstamp', {}, 'date-time', jDateTime(e.dtStamp, true)]];
  if (extra.recurrenceId) p.push(timeProp('recurrence-id', [extra.recurrenceId.at], extra.recurrenceId.allDay, zone, zw));
  if (e.allDay) {
    p.push(['dtstart', {}, 'date', e.startDate ?? isoDate(e.start)], ['dtend', {}, 'date', e.endDate ?? isoDate(e.end)]);
    if (e.timeZone && e.timeZone !== 'UTC') p.push([X.TIMEZONE, {}, 'unknown', e.timeZone]);
  } else {
    p.push(timeProp('dtstart', [e.start], false, zone, zw), timeProp('dtend', [e.end], false, zone, zw));
  }
  p.push(['summary', {}, 'text', e.subject], ...locationOut(e), ...bodyOut(e.body));
  const cls = classOut(e.sensitivity);
  if (cls) p.push(cls);
  p.push(...busyOut(e.busyStatus), ...meetingOut(e));
  const cats = categoriesOut(categories);
  if (cats) p.push(cats);
  if (extra.series && e.recurrence) {
    p.push(['rrule', rruleParams(e.recurrence), 'recur', recurJcal(toRRule(e.recurrence, { allDay: e.allDay, zone, start: e.start }))]);
    const deleted = e.exceptions.filter((x) => x.deleted).map((x) => x.originalStart);
    if (deleted.length > 0) p.push(timeProp('exdate', deleted, e.allDay, zone, zw));
  }
  return ['vevent', p, e.reminder !== undefined ? [alarm(beforeStart(e.reminder))] : []];
}

const OVERRIDABLE = [
  'location', 'body', 'sensitivity', 'busyStatus', 'reminder', 'meetingStatus', 'appointmentReplyTime', 'responseType',
  'onlineMeetingConfLink', 'onlineMeetingExternalLink',
] as const;

/** One occurrence of a series as a whole event: the series with the exception's changes (absent fields are the series'). */
export function occurrenceEvent(e: EventData, x: EventException | undefined, originalStart: number): EventData {
  const allDay = x?.allDay ?? e.allDay;
  const start = x?.start ?? originalStart;
  const end = x?.end ?? start + (e.end - e.start);
  const occ: EventData = { ...e, subject: x?.subject ?? e.subject, allDay, start, end, attendees: x?.attendees ?? e.attendees, exceptions: [], dtStamp: x?.dtStamp ?? e.dtStamp };
  delete occ.recurrence;
  delete occ.startDate;
  delete occ.endDate;
  if (allDay) [occ.startDate, occ.endDate] = [isoDate(start), isoDate(end)];
  for (const k of OVERRIDABLE) if (x?.[k] !== undefined) (occ as unknown as Record<string, unknown>)[k] = x[k];
  return occ;
}

/** The series as RFC 5545 wants it: a first start that is an occurrence of its pattern (see the header). */
function onPattern(e: EventData): EventData {
  if (!e.recurrence) return e;
  const view = { ...recurringView(e), exceptions: [] };
  if (isOccurrence(view, e.start)) return e;
  for (const years of [1, 10, 1000]) {
    const first = occurrences(view, e.start, e.start + years * 366 * MS.DAY)[0];
    if (first) return { ...e, start: first.instanceId, end: first.instanceId + (e.end - e.start), ...(e.allDay ? { startDate: isoDate(first.instanceId), endDate: isoDate(first.instanceId + e.end - e.start) } : {}) };
  }
  return e;
}

export function eventComponents(e: EventData, categories: readonly string[], zw: ZoneWriter): JComp[] {
  const series = onPattern(e);
  const out = [vevent(series, categories, zw, { series: true })];
  if (!e.recurrence) return out;
  // The VTIMEZONE must hold the rules of every year the series runs in (another program expands it
  // with them): to its end, or for an endless one to this year, after which the last rule goes on.
  if (!e.allDay) zw.tzid(eventZone(e), seriesEnd(recurringView(e)) ?? Math.max(e.start, Date.now()));
  for (const x of e.exceptions) {
    if (x.deleted) continue;
    out.push(vevent(occurrenceEvent(e, x, x.originalStart), x.categories ?? categories, zw, { recurrenceId: { at: x.originalStart, allDay: e.allDay } }));
  }
  return out;
}
