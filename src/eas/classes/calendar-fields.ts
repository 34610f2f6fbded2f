// Field codecs of the Calendar and Tasks classes: date values (MS-ASDTYPE 2.3 dateTime
// "2009-04-17T17:00:00.000Z" and 2.7.2 Compact DateTime "20090417T170000Z"; 16.x all-day values are dates
// written as T000000Z, MS-ASCAL 2.2.2.42; calendar-exceptions.ts timeIn/timeOut), the item body (MS-ASAIRS 2.2.2.9 airsyncbase:Body, or the
// 2.5 class-namespace Body), the 16.x structured airsyncbase:Location (MS-ASAIRS 2.2.2.27), and attendees
// (MS-ASCAL 2.2.2.3-2.2.2.6).
import type { Attendee, EventBody, EventLocation } from '../../pim/event-model.js';
import { child, children, intOf, ns, text, textOf, type QName, type WbxmlElement } from '../wbxml/index.js';
import { cutUtf8, htmlToPlain, plainToHtml } from './body-text.js';
import type { BodyPreference } from './email.js';
import { ClassError } from './registry.js';

const cal = ns('Calendar');
const asb = ns('AirSyncBase');

const two = (n: number): string => String(n).padStart(2, '0');

/** Compact DateTime (MS-ASDTYPE 2.7.2), UTC, whole seconds. */
export function compactDate(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}T${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
}

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A date value in either EAS form (or a bare date), as epoch ms; undefined when it is not one. A value
 * without zone designator is read as UTC, which is what EAS sends.
 */
export function parseEasDate(s: string | undefined): number | undefined {
  const m = s ? DATE_RE.exec(s.trim()) : null;
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return undefined;
  let t = Date.UTC(y, mo - 1, d, h, mi, se, Number((m[7] ?? '0').padEnd(3, '0')));
  const z = m[8];
  if (z && z !== 'Z') {
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

/** A date element the client sent: undefined when absent; ClassError when present but unreadable. */
export function dateField(parent: WbxmlElement, qname: QName): number | undefined {
  const s = textOf(parent, qname);
  if (s === undefined) return undefined;
  const t = parseEasDate(s);
  if (t === undefined) throw new ClassError(`${qname}: not a date: ${s.slice(0, 40)}`);
  return t;
}

/** An integer element in a closed set of values; undefined when absent or outside it. */
export function enumField(parent: WbxmlElement, qname: QName, allowed: readonly number[]): number | undefined {
  const v = intOf(parent, qname);
  return v !== undefined && allowed.includes(v) ? v : undefined;
}

/** A boolean element ('1'/'0'; an empty element is true). */
export function flagField(parent: WbxmlElement, qname: QName): boolean | undefined {
  const e = child(parent, qname);
  if (!e) return undefined;
  const t = text(e).trim();
  return t === '' || t === '1' || t.toLowerCase() === 'true';
}

// ---------------------------------------------------------------------------------------------------
// Body.

/**
 * The body in the first type the client asked for that the class can give (1 or 2), cut to its
 * TruncationSize; the stored type when no preference names one (16.x calendars only carry 1 and 2,
 * MS-ASAIRS R1400/R1401, and neither class keeps RTF or MIME).
 */
export function renderBody(body: EventBody | undefined, prefs: readonly BodyPreference[]): WbxmlElement | null {
  if (!body) return null;
  const pref = prefs.find((p) => p.type === 1 || p.type === 2) ?? { type: body.type };
  const type = pref.type === 2 ? 2 : 1;
  const content = type === body.type ? body.data : type === 1 ? htmlToPlain(body.data) : plainToHtml(body.data);
  const cut = cutUtf8(content, pref.truncationSize);
  if (pref.allOrNone && cut.truncated) return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), asb('Truncated', 1));
  return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), cut.truncated && asb('Truncated', 1), asb('Data', cut.data));
}

/**
 * A client's airsyncbase:Body, plain text or HTML; undefined when absent or of another type (RTF and MIME
 * bodies are not kept: storing their bytes as text would show garbage on the next phone).
 */
export function parseBody(parent: WbxmlElement): EventBody | undefined {
  const b = child(parent, 'AirSyncBase:Body');
  const type = intOf(b, 'AirSyncBase:Type') ?? 1;
  if (!b || (type !== 1 && type !== 2)) return undefined;
  return { type, data: textOf(b, 'AirSyncBase:Data') ?? '' };
}

/** The plain text of a body, for the 2.5 class-namespace Body. */
export const plainBody = (body: EventBody | undefined): string => (!body ? '' : body.type === 2 ? htmlToPlain(body.data) : body.data);

// ---------------------------------------------------------------------------------------------------
// Location.

const LOCATION_TEXT = [
  ['DisplayName', 'displayName'], ['Annotation', 'annotation'], ['Street', 'street'], ['City', 'city'], ['State', 'state'],
  ['Country', 'country'], ['PostalCode', 'postalCode'],
] as const;
const LOCATION_NUM = [
  ['Latitude', 'latitude'], ['Longitude', 'longitude'], ['Accuracy', 'accuracy'], ['Altitude', 'altitude'], ['AltitudeAccuracy', 'altitudeAccuracy'],
] as const;

/** airsyncbase:Location with its children in MS-ASAIRS 2.2.2.27 order. */
export function renderLocation(l: EventLocation): WbxmlElement {
  return asb('Location',
    LOCATION_TEXT.map(([tag, key]) => l[key] !== undefined && asb(tag, l[key])),
    LOCATION_NUM.map(([tag, key]) => l[key] !== undefined && asb(tag, String(l[key]))),
    l.locationUri !== undefined && asb('LocationUri', l.locationUri));
}

export function parseLocation(e: WbxmlElement): EventLocation {
  const l: EventLocation = {};
  for (const [tag, key] of LOCATION_TEXT) {
    const v = textOf(e, `AirSyncBase:${tag}`);
    if (v !== undefined) l[key] = v;
  }
  for (const [tag, key] of LOCATION_NUM) {
    const v = Number(textOf(e, `AirSyncBase:${tag}`)?.trim() ?? NaN);
    if (Number.isFinite(v)) l[key] = v;
  }
  const uri = textOf(e, 'AirSyncBase:LocationUri');
  if (uri !== undefined) l.locationUri = uri;
  return l;
}

/**
 * The location a client sent: 16.x structured, or the text of calendar:Location (a text that differs from
 * the stored place replaces it; the same text keeps the stored structure). undefined when neither is there.
 */
export function locationField(parent: WbxmlElement, current: EventLocation | undefined): EventLocation | undefined {
  const structured = child(parent, 'AirSyncBase:Location');
  if (structured) return parseLocation(structured);
  const textual = textOf(parent, 'Calendar:Location');
  if (textual === undefined) return undefined;
  if (current && (current.displayName ?? '') === textual) return current;
  return { displayName: textual };
}

/** Location for the client's version: structured from 16.0, the display name before. */
export function locationOut(l: EventLocation | undefined, version: number): WbxmlElement | null {
  if (!l) return null;
  return version >= 160 ? renderLocation(l) : cal('Location', l.displayName ?? '');
}

// ---------------------------------------------------------------------------------------------------
// Attendees.

const ATTENDEE_STATUS = [0, 2, 3, 4, 5];
const ATTENDEE_TYPE = [1, 2, 3];

export function renderAttendees(list: readonly Attendee[], version: number): WbxmlElement {
  return cal('Attendees', list.map((a) => cal('Attendee', cal('Email', a.email), cal('Name', a.name),
    version >= 120 && a.status !== undefined && cal('AttendeeStatus', a.status),
    version >= 120 && a.type !== undefined && cal('AttendeeType', a.type))));
}

/**
 * Attendees a client sent. From 16.0 the client must not send AttendeeStatus (MS-ASCAL R2028, the server
 * keeps each attendee's reply), so a status sent anyway is ignored and the stored one kept.
 */
export function parseAttendees(e: WbxmlElement, version: number, current: readonly Attendee[]): Attendee[] {
  return children(e, 'Calendar:Attendee').map((x) => {
    const email = (textOf(x, 'Calendar:Email') ?? '').trim();
    const a: Attendee = { email, name: textOf(x, 'Calendar:Name') ?? '' };
    const status = version >= 160 ? current.find((c) => c.email.toLowerCase() === email.toLowerCase())?.status : enumField(x, 'Calendar:AttendeeStatus', ATTENDEE_STATUS);
    if (status !== undefined) a.status = status;
    const type = enumField(x, 'Calendar:AttendeeType', ATTENDEE_TYPE);
    if (type !== undefined) a.type = type;
    return a;
  });
}

