// What FolderCreate, FolderUpdate and FolderDelete share (MS-ASCMD 2.2.1.2-4): the request's key must be
// the device's current hierarchy key (else Status 9); the change to the store and the new hierarchy
// state are written in one transaction. Only the folders the request itself touched enter the device's
// snapshot, so its own change is not echoed back while changes made elsewhere still reach it at the
// next FolderSync. No SyncKey is returned on failure.
import { isStoreError } from '../../core/errors.js';
import type { Repos } from '../../store/types.js';
import { EasStatusError, type EasContext } from '../command.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { decodeState, encodeState, snapshot, stateKey, type HeldFolder, type HierarchyState } from './hierarchy.js';
import { nextKey } from './sync-key.js';

export const FolderEditStatus = {
  ok: 1, exists: 2, systemFolder: 3, notFound: 4, parentNotFound: 5, serverError: 6, invalidKey: 9, malformed: 10,
} as const;

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
    try {
      return await store.transaction(async (tx) => {
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
    } catch (err) {
      throw toFolderStatus(err);
    }
  });
}

export function toFolderStatus(err: unknown): unknown {
  if (err instanceof EasStatusError) return err;
  if (isStoreError(err, 'exists')) return new EasStatusError(FolderEditStatus.exists, err.message);
  // The hierarchy state was reset or advanced between our read and our write.
  if (isStoreError(err, 'conflict')) return new EasStatusError(FolderEditStatus.invalidKey, err.message);
  if (isStoreError(err, 'forbidden')) return new EasStatusError(FolderEditStatus.systemFolder, err.message);
  if (isStoreError(err, 'not-found')) return new EasStatusError(FolderEditStatus.notFound, err.message);
  if (isStoreError(err, 'invalid')) return new EasStatusError(FolderEditStatus.malformed, err.message);
  return err;
}
