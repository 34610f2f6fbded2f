// The store as the simulated sync sees it (src/eas/sync/simulate.ts; issue 15 part 6): reads go to the real
// store, and nothing reaches it. The device's SyncState (DeviceStateRepo: collection positions, held items,
// hierarchy, device records) is a scratch copy-on-write layer over the stored one, so the Sync engine moves its
// keys and held items window after window exactly as on a phone, in memory; every other repository is read-only
// (a method that is not a read throws). No database transaction is held meanwhile: other requests, and on
// SQLite the single connection, never wait for a simulation.
// The layer follows the SQL repository's semantics (src/store/sql/device-state.ts) method by method.
import { StoreError } from '../../core/errors.js';
import type { AccountId, DeviceId, FolderId, ItemId } from '../../core/ids.js';
import {
  DEVICE_RECORD_KINDS, isDeviceRecordKind,
  type CollectionState, type DeviceRecordKind, type DeviceStateRepo, type HeldItem, type HierarchyPosition, type Item, type MailboxRepo, type Repos, type Store,
} from '../../store/types.js';

/** What the simulation changed in one collection; `held` values null: no longer held. */
interface Layer {
  /** undefined: the stored one; null: none (reset). */
  state: CollectionState | null | undefined;
  /** True once reset: the stored held items no longer count. */
  reset: boolean;
  held: Map<ItemId, number | null>;
}

const PAGE = 500;

/** A write done at once, as a promise: a failure comes out as a rejection, as from the store's repositories. */
const settled = (fn: () => void): Promise<void> => new Promise((resolve) => { fn(); resolve(); });

export class ScratchDeviceState implements DeviceStateRepo {
  private readonly layers = new Map<string, Layer>();
  /** The whole device was reset: nothing stored counts any more. */
  private wiped = false;
  private hierarchy: HierarchyPosition | null | undefined;
  private readonly records = new Map<DeviceRecordKind, string | null>();

  constructor(private readonly base: DeviceStateRepo, private readonly mailbox: MailboxRepo, private readonly accountId: AccountId, private readonly deviceId: DeviceId) {}

  /** The simulation is about one device: a call about another is a bug, not something to pass through. */
  private mine(accountId: AccountId, deviceId: DeviceId): void {
    if (accountId !== this.accountId || deviceId !== this.deviceId) throw new StoreError('invalid', 'the simulated sync touches only its own device');
  }

  private layer(collectionId: string): Layer {
    let l = this.layers.get(collectionId);
    if (!l) this.layers.set(collectionId, (l = { state: undefined, reset: this.wiped, held: new Map() }));
    return l;
  }

  /** Whether the stored held items of the collection still count. */
  private stored(collectionId: string): boolean {
    return !this.wiped && !this.layers.get(collectionId)?.reset;
  }

  async getCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<CollectionState | null> {
    this.mine(accountId, deviceId);
    const l = this.layers.get(collectionId);
    if (l?.state !== undefined) return l.state;
    return this.stored(collectionId) ? this.base.getCollection(accountId, deviceId, collectionId) : null;
  }

  async listCollections(accountId: AccountId, deviceId: DeviceId): Promise<CollectionState[]> {
    this.mine(accountId, deviceId);
    const all = new Map((this.wiped ? [] : await this.base.listCollections(accountId, deviceId)).map((c) => [c.collectionId, c]));
    for (const [id, l] of this.layers) {
      if (l.state === null) all.delete(id);
      else if (l.state) all.set(id, l.state);
    }
    return [...all.values()].sort((a, b) => (a.collectionId < b.collectionId ? -1 : a.collectionId > b.collectionId ? 1 : 0));
  }

  async putCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string, key: string, data: string, expectedKey?: string): Promise<void> {
    this.mine(accountId, deviceId);
    if (expectedKey !== undefined && (await this.getCollection(accountId, deviceId, collectionId))?.key !== expectedKey) {
      throw new StoreError('conflict', `state of collection ${collectionId} changed meanwhile`);
    }
    this.layer(collectionId).state = { collectionId, key, data, updatedAt: Date.now() };
  }

  reset(accountId: AccountId, deviceId: DeviceId, collectionId?: string): Promise<void> {
    return settled(() => {
      this.mine(accountId, deviceId);
      if (collectionId !== undefined) {
        this.layers.set(collectionId, { state: null, reset: true, held: new Map() });
        return;
      }
      this.wiped = true;
      this.layers.clear();
      this.hierarchy = null;
      for (const k of DEVICE_RECORD_KINDS) this.records.set(k, null);
    });
  }

  async getHierarchy(accountId: AccountId, deviceId: DeviceId): Promise<HierarchyPosition | null> {
    this.mine(accountId, deviceId);
    if (this.hierarchy !== undefined) return this.hierarchy;
    return this.wiped ? null : this.base.getHierarchy(accountId, deviceId);
  }

  async putHierarchy(accountId: AccountId, deviceId: DeviceId, key: string, data: string, expectedKey?: string): Promise<void> {
    this.mine(accountId, deviceId);
    if (expectedKey !== undefined && (await this.getHierarchy(accountId, deviceId))?.key !== expectedKey) {
      throw new StoreError('conflict', 'state of the folder hierarchy changed meanwhile');
    }
    this.hierarchy = { key, data, updatedAt: Date.now() };
  }

  async getRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind): Promise<string | null> {
    this.mine(accountId, deviceId);
    const r = this.records.get(kind);
    if (r !== undefined) return r;
    return this.wiped ? null : this.base.getRecord(accountId, deviceId, kind);
  }

  putRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind, data: string): Promise<void> {
    return settled(() => {
      this.mine(accountId, deviceId);
      if (!isDeviceRecordKind(kind)) throw new StoreError('invalid', `no device record kind ${JSON.stringify(kind).slice(0, 40)}`);
      this.records.set(kind, data);
    });
  }

  deleteRecords(accountId: AccountId, deviceId: DeviceId, kinds?: readonly DeviceRecordKind[]): Promise<void> {
    return settled(() => {
      this.mine(accountId, deviceId);
      for (const k of kinds ?? DEVICE_RECORD_KINDS) this.records.set(k, null);
    });
  }

  async held(accountId: AccountId, deviceId: DeviceId, collectionId: string, itemIds: readonly ItemId[]): Promise<Map<ItemId, number>> {
    this.mine(accountId, deviceId);
    const mine = this.layers.get(collectionId)?.held;
    const ask = mine ? itemIds.filter((id) => !mine.has(id)) : itemIds;
    const out = this.stored(collectionId) && ask.length > 0 ? await this.base.held(accountId, deviceId, collectionId, ask) : new Map<ItemId, number>();
    for (const id of itemIds) {
      const v = mine?.get(id);
      if (v !== undefined && v !== null) out.set(id, v);
    }
    return out;
  }

  async countHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<number> {
    this.mine(accountId, deviceId);
    const mine = [...(this.layers.get(collectionId)?.held ?? [])];
    const stored = this.stored(collectionId);
    let n = stored ? await this.base.countHeld(accountId, deviceId, collectionId) : 0;
    // The layer's rows replace the stored ones of the same items.
    if (stored && mine.length > 0) n -= (await this.base.held(accountId, deviceId, collectionId, mine.map(([id]) => id))).size;
    return n + mine.filter(([, v]) => v !== null).length;
  }

  /** Items of the folder not held, lowest id first: the folder walked by id, each page checked against held(). */
  async unsent(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, options: { limit: number; receivedSince?: number; afterId?: ItemId }): Promise<Item[]> {
    const out: Item[] = [];
    await this.walkUnsent(accountId, deviceId, collectionId, folderId, options, (items) => {
      out.push(...items.slice(0, options.limit - out.length));
      return out.length < options.limit;
    });
    return out;
  }

  async countUnsent(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, options: { receivedSince?: number } = {}): Promise<number> {
    let n = 0;
    await this.walkUnsent(accountId, deviceId, collectionId, folderId, options, (items) => { n += items.length; return true; });
    return n;
  }

  private async walkUnsent(
    accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId,
    options: { receivedSince?: number; afterId?: ItemId }, take: (items: Item[]) => boolean,
  ): Promise<void> {
    let after = options.afterId;
    for (;;) {
      const page = await this.mailbox.listItems(accountId, folderId, {
        limit: PAGE, ...(after !== undefined ? { afterId: after } : {}), ...(options.receivedSince !== undefined ? { receivedSince: options.receivedSince } : {}),
      });
      const held = await this.held(accountId, deviceId, collectionId, page.map((i) => i.id));
      if (!take(page.filter((i) => !held.has(i.id))) || page.length < PAGE) return;
      after = page[page.length - 1]!.id;
    }
  }

  async heldBefore(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, before: number, limit: number, since?: number): Promise<ItemId[]> {
    this.mine(accountId, deviceId);
    const mine = this.layers.get(collectionId)?.held ?? new Map<ItemId, number | null>();
    // The layer decides about its own items: ask the stored rows for enough more to make up for them.
    const stored = this.stored(collectionId) ? await this.base.heldBefore(accountId, deviceId, collectionId, folderId, before, limit + mine.size, since) : [];
    const ids = stored.filter((id) => !mine.has(id));
    const heldHere = [...mine].flatMap(([id, v]) => (v === null ? [] : [id]));
    for (const item of heldHere.length > 0 ? await this.mailbox.getItems(accountId, heldHere) : []) {
      if (item.folderId === folderId && item.receivedAt < before && (since === undefined || item.receivedAt >= since)) ids.push(item.id);
    }
    return ids.sort((a, b) => a - b).slice(0, limit);
  }

  recordHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string, now: readonly HeldItem[], gone: readonly ItemId[]): Promise<void> {
    return settled(() => {
      this.mine(accountId, deviceId);
      const l = this.layer(collectionId);
      for (const id of gone) l.held.set(id, null);
      for (const h of now) l.held.set(h.itemId, h.modseq);
    });
  }
}

/** Names of repository methods that only read. Anything else (add, create, update, delete, set, record...) throws. */
const READS = /^(get|list|count|search|currentModseq$|changesSince$)/;

function readOnly<T extends object>(repo: T, name: string): T {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || READS.test(prop)) return value;
      return () => { throw new Error(`the simulated sync may not call ${name}.${prop}: it changes nothing`); };
    },
  });
}

/** The store of a simulation: every read from `store`, the device's state in `state`, no write anywhere. */
export function simulationStore(store: Store, state: ScratchDeviceState): Store {
  const repos: Repos = {
    domains: readOnly(store.domains, 'domains'), devices: readOnly(store.devices, 'devices'), deviceState: state,
    accounts: readOnly(store.accounts, 'accounts'), credentials: readOnly(store.credentials, 'credentials'),
    mailbox: readOnly(store.mailbox, 'mailbox'), blobs: readOnly(store.blobs, 'blobs'), settings: readOnly(store.settings, 'settings'),
    authGuard: readOnly(store.authGuard, 'authGuard'), webSessions: readOnly(store.webSessions, 'webSessions'),
    easFilters: readOnly(store.easFilters, 'easFilters'), accountLoggers: readOnly(store.accountLoggers, 'accountLoggers'),
    mobileServices: readOnly(store.mobileServices, 'mobileServices'), abq: readOnly(store.abq, 'abq'),
    audit: readOnly(store.audit, 'audit'),
    imap: readOnly(store.imap, 'imap'),
  };
  return {
    ...repos,
    dialect: store.dialect,
    // The engine's "transactions" only group calls on this layer: nothing is written to the database.
    transaction: (fn) => fn(repos),
    // Nothing is ever committed, so there is never a change to announce.
    onChange: () => () => undefined,
    ping: () => store.ping(),
    close: () => Promise.reject(new Error('the simulated sync does not own the store')),
  };
}
