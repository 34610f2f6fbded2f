// Reading a test account's mail straight from the store: the items of a system folder, a message's bytes,
// and the newest message of a folder parsed.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Account, FolderRole, Item } from '../../src/store/types.js';
import type { TestApp } from './app.js';

export async function itemsIn(app: TestApp, account: Account, role: FolderRole): Promise<Item[]> {
  return app.store.mailbox.listItems(account.id, (await app.store.mailbox.getFolderByRole(account.id, role))!.id);
}

export async function rawText(app: TestApp, item: Item): Promise<string> {
  return Buffer.from((await app.store.blobs.get(item.blobId!))!).toString('utf8');
}

export async function newestIn(app: TestApp, account: Account, role: FolderRole): Promise<ParsedMail> {
  const items = await itemsIn(app, account, role);
  return simpleParser(Buffer.from((await app.store.blobs.get(items[items.length - 1]!.blobId!))!));
}
