// One collection of a Sync (MS-ASCMD 2.2.1.21, 2.2.3.181.4): check the key, apply the client's commands,
// plan the server's, and write the data, the held items and the new state in one transaction.
//   key 0            -> a new generation, nothing held, no items in the answer;
//   the current key  -> the next key when anything moved, else the same key;
//   the previous key -> the last transition is undone and run again (a lost answer costs nothing);
//   anything else    -> Status 3, the client starts the collection over.
// Store errors are left to the caller, which maps them with Sync's error table (src/eas/commands/sync.ts).
import { asItemId } from '../../core/ids.js';
import { DeviceStatus, type Folder, type Repos } from '../../store/types.js';
import type { EasContext } from '../command.js';
import {
  decodeCollectionState, defaultOptions, flag, HeldChanges, LOOP_SKIP, loopWindow, parseItemServerId, stateKey, undoRows,
  type CollectionOptions, type CollectionState,
} from './collection-state.js';
import { sendDrafts, type DraftSend } from './drafts.js';
import { exportChanges, windowStartFor, type ServerCommand } from './exporter.js';
import { folderIdOf } from './hierarchy.js';
import { importCommands, type ImportResponse } from './importer.js';
import { firstKey, nextKey, parseKey } from './sync-key.js';
import { SyncStatus, type CollectionRequest } from './sync-request.js';

export interface CollectionResult {
  collectionId: string;
  status: number;
  /** The key the answer carries ('0' with Status 3). */
  key: string;
  /** False when nothing moved: 14.0+ leave the collection out of the answer. */
  changed: boolean;
  more: boolean;
  commands: ServerCommand[];
  responses: ImportResponse[];
  options: CollectionOptions;
  folder: Folder | null;
}

const MAX_WINDOW = 512;
const DEFAULT_WINDOW = 100;

export function windowOf(req: CollectionRequest, global: number | null): number {
  const w = req.windowSize ?? global;
  if (w === null) return DEFAULT_WINDOW;
  return w <= 0 || w > MAX_WINDOW ? MAX_WINDOW : w;
}

/** Whether FilterType windows apply to a folder's items. */
export const windowed = (folder: Folder, filterType?: number): boolean =>
  folder.kind === 'mail' || folder.kind === 'calendar' || (folder.kind === 'tasks' && filterType === 8);

/** A collection answer without items: a failure status, or the new key of a SyncKey 0. */
export function collectionResult(req: CollectionRequest, status: number, key = req.syncKey): CollectionResult {
  return { collectionId: req.collectionId, status, key, changed: true, more: false, commands: [], responses: [], options: defaultOptions(), folder: null };
}

/** Applies a request's options to a state; a different FilterType moves the window (and refills a wider one). */
function withOptions(base: CollectionState, req: Partial<CollectionOptions> | null, now: number): CollectionState {
  const options = { ...base.options, ...req };
  const s: CollectionState = { ...base, options };
  if (options.filterType !== base.options.filterType) {
    const start = windowStartFor(s, now);
    if (start === 0 || start < s.windowStart) {
      s.windowStart = start;
      s.cursor = 0; // items now inside the window that the device never got
    }
  }
  return s;
}

export async function syncCollection(ctx: EasContext, req: CollectionRequest, globalWindow: number | null, now: number): Promise<CollectionResult> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  const folderId = folderIdOf(req.collectionId);
  const folder = folderId === null ? null : await store.mailbox.getFolder(accountId, folderId);
  if (!folder) return collectionResult(req, SyncStatus.hierarchyChanged);
  // FilterType is a date window for mail and calendars (MS-ASCMD 2.2.3.70.2) and "incomplete only" (8) for
  // tasks; contacts and notes are always whole.
  if (req.options?.filterType && !windowed(folder, req.options.filterType)) req = { ...req, options: { ...req.options, filterType: 0 } };
  const persist = ctx.persistentDevice && ctx.device.status !== DeviceStatus.wipeRequested;
  const row = await store.deviceState.getCollection(accountId, deviceId, req.collectionId);
  const state = row ? decodeCollectionState(row.data) : null;

  if (req.syncKey === '0') {
    const fresh = withOptions({ key: firstKey(), modseq: 0, cursor: 0, windowStart: 0, options: defaultOptions(), last: null }, req.options, now);
    fresh.windowStart = windowStartFor(fresh, now);
    return store.transaction(async (tx) => {
      fresh.modseq = await tx.mailbox.currentModseq(accountId);
      if (persist) {
        await tx.deviceState.reset(accountId, deviceId, req.collectionId);
        await tx.deviceState.putCollection(accountId, deviceId, req.collectionId, stateKey(fresh), JSON.stringify(fresh));
      }
      return { ...collectionResult(req, SyncStatus.ok, stateKey(fresh)), options: fresh.options, folder };
    });
  }

  const parsed = parseKey(req.syncKey);
  if (!parsed || !state || parsed.generation !== state.key.generation) return collectionResult(req, SyncStatus.invalidKey, '0');
  const resend = parsed.n === state.key.n - 1 && state.last?.fromKey === req.syncKey;
  if (!resend && parsed.n !== state.key.n) return collectionResult(req, SyncStatus.invalidKey, '0');

  // A state that moved under us (the store's `conflict`) is Status 3 with key 0: Sync's error table (sync.ts).
  return advance(ctx, req, globalWindow, now, folder, state, row?.key, resend, persist);
}

async function advance(
  ctx: EasContext, req: CollectionRequest, globalWindow: number | null, now: number, folder: Folder,
  state: CollectionState, storedKey: string | undefined, resend: boolean, persist: boolean,
): Promise<CollectionResult> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  const sends: DraftSend[] = [];
  const result = await store.transaction(async (tx) => {
    let base: CollectionState = state;
    if (resend && state.last) {
      const back = undoRows(state.last.undo);
      if (persist) await tx.deviceState.recordHeld(accountId, deviceId, req.collectionId, back.now, back.gone);
      base = { ...state.last.prev, last: null };
    }
    const working = withOptions(structuredClone(base), req.options, now);
    const changes = new HeldChanges();
    // Loop safety net: a device that keeps resending one key chokes on something we send it.
    const loop = resend ? { key: req.syncKey, count: (state.loop?.key === req.syncKey ? state.loop.count : 0) + 1 } : undefined;
    let flagged = state.flagged;
    if (loop && loop.count >= LOOP_SKIP && state.last) {
      for (const [id] of state.last.undo) {
        const item = await tx.mailbox.getItem(accountId, asItemId(id));
        if (!item || item.folderId !== folder.id) continue;
        // Held without being sent: the device never sees it again until it changes; an admin sees it flagged.
        changes.know(new Map([[item.id, item.modseq]]));
        changes.hold(item.id, item.modseq);
        flagged = flag(flagged, id, now, 'device kept resending its SyncKey on this item');
        ctx.log.warn({ event: 'sync-loop-skip', collectionId: req.collectionId, itemId: id }, 'loop safety net: item skipped for this device');
      }
    }
    const commandIds = req.commands.flatMap((c) => (c.kind === 'add' ? [] : [parseItemServerId(c.serverId)?.itemId])).filter((id) => id !== undefined);
    const held = await tx.deviceState.held(accountId, deviceId, req.collectionId, commandIds.map((id) => asItemId(id)));
    changes.know(held);
    const responses = await importCommands({
      // Only a client's Delete moves to the Trash: a Sync without commands (every window of a download)
      // does not look it up, one round trip less per window on PostgreSQL.
      ctx, tx, folder, trash: req.commands.length > 0 ? await tx.mailbox.getFolderByRole(accountId, 'trash') : null, commands: req.commands,
      deletesAsMoves: req.deletesAsMoves, options: working.options, held, changes,
      knownAdds: resend ? state.last?.adds ?? {} : {}, now, sends,
    });
    // The Adds of this transition, so a resend of this request creates nothing again.
    const adds = Object.fromEntries(responses.flatMap((r) => (r.kind === 'add' && r.serverId !== undefined ? [[r.clientId, r.serverId]] : [])));
    const exported = req.getChanges === false
      ? { commands: [], more: false }
      : await exportChanges(ctx, tx, folder, working, loopWindow(windowOf(req, globalWindow), loop), changes, now);
    const moved = req.commands.length > 0 || exported.commands.length > 0;
    let key = req.syncKey;
    if (moved) {
      const { last: _drop, ...prev } = base;
      // The loop counter lives only while the same key keeps coming back.
      const { loop: _oldLoop, flagged: _oldFlagged, ...rest } = working;
      const next: CollectionState = {
        ...rest, key: nextKey(base.key),
        last: { fromKey: req.syncKey, prev, undo: changes.undo(), ...(Object.keys(adds).length > 0 ? { adds } : {}) },
        ...(loop ? { loop } : {}), ...(flagged ? { flagged } : {}),
      };
      key = stateKey(next);
      if (persist) {
        await tx.deviceState.recordHeld(accountId, deviceId, req.collectionId, changes.now, changes.gone);
        await tx.deviceState.putCollection(accountId, deviceId, req.collectionId, key, JSON.stringify(next), storedKey);
      }
    } else if (persist && JSON.stringify(working) !== JSON.stringify(base)) {
      // Nothing to tell the device, but the log was read further (or the options changed): keep the key.
      await saveSameKey(tx, ctx, req.collectionId, resend ? { ...working, last: state.last } : { ...working, last: base.last }, storedKey);
    }
    return {
      collectionId: req.collectionId, status: SyncStatus.ok, key, changed: moved || resend, more: exported.more,
      commands: exported.commands, responses, options: working.options, folder,
    };
  });
  // Sending talks to the relay and writes to other mailboxes: never inside the Sync's transaction.
  if (sends.length > 0) await sendDrafts(ctx, sends);
  return result;
}

async function saveSameKey(tx: Repos, ctx: EasContext, collectionId: string, s: CollectionState, expectedKey: string | undefined): Promise<void> {
  await tx.deviceState.putCollection(ctx.account.id, ctx.device.deviceId, collectionId, stateKey(s), JSON.stringify(s), expectedKey);
}
