// Every item of a folder, a page at a time (keyset paging on the item id), for the few places that must
// look at a whole folder: imports and exports, lookups by a key the store does not index (ClientUid, an
// event's UID, a contact's address) and free/busy. Protocol-free: it uses only the MailboxRepo interface.
import type { AccountId, FolderId } from '../core/ids.js';
import type { Item, MailboxRepo } from './types.js';

const PAGE = 500;

export async function* folderPages(mailbox: MailboxRepo, accountId: AccountId, folderId: FolderId, opts: { receivedSince?: number } = {}): AsyncGenerator<Item[]> {
  let after: Item['id'] | undefined;
  for (;;) {
    const page = await mailbox.listItems(accountId, folderId, { limit: PAGE, ...(after !== undefined ? { afterId: after } : {}), ...opts });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.id;
  }
}

/** The first item of the folder that `match` accepts, reading page by page. */
export async function findInFolder(mailbox: MailboxRepo, accountId: AccountId, folderId: FolderId, match: (item: Item) => boolean): Promise<Item | null> {
  for await (const page of folderPages(mailbox, accountId, folderId)) {
    const hit = page.find(match);
    if (hit) return hit;
  }
  return null;
}
