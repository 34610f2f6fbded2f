// The field mappings events and tasks share between iCalendar and the store's models, both ways:
// ATTENDEE/ORGANIZER (RFC 5545 3.8.4.1, 3.8.4.3 with the parameters of 3.2: CN, PARTSTAT, ROLE, CUTYPE,
// RSVP), CLASS (3.8.1.3), DESCRIPTION (3.8.1.5) with Outlook's X-ALT-DESC for HTML, CATEGORIES
// (3.8.1.2), VALARM triggers (3.6.6, 3.8.6.3), and the names of the X- properties used for what RFC
// 5545 has no property for: Microsoft's (MS-OXCICAL 2.1.3.1.1.20) where one exists, else X-EAS-*
// ones of our own, which other programs ignore and our reader believes only where the standard
// property next to them does not contradict them (see ical-read.ts).
import type { Attendee, EventBody } from './event-model.js';
import type { Recurrence } from './recurrence.js';
import { compactUtc, durationValue, escapeText, prop, props, textOf, timeValue, type IComp, type IProp, type JProp } from './ical-jcal.js';
import { htmlNoteText } from './vcard-map.js';

export const X = {
  ALT_DESC: 'x-alt-desc',
  BUSY: 'x-microsoft-cdo-busystatus',
  INTENDED: 'x-microsoft-cdo-intendedstatus',
  ALL_DAY: 'x-microsoft-cdo-alldayevent',
  REPLY_TIME: 'x-microsoft-cdo-replytime',
  DISALLOW_COUNTER: 'x-microsoft-disallow-counter',
  CONF_LINK: 'x-microsoft-onlinemeetingconflink',
  EXTERNAL_LINK: 'x-microsoft-onlinemeetingexternallink',
  TEAMS_LINK: 'x-microsoft-skypeteamsmeetingurl',
  ORIGINAL_START: 'x-ms-olk-originalstart',
  ORIGINAL_END: 'x-ms-olk-originalend',
  /** MS-ASCAL MeetingStatus, ResponseType and ResponseRequested: no iCalendar equivalent. */
  MEETING_STATUS: 'x-eas-meeting-status',
  RESPONSE_TYPE: 'x-eas-response-type',
  RESPONSE_REQUESTED: 'x-eas-response-requested',
  /** MS-ASAIRS 2.2.2.27 structured Location beyond its name and GEO (JSON). */
  LOCATION: 'x-eas-location',
  /** The IANA zone of an all-day event (a DATE value carries none). */
  TIMEZONE: 'x-eas-timezone',
  /** MS-ASTASK OrdinalDate / SubOrdinalDate. */
  ORDINAL: 'x-eas-ordinal-date',
  SUB_ORDINAL: 'x-eas-sub-ordinal-date',
} as const;

/** RRULE parameters (RFC 5545 3.8.5.3 allows other-param) for the Recurrence fields RRULE has no part for. */
export const RRULE_PARAM = {
  CALENDAR_TYPE: 'x-eas-calendar-type',
  LEAP_MONTH: 'x-eas-leap-month',
  START: 'x-eas-start',
  REGENERATE: 'x-eas-regenerate',
  DEAD_OCCUR: 'x-eas-dead-occur',
} as const;

/** Date-time parameters of a task's DTSTART/DUE: the other half of MS-ASTASK's local/UTC pair. */
export const TASK_PARAM = { UTC: 'x-eas-utc', LOCAL: 'x-eas-local' } as const;

// ---------------------------------------------------------------------------------------------------
// Attendees (MS-ASCAL 2.2.2.5 AttendeeStatus, 2.2.2.6 AttendeeType).

const PARTSTAT_IN: Record<string, number> = { 'NEEDS-ACTION': 5, ACCEPTED: 3, TENTATIVE: 2, DECLINED: 4 };
const PARTSTAT_OUT: Record<number, string> = { 5: 'NEEDS-ACTION', 3: 'ACCEPTED', 2: 'TENTATIVE', 4: 'DECLINED', 0: 'X-EAS-UNKNOWN' };

/** "mailto:a@b" to the address (other URIs, such as urn:uuid:, stay as they are). */
export const address = (v: string): string => v.trim().replace(/^mailto:/i, '');

/**
 * An ATTENDEE. No PARTSTAT is no status (the organizer's own copy often has none); DELEGATED, COMPLETED,
 * IN-PROCESS and unknown x-names are 0 "unknown". CUTYPE=RESOURCE/ROOM is a resource; ROLE OPT- or
 * NON-PARTICIPANT optional; REQ-PARTICIPANT and CHAIR required; neither parameter is no type.
 */
export function readAttendee(p: IProp): Attendee {
  const a: Attendee = { email: address(textOf(p)), name: p.params.get('cn') ?? '' };
  const ps = p.params.get('partstat')?.toUpperCase();
  if (ps !== undefined) a.status = PARTSTAT_IN[ps] ?? 0;
  const cu = p.params.get('cutype')?.toUpperCase();
  const role = p.params.get('role')?.toUpperCase();
  if (cu === 'RESOURCE' || cu === 'ROOM') a.type = 3;
  else if (role === 'OPT-PARTICIPANT' || role === 'NON-PARTICIPANT') a.type = 2;
  else if (role !== undefined) a.type = 1;
  return a;
}

export const mailto = (email: string): string => `mailto:${email.replace(/[\r\n]+/g, ' ')}`;

export function writeAttendee(a: Attendee, rsvp: boolean | undefined): JProp {
  const params: Record<string, string> = {};
  if (a.name !== '') params.cn = a.name;
  if (a.type === 3) Object.assign(params, { cutype: 'RESOURCE', role: 'NON-PARTICIPANT' });
  else if (a.type === 2) params.role = 'OPT-PARTICIPANT';
  else if (a.type === 1) params.role = 'REQ-PARTICIPANT';
  // 0 "unknown" has no PARTSTAT; an x-name keeps it apart from "no status", and RFC 5545 3.2.12 has
  // other readers take it as NEEDS-ACTION, which is what unknown means to them.
  const ps = a.status !== undefined ? PARTSTAT_OUT[a.status] : undefined;
  if (ps) params.partstat = ps;
  if (rsvp !== undefined) params.rsvp = rsvp ? 'TRUE' : 'FALSE';
  return ['attendee', params, 'cal-address', mailto(a.email)];
}

// ---------------------------------------------------------------------------------------------------
// CLASS and sensitivity (0 normal, 1 personal, 2 private, 3 confidential).

/** RFC 5545 3.8.1.3: a class a reader does not know is PRIVATE; X-PERSONAL keeps Outlook's "personal". */
export function readClass(c: IComp): number | undefined {
  const v = prop(c, 'class') ? textOf(prop(c, 'class')).trim().toUpperCase() : undefined;
  if (v === undefined) return undefined;
  return v === 'PUBLIC' ? 0 : v === 'CONFIDENTIAL' ? 3 : v === 'X-PERSONAL' ? 1 : 2;
}

export const classOut = (s: number | undefined): JProp | null =>
  s === undefined ? null : ['class', {}, 'text', s === 0 ? 'PUBLIC' : s === 1 ? 'X-PERSONAL' : s === 3 ? 'CONFIDENTIAL' : 'PRIVATE'];

// ---------------------------------------------------------------------------------------------------
// Bodies.

/** X-ALT-DESC;FMTTYPE=text/html (Outlook's HTML body) wins over DESCRIPTION, which is its plain copy. */
export function readBody(c: IComp): EventBody | undefined {
  const html = props(c, X.ALT_DESC).find((p) => p.params.get('fmttype')?.toLowerCase() === 'text/html');
  if (html) return { type: 2, data: textOf(html) };
  const d = prop(c, 'description');
  return d ? { type: 1, data: textOf(d) } : undefined;
}

/** DESCRIPTION, and for HTML the X-ALT-DESC with DESCRIPTION as its text for readers without HTML. */
export function bodyOut(b: EventBody | undefined): JProp[] {
  if (!b) return [];
  if (b.type === 1) return [['description', {}, 'text', b.data]];
  return [['description', {}, 'text', htmlNoteText(b.data)], [X.ALT_DESC, { fmttype: 'text/html' }, 'unknown', escapeText(b.data)]];
}

// ---------------------------------------------------------------------------------------------------
// Small values.

export const readCategories = (c: IComp): string[] =>
  props(c, 'categories').flatMap((p) => p.values.map((v) => (typeof v === 'string' ? v.trim() : ''))).filter((s) => s !== '');

export const categoriesOut = (cats: readonly string[]): JProp | null => (cats.length > 0 ? ['categories', {}, 'text', ...cats] : null);

export function readInt(c: IComp, name: string): number | undefined {
  const v = prop(c, name)?.values[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?\d{1,10}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

export function readBool(c: IComp, name: string): boolean | undefined {
  const v = prop(c, name) ? textOf(prop(c, name)).trim().toUpperCase() : undefined;
  return v === 'TRUE' ? true : v === 'FALSE' ? false : undefined;
}

/** A UTC DATE-TIME property (DTSTAMP, LAST-MODIFIED, COMPLETED; RFC 5545 says they are UTC), or undefined. */
export function readUtc(c: IComp, name: string): number | undefined {
  const t = timeValue(prop(c, name)?.values[0], undefined);
  return t?.kind === 'utc' ? t.ms : t?.kind === 'local' ? t.wall : t?.kind === 'date' ? t.day : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Alarms.

export type Trigger = { kind: 'relative'; toEnd: boolean; ms: number } | { kind: 'absolute'; ms: number };

/** The trigger of the first DISPLAY or AUDIO alarm (EMAIL and PROCEDURE alarms are not reminders on a phone). */
export function firstTrigger(c: IComp): Trigger | null {
  for (const a of c.comps) {
    if (a.name !== 'valarm') continue;
    const action = textOf(prop(a, 'action')).trim().toUpperCase();
    if (action !== 'DISPLAY' && action !== 'AUDIO') continue;
    const t = prop(a, 'trigger');
    if (!t) continue;
    const abs = timeValue(t.values[0], undefined);
    if (abs?.kind === 'utc') return { kind: 'absolute', ms: abs.ms };
    const d = durationValue(t.values[0]);
    if (d) return { kind: 'relative', toEnd: t.params.get('related')?.toUpperCase() === 'END', ms: d.sign * (d.days * 86_400_000 + d.ms) };
  }
  return null;
}

/** A DISPLAY alarm (RFC 5545 3.6.6: DISPLAY needs a DESCRIPTION) at a trigger. */
export function alarm(trigger: JProp): [string, JProp[], []] {
  return ['valarm', [['action', {}, 'text', 'DISPLAY'], ['description', {}, 'text', 'Reminder'], trigger], []];
}

/** "-PT15M": minutes before the start. */
export const beforeStart = (minutes: number): JProp => ['trigger', {}, 'duration', `${minutes > 0 ? '-' : ''}PT${Math.abs(minutes)}M`];

// ---------------------------------------------------------------------------------------------------
// Recurrence fields an RRULE has no part for, as parameters of the RRULE.

export function readRRuleParams(r: Recurrence, p: IProp): void {
  const n = Number(p.params.get(RRULE_PARAM.CALENDAR_TYPE));
  if (p.params.has(RRULE_PARAM.CALENDAR_TYPE) && Number.isInteger(n) && n >= 0) r.calendarType = n;
  const flag = (name: string): boolean | undefined => {
    const v = p.params.get(name)?.toUpperCase();
    return v === 'TRUE' ? true : v === 'FALSE' ? false : undefined;
  };
  const leap = flag(RRULE_PARAM.LEAP_MONTH);
  if (leap !== undefined) r.isLeapMonth = leap;
  const start = timeValue(p.params.get(RRULE_PARAM.START), undefined);
  if (start?.kind === 'utc') r.start = start.ms;
  const regenerate = flag(RRULE_PARAM.REGENERATE);
  if (regenerate !== undefined) r.regenerate = regenerate;
  const dead = flag(RRULE_PARAM.DEAD_OCCUR);
  if (dead !== undefined) r.deadOccur = dead;
}

export function rruleParams(r: Recurrence): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.calendarType !== undefined) out[RRULE_PARAM.CALENDAR_TYPE] = String(r.calendarType);
  if (r.isLeapMonth !== undefined) out[RRULE_PARAM.LEAP_MONTH] = r.isLeapMonth ? 'TRUE' : 'FALSE';
  if (r.start !== undefined) out[RRULE_PARAM.START] = compactUtc(r.start);
  if (r.regenerate !== undefined) out[RRULE_PARAM.REGENERATE] = r.regenerate ? 'TRUE' : 'FALSE';
  if (r.deadOccur !== undefined) out[RRULE_PARAM.DEAD_OCCUR] = r.deadOccur ? 'TRUE' : 'FALSE';
  return out;
}

/** Deep equality of JSON-like values, key order aside (what "the exception changes this field" compares). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
