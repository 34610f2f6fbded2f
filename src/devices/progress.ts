// Per-folder sync progress of one device, for `carbonio mobile getDeviceInfo <account> <device_id>
// verbose true` (carbonio-features.md 3.1; z-push-admin's "Status: 40% (4/10)" and "Attention needed",
// eas-protocol.md 7). Read from the SyncStates: a folder's collection id is its server id (the store
// folder id); the hierarchy's own state is shown as collection 'hierarchy'. The key's counter is the N of
// `{generation}N`; the state's `data` belongs to the sync engine and is read for nothing but an optional
// `flagged` list (items its loop safety net skipped).
import { asFolderId, type DeviceId, type FolderId } from '../core/ids.js';
import type { Account, CollectionState, DeviceStateRepo, Repos } from '../store/types.js';

/** The name device listings and resets give the hierarchy's SyncState (stored apart: deviceState.getHierarchy). */
export const HIERARCHY_COLLECTION = 'hierarchy';

export interface CollectionProgress {
  collectionId: string;
  /** 'folder' for a folder that still exists, 'deleted' for one that no longer does, 'other' for ids we do not know. */
  kind: 'hierarchy' | 'folder' | 'deleted' | 'other';
  folderId: FolderId | null;
  /** The folder's name (null for the hierarchy and for a folder gone). */
  folder: string | null;
  /** The counter of the current SyncKey (null when the key is not of the `{generation}N` form). */
  syncKey: number | null;
  updatedAt: number;
  /** Items the device holds (null for the hierarchy, which tracks folders, not items). */
  held: number | null;
  /** Items in the folder now; for the hierarchy, the account's folders. Null for a folder gone. */
  total: number | null;
  /** Items the sync engine flagged as skipped (its `flagged` field), as ids. */
  attentionNeeded: string[];
}

const keyCounter = (key: string): number | null => {
  const m = /(\d{1,9})$/.exec(key);
  return m ? Number(m[1]) : null;
};

const folderIdOf = (collectionId: string): FolderId | null =>
  /^[1-9]\d{0,14}$/.test(collectionId) ? asFolderId(Number(collectionId)) : null;

/** The optional `flagged` array of a state's data, as ids (numbers, strings, or objects with an id). */
export function flaggedOf(data: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || !('flagged' in parsed)) return [];
  const flagged = parsed.flagged;
  if (!Array.isArray(flagged)) return [];
  const out: string[] = [];
  for (const f of flagged) {
    if (typeof f === 'number' || typeof f === 'string') out.push(String(f));
    else if (typeof f === 'object' && f !== null) {
      const o = f as Record<string, unknown>;
      const id = o.itemId ?? o.serverId ?? o.id;
      if (typeof id === 'number' || typeof id === 'string') out.push(String(id));
    }
  }
  return out;
}

async function progressOf(store: Pick<Repos, 'deviceState' | 'mailbox'>, account: Account, deviceId: DeviceId, c: CollectionState, folderCount: () => Promise<number>): Promise<CollectionProgress> {
  const base = { collectionId: c.collectionId, syncKey: keyCounter(c.key), updatedAt: c.updatedAt, attentionNeeded: flaggedOf(c.data) };
  if (c.collectionId === HIERARCHY_COLLECTION) {
    return { ...base, kind: 'hierarchy', folderId: null, folder: null, held: null, total: await folderCount() };
  }
  const folderId = folderIdOf(c.collectionId);
  const held = await store.deviceState.countHeld(account.id, deviceId, c.collectionId);
  if (folderId === null) return { ...base, kind: 'other', folderId: null, folder: null, held, total: null };
  const folder = await store.mailbox.getFolder(account.id, folderId);
  if (!folder) return { ...base, kind: 'deleted', folderId, folder: null, held, total: null };
  return { ...base, kind: 'folder', folderId, folder: folder.name, held, total: await store.mailbox.countItems(account.id, folderId) };
}

/**
 * Every SyncState of the device, as listings show them: the folders' (by collection id) and then the
 * hierarchy's under HIERARCHY_COLLECTION, the order they had when the hierarchy was a collection row.
 */
export async function deviceStates(deviceState: DeviceStateRepo, account: Account, deviceId: DeviceId): Promise<CollectionState[]> {
  const states = await deviceState.listCollections(account.id, deviceId);
  const h = await deviceState.getHierarchy(account.id, deviceId);
  return h ? [...states, { collectionId: HIERARCHY_COLLECTION, ...h }] : states;
}

/** Every collection the device has a SyncState for: the hierarchy first, then folders by id. */
export async function deviceProgress(store: Pick<Repos, 'deviceState' | 'mailbox'>, account: Account, deviceId: DeviceId): Promise<CollectionProgress[]> {
  const states = await deviceStates(store.deviceState, account, deviceId);
  let folders: Promise<number> | null = null;
  const folderCount = (): Promise<number> => (folders ??= store.mailbox.listFolders(account.id).then((l) => l.length));
  const out = await Promise.all(states.map((c) => progressOf(store, account, deviceId, c, folderCount)));
  const rank = (p: CollectionProgress): number => (p.kind === 'hierarchy' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || (Number(a.folderId ?? Infinity) - Number(b.folderId ?? Infinity)) || a.collectionId.localeCompare(b.collectionId));
}
