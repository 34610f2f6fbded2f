// What a request about to wait (or waiting without the change bus) checks in the store: whether the
// device's folder list is still the store's, and which watched folders changed since the device last
// synced them. Ping runs both before it waits; a held request re-runs them on a timer when
// useInstantNotifications is false (watch.ts).
import type { FolderId } from '../../core/ids.js';
import type { EasContext } from '../command.js';
import { decodeCollectionState } from './collection-state.js';
import { decodeState, diff, snapshot } from './hierarchy.js';

/** True when the device's folder list is the store's (else it must FolderSync first). */
export async function hierarchyCurrent(ctx: EasContext, folders: readonly string[]): Promise<boolean> {
  const { store } = ctx.deps;
  const row = await store.deviceState.getHierarchy(ctx.account.id, ctx.device.deviceId);
  const state = row ? decodeState(row.data) : null;
  if (!state) return false;
  const now = snapshot(await store.mailbox.listFolders(ctx.account.id));
  return diff(state.folders, now).length === 0 && folders.every((f) => now[f] !== undefined);
}

/** Folders with changes since the device last synced them (or never synced): they answer at once. */
export async function pendingFolders(ctx: EasContext, folders: readonly string[]): Promise<string[]> {
  const { store } = ctx.deps;
  const out: string[] = [];
  let since = Infinity;
  const positions = new Map<string, number>();
  for (const f of folders) {
    const row = await store.deviceState.getCollection(ctx.account.id, ctx.device.deviceId, f);
    const state = row ? decodeCollectionState(row.data) : null;
    if (!state) {
      out.push(f); // never synced: a Sync will prime it
      continue;
    }
    positions.set(f, state.modseq);
    since = Math.min(since, state.modseq);
  }
  if (positions.size === 0) return out;
  const top = await store.mailbox.currentModseq(ctx.account.id);
  if (since >= top) return out;
  for (const c of await store.mailbox.changesSince(ctx.account.id, since, 10_000)) {
    for (const id of [c.folderId, c.fromFolderId]) {
      if (id === null) continue;
      const f = String(id);
      const at = positions.get(f);
      if (at !== undefined && c.modseq > at && !out.includes(f)) out.push(f);
    }
  }
  return out;
}

/** One check of a held request that does not listen to the bus: what ends it now, or null to keep waiting. */
export async function recheck(ctx: EasContext, folderIds: readonly FolderId[], hierarchy: boolean): Promise<{ kind: 'hierarchy' } | { kind: 'changed'; folderIds: FolderId[] } | null> {
  const folders = folderIds.map(String);
  if (hierarchy && !(await hierarchyCurrent(ctx, folders))) return { kind: 'hierarchy' };
  const changed = new Set(await pendingFolders(ctx, folders));
  const ids = folderIds.filter((id) => changed.has(String(id)));
  return ids.length > 0 ? { kind: 'changed', folderIds: ids } : null;
}
