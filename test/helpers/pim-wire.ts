// Test helpers for the Calendar and Tasks classes over EAS: a phone (FolderSync, then Sync of one PIM
// folder at a given protocol version), a flattening of ApplicationData into path/value pairs so a test can
// say "every field phone 1 sent reached phone 2 unchanged", and a reader that turns a received calendar
// item back into a recurring event the way a client would (times, TimeZone blob, Recurrence, Exceptions).
import { zoneForBlob, UTC_ZONE } from '../../src/pim/timezone.js';
import type { Recurrence, RecurrenceType, RecurringEvent } from '../../src/pim/recurrence.js';
import { child, children, el, elements, intOf, ns, qnameOf, text, textOf, type WbxmlElement } from '../../src/eas/wbxml/index.js';
import type { TestApp } from './app.js';
import { easRequest, type EasResponse } from './eas-client.js';

const as = ns('AirSync');

export interface Phone {
  deviceId: string;
  version: string;
  collectionId: string;
  key: string;
}

export interface Owner {
  email: string;
  password: string;
}

/** FolderSync, then the initial Sync of the folder of this FolderHierarchy type (8 calendar, 7 tasks). */
export async function phone(app: TestApp, owner: Owner, deviceId: string, version: string, folderType: number, options: WbxmlElement[] = []): Promise<Phone> {
  const fs = await easRequest(app, { cmd: 'FolderSync', user: owner.email, password: owner.password, deviceId, version, body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
  const folder = children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === folderType)!;
  const p: Phone = { deviceId, version, collectionId: textOf(folder, 'FolderHierarchy:ServerId')!, key: '0' };
  await sync(app, owner, p, [], options);
  return p;
}

export const collection = (r: EasResponse): WbxmlElement => child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;

/** One Sync of the phone's folder; the phone's key moves on. */
export async function sync(app: TestApp, owner: Owner, p: Phone, commands: WbxmlElement[] = [], options: WbxmlElement[] = []): Promise<EasResponse> {
  const r = await easRequest(app, {
    cmd: 'Sync', user: owner.email, password: owner.password, deviceId: p.deviceId, version: p.version,
    body: as('Sync', as('Collections', as('Collection', as('SyncKey', p.key), as('CollectionId', p.collectionId),
      options.length > 0 && as('Options', options), commands.length > 0 && as('Commands', commands)))),
  });
  if (r.root) p.key = textOf(collection(r), 'AirSync:SyncKey') ?? p.key;
  return r;
}

/** The Add/Change commands of a Sync answer, by kind. */
export function commands(r: EasResponse, kind: 'Add' | 'Change' | 'Delete' | 'SoftDelete'): WbxmlElement[] {
  return r.root ? children(child(collection(r), 'AirSync:Commands'), `AirSync:${kind}`) : [];
}

export const appData = (cmd: WbxmlElement): WbxmlElement => child(cmd, 'AirSync:ApplicationData')!;

/** Status and ServerId of the answer to a client Add. */
export function addResult(r: EasResponse): { status: number | undefined; serverId: string | undefined } {
  const a = child(child(collection(r), 'AirSync:Responses'), 'AirSync:Add');
  return { status: intOf(a, 'AirSync:Status'), serverId: textOf(a, 'AirSync:ServerId') };
}

/** Leaf elements as "Ns:A/Ns:B[i]/Ns:C" -> text; repeated siblings are indexed. */
export function flatten(e: WbxmlElement, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const c of elements(e)) {
    const name = qnameOf(c);
    const i = seen.get(name) ?? 0;
    seen.set(name, i + 1);
    const path = `${prefix}${name}[${i}]`;
    if (elements(c).length === 0) out.set(path, text(c));
    else for (const [k, v] of flatten(c, `${path}/`)) out.set(k, v);
  }
  return out;
}

/** The fields of `sent` that `received` lacks or has with another value (empty when all arrived). */
export function lostFields(sent: WbxmlElement, received: WbxmlElement, ignore: readonly string[] = []): string[] {
  const got = flatten(received);
  const lost: string[] = [];
  for (const [k, v] of flatten(sent)) {
    if (ignore.some((i) => k.includes(i))) continue;
    if (got.get(k) !== v) lost.push(`${k}: sent ${JSON.stringify(v)}, got ${JSON.stringify(got.get(k))}`);
  }
  return lost;
}

/** Compact DateTime or dateTime, as epoch ms. */
export function wireDate(s: string | undefined): number {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?Z$/.exec(s ?? '');
  if (!m) throw new Error(`not a date: ${s}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** A received calendar item read back the way a client reads it, ready for recurrence expansion. */
export function readEvent(data: WbxmlElement): RecurringEvent {
  const start = wireDate(textOf(data, 'Calendar:StartTime'));
  const blob = textOf(data, 'Calendar:Timezone');
  const zone = blob ? zoneForBlob(blob, new Date(start).getUTCFullYear()) : UTC_ZONE;
  const r = child(data, 'Calendar:Recurrence');
  let recurrence: Recurrence | undefined;
  if (r) {
    recurrence = { type: intOf(r, 'Calendar:Type') as RecurrenceType, interval: intOf(r, 'Calendar:Interval') ?? 1 };
    const n = (tag: 'Occurrences' | 'DayOfWeek' | 'DayOfMonth' | 'WeekOfMonth' | 'MonthOfYear' | 'FirstDayOfWeek'): number | undefined => intOf(r, `Calendar:${tag}`);
    const set = <K extends keyof Recurrence>(k: K, v: Recurrence[K] | undefined): void => { if (v !== undefined) recurrence![k] = v; };
    set('occurrences', n('Occurrences'));
    set('dayOfWeek', n('DayOfWeek'));
    set('dayOfMonth', n('DayOfMonth'));
    set('weekOfMonth', n('WeekOfMonth'));
    set('monthOfYear', n('MonthOfYear'));
    set('firstDayOfWeek', n('FirstDayOfWeek'));
    const until = textOf(r, 'Calendar:Until');
    if (until) recurrence.until = wireDate(until);
  }
  const exceptions = children(child(data, 'Calendar:Exceptions'), 'Calendar:Exception').map((x) => {
    const key = textOf(x, 'AirSyncBase:InstanceId') ?? textOf(x, 'Calendar:ExceptionStartTime');
    const s = textOf(x, 'Calendar:StartTime');
    const e = textOf(x, 'Calendar:EndTime');
    return {
      originalStart: wireDate(key), deleted: intOf(x, 'Calendar:Deleted') === 1,
      ...(s ? { start: wireDate(s) } : {}), ...(e ? { end: wireDate(e) } : {}),
    };
  });
  return { start, end: wireDate(textOf(data, 'Calendar:EndTime')), allDay: intOf(data, 'Calendar:AllDayEvent') === 1, zone, recurrence, exceptions };
}
