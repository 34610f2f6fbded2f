// A test account's mail straight from the store: the items of a system folder, a message's bytes, the
// newest message of a folder parsed, and many messages written at once as a fixture.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AccountId, FolderId } from '../../src/core/ids.js';
import type { Account, FolderRole, Item, NewMessage } from '../../src/store/types.js';
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

/**
 * A fixture of many messages: the store's batch insert (addMessages), `chunk` messages per transaction,
 * so a 1,000-message mailbox costs a few statements instead of six per message. The messages get
 * consecutive modseqs as they would by delivery; change notices go out once per chunk, after its commit.
 */
export async function addMessages(app: Pick<TestApp, 'store'>, accountId: AccountId, folderId: FolderId, messages: readonly NewMessage[], chunk = 500): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < messages.length; i += chunk) out.push(...await app.store.mailbox.addMessages(accountId, folderId, messages.slice(i, i + chunk)));
  return out;
}
