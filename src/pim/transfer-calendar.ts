// Import and export of a mailbox's calendar as iCalendar (RFC 5545), for `carbonio mailbox importCalendar`
// / `exportCalendar`. The import is one transaction. An event whose UID is already in the folder replaces
// it (importing the same file twice changes nothing; a newer export of the same calendar updates it);
// tasks (VTODO) in the file go to the account's Tasks folder; what cannot be stored is listed as skipped.
import { StoreError } from '../core/errors.js';
import { folderPages } from '../store/pages.js';
import type { Account, Folder, Item, Store } from '../store/types.js';
import { eventData, eventProblem, eventWindowDate } from './event-model.js';
import { eventsToICalendar, parseICalendar } from './ical.js';
import { taskProblem } from './task-model.js';
import { pimFolder, type ImportResult } from './transfer.js';

async function allItems(store: Store, account: Account, folder: Folder): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of folderPages(store.mailbox, account.id, folder.id)) out.push(...page);
  return out;
}

export async function importCalendar(store: Store, account: Account, text: string, folderName?: string): Promise<ImportResult> {
  const folder = await pimFolder(store, account, 'calendar', folderName);
  let cal;
  try {
    cal = parseICalendar(text, { now: Date.now() });
  } catch (err) {
    throw new StoreError('invalid', `not an iCalendar file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const byUid = new Map<string, Item>();
  for (const item of await allItems(store, account, folder)) if (item.kind === 'event') byUid.set(eventData(item.data).uid, item);
  const tasks = cal.tasks.length > 0 ? await pimFolder(store, account, 'tasks') : null;
  const result: ImportResult = { folder: folder.name, imported: 0, updated: 0, skipped: [...cal.skipped] };
  await store.transaction(async (tx) => {
    for (const ev of cal.events) {
      const problem = eventProblem(ev.data);
      if (problem) {
        result.skipped.push({ uid: ev.data.uid, reason: problem });
        continue;
      }
      const existing = ev.data.uid ? byUid.get(ev.data.uid) : undefined;
      if (existing) {
        await tx.mailbox.updateItemData(account.id, existing.id, ev.data, ev.categories, eventWindowDate(ev.data));
        result.updated++;
      } else {
        const made = await tx.mailbox.addItem(account.id, folder.id, { kind: 'event', data: ev.data, categories: ev.categories, receivedAt: eventWindowDate(ev.data) });
        if (ev.data.uid) byUid.set(ev.data.uid, made);
        result.imported++;
      }
    }
    for (const t of cal.tasks) {
      const problem = taskProblem(t.data);
      if (problem || !tasks) {
        result.skipped.push({ reason: problem ?? 'no tasks folder' });
        continue;
      }
      await tx.mailbox.addItem(account.id, tasks.id, { kind: 'task', data: t.data, categories: t.categories });
      result.imported++;
    }
  });
  return result;
}

export async function exportCalendar(store: Store, account: Account, folderName?: string): Promise<{ folder: string; count: number; text: string }> {
  const folder = await pimFolder(store, account, 'calendar', folderName);
  const events = (await allItems(store, account, folder)).filter((i) => i.kind === 'event').map((i) => ({ data: eventData(i.data, i.receivedAt), categories: i.categories }));
  return { folder: folder.name, count: events.length, text: eventsToICalendar(events, { prodId: '-//carbonio-mobile//EN' }) };
}
