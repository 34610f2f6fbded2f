// The Tasks class (MS-ASTASK 2.2.2, all versions from 2.5), both directions, to and from the store's
// task model (src/pim/task-model.ts). Dates are MS-ASDTYPE 2.3 dateTime values; StartDate/DueDate are
// the user's local wall clock written with a Z, UtcStartDate/UtcDueDate the real instants (MS-ASTASK
// 2.2.2.19-2.2.2.25). Complete 1 needs a DateCompleted (2.2.2.8: the server stamps one when missing).
// Elements go in the order of Tasks.xsd AllProps (MS-ASTASK 6), the body first as the section 4 examples
// send it. On a Change an element the client leaves out keeps its value. Before 12.0 the body is the
// Tasks-namespace Body (with BodySize/BodyTruncated) instead of airsyncbase:Body.
import { Buffer } from 'node:buffer';
import { taskData, taskProblem, type TaskData } from '../../pim/task-model.js';
import { UTC_ZONE } from '../../pim/timezone.js';
import type { Item } from '../../store/types.js';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import { dateField, enumField, parseBody, plainBody, renderBody } from './calendar-fields.js';
import { easDate } from './email-fields.js';
import { parseRecurrence, renderRecurrence } from './recurrence-element.js';
import { ClassError, type ClassContext, type ItemClass, type ParsedItem } from './registry.js';

const tk = ns('Tasks');

export function renderTask(item: Item, ctx: ClassContext): WbxmlElement {
  const t = taskData(item.data, item.receivedAt);
  const v = ctx.version;
  const legacyBody = t.body && v < 120 ? plainBody(t.body) : undefined;
  return el('AirSync:ApplicationData',
    v >= 120 && renderBody(t.body, ctx.bodyPreferences),
    tk('Subject', t.subject),
    legacyBody !== undefined && [tk('Body', legacyBody), tk('BodySize', Buffer.byteLength(legacyBody)), tk('BodyTruncated', 0)],
    tk('Importance', t.importance),
    t.startUtc !== undefined && tk('UtcStartDate', easDate(t.startUtc)),
    t.startLocal !== undefined && tk('StartDate', easDate(t.startLocal)),
    t.dueUtc !== undefined && tk('UtcDueDate', easDate(t.dueUtc)),
    t.dueLocal !== undefined && tk('DueDate', easDate(t.dueLocal)),
    tk('Categories', item.categories.map((c) => tk('Category', c))),
    t.recurrence && renderRecurrence(t.recurrence, 'Tasks', { version: v, allDay: false, zone: UTC_ZONE }),
    tk('Complete', t.complete ? 1 : 0),
    t.complete && t.dateCompleted !== undefined && tk('DateCompleted', easDate(t.dateCompleted)),
    t.sensitivity !== undefined && tk('Sensitivity', t.sensitivity),
    t.reminderTime !== undefined && tk('ReminderTime', easDate(t.reminderTime)),
    tk('ReminderSet', t.reminderSet ? 1 : 0),
    v >= 120 && t.ordinalDate !== undefined && tk('OrdinalDate', easDate(t.ordinalDate)),
    v >= 120 && t.subOrdinalDate !== undefined && tk('SubOrdinalDate', t.subOrdinalDate));
}

function setDate(t: TaskData, key: 'startLocal' | 'startUtc' | 'dueLocal' | 'dueUtc' | 'reminderTime' | 'ordinalDate', e: WbxmlElement, tag: 'StartDate' | 'UtcStartDate' | 'DueDate' | 'UtcDueDate' | 'ReminderTime' | 'OrdinalDate'): void {
  const node = child(e, `Tasks:${tag}`);
  if (!node) return;
  // An empty date element clears the date (a phone removing a due date).
  if (text(node).trim() === '') delete t[key];
  else t[key] = dateField(e, `Tasks:${tag}`)!;
}

export function parseTask(appData: WbxmlElement, ctx: ClassContext, current?: Item): ParsedItem {
  const v = ctx.version;
  const t: TaskData = current ? structuredClone(taskData(current.data, current.receivedAt)) : { subject: '', importance: 1, complete: false, reminderSet: false, lastModified: ctx.now };
  const subject = textOf(appData, 'Tasks:Subject');
  if (subject !== undefined) t.subject = subject;
  const body = parseBody(appData) ?? (v < 120 && textOf(appData, 'Tasks:Body') !== undefined ? { type: 1 as const, data: textOf(appData, 'Tasks:Body') ?? '' } : undefined);
  if (body) t.body = body;
  const importance = enumField(appData, 'Tasks:Importance', [0, 1, 2]);
  if (importance !== undefined) t.importance = importance as 0 | 1 | 2;
  setDate(t, 'startUtc', appData, 'UtcStartDate');
  setDate(t, 'startLocal', appData, 'StartDate');
  setDate(t, 'dueUtc', appData, 'UtcDueDate');
  setDate(t, 'dueLocal', appData, 'DueDate');
  setDate(t, 'reminderTime', appData, 'ReminderTime');
  setDate(t, 'ordinalDate', appData, 'OrdinalDate');
  const complete = intOf(appData, 'Tasks:Complete');
  if (complete !== undefined) t.complete = complete === 1;
  const completed = dateField(appData, 'Tasks:DateCompleted');
  if (completed !== undefined) t.dateCompleted = completed;
  if (t.complete && t.dateCompleted === undefined) t.dateCompleted = ctx.now;
  if (!t.complete) delete t.dateCompleted;
  const sensitivity = enumField(appData, 'Tasks:Sensitivity', [0, 1, 2, 3]);
  if (sensitivity !== undefined) t.sensitivity = sensitivity;
  const reminderSet = intOf(appData, 'Tasks:ReminderSet');
  if (reminderSet !== undefined) t.reminderSet = reminderSet === 1;
  const sub = textOf(appData, 'Tasks:SubOrdinalDate');
  if (sub !== undefined) t.subOrdinalDate = sub;
  const recurrence = child(appData, 'Tasks:Recurrence');
  if (recurrence) t.recurrence = parseRecurrence(recurrence, 'Tasks', { version: v, allDay: false, zone: UTC_ZONE });
  t.lastModified = ctx.now;
  const problem = taskProblem(t);
  if (problem) throw new ClassError(problem);
  const cats = child(appData, 'Tasks:Categories');
  const categories = cats ? children(cats, 'Tasks:Category').map((c) => text(c)) : current?.categories ?? [];
  // FilterType 8 ("incomplete tasks", MS-ASCMD 2.2.3.70.2) is a window starting at 1: a completed task is
  // dated 0 and leaves it (a SoftDelete to the phone), an open one is dated when it was made or reopened.
  const windowDate = t.complete ? 0 : current && current.receivedAt > 0 ? current.receivedAt : ctx.now;
  return { data: t, categories, windowDate };
}

export const taskClass: ItemClass = {
  className: 'Tasks',
  itemKind: 'task',
  folderKind: 'tasks',
  minVersion: 25,
  render: (item, ctx) => Promise.resolve(renderTask(item, ctx)),
  parse: parseTask,
};
