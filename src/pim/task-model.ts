// The task as the store keeps it (Item.data, JSON), after MS-ASTASK 2.2.2 (and RFC 5545 VTODO): start
// and due both as the user's local date-time and as UTC (phones show the local one, sort by the UTC
// one), completion, importance, sensitivity, the reminder, the recurrence with its task-only Regenerate
// and DeadOccur, and the OrdinalDate/SubOrdinalDate pair clients sort flagged items by. Categories live
// in Item.categories. Times are epoch ms; a "local" time is the wall clock written as if it were UTC.
import { checkRecurrence, type Recurrence } from './recurrence.js';

export interface TaskBody {
  type: 1 | 2;
  data: string;
}

export interface TaskData {
  subject: string;
  body?: TaskBody;
  /** 0 low, 1 normal, 2 high. */
  importance: 0 | 1 | 2;
  startLocal?: number;
  startUtc?: number;
  dueLocal?: number;
  dueUtc?: number;
  complete: boolean;
  dateCompleted?: number;
  /** 0 normal, 1 personal, 2 private, 3 confidential. */
  sensitivity?: number;
  reminderSet: boolean;
  reminderTime?: number;
  recurrence?: Recurrence;
  ordinalDate?: number;
  subOrdinalDate?: string;
  /** Epoch ms of the last change. */
  lastModified: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The task in an item's data; missing or malformed fields take neutral values. */
export function taskData(raw: unknown, fallbackTime = 0): TaskData {
  const d = isObj(raw) ? raw : {};
  const t: TaskData = {
    subject: typeof d.subject === 'string' ? d.subject : '',
    importance: d.importance === 0 || d.importance === 2 ? d.importance : 1,
    complete: d.complete === true,
    reminderSet: d.reminderSet === true,
    lastModified: num(d.lastModified) ?? fallbackTime,
  };
  if (isObj(d.body) && typeof d.body.data === 'string') t.body = { type: d.body.type === 2 ? 2 : 1, data: d.body.data };
  for (const k of ['startLocal', 'startUtc', 'dueLocal', 'dueUtc', 'dateCompleted', 'sensitivity', 'reminderTime', 'ordinalDate'] as const) {
    const v = num(d[k]);
    if (v !== undefined) t[k] = v;
  }
  if (typeof d.subOrdinalDate === 'string') t.subOrdinalDate = d.subOrdinalDate;
  if (isObj(d.recurrence)) {
    const r = d.recurrence as unknown as Recurrence;
    if (checkRecurrence(r) === null) t.recurrence = r;
  }
  return t;
}

/** Why a task cannot be stored, or null when it can. */
export function taskProblem(t: TaskData): string | null {
  if (t.startUtc !== undefined && t.dueUtc !== undefined && t.dueUtc < t.startUtc) return 'the task is due before it starts';
  if (t.startLocal !== undefined && t.dueLocal !== undefined && t.dueLocal < t.startLocal) return 'the task is due before it starts';
  if (t.sensitivity !== undefined && (t.sensitivity < 0 || t.sensitivity > 3)) return `sensitivity ${t.sensitivity}`;
  if (t.recurrence) {
    const bad = checkRecurrence(t.recurrence);
    if (bad) return `recurrence: ${bad}`;
  }
  if (t.subject.length > 32_768) return 'subject too long';
  return null;
}
