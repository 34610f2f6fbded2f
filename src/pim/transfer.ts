// Import and export of a mailbox's contacts (vCard) for admins and tests: `carbonio mailbox importContacts`
// / `exportContacts` through the admin API. An import is one transaction: a file that cannot be read, or
// a store error half-way, leaves the mailbox as it was. Contacts have no key shared with the phones, so
// every imported card is added (importing the same file twice gives two of each, as in Outlook).
import { StoreError } from '../core/errors.js';
import { folderPages } from '../store/pages.js';
import type { Account, Folder, FolderKind, Store } from '../store/types.js';
import { readContactData } from './contact-model.js';
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
  await store.transaction(async (tx) => {
    for (const c of cards) await tx.mailbox.addItem(account.id, folder.id, { kind: 'contact', data: c.data, categories: c.categories });
  });
  return { folder: folder.name, imported: cards.length, updated: 0, skipped: [] };
}

export async function exportContacts(store: Store, account: Account, folderName?: string): Promise<{ folder: string; count: number; text: string }> {
  const folder = await pimFolder(store, account, 'contacts', folderName);
  const parts: string[] = [];
  for await (const page of folderPages(store.mailbox, account.id, folder.id)) {
    for (const item of page) if (item.kind === 'contact') parts.push(contactToVCard(readContactData(item.data), item.categories, { uid: `${folder.id}-${item.id}@carbonio-mobile` }));
  }
  return { folder: folder.name, count: parts.length, text: parts.join('') };
}
