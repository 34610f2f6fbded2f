// The stand-in mailbox of a Blocked or Quarantined device (carbonio-features.md 5.6: "a dummy mailbox with
// only an Inbox containing a predefined notice email"; Exchange's quarantine does the same). The device is
// not refused: every command runs as usual against this store, in which the account's mailbox is replaced
// by one virtual Inbox holding the one notice message. Nothing of the real mailbox is visible (folders,
// items, blobs, change log, search). The device's SyncState lives where it always does (the device's own
// rows): an ABQ status change resets it (src/devices/abq.ts moveToView), so it never mixes real and stand-in
// items. The notice's modseq is the later of the view's start and the message's last edit, so editing the
// message (setABQMessage) reaches devices as a Change. Reading the notice (flags) and deleting it are
// accepted and forgotten; other writes (and settings, e.g. Oof Set) are refused with StoreError 'forbidden'.
import { StoreError } from '../core/errors.js';
import { asBlobId, asItemId, type AccountId, type BlobId, type DeviceId, type FolderId, type ItemId } from '../core/ids.js';
import type {
  BlobRepo, Change, DeviceStateRepo, Folder, FolderRole, Item, MailboxRepo, MessageMeta, MessageSearchResult, Repos, SettingsRepo, Store,
} from '../store/types.js';

/**
 * The notice's item id is this plus its modseq (a new id per version of the message: an EAS client takes
 * no content change of an email, so an edited notice is a Delete of the old id and an Add of the new).
 * No real item reaches these ids (identities count from 1).
 */
export const NOTICE_ITEM_BASE = 9_000_000_000_000;
const NOTICE_BLOB_ID = asBlobId('abq-notice');

export interface Notice {
  raw: Buffer;
  meta: MessageMeta;
  /** When it arrived (the view's start): Sync's FilterType windows compare it. */
  receivedAt: number;
  modseq: number;
  /** The real Inbox's id, so the phone's Inbox keeps its CollectionId across moves (an old SyncKey gets Status 3). */
  folderId: FolderId;
}

const refuse = (): never => {
  throw new StoreError('forbidden', 'this device is blocked or quarantined: only its notice can be read');
};

class StandInMailbox implements MailboxRepo {
  private readonly folder: Folder;
  private readonly item: Item;

  constructor(private readonly accountId: AccountId, notice: Notice) {
    this.folder = { id: notice.folderId, accountId, parentId: null, name: 'Inbox', kind: 'mail', role: 'inbox', modseq: 1, createdAt: notice.receivedAt, syncDisabled: false };
    this.item = {
      id: asItemId(NOTICE_ITEM_BASE + notice.modseq), accountId, folderId: notice.folderId, kind: 'message', modseq: notice.modseq, receivedAt: notice.receivedAt, blobId: NOTICE_BLOB_ID,
      size: notice.raw.length, flags: { seen: false, flagged: false, answered: false, forwarded: false, draft: false }, flagDetails: null, lastVerb: null,
      categories: [], meta: notice.meta, data: null,
    };
  }

  private mine = (a: AccountId): boolean => a === this.accountId;
  private isFolder = (a: AccountId, id: FolderId): boolean => this.mine(a) && id === this.folder.id;
  private isItem = (a: AccountId, id: ItemId): boolean => this.mine(a) && id === this.item.id;

  listFolders(a: AccountId): Promise<Folder[]> { return Promise.resolve(this.mine(a) ? [this.folder] : []); }
  getFolder(a: AccountId, id: FolderId): Promise<Folder | null> { return Promise.resolve(this.isFolder(a, id) ? this.folder : null); }
  getFolderByRole(a: AccountId, role: FolderRole): Promise<Folder | null> { return Promise.resolve(this.mine(a) && role === 'inbox' ? this.folder : null); }
  createFolder(): Promise<Folder> { return refuse(); }
  updateFolder(): Promise<Folder> { return refuse(); }
  deleteFolder(): Promise<void> { return refuse(); }
  setFolderSyncDisabled(): Promise<Folder> { return refuse(); }
  addMessage(): Promise<Item> { return refuse(); }
  addMessages(): Promise<Item[]> { return refuse(); }
  addItem(): Promise<Item> { return refuse(); }
  updateItemData(): Promise<Item> { return refuse(); }
  replaceMessage(): Promise<Item> { return refuse(); }
  moveItem(): Promise<Item> { return refuse(); }
  getItem(a: AccountId, id: ItemId): Promise<Item | null> { return Promise.resolve(this.isItem(a, id) ? this.item : null); }
  getItems(a: AccountId, ids: readonly ItemId[]): Promise<Item[]> { return Promise.resolve(this.mine(a) && ids.includes(this.item.id) ? [this.item] : []); }

  listItems(a: AccountId, folderId: FolderId, o: { afterId?: ItemId; limit?: number; receivedSince?: number } = {}): Promise<Item[]> {
    const take = this.isFolder(a, folderId) && (o.afterId === undefined || this.item.id > o.afterId) && (o.receivedSince === undefined || this.item.receivedAt >= o.receivedSince) && (o.limit ?? 1) > 0;
    return Promise.resolve(take ? [this.item] : []);
  }

  countItems(a: AccountId, folderId: FolderId): Promise<number> { return Promise.resolve(this.isFolder(a, folderId) ? 1 : 0); }
  blobsInFolder(): Promise<Set<BlobId>> { return Promise.resolve(new Set()); }
  /** Reading or flagging the notice is accepted (the phone marks it read) and not kept. */
  updateItem(a: AccountId, id: ItemId): Promise<Item> { return this.isItem(a, id) ? Promise.resolve(this.item) : refuse(); }
  /** Deleting it is accepted too: the phone drops it; it comes back with the next reset. */
  deleteItem(a: AccountId, id: ItemId): Promise<void> { return this.isItem(a, id) ? Promise.resolve() : refuse(); }
  deleteItems(a: AccountId, ids: readonly ItemId[]): Promise<ItemId[]> { return Promise.resolve(this.mine(a) && ids.includes(this.item.id) ? [this.item.id] : []); }
  searchMessages(): Promise<MessageSearchResult> { return Promise.resolve({ total: 0, items: [] }); }
  currentModseq(a: AccountId): Promise<number> { return Promise.resolve(this.mine(a) ? this.item.modseq : 0); }

  /** Since an older version (the device's state sits at its modseq): that version's Delete, then this one's Add. */
  changesSince(a: AccountId, since: number, limit = 2): Promise<Change[]> {
    if (!this.mine(a) || since >= this.item.modseq || limit < 1) return Promise.resolve([]);
    const change = (kind: Change['kind'], itemId: ItemId): Change => ({ accountId: a, modseq: this.item.modseq, kind, folderId: this.folder.id, itemId, fromFolderId: null });
    const out = since > 0 ? [change('item-deleted', asItemId(NOTICE_ITEM_BASE + since))] : [];
    return Promise.resolve([...out, change('item-added', this.item.id)].slice(0, Math.max(limit, 2)));
  }

  /** The notice's item, for the item-joining reads of the SyncState (the store's SQL joins real items). */
  get theItem(): Item { return this.item; }
}

/** The SyncState reads that join the items table answer for the notice instead; the rest is the device's own rows. */
function standInDeviceState(inner: DeviceStateRepo, box: StandInMailbox): DeviceStateRepo {
  const item = box.theItem;
  const holds = async (a: AccountId, d: DeviceId, coll: string): Promise<boolean> => (await inner.held(a, d, coll, [item.id])).has(item.id);
  const inFolder = (a: AccountId, f: FolderId): boolean => a === item.accountId && f === item.folderId;
  const overrides: Partial<DeviceStateRepo> = {
    unsent: async (a, d, coll, f, o) => (inFolder(a, f) && o.limit > 0 && (o.afterId === undefined || item.id > o.afterId)
      && (o.receivedSince === undefined || item.receivedAt >= o.receivedSince) && !(await holds(a, d, coll)) ? [item] : []),
    countUnsent: async (a, d, coll, f, o = {}) => (inFolder(a, f) && (o.receivedSince === undefined || item.receivedAt >= o.receivedSince) && !(await holds(a, d, coll)) ? 1 : 0),
    heldBefore: async (a, d, coll, f, before, limit, since) => (inFolder(a, f) && limit > 0 && item.receivedAt < before
      && (since === undefined || item.receivedAt >= since) && (await holds(a, d, coll)) ? [item.id] : []),
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof DeviceStateRepo];
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** The notice's bytes as the one part of BlobRepo.parts (a generator would have nothing to await). */
const onePart = (bytes: Uint8Array): AsyncIterable<Uint8Array> => ({
  [Symbol.asyncIterator]: () => {
    let given = false;
    return {
      next: (): Promise<IteratorResult<Uint8Array>> => {
        if (given) return Promise.resolve({ done: true, value: undefined });
        given = true;
        return Promise.resolve({ done: false, value: bytes });
      },
    };
  },
});

const standInBlobs = (raw: Buffer): BlobRepo => ({
  get: (id: BlobId) => Promise.resolve(id === NOTICE_BLOB_ID ? new Uint8Array(raw) : null),
  parts: (id: BlobId) => Promise.resolve(id === NOTICE_BLOB_ID ? onePart(new Uint8Array(raw)) : null),
  // The notice is parsed when rendered: it is one message, rendered rarely.
  getContents: () => Promise.resolve(new Map()),
  setContents: () => Promise.resolve(),
  listWithoutContent: () => Promise.resolve([]),
  countWithoutContent: () => Promise.resolve(0),
});

/** Settings readable, not writable: a blocked device must not change the account's out-of-office (Settings Oof Set). */
const readOnlySettings = (inner: SettingsRepo): SettingsRepo => ({
  get: (scope, key) => inner.get(scope, key),
  list: (scope) => inner.list(scope),
  set: () => refuse(),
  delete: () => refuse(),
});

function standInRepos(r: Repos, accountId: AccountId, notice: Notice): Repos {
  const mailbox = new StandInMailbox(accountId, notice);
  return {
    domains: r.domains, devices: r.devices, accounts: r.accounts, credentials: r.credentials, settings: readOnlySettings(r.settings), authGuard: r.authGuard,
    webSessions: r.webSessions, abq: r.abq, easFilters: r.easFilters, accountLoggers: r.accountLoggers, mobileServices: r.mobileServices, audit: r.audit, imap: r.imap, mailbox, blobs: standInBlobs(notice.raw), deviceState: standInDeviceState(r.deviceState, mailbox),
  };
}

/** `store` as a Blocked or Quarantined device of `accountId` sees it: the stand-in mailbox, in transactions too. */
export function standInStore(store: Store, accountId: AccountId, notice: Notice): Store {
  return {
    ...standInRepos(store, accountId, notice),
    dialect: store.dialect,
    transaction: (fn) => store.transaction((tx) => fn(standInRepos(tx, accountId, notice))),
    onChange: (listener) => store.onChange(listener),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
