// GetItemEstimate's number (MS-ASCMD 2.2.1.9, 2.2.3.63 Estimate): how many commands the next Sync of a
// collection would send, computed read-only from the same sources as exportChanges (exporter.ts):
//   1. the folder's change-log entries since the state's modseq: a Change, Delete or SoftDelete for an
//      item the device holds, an Add for one it does not (when the initial download is over);
//   2. SoftDeletes for held items the time window slid past;
//   3. the rest of the initial download: unsent items inside the window.
// Each item is counted once. The log is read in bounded slices up to a budget, so a device that was
// away for a long time gets a lower bound rather than a slow answer. Nothing is written.
import type { AccountId, DeviceId, ItemId } from '../../core/ids.js';
import type { Folder, Repos } from '../../store/types.js';
import type { CollectionState } from './collection-state.js';
import { windowStartFor } from './exporter.js';

/** Log entries read per query, as the exporter does. */
const LOG_SLICE = 2000;
/** Log entries read at most for one estimate; past it the estimate is a lower bound. */
const LOG_BUDGET = 20_000;
/** SoftDeletes of a sliding window counted at most. */
const SOFT_DELETE_CAP = 10_000;

export interface EstimateInput {
  accountId: AccountId;
  deviceId: DeviceId;
  collectionId: string;
  folder: Folder;
  state: CollectionState;
  /** The request's FilterType; when it differs from the state's, the next Sync moves the window. */
  filterType: number | undefined;
  now: number;
}

/** The state as the next Sync would see it with this FilterType (the window rules of sync-collection.ts). */
function withFilter(state: CollectionState, filterType: number | undefined, now: number): Pick<CollectionState, 'options' | 'windowStart' | 'cursor' | 'modseq'> {
  const s = { options: state.options, windowStart: state.windowStart, cursor: state.cursor, modseq: state.modseq };
  if (filterType === undefined || filterType === state.options.filterType) return s;
  s.options = { ...state.options, filterType };
  const start = windowStartFor(s, now);
  if (start === 0 || start < s.windowStart) {
    s.windowStart = start;
    s.cursor = 0;
  }
  return s;
}

export async function estimateCollection(repos: Repos, input: EstimateInput): Promise<number> {
  const { accountId, deviceId, collectionId: coll, folder, now } = input;
  const state = withFilter(input.state, input.filterType, now);
  const inWindow = (receivedAt: number): boolean => state.windowStart === 0 || receivedAt >= state.windowStart;
  const seen = new Set<ItemId>();
  /** Held items already counted as a Change, Delete or SoftDelete. */
  const counted = new Set<ItemId>();
  let count = 0;

  // 1. The change log.
  const top = await repos.mailbox.currentModseq(accountId);
  let since = state.modseq;
  let read = 0;
  while (since < top && read < LOG_BUDGET) {
    const log = (await repos.mailbox.changesSince(accountId, since, LOG_SLICE)).filter((c) => c.modseq <= top);
    const last = log[log.length - 1];
    if (!last) break;
    read += log.length;
    since = last.modseq;
    const ids = [...new Set(log.flatMap((c) => (c.itemId !== null && !seen.has(c.itemId) && (c.folderId === folder.id || c.fromFolderId === folder.id) ? [c.itemId] : [])))];
    const held = ids.length > 0 ? await repos.deviceState.held(accountId, deviceId, coll, ids) : new Map<ItemId, number>();
    for (const id of ids) {
      seen.add(id);
      const item = await repos.mailbox.getItem(accountId, id);
      const here = item !== null && item.folderId === folder.id;
      const version = held.get(id);
      if (version !== undefined) {
        if (!here || !inWindow(item.receivedAt) || item.modseq > version) {
          count++;
          counted.add(id);
        }
      } else if (here && inWindow(item.receivedAt) && state.cursor === null) {
        // While the initial download runs, unsent items are all counted in step 3.
        count++;
      }
    }
    if (log.length < LOG_SLICE) break;
  }

  // 2. Held items the window slid past.
  let windowStart = state.windowStart;
  const start = state.options.filterType === 0 ? 0 : windowStartFor(state, now);
  if (start > state.windowStart) {
    const gone = await repos.deviceState.heldBefore(accountId, deviceId, coll, folder.id, start, SOFT_DELETE_CAP, state.windowStart || undefined);
    count += gone.filter((id) => !counted.has(id)).length;
    windowStart = start;
  }

  // 3. The initial download (or the refill of a widened window).
  if (state.cursor !== null) {
    count += await repos.deviceState.countUnsent(accountId, deviceId, coll, folder.id, windowStart ? { receivedSince: windowStart } : {});
  }
  return count;
}
