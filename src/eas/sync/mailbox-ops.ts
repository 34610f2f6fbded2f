// The folder-wide ItemOperations: EmptyFolderContents (MS-ASCMD 2.2.3.58, with 2.2.3.44
// DeleteSubFolders) and the conversation Move (2.2.3.117.1; MS-ASCON 2.2.2.7, 2.2.2.8 MoveAlways).
// Both change the mailbox in one transaction and leave the device bookkeeping to the change log: the
// next Sync of each folder on every device, this one included, brings the Deletes (and the Adds in the
// destination), since the response carries no new ServerIds the device could use instead.
import { Buffer } from 'node:buffer';
import type { AccountId, FolderId, ItemId } from '../../core/ids.js';
import type { Folder, Item, Repos } from '../../store/types.js';
import { conversationId } from '../classes/email-fields.js';
import type { EasContext } from '../command.js';
import { folderIdOf } from './hierarchy.js';
import { ItemOpsStatus } from './item-fetch.js';

const PAGE = 500;

/** Every item of a folder, a page at a time (keyset paging, so deleting or moving while reading is safe). */
async function forEachItem(repos: Repos, accountId: AccountId, folderId: FolderId, fn: (item: Item) => Promise<void>): Promise<void> {
  let after: ItemId | undefined;
  for (;;) {
    const page = await repos.mailbox.listItems(accountId, folderId, { limit: PAGE, ...(after !== undefined ? { afterId: after } : {}) });
    for (const item of page) await fn(item);
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return;
    after = last.id;
  }
}

const childrenOf = (folders: readonly Folder[], id: FolderId): Folder[] => folders.filter((f) => f.parentId === id);

/** Whether a folder's subtree holds a system folder (which is emptied, never deleted). */
function holdsSystem(folders: readonly Folder[], id: FolderId, depth = 0): boolean {
  return depth < 64 && childrenOf(folders, id).some((c) => c.role !== null || holdsSystem(folders, c.id, depth + 1));
}

function subtree(folders: readonly Folder[], id: FolderId): FolderId[] {
  const out: FolderId[] = [id];
  for (let i = 0; i < out.length && i < folders.length; i++) for (const c of childrenOf(folders, out[i]!)) out.push(c.id);
  return out;
}

/** EmptyFolderContents: every item of the folder, and with DeleteSubFolders its sub-folders (system folders are only emptied). */
export async function emptyFolder(ctx: EasContext, collectionId: string, deleteSubFolders: boolean): Promise<number> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const id = folderIdOf(collectionId);
  const folders = await store.mailbox.listFolders(accountId);
  const target = folders.find((f) => f.id === id);
  if (!target) return ItemOpsStatus.notFound;
  const clear = async (tx: Repos, folderId: FolderId): Promise<void> => {
    await forEachItem(tx, accountId, folderId, (item) => tx.mailbox.deleteItem(accountId, item.id));
  };
  const clearChildren = async (tx: Repos, parentId: FolderId, depth: number): Promise<void> => {
    if (depth > 64) return;
    for (const c of childrenOf(folders, parentId)) {
      if (c.role === null && !holdsSystem(folders, c.id)) {
        const gone = subtree(folders, c.id);
        await tx.mailbox.deleteFolder(accountId, c.id);
        // As FolderDelete does: this device's states of the deleted folders go with them.
        if (ctx.persistentDevice) for (const f of gone) await tx.deviceState.reset(accountId, ctx.device.deviceId, String(f));
      } else {
        await clear(tx, c.id);
        await clearChildren(tx, c.id, depth + 1);
      }
    }
  };
  await store.transaction(async (tx) => {
    await clear(tx, target.id);
    if (deleteSubFolders) await clearChildren(tx, target.id, 0);
  });
  return ItemOpsStatus.ok;
}

/**
 * Move of a conversation: every message whose ConversationId (the Email class's derivation, so the id a
 * device was given matches) equals the one asked, from every mail folder except Sent Items (MS-ASCON
 * 2.2.2.8) and the destination, to the destination. MoveAlways is required (Status 155); that future
 * messages of the conversation follow is not kept (no server-side rule store).
 */
export async function moveConversation(ctx: EasContext, wanted: Uint8Array, dstFldId: string, moveAlways: boolean): Promise<number> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  if (wanted.byteLength === 0) return ItemOpsStatus.protocolError;
  if (!moveAlways) return ItemOpsStatus.missingMoveAlways;
  const dstId = folderIdOf(dstFldId);
  const dst = dstId === null ? null : await store.mailbox.getFolder(accountId, dstId);
  if (!dst || dst.kind !== 'mail') return ItemOpsStatus.notFound;
  const key = Buffer.from(wanted).toString('hex');
  const sources = (await store.mailbox.listFolders(accountId)).filter((f) => f.kind === 'mail' && f.id !== dst.id && f.role !== 'sent');
  // Found outside the transaction (a read of the whole mail store), moved inside it after a recheck.
  const found: ItemId[] = [];
  for (const f of sources) {
    await forEachItem(store, accountId, f.id, (item) => {
      if (item.kind === 'message' && item.meta && Buffer.from(conversationId(item.meta, String(item.id))).toString('hex') === key) found.push(item.id);
      return Promise.resolve();
    });
  }
  if (found.length === 0) return ItemOpsStatus.notFound;
  const allowed = new Set<number>(sources.map((f) => f.id));
  await store.transaction(async (tx) => {
    for (const id of found) {
      const item = await tx.mailbox.getItem(accountId, id);
      if (item && allowed.has(item.folderId)) await tx.mailbox.moveItem(accountId, id, dst.id);
    }
  });
  return ItemOpsStatus.ok;
}
