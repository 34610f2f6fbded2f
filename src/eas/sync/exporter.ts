// What the server sends for a collection (MS-ASCMD 2.2.3.7.2 Add, 2.2.3.24 Change, 2.2.3.42.2 Delete,
// 2.2.3.172 SoftDelete), at most `budget` commands: first the folder's entries of the change log since
// the state's modseq (so an incremental Sync costs what changed, not what the folder holds), then the
// items that slid out of the time window, then the initial download by id cursor. Items are planned
// here, inside the transaction; they are rendered after commit.
import { asItemId, type ItemId } from '../../core/ids.js';
import type { Folder, Item, Repos } from '../../store/types.js';
import type { EasContext } from '../command.js';
import { itemServerId, type CollectionState, type HeldChanges } from './collection-state.js';

export type ServerCommand =
  | { kind: 'add'; serverId: string; item: Item }
  | { kind: 'change'; serverId: string; item: Item }
  | { kind: 'delete' | 'softdelete'; serverId: string };

export interface ExportResult {
  commands: ServerCommand[];
  more: boolean;
}

/** Log entries read per query: bounded so a device that was away a long time catches up in slices. */
const LOG_SLICE = 2000;

export async function exportChanges(
  ctx: EasContext, tx: Repos, folder: Folder, state: CollectionState, budget: number, changes: HeldChanges, now: number,
): Promise<ExportResult> {
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  const coll = String(folder.id);
  const out: ServerCommand[] = [];
  const inWindow = (i: Item): boolean => state.windowStart === 0 || i.receivedAt >= state.windowStart;
  const sid = (id: ItemId): string => itemServerId(folder.id, id);

  // 1. The change log: adds, changes, moves and deletes that concern this folder.
  const top = await tx.mailbox.currentModseq(accountId);
  let more = false;
  while (state.modseq < top && !more) {
    const log = (await tx.mailbox.changesSince(accountId, state.modseq, LOG_SLICE)).filter((c) => c.modseq <= top);
    if (log.length === 0) break;
    const mine = log.filter((c) => c.itemId !== null && (c.folderId === folder.id || c.fromFolderId === folder.id));
    const ids = [...new Set(mine.map((c) => c.itemId!))];
    const stored = await tx.deviceState.held(accountId, deviceId, coll, ids);
    changes.know(stored);
    // The client's own commands of this request are already in `changes`: they are not echoed back.
    const held = changes.overlay(stored);
    const seen = new Set<ItemId>();
    for (const c of log) {
      if (out.length >= budget) {
        more = true;
        break;
      }
      state.modseq = c.modseq;
      const id = c.itemId;
      if (id === null || seen.has(id) || !(c.folderId === folder.id || c.fromFolderId === folder.id)) continue;
      seen.add(id);
      const item = await tx.mailbox.getItem(accountId, id);
      const here = item !== null && item.folderId === folder.id;
      const version = held.get(id);
      if (version !== undefined) {
        if (!here) {
          out.push({ kind: 'delete', serverId: sid(id) });
          changes.drop(id);
        } else if (!inWindow(item)) {
          out.push({ kind: 'softdelete', serverId: sid(id) });
          changes.drop(id);
        } else if (item.modseq > version) {
          out.push({ kind: 'change', serverId: sid(id), item });
          changes.hold(id, item.modseq);
        }
      } else if (here && inWindow(item) && (state.cursor === null || id <= state.cursor)) {
        // Beyond the cursor the initial download will bring it.
        out.push({ kind: 'add', serverId: sid(id), item });
        changes.hold(id, item.modseq);
      }
    }
    if (log.length < LOG_SLICE && !more) state.modseq = top;
  }

  // 2. Items that slid out of the time window.
  const start = state.options.filterType === 0 ? 0 : windowStartFor(state, now);
  if (!more && start > state.windowStart) {
    const room = budget - out.length;
    const gone = await tx.deviceState.heldBefore(accountId, deviceId, coll, folder.id, start, room + 1, state.windowStart || undefined);
    const take = gone.slice(0, room);
    changes.know(await tx.deviceState.held(accountId, deviceId, coll, take));
    for (const id of take) {
      out.push({ kind: 'softdelete', serverId: sid(id) });
      changes.drop(id);
    }
    if (gone.length > room) more = true;
    else state.windowStart = start;
  }

  // 3. The initial download (or the refill after the window widened), lowest id first.
  // The folder is walked by id from the cursor (an index range scan) and held items are looked up by
  // key: an anti-join here made PostgreSQL re-scan everything already sent at every window.
  while (!more && state.cursor !== null) {
    const limit = budget - out.length + 1;
    const items = await tx.mailbox.listItems(accountId, folder.id, {
      limit, afterId: asItemId(state.cursor), ...(state.windowStart ? { receivedSince: state.windowStart } : {}),
    });
    const stored = await tx.deviceState.held(accountId, deviceId, coll, items.map((i) => i.id));
    changes.know(stored);
    const held = changes.overlay(stored);
    for (const item of items) {
      if (out.length >= budget) {
        more = true;
        break;
      }
      state.cursor = item.id;
      // Already on the device (the loop safety net's skip, or brought by the change log).
      if (held.has(item.id)) continue;
      out.push({ kind: 'add', serverId: sid(item.id), item });
      changes.hold(item.id, item.modseq);
    }
    if (!more && items.length < limit) state.cursor = null;
  }
  return { commands: out, more };
}

/** The window's oldest receive time for the state's FilterType, rounded down to the hour so it moves in steps. */
export function windowStartFor(state: Pick<CollectionState, 'options'>, now: number): number {
  // 8: incomplete tasks only; completed tasks are dated 0 (src/eas/classes/task.ts).
  if (state.options.filterType === 8) return 1;
  const span = filterSpan(state.options.filterType);
  return span === 0 ? 0 : Math.floor((now - span) / 3_600_000) * 3_600_000;
}

function filterSpan(filterType: number): number {
  const day = 86_400_000;
  return ({ 1: day, 2: 3 * day, 3: 7 * day, 4: 14 * day, 5: 30 * day, 6: 90 * day, 7: 180 * day } as Record<number, number>)[filterType] ?? 0;
}
