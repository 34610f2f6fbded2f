// A collection's SyncState (MS-ASCMD 2.2.3.181.4, ARCHITECTURE.md section 2): the current key N, how far
// the change log has been read, the initial download's cursor, the options, and the record of the
// last transition (N-1 -> N) with what it changed in the device's item set, so a request resent with
// key N-1 is answered by undoing that transition and running it again: same key, same items, nothing
// done twice. The held items themselves are rows in the store (deviceState), not part of this JSON.
import { asItemId, type FolderId, type ItemId } from '../../core/ids.js';
import type { HeldItem } from '../../store/types.js';
import type { BodyPreference } from '../classes/email.js';
import { formatKey, type SyncKey } from './sync-key.js';

export interface CollectionOptions {
  filterType: number;
  bodyPreferences: BodyPreference[];
  mimeSupport: 0 | 1 | 2;
  mimeTruncation?: number;
  truncation?: number;
  /** 1 = server wins (default), 0 = client wins. */
  conflict: 0 | 1;
  /**
   * The Supported list of the collection's SyncKey 0 request ('Contacts:FirstName', ...; MS-ASCMD 2.2.3.179):
   * what the device stores; what it leaves out is ghosted and kept when a Change omits it.
   */
  supported?: string[];
}

export const defaultOptions = (): CollectionOptions => ({ filterType: 0, bodyPreferences: [], mimeSupport: 0, conflict: 1 });

/** One transition's footprint on the device's item set: each row touched and what it held before (null: nothing). */
export type Undo = Array<[itemId: number, before: number | null]>;

export interface CollectionState {
  key: SyncKey;
  /** Account modseq up to which this folder's changes have been answered. */
  modseq: number;
  /** Initial download: items with id above `cursor` not held yet are still to be sent; null when done. */
  cursor: number | null;
  /** Oldest receive time of the current window (0: no window); SoftDelete scans start here. */
  windowStart: number;
  options: CollectionOptions;
  last: { fromKey: string; prev: Omit<CollectionState, 'last'>; undo: Undo; adds?: Record<string, string> } | null;
  /** Consecutive resends of one key: the loop safety net narrows the window, then skips the item. */
  loop?: { key: string; count: number };
  /** Items the loop safety net skipped (shown to admins as "attention needed"). */
  flagged?: Array<{ itemId: number; at: number; reason: string }>;
}

/** Resends of one key before the window narrows to 25, to 1, and before the one item is skipped. */
export const LOOP_NARROW = 2;
export const LOOP_SINGLE = 3;
export const LOOP_SKIP = 4;
const MAX_FLAGGED = 50;

/** The window for a request, narrowed while a device keeps resending one key. */
export function loopWindow(window: number, loop: CollectionState['loop']): number {
  if (!loop) return window;
  if (loop.count >= LOOP_SINGLE) return 1;
  if (loop.count >= LOOP_NARROW) return Math.min(window, 25);
  return window;
}

export function flag(list: CollectionState['flagged'], itemId: number, at: number, reason: string): NonNullable<CollectionState['flagged']> {
  return [...(list ?? []).filter((f) => f.itemId !== itemId), { itemId, at, reason }].slice(-MAX_FLAGGED);
}

export const stateKey = (s: Pick<CollectionState, 'key'>): string => formatKey(s.key);

export function decodeCollectionState(data: string): CollectionState | null {
  try {
    const s = JSON.parse(data) as CollectionState;
    return s && typeof s === 'object' && s.key && typeof s.modseq === 'number' && s.options ? s : null;
  } catch {
    return null;
  }
}

/** Records every held-row change of a transition (the last word per item) with the value it replaced. */
export class HeldChanges {
  private readonly pending = new Map<ItemId, number | null>();
  private readonly before = new Map<number, number | null>();
  private readonly held = new Map<ItemId, number>();

  /** Tells the recorder what the device holds of some items, before anything of this transition. */
  know(held: ReadonlyMap<ItemId, number>): void {
    for (const [k, v] of held) if (!this.held.has(k)) this.held.set(k, v);
  }

  hold(itemId: ItemId, modseq: number): void {
    if (!this.before.has(itemId)) this.before.set(itemId, this.held.get(itemId) ?? null);
    this.pending.set(itemId, modseq);
  }

  drop(itemId: ItemId): void {
    if (!this.before.has(itemId)) this.before.set(itemId, this.held.get(itemId) ?? null);
    this.pending.set(itemId, null);
  }

  /** How many items this transition decided about so far. */
  get size(): number {
    return this.pending.size;
  }

  /** Whether this transition already decided about the item. */
  has(itemId: ItemId): boolean {
    return this.pending.has(itemId);
  }

  get now(): HeldItem[] {
    return [...this.pending].flatMap(([itemId, modseq]) => (modseq === null ? [] : [{ itemId, modseq }]));
  }

  get gone(): ItemId[] {
    return [...this.pending].flatMap(([itemId, modseq]) => (modseq === null ? [itemId] : []));
  }

  /** What the device will hold once this transition is written: `stored` with the pending rows on top. */
  overlay(stored: ReadonlyMap<ItemId, number>): Map<ItemId, number> {
    const out = new Map(stored);
    for (const [id, modseq] of this.pending) {
      if (modseq === null) out.delete(id);
      else out.set(id, modseq);
    }
    return out;
  }

  undo(): Undo {
    return [...this.before];
  }
}

/** The rows that put an item set back as it was before a transition. */
export function undoRows(undo: Undo): { now: HeldItem[]; gone: ItemId[] } {
  const now: HeldItem[] = [];
  const gone: ItemId[] = [];
  for (const [id, before] of undo) {
    if (before === null) gone.push(asItemId(id));
    else now.push({ itemId: asItemId(id), modseq: before });
  }
  return { now, gone };
}

/** Server ids of items: `<folder>:<item>`, so an id names its folder and moved items get a new id there. */
export const itemServerId = (folderId: FolderId, itemId: ItemId): string => `${folderId}:${itemId}`;

export function parseItemServerId(serverId: string): { folderId: number; itemId: ItemId } | null {
  const m = /^([1-9]\d{0,14}):([1-9]\d{0,14})$/.exec(serverId.trim());
  return m ? { folderId: Number(m[1]), itemId: asItemId(Number(m[2])) } : null;
}
