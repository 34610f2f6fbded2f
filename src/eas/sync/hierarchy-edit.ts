// What FolderCreate, FolderUpdate and FolderDelete share (MS-ASCMD 2.2.1.2-4): the request's key must be
// the device's current hierarchy key (else Status 9); the change to the store and the new hierarchy
// state are written in one transaction. Only the folders the request itself touched enter the device's
// snapshot, so its own change is not echoed back while changes made elsewhere still reach it at the
// next FolderSync. No SyncKey is returned on failure.
import type { Repos } from '../../store/types.js';
import { EasStatusError, type EasContext, type ErrorMap } from '../command.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { decodeState, encodeState, snapshot, stateKey, type HeldFolder, type HierarchyState } from './hierarchy.js';
import { nextKey } from './sync-key.js';

export const FolderEditStatus = {
  ok: 1, exists: 2, systemFolder: 3, notFound: 4, parentNotFound: 5, serverError: 6, invalidKey: 9, malformed: 10,
} as const;

/**
 * What a store error means for FolderCreate, FolderUpdate and FolderDelete (each command may refine it):
 * a name taken, a system folder, an unknown folder, a bad name; `conflict` is the hierarchy state reset or
 * advanced between our read and our write (the key is no longer current).
 */
export const folderEditErrors: ErrorMap = {
  exists: FolderEditStatus.exists,
  forbidden: FolderEditStatus.systemFolder,
  'not-found': FolderEditStatus.notFound,
  invalid: FolderEditStatus.malformed,
  conflict: FolderEditStatus.invalidKey,
};

export interface HierarchyEdit<T> {
  /** What the client gets back (e.g. the new folder's ServerId). */
  value: T;
  /** Server ids the request created, changed or deleted. */
  touched: string[];
}

/** Runs `change` against the store and returns the new hierarchy key with the change's value. */
export function editHierarchy<T>(ctx: EasContext, requestKey: string, change: (tx: Repos, held: Record<string, HeldFolder>) => Promise<HierarchyEdit<T>>): Promise<{ key: string; value: T }> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  return withDeviceLock(accountId, deviceId, async () => {
    const row = await store.deviceState.getHierarchy(accountId, deviceId);
    const state = row ? decodeState(row.data) : null;
    if (!state || stateKey(state) !== requestKey) throw new EasStatusError(FolderEditStatus.invalidKey, 'hierarchy SyncKey is not current');
    return store.transaction(async (tx) => {
      const edit = await change(tx, state.folders);
      const now = snapshot(await tx.mailbox.listFolders(accountId));
      const folders = { ...state.folders };
      for (const id of edit.touched) {
        const f = now[id];
        if (f) folders[id] = f;
        else delete folders[id];
      }
      // Sub-folders of a deleted folder went with it.
      for (let removed = true; removed;) {
        removed = false;
        for (const [id, f] of Object.entries(folders)) {
          if (f[0] !== '0' && !folders[f[0]] && !now[id]) {
            delete folders[id];
            removed = true;
          }
        }
      }
      const next: HierarchyState = { key: nextKey(state.key), folders, last: null };
      if (ctx.persistentDevice) await tx.deviceState.putHierarchy(accountId, deviceId, stateKey(next), encodeState(next), row?.key);
      return { key: stateKey(next), value: edit.value };
    });
  });
}
