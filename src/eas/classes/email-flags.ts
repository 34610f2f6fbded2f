// The mutable state of an Email item, both ways: MS-ASEMAIL Read, 2.2.2.34 Flag with all its children
// (email:Status 0 cleared, 1 complete, 2 active; email:FlagType, email:CompleteTime; and from the Tasks
// code page Subject, DateCompleted, StartDate, DueDate, UtcStartDate, UtcDueDate, ReminderSet,
// ReminderTime, OrdinalDate, SubOrdinalDate), Categories/Category (14.0+) and email2 2.2.2.44
// LastVerbExecuted / 2.2.2.45 LastVerbExecutionTime (14.0+: 1 reply to sender, 2 reply to all,
// 3 forward). A client Change carries these and nothing else the server takes: To, Subject, Body... of
// a received message are the server's.
import { child, children, el, elements, intOf, text, textOf, type QName, type WbxmlElement } from '../wbxml/index.js';
import type { FlagDetails, Item, ItemFlags, ItemPatch } from '../../store/types.js';
import { easDate } from './email-fields.js';
import { ClassError } from './registry.js';

/** MS-ASEMAIL caps Categories at 300 Category elements. */
const MAX_CATEGORIES = 300;
const FLAG_TYPE = 'Flag for follow up';

type DetailKey = Exclude<keyof FlagDetails, 'complete' | 'flagType'>;
type Kind = 'date' | 'text' | 'bool';

/** Flag's children after Status and FlagType, in the order of the schema (MS-ASEMAIL 2.2.2.34). */
const DETAILS: ReadonlyArray<readonly [QName, DetailKey, Kind]> = [
  ['Tasks:DateCompleted', 'dateCompleted', 'date'],
  ['Email:CompleteTime', 'completeTime', 'date'],
  ['Tasks:StartDate', 'startDate', 'date'],
  ['Tasks:DueDate', 'dueDate', 'date'],
  ['Tasks:UtcStartDate', 'utcStartDate', 'date'],
  ['Tasks:UtcDueDate', 'utcDueDate', 'date'],
  ['Tasks:ReminderSet', 'reminderSet', 'bool'],
  ['Tasks:ReminderTime', 'reminderTime', 'date'],
  ['Tasks:OrdinalDate', 'ordinalDate', 'date'],
  ['Tasks:SubOrdinalDate', 'subOrdinalDate', 'text'],
];
/** Only a completed flag reports when it was completed. */
const COMPLETION: ReadonlySet<DetailKey> = new Set(['dateCompleted', 'completeTime']);

/**
 * email:Flag: empty when not flagged (which also clears a flag on the device); else Status 2 (flagged) or
 * 1 (completed) with the details the client set. A flag set without details (an IMAP \Flagged, data
 * from before details were kept) is an active "Flag for follow up".
 */
export function flagElement(item: Pick<Item, 'flags' | 'flagDetails'>): WbxmlElement {
  const d = item.flagDetails ?? {};
  const status = item.flags.flagged ? 2 : d.complete ? 1 : 0;
  if (status === 0) return el('Email:Flag');
  return el('Email:Flag',
    d.subject !== undefined && el('Tasks:Subject', d.subject),
    el('Email:Status', status),
    el('Email:FlagType', d.flagType ?? FLAG_TYPE),
    DETAILS.map(([tag, key]) => {
      const v = d[key];
      if (v === undefined || (status === 2 && COMPLETION.has(key))) return null;
      return el(tag, typeof v === 'boolean' ? (v ? 1 : 0) : v);
    }));
}

export function categoriesElement(categories: readonly string[]): WbxmlElement {
  return el('Email:Categories', cleanCategories(categories).map((c) => el('Email:Category', c)));
}

function cleanCategories(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const c of list) {
    const name = c.replace(/[\r\n\t]+/g, ' ').trim();
    if (name) out.add(name);
    if (out.size >= MAX_CATEGORIES) break;
  }
  return [...out];
}

/**
 * LastVerbExecuted from the IMAP-style flags. When both are set and no time says which came last, a reply
 * wins over a forward; reply-to-all cannot be told from reply, so it is reported as reply.
 */
export function lastVerb(flags: ItemFlags): 0 | 1 | 3 {
  return flags.answered ? 1 : flags.forwarded ? 3 : 0;
}

/** The verb to report and, when the store recorded it and its flag is still set, when it happened. */
export function lastVerbOf(item: Pick<Item, 'flags' | 'lastVerb'>): { verb: 0 | 1 | 3; at: number | null } {
  const lv = item.lastVerb;
  if (lv && (lv.kind === 'reply' ? item.flags.answered : item.flags.forwarded)) return { verb: lv.kind === 'reply' ? 1 : 3, at: lv.at };
  return { verb: lastVerb(item.flags), at: null };
}

/** LastVerbExecuted (0 included: it clears the icon on a device that had one) and its time when known. */
export function lastVerbElements(item: Pick<Item, 'flags' | 'lastVerb'>, withZero: boolean): Array<WbxmlElement | false> {
  const { verb, at } = lastVerbOf(item);
  return [(withZero || verb !== 0) && el('Email2:LastVerbExecuted', verb), verb !== 0 && at !== null && el('Email2:LastVerbExecutionTime', easDate(at))];
}

/** ApplicationData of a flags-only Sync Change: Read, Flag (12.0+), Categories and LastVerbExecuted (14.0+). */
export function renderEmailChange(item: Item, version: number): WbxmlElement {
  return el('AirSync:ApplicationData',
    el('Email:Read', item.flags.seen ? 1 : 0),
    version >= 120 && flagElement(item),
    // Sent even when empty: that is how a device learns the last category was removed.
    version >= 140 && categoriesElement(item.categories),
    version >= 140 && lastVerbElements(item, true));
}

const bool = (e: WbxmlElement): boolean | undefined => {
  const v = text(e).trim().toLowerCase();
  return v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : undefined;
};

/** MS-ASDTYPE 2.3 dateTime, "2025-07-04T09:30:00.000Z" (milliseconds optional, as some clients omit them). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const isDateTime = (s: string): boolean => DATE_TIME.test(s) && Number.isFinite(Date.parse(s));

/**
 * A client's Flag to the store's flagged + details; null when it has children but no Status (not
 * understood: nothing changes). Status other than 0/1/2 is refused (MS-ASEMAIL 2.2.2.74: Sync Status 6).
 * A detail whose value is not of its type (a date that is not a dateTime) is left out, the rest kept.
 */
function parseFlag(flag: WbxmlElement): { flagged: boolean; details: FlagDetails | null } | null {
  if (elements(flag).length === 0) return { flagged: false, details: null };
  const statusText = textOf(flag, 'Email:Status');
  if (statusText === undefined) return null;
  const status = intOf(flag, 'Email:Status');
  if (status !== 0 && status !== 1 && status !== 2) throw new ClassError(`Email:Flag: Status ${statusText.trim()}`);
  if (status === 0) return { flagged: false, details: null };
  const d: FlagDetails = status === 1 ? { complete: true } : {};
  const flagType = textOf(flag, 'Email:FlagType')?.trim();
  if (flagType) d.flagType = flagType;
  const subject = textOf(flag, 'Tasks:Subject');
  if (subject !== undefined) d.subject = subject;
  for (const [tag, key, kind] of DETAILS) {
    const e = child(flag, tag);
    if (!e || (status === 2 && COMPLETION.has(key))) continue;
    if (key === 'reminderSet') {
      const b = bool(e);
      if (b !== undefined) d.reminderSet = b;
      continue;
    }
    const v = text(e).trim();
    if (kind === 'date' ? isDateTime(v) : v !== '') d[key] = v;
  }
  return { flagged: status === 2, details: Object.keys(d).length > 0 ? d : null };
}

/** A client Change's ApplicationData to what the store keeps: read flag, follow-up flag and its details, categories. */
export function parseEmailChange(appData: WbxmlElement): ItemPatch {
  const flags: Partial<ItemFlags> = {};
  const out: ItemPatch = {};
  const read = child(appData, 'Email:Read');
  const seen = read ? bool(read) : undefined;
  if (seen !== undefined) flags.seen = seen;
  const flagEl = child(appData, 'Email:Flag');
  const flag = flagEl ? parseFlag(flagEl) : null;
  if (flag) {
    flags.flagged = flag.flagged;
    out.flagDetails = flag.details;
  }
  if (Object.keys(flags).length > 0) out.flags = flags;
  const cats = child(appData, 'Email:Categories');
  if (cats) out.categories = cleanCategories(children(cats, 'Email:Category').map(text));
  return out;
}
