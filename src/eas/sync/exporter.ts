// What the server sends for a collection (MS-ASCMD 2.2.3.7.2 Add, 2.2.3.24 Change, 2.2.3.42.2 Delete,
// 2.2.3.172 SoftDelete), at most `budget` commands: first the folder's entries of the change log since
// the state's modseq (so an incremental Sync costs what changed, not what the folder holds), then the
// items that slid out of the time window, then the initial download by id cursor. Items are planned
// here, inside the transaction; they are rendered after commit.
import { asItemId, type ItemId } from '../../core/ids.js';
import type { Change, Folder, Item, Repos } from '../../store/types.js';
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
/** Items read per query while walking the log: at least this many (the store splits big lists itself). */
const READ_AHEAD_MIN = 32;
const READ_AHEAD_MAX = 500;
/**
 * Log entries read per query, at most a few times what the window can still take: a catch-up of 5,000
 * flag changes in windows of 100 read 2,000 entries and their held versions at every window, twenty
 * times what it sent (issue 16 part 3). The walk reads the next slice when one was not enough.
 */
const sliceFor = (room: number): number => Math.min(LOG_SLICE, Math.max(READ_AHEAD_MIN, room * 4));

/** One export: what every phase reads and the commands they add up to. */
interface Run {
  tx: Repos;
  accountId: EasContext['account']['id'];
  deviceId: EasContext['device']['deviceId'];
  coll: string;
  folder: Folder;
  state: CollectionState;
  budget: number;
  changes: HeldChanges;
  out: ServerCommand[];
}

export async function exportChanges(
  ctx: EasContext, tx: Repos, folder: Folder, state: CollectionState, budget: number, changes: HeldChanges, now: number,
): Promise<ExportResult> {
  const run: Run = { tx, accountId: ctx.account.id, deviceId: ctx.device.deviceId, coll: String(folder.id), folder, state, budget, changes, out: [] };
  const more = (await exportLog(run)) || (await exportWindowExits(run, now)) || (await exportInitial(run));
  return { commands: run.out, more };
}

const sid = (run: Run, id: ItemId): string => itemServerId(run.folder.id, id);
const inWindow = (run: Run, i: Item): boolean => run.state.windowStart === 0 || i.receivedAt >= run.state.windowStart;

/**
 * The items a log slice names, read in batches in the order the walk asks for them: as many at a time as
 * the window still has room for, so a window costs a query or two, not one per item, and a long backlog
 * is not read beyond what the window takes.
 */
class ReadAhead {
  private readonly got = new Map<ItemId, Item>();
  private readonly asked = new Set<ItemId>();
  private next = 0;

  constructor(private readonly run: Run, private readonly order: readonly ItemId[]) {}

  async get(id: ItemId, room: number): Promise<Item | null> {
    if (!this.asked.has(id)) {
      const at = this.order.indexOf(id, this.next);
      const from = at < 0 ? this.order.length : at;
      const batch = at < 0 ? [id] : this.order.slice(from, from + Math.min(READ_AHEAD_MAX, Math.max(room, READ_AHEAD_MIN)));
      for (const item of await this.run.tx.mailbox.getItems(this.run.accountId, batch)) this.got.set(item.id, item);
      for (const x of batch) this.asked.add(x);
      if (at >= 0) this.next = from + batch.length;
    }
    return this.got.get(id) ?? null;
  }
}

/** 1. The change log: adds, changes, moves and deletes that concern this folder. True when the window is full. */
async function exportLog(run: Run): Promise<boolean> {
  const { tx, accountId, folder, state, changes, out } = run;
  const concerns = (c: Change): boolean => c.folderId === folder.id || c.fromFolderId === folder.id;
  const top = await tx.mailbox.currentModseq(accountId);
  // Across slices: an item changed twice is sent once, from its current state.
  const seen = new Set<ItemId>();
  while (state.modseq < top) {
    const slice = sliceFor(run.budget - out.length);
    const log = (await tx.mailbox.changesSince(accountId, state.modseq, slice)).filter((c) => c.modseq <= top);
    if (log.length === 0) break;
    const ids = [...new Set(log.flatMap((c) => (c.itemId !== null && concerns(c) ? [c.itemId] : [])))];
    const stored = await tx.deviceState.held(accountId, run.deviceId, run.coll, ids);
    changes.know(stored);
    // The client's own commands of this request are already in `changes`: they are not echoed back.
    const held = changes.overlay(stored);
    const items = new ReadAhead(run, ids);
    for (const c of log) {
      if (out.length >= run.budget) return true;
      state.modseq = c.modseq;
      const id = c.itemId;
      if (id === null || seen.has(id) || !concerns(c)) continue;
      seen.add(id);
      const item = await items.get(id, run.budget - out.length);
      const here = item !== null && item.folderId === folder.id;
      const version = held.get(id);
      if (version !== undefined) {
        if (!here) {
          out.push({ kind: 'delete', serverId: sid(run, id) });
          changes.drop(id);
        } else if (!inWindow(run, item)) {
          out.push({ kind: 'softdelete', serverId: sid(run, id) });
          changes.drop(id);
        } else if (item.modseq > version) {
          out.push({ kind: 'change', serverId: sid(run, id), item });
          changes.hold(id, item.modseq);
        }
      } else if (here && inWindow(run, item) && (state.cursor === null || id <= state.cursor)) {
        // Beyond the cursor the initial download will bring it.
        out.push({ kind: 'add', serverId: sid(run, id), item });
        changes.hold(id, item.modseq);
      }
    }
    if (log.length < slice) state.modseq = top;
  }
  return false;
}

/** 2. Items that slid out of the time window. True when the window is full. */
async function exportWindowExits(run: Run, now: number): Promise<boolean> {
  const { tx, accountId, state, changes, out } = run;
  const start = state.options.filterType === 0 ? 0 : windowStartFor(state, now);
  if (start <= state.windowStart) return false;
  const room = run.budget - out.length;
  const gone = await tx.deviceState.heldBefore(accountId, run.deviceId, run.coll, run.folder.id, start, room + 1, state.windowStart || undefined);
  const take = gone.slice(0, room);
  changes.know(await tx.deviceState.held(accountId, run.deviceId, run.coll, take));
  for (const id of take) {
    out.push({ kind: 'softdelete', serverId: sid(run, id) });
    changes.drop(id);
  }
  if (gone.length > room) return true;
  state.windowStart = start;
  return false;
}

/**
 * 3. The initial download (or the refill after the window widened), lowest id first. True when the window
 * is full. The folder is walked by id from the cursor (an index range scan) and held items are looked up
 * by key: an anti-join here made PostgreSQL re-scan everything already sent at every window.
 */
async function exportInitial(run: Run): Promise<boolean> {
  const { tx, accountId, state, changes, out } = run;
  while (state.cursor !== null) {
    const limit = run.budget - out.length + 1;
    const items = await tx.mailbox.listItems(accountId, run.folder.id, {
      limit, afterId: asItemId(state.cursor), ...(state.windowStart ? { receivedSince: state.windowStart } : {}),
    });
    const stored = await tx.deviceState.held(accountId, run.deviceId, run.coll, items.map((i) => i.id));
    changes.know(stored);
    const held = changes.overlay(stored);
    for (const item of items) {
      if (out.length >= run.budget) return true;
      state.cursor = item.id;
      // Already on the device (the loop safety net's skip, or brought by the change log).
      if (held.has(item.id)) continue;
      out.push({ kind: 'add', serverId: sid(run, item.id), item });
      changes.hold(item.id, item.modseq);
    }
    if (items.length < limit) state.cursor = null;
  }
  return false;
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
