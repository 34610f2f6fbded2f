// Import and export of a mailbox's contacts (vCard) for admins and tests: `carbonio mailbox importContacts`
// / `exportContacts` through the admin API. An import is one transaction: a file that cannot be read, or
// a store error half-way, leaves the mailbox as it was. A card whose UID is already in the folder
// replaces that contact (as calendar imports do, transfer-calendar.ts), so importing a file again does not
// double it; a card without a UID is given one derived from its name, e-mail addresses and phone numbers
// (contact-identity.ts). The UID is stored with the contact; the export writes it, or for a contact made
// on a phone `<folder>-<item>@carbonio-mobile`, which an import into the same folder also recognises.
import { StoreError } from '../core/errors.js';
import { folderPages } from '../store/pages.js';
import type { Account, Folder, FolderKind, Item, Store } from '../store/types.js';
import { DerivedUids } from './contact-identity.js';
import { readContactData, type ContactData } from './contact-model.js';
import { contactToVCard, parseVCards } from './vcard.js';

export interface ImportResult {
  folder: string;
  imported: number;
  updated: number;
  skipped: Array<{ uid?: string; reason: string }>;
}

/** The folder of this kind named `name` (any case), or the account's default one (Contacts, Calendar...). */
export async function pimFolder(store: Store, account: Account, kind: Exclude<FolderKind, 'mail'>, name?: string): Promise<Folder> {
  const folders = (await store.mailbox.listFolders(account.id)).filter((f) => f.kind === kind);
  const found = name === undefined ? folders.find((f) => f.role === kind) : folders.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new StoreError('not-found', name === undefined ? `the account has no ${kind} folder` : `no ${kind} folder named ${name}`);
  return found;
}

export async function importContacts(store: Store, account: Account, text: string, folderName?: string): Promise<ImportResult> {
  const folder = await pimFolder(store, account, 'contacts', folderName);
  let cards;
  try {
    cards = parseVCards(text);
  } catch (err) {
    throw new StoreError('invalid', `not a vCard file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const byUid = new Map<string, { id: Item['id']; data: ContactData; categories: string[] }>();
  for await (const page of folderPages(store.mailbox, account.id, folder.id)) {
    for (const item of page) {
      if (item.kind !== 'contact') continue;
      const data = readContactData(item.data);
      byUid.set(contactUid(folder, item, data), { id: item.id, data, categories: item.categories });
    }
  }
  const derived = new DerivedUids();
  const result: ImportResult = { folder: folder.name, imported: 0, updated: 0, skipped: [] };
  await store.transaction(async (tx) => {
    for (const c of cards) {
      const data: ContactData = { ...c.data, uid: c.uid ?? derived.next(c.data) };
      const existing = byUid.get(data.uid);
      if (!existing) {
        const made = await tx.mailbox.addItem(account.id, folder.id, { kind: 'contact', data, categories: c.categories });
        byUid.set(data.uid, { id: made.id, data, categories: c.categories });
        result.imported++;
        continue;
      }
      // Counted as updated either way; a card that changes nothing is not written, so phones are not
      // sent a Change for every contact of a file imported again.
      result.updated++;
      if (sameContact(existing, data, c.categories)) continue;
      await tx.mailbox.updateItemData(account.id, existing.id, data, c.categories);
      byUid.set(data.uid, { id: existing.id, data, categories: c.categories });
    }
  });
  return result;
}

/** The UID a stored contact is exported under, and recognised by on import. */
function contactUid(folder: Folder, item: Item, data: ContactData): string {
  return data.uid || `${folder.id}-${item.id}@carbonio-mobile`;
}

function sameContact(a: { data: ContactData; categories: string[] }, data: ContactData, categories: string[]): boolean {
  return JSON.stringify(readContactData(a.data)) === JSON.stringify(readContactData(data)) && JSON.stringify(a.categories) === JSON.stringify(categories);
}

export async function exportContacts(store: Store, account: Account, folderName?: string): Promise<{ folder: string; count: number; text: string }> {
  const folder = await pimFolder(store, account, 'contacts', folderName);
  const parts: string[] = [];
  for await (const page of folderPages(store.mailbox, account.id, folder.id)) {
    for (const item of page) {
      if (item.kind !== 'contact') continue;
      const data = readContactData(item.data);
      parts.push(contactToVCard(data, item.categories, { uid: contactUid(folder, item, data) }));
    }
  }
  return { folder: folder.name, count: parts.length, text: parts.join('') };
}
