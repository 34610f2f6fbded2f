// Tasks as VTODO (RFC 5545 3.6.2), both ways: SUMMARY, DESCRIPTION (X-ALT-DESC for HTML), PRIORITY
// (3.8.1.9: 1-4 high, 5 normal, 6-9 low, 0 undefined) as importance, CLASS, DTSTART and DUE (or
// DURATION), STATUS:COMPLETED / COMPLETED (3.8.2.1) / PERCENT-COMPLETE:100, the first DISPLAY/AUDIO
// VALARM as the reminder, RRULE, CATEGORIES, LAST-MODIFIED.
//
// MS-ASTASK keeps each date twice: the user's wall clock (as if UTC) and the instant. A date-only task
// (local midnight, as phones and Outlook make them) is written as a DATE, which every task list shows as
// a due day, with the instant in an X-EAS-UTC parameter; any other time as its UTC DATE-TIME with the
// wall clock in X-EAS-LOCAL. Read back, a TZID time gives both halves; a DATE or a floating time
// without our parameter has no instant, so its wall clock is used for both.
import { createHash } from 'node:crypto';
import { fromRRule, toRRule, type Recurrence } from './recurrence.js';
import type { TaskData } from './task-model.js';
import { MS, UTC_ZONE } from './timezone.js';
import { compactUtc, durationValue, escapeText, jDate, jDateTime, param, prop, recurJcal, recurText, text, textOf, timeValue, type IComp, type IProp, type JComp, type JProp } from './ical-jcal.js';
import {
  alarm, bodyOut, categoriesOut, classOut, firstTrigger, readBody, readCategories, readClass, readInt, readRRuleParams, readUtc, rruleParams, TASK_PARAM, X,
} from './ical-map.js';
import type { ReadContext } from './ical-read.js';

export interface ParsedTask {
  data: TaskData;
  categories: string[];
}

const DAY = MS.DAY;

interface DatePair { local: number; utc: number; date: boolean }

function readDate(p: IProp | undefined, ctx: ReadContext, uid: string): DatePair | undefined {
  const v = p ? timeValue(p.values[0], param(p, 'tzid')) : null;
  if (!p || !v) return undefined;
  const hint = (name: string): ReturnType<typeof timeValue> => timeValue(param(p, name), undefined);
  if (v.kind === 'date') {
    const u = hint(TASK_PARAM.UTC);
    return { local: v.day, utc: u?.kind === 'utc' ? u.ms : v.day, date: true };
  }
  if (v.kind === 'utc') {
    const l = hint(TASK_PARAM.LOCAL);
    return { local: l?.kind === 'local' ? l.wall : v.ms, utc: v.ms, date: false };
  }
  // A floating due time (Apple writes them) is the user's wall clock wherever they are.
  if (v.tzid === null) return { local: v.wall, utc: v.wall, date: false };
  return { local: v.wall, utc: ctx.instant(v, uid).ms, date: false };
}

const IMPORTANCE = (p: number | undefined): 0 | 1 | 2 => (p === undefined || p === 0 || p === 5 ? 1 : p < 5 ? 2 : 0);

export function readTask(c: IComp, ctx: ReadContext): ParsedTask {
  const uid = text(c, 'uid') ?? '';
  const t: TaskData = {
    subject: textOf(prop(c, 'summary')),
    importance: IMPORTANCE(readInt(c, 'priority')),
    complete: false,
    reminderSet: false,
    lastModified: readUtc(c, 'last-modified') ?? readUtc(c, 'dtstamp') ?? ctx.now,
  };
  const body = readBody(c);
  if (body) t.body = body;
  const start = readDate(prop(c, 'dtstart'), ctx, uid);
  let due = readDate(prop(c, 'due'), ctx, uid);
  const dur = durationValue(prop(c, 'duration')?.values[0]);
  if (!due && start && dur) {
    const d = dur.sign * (dur.days * DAY + dur.ms);
    due = { local: start.local + d, utc: start.utc + d, date: start.date };
  }
  if (start) [t.startLocal, t.startUtc] = [start.local, start.utc];
  if (due) [t.dueLocal, t.dueUtc] = [due.local, due.utc];
  const completed = readUtc(c, 'completed');
  t.complete = text(c, 'status')?.toUpperCase() === 'COMPLETED' || completed !== undefined || readInt(c, 'percent-complete') === 100;
  if (completed !== undefined) t.dateCompleted = completed;
  const sensitivity = readClass(c);
  if (sensitivity !== undefined) t.sensitivity = sensitivity;
  const trigger = firstTrigger(c);
  if (trigger) {
    t.reminderSet = true;
    // RFC 5545 3.8.6.3: in a VTODO, RELATED=END is relative to DUE.
    const base = trigger.kind === 'absolute' ? 0 : trigger.toEnd ? due?.utc : start?.utc ?? due?.utc;
    if (base !== undefined) t.reminderTime = base + trigger.ms;
  }
  const rrule = prop(c, 'rrule');
  const rule = rrule ? recurText(rrule.values[0]) : null;
  if (rrule) {
    const r = rule !== null ? fromRRule(rule, { allDay: !/UNTIL=\d{8}T/i.test(rule), zone: UTC_ZONE, start: start?.local ?? due?.local }) : null;
    if (r) {
      readRRuleParams(r, rrule);
      t.recurrence = r;
    } else {
      ctx.note(uid, `RRULE ${rule ?? ''} has no EAS equivalent: the task is kept without it`);
    }
  }
  const ordinal = readUtc(c, X.ORDINAL);
  if (ordinal !== undefined) t.ordinalDate = ordinal;
  if (prop(c, X.SUB_ORDINAL)) t.subOrdinalDate = textOf(prop(c, X.SUB_ORDINAL));
  return { data: t, categories: readCategories(c) };
}

// ---------------------------------------------------------------------------------------------------
// Writing.

function writeDate(name: string, local: number | undefined, utc: number | undefined): JProp | null {
  if (local !== undefined && local % DAY === 0) {
    return [name, utc !== undefined && utc !== local ? { [TASK_PARAM.UTC]: compactUtc(utc) } : {}, 'date', jDate(local)];
  }
  if (utc !== undefined) return [name, local !== undefined && local !== utc ? { [TASK_PARAM.LOCAL]: compactUtc(local).slice(0, -1) } : {}, 'date-time', jDateTime(utc, true)];
  return local !== undefined ? [name, {}, 'date-time', jDateTime(local, false)] : null;
}

const PRIORITY = { 0: 9, 1: 5, 2: 1 } as const;

function rruleOut(r: Recurrence, t: TaskData): JProp {
  const first = t.startLocal ?? t.dueLocal;
  // UNTIL takes the form of DTSTART (RFC 5545 3.3.10): a date for a date-only task.
  const allDay = (first === undefined || first % DAY === 0) && (r.until === undefined || r.until % DAY === 0);
  return ['rrule', rruleParams(r), 'recur', recurJcal(toRRule(r, { allDay, zone: UTC_ZONE, start: first }))];
}

/** A stable UID for a task (TaskData has none): the same task in the same place gets the same one. */
const taskUid = (t: TaskData, index: number): string => `task-${createHash('sha256').update(JSON.stringify([index, t])).digest('hex').slice(0, 32)}`;

export function vtodo(t: TaskData, categories: readonly string[], index: number): JComp {
  const p: Array<JProp | null> = [
    ['uid', {}, 'text', taskUid(t, index)],
    ['dtstamp', {}, 'date-time', jDateTime(t.lastModified, true)],
    ['last-modified', {}, 'date-time', jDateTime(t.lastModified, true)],
    ['summary', {}, 'text', t.subject],
    ...bodyOut(t.body),
    ['priority', {}, 'integer', PRIORITY[t.importance]],
    classOut(t.sensitivity),
    writeDate('dtstart', t.startLocal, t.startUtc),
    writeDate('due', t.dueLocal, t.dueUtc),
    ['status', {}, 'text', t.complete ? 'COMPLETED' : 'NEEDS-ACTION'],
    t.complete && t.dateCompleted !== undefined ? ['completed', {}, 'date-time', jDateTime(t.dateCompleted, true)] : null,
    t.complete ? ['percent-complete', {}, 'integer', 100] : null,
    t.recurrence ? rruleOut(t.recurrence, t) : null,
    categoriesOut(categories),
    t.ordinalDate !== undefined ? [X.ORDINAL, {}, 'unknown', compactUtc(t.ordinalDate)] : null,
    t.subOrdinalDate !== undefined ? [X.SUB_ORDINAL, {}, 'unknown', escapeText(t.subOrdinalDate)] : null,
  ];
  const alarms: JComp[] = [];
  if (t.reminderSet) {
    alarms.push(alarm(t.reminderTime !== undefined ? ['trigger', {}, 'date-time', jDateTime(t.reminderTime, true)] : ['trigger', {}, 'duration', 'PT0S']));
  }
  return ['vtodo', p.filter((x): x is JProp => x !== null), alarms];
}
