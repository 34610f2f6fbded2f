// Per-folder sync exclusion (issue 15, Carbonio's `carbonio mobile disableFolderSync <account> <folder>
// <true|false>`, "any folder except system folders"), shared by the admin API. The flag is stored on the
// folder, so every server process hides it from phones (src/eas/synced-store.ts). In the same transaction
// every device of the account forgets its position in that folder and its sub-folders (collection ids
// are folder ids), so enabling it again starts them from SyncKey 0 with a full sync. The store logs the
// change as a hierarchy change: the bus ends held Pings on every node (Status 7), and the next FolderSync
// deletes or adds it.
import type { FolderId } from '../core/ids.js';
import type { Account, Folder, Store } from '../store/types.js';

/** `disabled` true excludes the folder from mobile sync; false brings it back. Errors are StoreErrors. */
export async function setFolderSync(store: Store, account: Account, folderId: FolderId, disabled: boolean): Promise<Folder> {
  return store.transaction(async (tx) => {
    const before = await tx.mailbox.getFolder(account.id, folderId);
    const folder = await tx.mailbox.setFolderSyncDisabled(account.id, folderId, disabled);
    if (before?.syncDisabled !== disabled) {
      // Its sub-folders come and go with it: their positions go too.
      const all = await tx.mailbox.listFolders(account.id);
      const ids = [folderId];
      for (let i = 0; i < ids.length && i < all.length; i++) for (const f of all) if (f.parentId === ids[i]) ids.push(f.id);
      for (const d of await tx.devices.list(account.id)) {
        for (const id of ids) await tx.deviceState.reset(account.id, d.deviceId, String(id));
      }
    }
    return folder;
  });
}

/** The folders that sync: not excluded, and no ancestor excluded. */
export function syncedFolders(all: readonly Folder[]): Folder[] {
  const byId = new Map(all.map((f) => [f.id, f]));
  const hidden = (f: Folder): boolean => {
    // Bounded walk: a damaged parent chain cannot loop forever.
    let cur: Folder | undefined = f;
    for (let depth = 0; cur && depth < 64; depth++) {
      if (cur.syncDisabled) return true;
      cur = cur.parentId === null ? undefined : byId.get(cur.parentId);
    }
    return false;
  };
  return all.filter((f) => !hidden(f));
}

/** The account's folders in tree order (parents before children), for listings. */
export function foldersInTreeOrder(folders: readonly Folder[]): Array<{ folder: Folder; path: string }> {
  const children = new Map<FolderId | null, Folder[]>();
  for (const f of folders) children.set(f.parentId, [...(children.get(f.parentId) ?? []), f]);
  const out: Array<{ folder: Folder; path: string }> = [];
  const walk = (parent: FolderId | null, prefix: string, depth: number): void => {
    if (depth > 64) return;
    for (const f of children.get(parent) ?? []) {
      const path = `${prefix}/${f.name}`;
      out.push({ folder: f, path });
      walk(f.id, path, depth + 1);
    }
  };
  walk(null, '', 0);
  return out;
}
