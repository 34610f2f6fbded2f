// VEVENTs to the store's series (RFC 5545 3.8.4.4 RECURRENCE-ID, 3.8.5.1 EXDATE, 3.8.5.3 RRULE; RFC
// 5546 3.2.2 for an invitation to one occurrence). The VEVENTs sharing a UID are one series: the master
// (no RECURRENCE-ID) with its RRULE as an EAS Recurrence (rrule.ts) and its EXDATEs as deleted
// exceptions, and the overrides (RECURRENCE-ID) as changed exceptions keyed by the occurrence's
// original start. An override is a complete VEVENT; an EAS exception holds only what differs from the
// series, so that is what is kept: a field equal to the series' is the series' own. Times count as
// changed together (start and end both, or neither), so a phone always receives both. An override
// marked STATUS:CANCELLED (as Google exports a deleted occurrence) deletes it.
//
// What EAS cannot hold is dropped and listed in `skipped`: an RRULE outside the EAS patterns (the event
// stays, as its first occurrence), RDATE, RANGE=THISANDFUTURE (applied to the one occurrence), an
// override of a date that is not an occurrence. An override whose master is not in the calendar (an
// iTIP REQUEST for one occurrence) is returned on its own with its recurrenceId.
import { errorMessage } from '../core/errors.js';
import { eventProblem, eventZone, recurringView, type EventData, type EventException } from './event-model.js';
import { fromRRule, isOccurrence } from './recurrence.js';
import { localToUtc, MS, offsetAt } from './timezone.js';
import { props, recurText, timeValues, type IComp, type TimeValue } from './ical-jcal.js';
import { readRRuleParams, same } from './ical-map.js';
import { readVEvent, type EventRead, type ReadContext } from './ical-read.js';

export interface ParsedEvent {
  data: EventData;
  categories: string[];
  /** RFC 5545 3.8.7.4 SEQUENCE: which revision of an invitation this is. */
  sequence: number;
  /** An override without its series (an invitation to one occurrence): the occurrence's original start. */
  recurrenceId: number | null;
}

const DAY = MS.DAY;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The original start a RECURRENCE-ID or EXDATE value names in a series (a DATE on a timed series: that day at the series' time). */
function occurrenceKey(t: TimeValue, master: EventData, ctx: ReadContext): number {
  const wall = t.kind === 'date' ? t.day : t.kind === 'utc' ? t.ms : t.wall;
  if (master.allDay) return Math.floor(wall / DAY) * DAY;
  if (t.kind !== 'date') return ctx.instant(t, master.uid).ms;
  const z = eventZone(master);
  const startWall = master.start + offsetAt(z, master.start);
  return localToUtc(z, t.day + (((startWall % DAY) + DAY) % DAY));
}

function readRecurrence(r: EventRead, ctx: ReadContext): void {
  const e = r.data;
  if (props(r.comp, 'rdate').length > 0) ctx.note(e.uid, 'RDATE has no EAS equivalent: the extra dates are dropped');
  const rules = props(r.comp, 'rrule');
  if (rules.length === 0) return;
  const rule = rules.length === 1 ? recurText(rules[0]!.values[0]) : null;
  const rec = rule !== null ? fromRRule(rule, { allDay: e.allDay, zone: eventZone(e), start: e.start }) : null;
  if (!rec) {
    ctx.note(e.uid, `RRULE ${rule ?? '(more than one)'} has no EAS equivalent: only the first occurrence is kept`);
    return;
  }
  readRRuleParams(rec, rules[0]!);
  e.recurrence = rec;
  const bad = eventProblem(e);
  if (bad) {
    delete e.recurrence;
    ctx.note(e.uid, `RRULE ${rule} dropped (${bad}): only the first occurrence is kept`);
    return;
  }
  if (!isOccurrence(recurringView(e), e.start)) {
    ctx.note(e.uid, 'DTSTART is off its RRULE pattern: an EAS series begins at the pattern\'s first date, so that start is not an occurrence');
  }
  for (const p of props(r.comp, 'exdate')) {
    for (const t of timeValues(p)) {
      const key = t ? occurrenceKey(t, e, ctx) : null;
      if (key !== null && !e.exceptions.some((x) => x.originalStart === key) && isOccurrence(recurringView(e), key)) {
        e.exceptions.push({ originalStart: key, deleted: true });
      }
    }
  }
}

const FIELDS = [
  'location', 'body', 'sensitivity', 'busyStatus', 'reminder', 'meetingStatus', 'appointmentReplyTime', 'responseType',
  'onlineMeetingConfLink', 'onlineMeetingExternalLink', 'dtStamp',
] as const;

/** What an override changes in its occurrence of the series. */
function changes(m: EventRead, o: EventRead, originalStart: number): EventException {
  const [s, d] = [m.data, o.data];
  const x: EventException = { originalStart };
  if (d.subject !== s.subject) x.subject = d.subject;
  if (d.allDay !== s.allDay) x.allDay = d.allDay;
  if (d.allDay !== s.allDay || d.start !== originalStart || d.end !== originalStart + (s.end - s.start)) {
    x.start = d.start;
    x.end = d.end;
  }
  for (const k of FIELDS) if (d[k] !== undefined && !same(d[k], s[k])) (x as unknown as Record<string, unknown>)[k] = d[k];
  if (!same(d.attendees, s.attendees)) x.attendees = d.attendees;
  if (!same(o.categories, m.categories)) x.categories = o.categories;
  return x;
}

function addOverride(master: EventRead, o: EventRead, ctx: ReadContext): void {
  const e = master.data;
  const key = occurrenceKey(o.recurrenceId!, e, ctx);
  if (o.thisAndFuture) ctx.note(e.uid, `RECURRENCE-ID ${iso(key)} has RANGE=THISANDFUTURE: the change is applied to that occurrence only`);
  if (!e.recurrence || !isOccurrence(recurringView(e), key)) {
    ctx.note(e.uid, `the override of ${iso(key)} is not an occurrence of its series: skipped`);
    return;
  }
  if (e.exceptions.some((x) => x.originalStart === key)) {
    // An EXDATE wins over an override of the same date (RFC 5545 3.8.5.1 excludes it from the set).
    if (!e.exceptions.some((x) => x.originalStart === key && x.deleted)) ctx.note(e.uid, `two overrides of ${iso(key)}: the first is kept`);
    return;
  }
  e.exceptions.push(o.plainCancelled ? { originalStart: key, deleted: true } : changes(master, o, key));
}

/** The events of a calendar's VEVENTs, in the order their UIDs first appear. */
export function readEvents(vevents: readonly IComp[], ctx: ReadContext): ParsedEvent[] {
  const byUid = new Map<string, EventRead[]>();
  for (const c of vevents) {
    try {
      const r = readVEvent(c, ctx);
      const list = byUid.get(r.data.uid);
      if (list) list.push(r);
      else byUid.set(r.data.uid, [r]);
    } catch (err) {
      // Anything one component makes go wrong stays with that component (a calendar import never half-fails).
      const uid = props(c, 'uid')[0]?.values[0];
      ctx.note(typeof uid === 'string' ? uid : undefined, `VEVENT skipped: ${errorMessage(err)}`);
    }
  }
  const out: ParsedEvent[] = [];
  for (const [uid, reads] of byUid) {
    try {
      out.push(...series(uid, reads, ctx));
    } catch (err) {
      ctx.note(uid, `VEVENT skipped: ${errorMessage(err)}`);
    }
  }
  return out;
}

/** One UID's VEVENTs as events: the series with its exceptions, or the overrides on their own. */
function series(uid: string, reads: readonly EventRead[], ctx: ReadContext): ParsedEvent[] {
  const masters = reads.filter((r) => r.recurrenceId === null);
  const overrides = reads.filter((r) => r.recurrenceId !== null);
  if (masters.length > 1) ctx.note(uid, `${masters.length} VEVENTs without RECURRENCE-ID share this UID: the first is kept`);
  const master = masters[0];
  if (master) {
    readRecurrence(master, ctx);
    for (const o of overrides) addOverride(master, o, ctx);
    master.data.exceptions.sort((a, b) => a.originalStart - b.originalStart);
  }
  const out: ParsedEvent[] = [];
  for (const r of master ? [master] : overrides) {
    const bad = eventProblem(r.data);
    if (bad) {
      ctx.note(uid, `VEVENT skipped: ${bad}`);
      continue;
    }
    const recurrenceId = r === master ? null : occurrenceKey(r.recurrenceId!, r.data, ctx);
    out.push({ data: r.data, categories: r.categories, sequence: r.sequence, recurrenceId });
  }
  return out;
}
