// Meeting messages of the Email class: MS-ASEMAIL MeetingRequest (AllDayEvent, StartTime, DtStamp,
// EndTime, InstanceType, Location, Organizer, RecurrenceId, Reminder, ResponseRequested, Sensitivity,
// BusyStatus, TimeZone, GlobalObjId, DisallowNewTimeProposal, email2:MeetingMessageType; calendar:UID
// and airsyncbase:Location from 16.0) and the meeting message classes, read from the text/calendar part
// of an iTIP invitation (RFC 5545/5546). Deliberately minimal: the first VEVENT only, times sent in UTC
// with a UTC TimeZone blob; a series' RRULE becomes Recurrences (2.2.2.62) when EAS can express it.
import { Buffer } from 'node:buffer';
import { fromRRule, type Recurrence } from '../../pim/recurrence.js';
import { ianaZone, UTC_ZONE } from '../../pim/timezone.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import { easDate, formatMailbox } from './email-fields.js';
import { meetingRecurrences } from './meeting-recurrence.js';

export interface Invitation {
  method: string;
  uid: string;
  start: number;
  end: number;
  allDay: boolean;
  dtstamp: number | null;
  location: string;
  organizer: string;
  recurrenceId: number | null;
  /** The series' pattern (from RRULE); null for a single meeting or a rule EAS has no pattern for. */
  recurrence: Recurrence | null;
  reminder: number | null;
  busy: number;
  sensitivity: number;
  disallowCounter: boolean;
  sequence: number;
  /** PARTSTAT of the (first) attendee, which is what a REPLY is about. */
  partstat: string;
}

interface Prop { name: string; params: Record<string, string>; value: string }

/** "NAME;P=a;Q="b:c":value" to its parts; quoted parameter values may hold ':' and ';'. */
function parseLine(line: string): Prop | null {
  let quoted = false;
  const cuts: number[] = [];
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ';') cuts.push(i);
    else if (!quoted && c === ':') { colon = i; break; }
  }
  if (colon <= 0) return null;
  const head = line.slice(0, colon);
  const name = head.slice(0, cuts[0] ?? colon).toUpperCase();
  const params: Record<string, string> = {};
  cuts.forEach((c, i) => {
    const param = head.slice(c + 1, cuts[i + 1] ?? colon);
    const eq = param.indexOf('=');
    if (eq > 0) params[param.slice(0, eq).toUpperCase()] = param.slice(eq + 1).replace(/^"|"$/g, '');
  });
  return { name, params, value: line.slice(colon + 1) };
}

const unescapeText = (s: string): string => s.replace(/\\([nN,;\\])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** Offset of zone `tz` from UTC at instant `t`, in ms; null when the runtime does not know the zone. */
function zoneOffset(tz: string, t: number): number | null {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      f = null;
    }
    formatters.set(tz, f);
  }
  if (!f) return null;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(t)) p[part.type] = Number(part.value);
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) - Math.floor(t / 1000) * 1000;
}

/** "+0100", "-0530" to ms. */
const utcOffset = (s: string | undefined): number | null => {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(s?.trim() ?? '');
  return m ? (m[1] === '-' ? -1 : 1) * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000 : null;
};

/** An iCalendar DATE or DATE-TIME as epoch ms (UTC), with whether it was a bare date. */
function parseTime(p: Prop | undefined, zones: Map<string, number>): { t: number; date: boolean } | null {
  const m = p && /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(p.value.trim());
  if (!p || !m) return null;
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (!Number.isFinite(local)) return null;
  if (m[4] === undefined) return { t: local, date: true };
  const tzid = p.params.TZID?.replace(/^\//, '');
  if (m[7] || !tzid) return { t: local, date: false };
  const first = zoneOffset(tzid, local);
  if (first === null) return { t: local - (zones.get(tzid) ?? 0), date: false };
  // Correct once for a DST change between the local reading and the instant it names.
  return { t: local - (zoneOffset(tzid, local - first) ?? first), date: false };
}

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const durationMs = (s: string | undefined): number | null => {
  const m = DURATION.exec(s?.trim() ?? '');
  if (!m) return null;
  const secs = ((Number(m[2] ?? 0) * 7 + Number(m[3] ?? 0)) * 24 + Number(m[4] ?? 0)) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0);
  return (m[1] === '-' ? -1 : 1) * secs * 1000;
};

const busyStates: Record<string, number> = { FREE: 0, TENTATIVE: 1, BUSY: 2, OOF: 3 };

/** The first VEVENT of an iTIP message, or null when there is no usable one (no UID or no start). */
export function parseInvitation(ics: string): Invitation | null {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const stack: string[] = [];
  const event = new Map<string, Prop>();
  const zones = new Map<string, number>();
  let method = '';
  let tzid = '';
  let trigger: Prop | undefined;
  let eventsSeen = 0;
  for (const line of lines) {
    const p = parseLine(line);
    if (!p) continue;
    const where = stack[stack.length - 1];
    if (p.name === 'BEGIN') {
      stack.push(p.value.trim().toUpperCase());
      if (stack[stack.length - 1] === 'VEVENT') eventsSeen++;
    } else if (p.name === 'END') {
      stack.pop();
    } else if (where === 'VCALENDAR' && p.name === 'METHOD') {
      method = p.value.trim().toUpperCase();
    } else if (where === 'VTIMEZONE' && p.name === 'TZID') {
      tzid = p.value.trim();
    } else if (where === 'STANDARD' && p.name === 'TZOFFSETTO') {
      // Zones the runtime does not know (Windows names from Outlook) get their standard offset.
      const off = utcOffset(p.value);
      if (off !== null && tzid) zones.set(tzid.replace(/^\//, ''), off);
    } else if (eventsSeen === 1 && where === 'VEVENT') {
      if (!event.has(p.name)) event.set(p.name, p);
    } else if (eventsSeen === 1 && where === 'VALARM' && p.name === 'TRIGGER') {
      trigger ??= p;
    }
  }
  const uid = event.get('UID')?.value.trim() ?? '';
  const start = parseTime(event.get('DTSTART'), zones);
  if (!uid || !start) return null;
  const end = parseTime(event.get('DTEND'), zones)?.t
    ?? start.t + (durationMs(event.get('DURATION')?.value) ?? (start.date ? 86400000 : 0));
  const organizer = event.get('ORGANIZER');
  const rrule = event.get('RRULE')?.value;
  const startZone = event.get('DTSTART')?.params.TZID?.replace(/^\//, '');
  // The zone only fills a weekly rule's missing weekday and reads a floating UNTIL (src/pim/rrule.ts).
  const zone = (startZone ? ianaZone(startZone) : null) ?? UTC_ZONE;
  const reminder = trigger && trigger.params.VALUE !== 'DATE-TIME' ? durationMs(trigger.value) : null;
  const cls = event.get('CLASS')?.value.trim().toUpperCase();
  const cdoBusy = event.get('X-MICROSOFT-CDO-BUSYSTATUS')?.value.trim().toUpperCase() ?? '';
  return {
    method,
    uid,
    start: start.t,
    end: Math.max(end, start.t),
    allDay: start.date,
    dtstamp: parseTime(event.get('DTSTAMP'), zones)?.t ?? null,
    location: unescapeText(event.get('LOCATION')?.value ?? '').trim(),
    organizer: organizer
      ? formatMailbox({ name: organizer.params.CN ?? '', address: organizer.value.replace(/^mailto:/i, '').trim() })
      : '',
    recurrenceId: parseTime(event.get('RECURRENCE-ID'), zones)?.t ?? null,
    recurrence: rrule ? fromRRule(rrule, { allDay: start.date, zone, start: start.t }) : null,
    reminder: reminder !== null && reminder <= 0 ? Math.round(-reminder / 60000) : null,
    busy: busyStates[cdoBusy] ?? (event.get('TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT' ? 0 : 2),
    sensitivity: cls === 'PRIVATE' ? 2 : cls === 'CONFIDENTIAL' ? 3 : 0,
    disallowCounter: event.get('X-MICROSOFT-DISALLOW-COUNTER')?.value.trim().toUpperCase() === 'TRUE',
    sequence: Number(event.get('SEQUENCE')?.value.trim()) || 0,
    partstat: event.get('ATTENDEE')?.params.PARTSTAT?.toUpperCase() ?? '',
  };
}

/** The message class of an iTIP message (MS-ASEMAIL MessageClass), or null for a plain message. */
export function meetingMessageClass(inv: Invitation): string | null {
  switch (inv.method) {
    case 'REQUEST': return 'IPM.Schedule.Meeting.Request';
    case 'CANCEL': return 'IPM.Schedule.Meeting.Canceled';
    case 'REPLY':
      return inv.partstat === 'ACCEPTED' ? 'IPM.Schedule.Meeting.Resp.Pos'
        : inv.partstat === 'DECLINED' ? 'IPM.Schedule.Meeting.Resp.Neg'
          : inv.partstat === 'TENTATIVE' ? 'IPM.Schedule.Meeting.Resp.Tent' : null;
    default: return null;
  }
}

const OUTLOOK_ID = '040000008200E00074C5B7101A82E008';

/**
 * GlobalObjId: the MS-OXOCAL PidLidGlobalObjectId of the UID, base64 (Outlook needs base64, ZP-1208).
 * An Outlook UID is that structure in hex already; any other UID is wrapped as a "vCal-Uid" id.
 */
export function globalObjId(uid: string): string {
  if (/^[0-9a-f]+$/i.test(uid) && uid.length % 2 === 0 && uid.toUpperCase().startsWith(OUTLOOK_ID)) {
    return Buffer.from(uid, 'hex').toString('base64');
  }
  const data = Buffer.concat([Buffer.from('vCal-Uid\x01\x00\x00\x00', 'latin1'), Buffer.from(uid, 'utf8'), Buffer.from([0])]);
  const head = Buffer.alloc(40);
  Buffer.from(OUTLOOK_ID, 'hex').copy(head, 0);
  // Instance date (4 bytes), creation time (8) and reserved (8) stay zero: this names the series.
  head.writeUInt32LE(data.length, 36);
  return Buffer.concat([head, data]).toString('base64');
}

/** TIME_ZONE_INFORMATION of UTC (MS-ASDTYPE 2.7.4: 172 bytes, all zero), base64. */
const UTC_TIMEZONE = Buffer.alloc(172).toString('base64');

/** email:MeetingRequest for a REQUEST or CANCEL; null for other methods. */
export function meetingRequest(inv: Invitation, version: number, fallbackStamp: number): WbxmlElement | null {
  if (inv.method !== 'REQUEST' && inv.method !== 'CANCEL') return null;
  const v16 = version >= 160;
  const series = inv.recurrenceId === null ? inv.recurrence : null;
  return el('Email:MeetingRequest',
    el('Email:AllDayEvent', inv.allDay ? 1 : 0),
    el('Email:StartTime', easDate(inv.start)),
    el('Email:DtStamp', easDate(inv.dtstamp ?? fallbackStamp)),
    el('Email:EndTime', easDate(inv.end)),
    // 1 the series (recurring master), 3 one changed occurrence of it, 0 a single meeting.
    el('Email:InstanceType', inv.recurrenceId !== null ? 3 : series ? 1 : 0),
    !inv.location ? null : v16
      ? el('AirSyncBase:Location', el('AirSyncBase:DisplayName', inv.location))
      : el('Email:Location', inv.location),
    inv.organizer ? el('Email:Organizer', inv.organizer) : null,
    inv.recurrenceId !== null && el('Email:RecurrenceId', easDate(inv.recurrenceId)),
    inv.reminder !== null && el('Email:Reminder', inv.reminder),
    el('Email:ResponseRequested', inv.method === 'REQUEST' ? 1 : 0),
    series && meetingRecurrences(series, version),
    el('Email:Sensitivity', inv.sensitivity),
    el('Email:BusyStatus', inv.method === 'CANCEL' ? 0 : inv.busy),
    el('Email:TimeZone', UTC_TIMEZONE),
    !v16 && el('Email:GlobalObjId', globalObjId(inv.uid)),
    version >= 140 && el('Email:DisallowNewTimeProposal', inv.disallowCounter ? 1 : 0),
    // 1 is a first request, 2 a full update of one already sent (SEQUENCE > 0); 0 for a cancellation.
    version >= 141 && el('Email2:MeetingMessageType', inv.method === 'CANCEL' ? 0 : inv.sequence > 0 ? 2 : 1),
    v16 && el('Calendar:UID', inv.uid));
}
