// The calendar event as the store keeps it (Item.data, JSON), independent of any protocol: the fields
// of MS-ASCAL 2.2.2 (and of RFC 5545 VEVENT, which they mirror) in protocol-neutral units. Instants are
// epoch ms (UTC); an all-day event also has its date-only start and end (end exclusive) so it stays on
// its date whatever zone it is seen from, and its start/end instants are those dates at 00:00 UTC
// ("floating"). Exceptions to a series are keyed by the original start of the occurrence they change.
import { checkRecurrence, seriesEnd, type Recurrence, type RecurringEvent } from './recurrence.js';
import { decodeTzi, encodeTzi, ianaZone, MS, UTC_ZONE, type TimeZoneInfo, type Zone } from './timezone.js';

/** MS-ASAIRS 2.2.2.27 Location (16.0): a place, structured. */
export interface EventLocation {
  displayName?: string;
  annotation?: string;
  street?: string;
  city?: string;
  state?: string;
  country?: string;
  postalCode?: string;
  latitude?: number;
  longitude?: number;
  accuracy?: number;
  altitude?: number;
  altitudeAccuracy?: number;
  locationUri?: string;
}

export interface Attendee {
  email: string;
  name: string;
  /** MS-ASCAL 2.2.2.5: 0 unknown, 2 tentative, 3 accept, 4 decline, 5 not responded. */
  status?: number;
  /** MS-ASCAL 2.2.2.6: 1 required, 2 optional, 3 resource. */
  type?: number;
}

export interface EventBody {
  /** 1 plain text, 2 HTML. */
  type: 1 | 2;
  data: string;
}

/** What an exception may change in one occurrence; absent fields are the series' own. */
export interface EventFields {
  subject?: string;
  start?: number;
  end?: number;
  allDay?: boolean;
  location?: EventLocation;
  body?: EventBody;
  categories?: string[];
  sensitivity?: number;
  busyStatus?: number;
  reminder?: number;
  dtStamp?: number;
  meetingStatus?: number;
  attendees?: Attendee[];
  appointmentReplyTime?: number;
  responseType?: number;
  onlineMeetingConfLink?: string;
  onlineMeetingExternalLink?: string;
}

export interface EventException extends EventFields {
  /** Start of the occurrence as the pattern places it (ExceptionStartTime / InstanceId). */
  originalStart: number;
  deleted?: boolean;
}

export interface EventData {
  uid: string;
  /** 16.x ClientUid: the phone's own id for the event, to recognise a repeated Add. */
  clientUid?: string;
  subject: string;
  start: number;
  end: number;
  allDay: boolean;
  /** All-day only: YYYY-MM-DD, end exclusive. */
  startDate?: string;
  endDate?: string;
  /** IANA zone of the event's wall clock. */
  timeZone?: string;
  /** The rule of a phone's blob that matched no IANA zone (then timeZone is absent). */
  timeZoneRule?: TimeZoneInfo;
  /** The blob the phone sent, sent back as it was while it still describes the zone. */
  timeZoneBlob?: string;
  location?: EventLocation;
  organizerName?: string;
  organizerEmail?: string;
  attendees: Attendee[];
  /** Minutes before the start. */
  reminder?: number;
  /** 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere (16.0). */
  busyStatus?: number;
  /** 0 normal, 1 personal, 2 private, 3 confidential. */
  sensitivity?: number;
  meetingStatus?: number;
  responseRequested?: boolean;
  responseType?: number;
  appointmentReplyTime?: number;
  disallowNewTimeProposal?: boolean;
  onlineMeetingConfLink?: string;
  onlineMeetingExternalLink?: string;
  body?: EventBody;
  recurrence?: Recurrence;
  exceptions: EventException[];
  dtStamp: number;
  /** iTIP SEQUENCE (RFC 5546 2.1.4) of the invitation this event came from: a newer one resets the answer. */
  sequence?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Copies the keys of `src` that hold a value of the expected kind (stored JSON is not trusted blindly). */
type Kind = 'n' | 's' | 'b' | 'o' | 'a';

function pick<T extends object>(src: Record<string, unknown>, spec: Partial<Record<keyof T & string, Kind>>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, kind] of Object.entries(spec)) {
    const v = src[k];
    const ok = kind === 'n' ? num(v) !== undefined : kind === 's' ? typeof v === 'string' : kind === 'b' ? typeof v === 'boolean' : kind === 'o' ? isObj(v) : Array.isArray(v);
    if (ok) out[k] = v;
  }
  return out as Partial<T>;
}

function readBody(v: unknown): EventBody | undefined {
  return isObj(v) && typeof v.data === 'string' ? { type: v.type === 2 ? 2 : 1, data: v.data } : undefined;
}

function readAttendees(v: unknown): Attendee[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((a) => ({ email: str(a.email) ?? '', name: str(a.name) ?? '', ...pick<Attendee>(a, { email: 's', name: 's', status: 'n', type: 'n' }) }));
}

const locationSpec = {
  displayName: 's', annotation: 's', street: 's', city: 's', state: 's', country: 's', postalCode: 's',
  latitude: 'n', longitude: 'n', accuracy: 'n', altitude: 'n', altitudeAccuracy: 'n', locationUri: 's',
} as const;

const fieldSpec = {
  subject: 's', start: 'n', end: 'n', allDay: 'b', sensitivity: 'n', busyStatus: 'n', reminder: 'n', dtStamp: 'n', meetingStatus: 'n',
  appointmentReplyTime: 'n', responseType: 'n', onlineMeetingConfLink: 's', onlineMeetingExternalLink: 's',
} as const;

function readFields(src: Record<string, unknown>): EventFields {
  const f: EventFields = pick<EventFields>(src, { ...fieldSpec, location: 'o', body: 'o', categories: 'a', attendees: 'a' });
  if (f.location) f.location = pick<EventLocation>(src.location as Record<string, unknown>, locationSpec);
  const body = readBody(src.body);
  if (body) f.body = body;
  else delete f.body;
  if (f.categories) f.categories = f.categories.filter((c): c is string => typeof c === 'string');
  if (f.attendees) f.attendees = readAttendees(src.attendees);
  return f;
}

/** The event in an item's data; missing or malformed fields take neutral values. */
export function eventData(raw: unknown, fallbackTime = 0): EventData {
  const d = isObj(raw) ? raw : {};
  const f = readFields(d);
  const start = f.start ?? fallbackTime;
  const e: EventData = {
    ...f,
    ...pick<EventData>(d, {
      uid: 's', clientUid: 's', startDate: 's', endDate: 's', timeZone: 's', timeZoneBlob: 's', organizerName: 's', organizerEmail: 's',
      responseRequested: 'b', disallowNewTimeProposal: 'b', recurrence: 'o', timeZoneRule: 'o', sequence: 'n',
    }),
    uid: str(d.uid) ?? '',
    subject: f.subject ?? '',
    start,
    end: f.end ?? start,
    allDay: f.allDay ?? false,
    attendees: readAttendees(d.attendees),
    exceptions: Array.isArray(d.exceptions)
      ? d.exceptions.filter(isObj).filter((x) => num(x.originalStart) !== undefined).map((x) => ({
        ...readFields(x), originalStart: x.originalStart as number, ...(x.deleted === true ? { deleted: true } : {}),
      }))
      : [],
    dtStamp: num(d.dtStamp) ?? fallbackTime,
  };
  delete (e as EventFields).categories;
  if (e.recurrence && checkRecurrence(e.recurrence) !== null) delete e.recurrence;
  return e;
}

/** The zone the event's wall clock runs in (UTC when it has none). */
export function eventZone(e: EventData): Zone {
  if (e.timeZone) return ianaZone(e.timeZone) ?? UTC_ZONE;
  if (e.timeZoneRule) {
    const tzi = decodeTzi(encodeCheck(e.timeZoneRule));
    if (tzi) return { kind: 'rule', tzi };
  }
  return UTC_ZONE;
}

/** A stored rule went through JSON: re-encoding and decoding it drops anything malformed. */
function encodeCheck(t: TimeZoneInfo): Uint8Array {
  try {
    return encodeTzi(t);
  } catch {
    return new Uint8Array(0);
  }
}

/** Sets the zone of an event (an IANA zone, or a blob's rule). */
export function setEventZone(e: EventData, zone: Zone): void {
  delete e.timeZone;
  delete e.timeZoneRule;
  if (zone.kind === 'iana') e.timeZone = zone.id;
  else e.timeZoneRule = zone.tzi;
}

// ---------------------------------------------------------------------------------------------------
// Dates.

/** YYYY-MM-DD of a floating date (epoch ms at 00:00 UTC, or any time that day). */
export const isoDate = (ms: number): string => new Date(Math.floor(ms / MS.DAY) * MS.DAY).toISOString().slice(0, 10);

/** Makes an event all-day on [startDate, endDate) (end exclusive, at least one day). */
export function setAllDay(e: EventData, startDate: number, endDate: number): void {
  const s = Math.floor(startDate / MS.DAY) * MS.DAY;
  const en = Math.max(s + MS.DAY, Math.ceil(endDate / MS.DAY) * MS.DAY);
  e.allDay = true;
  e.start = s;
  e.end = en;
  e.startDate = isoDate(s);
  e.endDate = isoDate(en);
}

export function setTimed(e: EventData, start: number, end: number): void {
  e.allDay = false;
  e.start = start;
  e.end = end;
  delete e.startDate;
  delete e.endDate;
}

// ---------------------------------------------------------------------------------------------------
// Series.

/** The event as recurrence expansion sees it. */
export function recurringView(e: EventData): RecurringEvent {
  return {
    start: e.start, end: e.end, allDay: e.allDay, zone: eventZone(e), recurrence: e.recurrence,
    exceptions: e.exceptions.map((x) => ({ originalStart: x.originalStart, deleted: x.deleted, start: x.start, end: x.end })),
  };
}

/** Far future: what an endless series is dated for FilterType windows (registry.ts ParsedItem.windowDate). */
export const ENDLESS = 8.64e15;

/**
 * The date a FilterType window compares: the end of the last occurrence (ENDLESS for a series without
 * end). An all-day event ends when its last date ends in the westernmost zone (UTC-12), so it is in
 * the window for a viewer anywhere.
 */
export function eventWindowDate(e: EventData): number {
  const end = seriesEnd(recurringView(e));
  if (end === null) return ENDLESS;
  return e.allDay ? end + 12 * MS.HOUR : end;
}

/** Why an event cannot be stored, or null when it can. */
export function eventProblem(e: EventData): string | null {
  if (!Number.isFinite(e.start) || !Number.isFinite(e.end) || Math.abs(e.start) > ENDLESS || Math.abs(e.end) > ENDLESS) return 'start or end out of range';
  if (e.end < e.start) return 'the event ends before it starts';
  if (e.recurrence) {
    const bad = checkRecurrence(e.recurrence);
    if (bad) return `recurrence: ${bad}`;
    if (e.recurrence.until !== undefined && e.recurrence.until < e.start) return 'the series ends before it starts';
  }
  if (e.exceptions.length > 1000) return 'more than 1000 exceptions';
  for (const x of e.exceptions) {
    if (x.start !== undefined && x.end !== undefined && x.end < x.start) return 'an exception ends before it starts';
  }
  if (e.subject.length > 32_768) return 'subject too long';
  return null;
}
