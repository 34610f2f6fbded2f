// One VEVENT (RFC 5545 3.6.1) to the store's EventData. Times: DTSTART/DTEND (3.8.2.4, 3.8.2.2) or
// DURATION (3.8.2.5, its days counted on the wall clock, 3.3.6); a DATE start is all-day (end
// exclusive, one day when DTEND is missing), as is Outlook's midnight-to-midnight with
// X-MICROSOFT-CDO-ALLDAYEVENT. TZIDs map to zones as ical-tz.ts explains; a floating time is read as
// UTC. The rest field by field as ical-map.ts and ical-write.ts describe. Series are put together in
// ical-series.ts.
import { createHash } from 'node:crypto';
import { setAllDay, setEventZone, setTimed, type EventData, type EventLocation } from './event-model.js';
import { ianaZone, localToUtc, MS, offsetAt, UTC_ZONE, type Zone } from './timezone.js';
import { durationValue, param, prop, props, text, textOf, timeValue, type IComp, type IProp, type TimeValue } from './ical-jcal.js';
import {
  address, firstTrigger, readAttendee, readBody, readBool, readCategories, readClass, readInt, readUtc, X,
} from './ical-map.js';
import { resolveZone, type ResolvedZone } from './ical-tz.js';

/** A component that cannot be read; the message says why (it ends up in ParsedCalendar.skipped). */
export class Unreadable extends Error {}

export interface Note { uid?: string; reason: string }

/** What reading one calendar needs: its METHOD, its VTIMEZONEs, the clock, and where notes go. */
export class ReadContext {
  private readonly resolved = new Map<string, ResolvedZone>();
  private floatingNoted = false;
  readonly skipped: Note[] = [];

  constructor(readonly method: string | null, readonly now: number, private readonly vtimezones: ReadonlyMap<string, IComp>) {}

  note(uid: string | undefined, reason: string): void {
    this.skipped.push(uid !== undefined && uid !== '' ? { uid, reason } : { reason });
  }

  /** A TZID's zone, resolved once per calendar with the year of its first use. */
  zone(tzid: string, year: number, uid: string): ResolvedZone {
    let r = this.resolved.get(tzid);
    if (!r) {
      r = resolveZone(tzid, this.vtimezones.get(tzid), year);
      this.resolved.set(tzid, r);
      if (r.note) this.note(uid, r.note);
    }
    return r;
  }

  /** The instant of a DATE-TIME and the zone of its wall clock (UTC for UTC and floating times). */
  instant(t: Exclude<TimeValue, { kind: 'date' }>, uid: string): { ms: number; zone: Zone } {
    if (t.kind === 'utc') return { ms: t.ms, zone: UTC_ZONE };
    if (t.tzid === null) {
      if (!this.floatingNoted) this.note(uid, 'floating times (no TZID, no Z) are read as UTC');
      this.floatingNoted = true;
      return { ms: t.wall, zone: UTC_ZONE };
    }
    const r = this.zone(t.tzid, new Date(t.wall).getUTCFullYear(), uid);
    return { ms: r.toUtc(t.wall), zone: r.zone };
  }
}

export interface EventRead {
  data: EventData;
  categories: string[];
  sequence: number;
  /** RECURRENCE-ID as written (its meaning depends on the series), and whether it has RANGE=THISANDFUTURE. */
  recurrenceId: TimeValue | null;
  thisAndFuture: boolean;
  /** STATUS:CANCELLED without our meeting-status hint: a deleted occurrence when it is an override. */
  plainCancelled: boolean;
  comp: IComp;
}

const DAY = MS.DAY;
const floorDay = (ms: number): number => Math.floor(ms / DAY) * DAY;
const wallOf = (t: TimeValue): number => (t.kind === 'date' ? t.day : t.kind === 'utc' ? t.ms : t.wall);

/** A UID for a VEVENT that has none, the same for the same component (so a repeated import matches). */
export const fallbackUid = (c: IComp): string => `no-uid-${createHash('sha256').update(JSON.stringify(c.jcal)).digest('hex').slice(0, 32)}`;

const timeOf = (p: IProp | undefined): TimeValue | null => (p ? timeValue(p.values[0], param(p, 'tzid')) : null);

interface Times { allDay: boolean; start: number; end: number; zone: Zone }

function readTimes(c: IComp, ctx: ReadContext, uid: string): Times {
  const sv = timeOf(prop(c, 'dtstart'));
  if (!sv) throw new Unreadable(prop(c, 'dtstart') ? 'DTSTART is not a date or date-time' : 'no DTSTART');
  const ev = timeOf(prop(c, 'dtend'));
  const dur = prop(c, 'duration') ? durationValue(prop(c, 'duration')?.values[0]) : null;
  if (sv.kind === 'date') {
    const end = ev ? floorDay(wallOf(ev)) : dur ? sv.day + dur.sign * (dur.days * DAY + Math.ceil(dur.ms / DAY) * DAY) : sv.day + DAY;
    return { allDay: true, start: sv.day, end, zone: UTC_ZONE };
  }
  const s = ctx.instant(sv, uid);
  let end = s.ms;
  if (ev?.kind === 'date') end = localToUtc(s.zone, ev.day);
  else if (ev) end = ctx.instant(ev, uid).ms;
  else if (dur) {
    // Days are nominal (the same wall time), hours exact (RFC 5545 3.3.6).
    const days = dur.sign * dur.days * DAY;
    end = (days === 0 ? s.ms : localToUtc(s.zone, s.ms + offsetAt(s.zone, s.ms) + days)) + dur.sign * dur.ms;
  }
  // Outlook writes an all-day event as local midnight to midnight with this flag.
  if (readBool(c, X.ALL_DAY) && ev && wallOf(sv) % DAY === 0 && wallOf(ev) % DAY === 0 && wallOf(ev) > wallOf(sv)) {
    return { allDay: true, start: wallOf(sv), end: wallOf(ev), zone: s.zone };
  }
  return { allDay: false, start: s.ms, end, zone: s.zone };
}

const LOCATION_KEYS = {
  displayName: 's', annotation: 's', street: 's', city: 's', state: 's', country: 's', postalCode: 's',
  latitude: 'n', longitude: 'n', accuracy: 'n', altitude: 'n', altitudeAccuracy: 'n', locationUri: 's',
} as const;

/** LOCATION and GEO (RFC 5545 3.8.1.7, 3.8.1.6); the rest of an EAS location from our X-EAS-LOCATION while it agrees with them. */
function readLocation(c: IComp): EventLocation | undefined {
  const name = prop(c, 'location');
  const geo = prop(c, 'geo')?.values[0];
  let loc: EventLocation | undefined = name ? { displayName: textOf(name) } : undefined;
  if (Array.isArray(geo) && geo.length === 2 && geo.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    loc = { ...loc, latitude: geo[0] as number, longitude: geo[1] as number };
  }
  const hint = text(c, X.LOCATION);
  if (hint === undefined) return loc;
  let raw: unknown;
  try {
    raw = JSON.parse(hint);
  } catch {
    return loc;
  }
  if (raw === null || typeof raw !== 'object') return loc;
  const full: Record<string, unknown> = {};
  for (const [k, kind] of Object.entries(LOCATION_KEYS)) {
    const v = (raw as Record<string, unknown>)[k];
    if ((kind === 's' && typeof v === 'string') || (kind === 'n' && typeof v === 'number' && Number.isFinite(v))) full[k] = v;
  }
  const h = full as EventLocation;
  return h.displayName === loc?.displayName && h.latitude === loc?.latitude && h.longitude === loc?.longitude ? h : loc;
}

const BUSY: Record<string, number> = { FREE: 0, TENTATIVE: 1, BUSY: 2, OOF: 3, WORKINGELSEWHERE: 4 };

/** Outlook's intended status (what an invitation becomes once accepted), its busy status, else TRANSP (RFC 5545 3.8.2.7). */
function readBusy(c: IComp): number | undefined {
  for (const name of [X.INTENDED, X.BUSY]) {
    const v = BUSY[(text(c, name) ?? '').toUpperCase()];
    if (v !== undefined) return v;
  }
  const transp = text(c, 'transp')?.toUpperCase();
  return transp === 'TRANSPARENT' ? 0 : transp === 'OPAQUE' ? 2 : undefined;
}

const MEETING_STATUS = [0, 1, 3, 5, 7, 9, 11, 13, 15];

/**
 * MS-ASCAL 2.2.2.29 MeetingStatus. Our own hint when it agrees with what the event shows (a meeting has
 * an organizer or attendees; bit 4 is "cancelled": STATUS:CANCELLED or an iTIP CANCEL). Otherwise an
 * iTIP message says whose copy this is: REQUEST, ADD, CANCEL and DECLINECOUNTER go to attendees (3,
 * cancelled 7), REPLY, COUNTER and REFRESH to the organizer (1, 5). A plain calendar file (no METHOD,
 * or PUBLISH) does not say: no status, unless it is cancelled -- then "received" (7), the safe reading,
 * which lets a phone show it without offering to send updates -- or 5 for a cancelled appointment.
 */
function readMeetingStatus(c: IComp, method: string | null, meeting: boolean, cancelled: boolean): number | undefined {
  const hint = readInt(c, X.MEETING_STATUS);
  if (hint !== undefined && MEETING_STATUS.includes(hint) && (hint !== 0) === meeting && ((hint & 4) !== 0) === cancelled) return hint;
  const received = method === 'REQUEST' || method === 'ADD' || method === 'CANCEL' || method === 'DECLINECOUNTER';
  const organizer = method === 'REPLY' || method === 'COUNTER' || method === 'REFRESH';
  if (!meeting) return cancelled ? 5 : undefined;
  if (received || organizer) return (organizer ? 1 : 3) + (cancelled ? 4 : 0);
  return cancelled ? 7 : undefined;
}

/** Minutes before the start of the first DISPLAY/AUDIO alarm; an alarm after the start is not a reminder EAS can hold. */
function readReminder(c: IComp, start: number, end: number): number | undefined {
  const t = firstTrigger(c);
  if (!t) return undefined;
  const at = t.kind === 'absolute' ? t.ms : (t.toEnd ? end : start) + t.ms;
  return at <= start ? Math.round((start - at) / 60_000) : undefined;
}

export function readVEvent(c: IComp, ctx: ReadContext): EventRead {
  const uid = text(c, 'uid') || fallbackUid(c);
  const times = readTimes(c, ctx, uid);
  const attendees = props(c, 'attendee').map(readAttendee);
  const organizer = prop(c, 'organizer');
  const status = text(c, 'status')?.toUpperCase();
  const cancelled = status === 'CANCELLED' || ctx.method === 'CANCEL';
  const e: EventData = { uid, subject: textOf(prop(c, 'summary')), start: 0, end: 0, allDay: false, attendees, exceptions: [], dtStamp: readUtc(c, 'dtstamp') ?? ctx.now };
  if (times.allDay) {
    setAllDay(e, times.start, times.end);
    // An Outlook all-day event keeps the zone of its midnight; ours names its zone in a hint.
    const hint = ianaZone(text(c, X.TIMEZONE) ?? '');
    if (times.zone.kind === 'iana' && times.zone.id !== 'UTC') setEventZone(e, times.zone);
    else if (hint && hint.kind === 'iana' && hint.id !== 'UTC') setEventZone(e, hint);
  } else {
    setTimed(e, times.start, times.end);
    setEventZone(e, times.zone);
  }
  const set = <K extends keyof EventData>(k: K, v: EventData[K] | undefined): void => {
    if (v !== undefined) e[k] = v;
  };
  set('location', readLocation(c));
  if (organizer) {
    e.organizerEmail = address(textOf(organizer));
    set('organizerName', organizer.params.get('cn'));
  }
  set('reminder', readReminder(c, e.start, e.end));
  set('busyStatus', readBusy(c));
  set('sensitivity', readClass(c));
  set('meetingStatus', readMeetingStatus(c, ctx.method, organizer !== undefined || attendees.length > 0, cancelled));
  const rsvp = props(c, 'attendee').map((p) => p.params.get('rsvp')?.toUpperCase()).filter((v) => v !== undefined);
  set('responseRequested', readBool(c, X.RESPONSE_REQUESTED) ?? (rsvp.length > 0 ? rsvp.includes('TRUE') : undefined));
  const responseType = readInt(c, X.RESPONSE_TYPE);
  if (responseType !== undefined && responseType >= 0 && responseType <= 5) e.responseType = responseType;
  set('appointmentReplyTime', readUtc(c, X.REPLY_TIME));
  set('disallowNewTimeProposal', readBool(c, X.DISALLOW_COUNTER));
  set('onlineMeetingConfLink', prop(c, X.CONF_LINK) ? textOf(prop(c, X.CONF_LINK)) : undefined);
  const external = prop(c, X.EXTERNAL_LINK) ?? prop(c, X.TEAMS_LINK);
  set('onlineMeetingExternalLink', external ? textOf(external) : undefined);
  set('body', readBody(c));
  const rid = prop(c, 'recurrence-id');
  return {
    data: e,
    categories: readCategories(c),
    sequence: Math.max(0, readInt(c, 'sequence') ?? 0),
    recurrenceId: timeOf(rid),
    thisAndFuture: rid?.params.get('range')?.toUpperCase() === 'THISANDFUTURE',
    plainCancelled: status === 'CANCELLED' && readInt(c, X.MEETING_STATUS) === undefined,
    comp: c,
  };
}
