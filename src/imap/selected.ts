// The selected mailbox as one session sees it (RFC 9051 2.3.1.2, 7.4): message sequence numbers are this
// session's own, so the view is a list of UIDs that changes only when the session tells the client
// (EXISTS, EXPUNGE / VANISHED). `refresh` compares the store with the view cheaply, without reading the whole
// folder: new UIDs are above the highest known one, flag changes have a MODSEQ above the last refresh, and
// the UIDs that left are in imap_expunged with a modseq above it (src/store/sql/imap.ts).
import type { AccountId, FolderId } from '../core/ids.js';
import type { ImapEntry, ImapRepo } from '../store/imap-types.js';
import type { MailboxRepo } from '../store/types.js';
import type { FolderSyncs } from './deps.js';

export interface ViewEntry {
  uid: number;
  entry: ImapEntry;
  /** Expunged in the store, not yet told to the client (RFC 9051 7.5.1: not during FETCH, STORE, SEARCH). */
  gone: boolean;
}

/** What changed since the last refresh, in the order to announce it. */
export interface ViewUpdate {
  /** Sequence numbers to announce with EXPUNGE (each as the view is just before it), or UIDs for VANISHED. */
  expunged: Array<{ seq: number; uid: number }>;
  /** The new message count, when messages arrived. */
  exists: number | null;
  /** Messages (still in the view) whose flags changed. */
  changed: Array<{ seq: number; entry: ImapEntry }>;
}

export interface Repos { imap: ImapRepo; mailbox: Pick<MailboxRepo, 'currentModseq'> }

/** Where the view syncs through (shared by the sessions of one server: deps.ts FolderSyncs). */
export interface ViewDeps { store: Repos; syncs: FolderSyncs }

export class SelectedView {
  private list: ViewEntry[] = [];
  private readonly byUid = new Map<number, ViewEntry>();
  uidValidity = 0;
  uidNext = 1;
  /** The account modseq read before the last refresh: everything at or below it is in the view. */
  modseq = 0;
  /** Set by the bus: the folder changed since the last refresh. */
  dirty = false;

  constructor(readonly accountId: AccountId, readonly folderId: FolderId, readonly readOnly: boolean) {}

  /** Loads the folder (SELECT / EXAMINE). */
  async load(deps: ViewDeps): Promise<void> {
    const repos = deps.store;
    this.modseq = await repos.mailbox.currentModseq(this.accountId);
    const st = await deps.syncs.sync(repos.imap, this.accountId, this.folderId);
    this.uidValidity = st.uidValidity;
    this.uidNext = st.uidNext;
    this.list = (await repos.imap.entries(this.accountId, this.folderId)).map((entry) => ({ uid: entry.uid, entry, gone: false }));
    this.byUid.clear();
    for (const v of this.list) this.byUid.set(v.uid, v);
    this.dirty = false;
  }

  get exists(): number { return this.list.length; }
  get entries(): readonly ViewEntry[] { return this.list; }
  get maxUid(): number { return this.list.at(-1)?.uid ?? 0; }
  entryOf(uid: number): ViewEntry | undefined { return this.byUid.get(uid); }
  seqOf(uid: number): number {
    // Binary search: UIDs ascend with sequence numbers.
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.list[mid]!.uid;
      if (u === uid) return mid + 1;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }
  count(pred: (e: ImapEntry) => boolean): number { return this.list.reduce((n, v) => n + (!v.gone && pred(v.entry) ? 1 : 0), 0); }

  /**
   * Reads what changed since the last refresh. With `expunge` false (during FETCH, STORE, SEARCH) the
   * messages that left stay in the view, marked gone, to be announced later.
   */
  async refresh(deps: ViewDeps, expunge: boolean): Promise<ViewUpdate> {
    const repos = deps.store;
    const since = this.modseq;
    const now = await repos.mailbox.currentModseq(this.accountId);
    const update: ViewUpdate = { expunged: [], exists: null, changed: [] };
    // Nothing in the account changed: no sync (a write) on every command.
    if (now !== since || this.dirty) {
      const st = await deps.syncs.sync(repos.imap, this.accountId, this.folderId);
      this.uidNext = st.uidNext;
      for (const uid of await repos.imap.vanishedSince(this.accountId, this.folderId, since)) {
        const v = this.byUid.get(uid);
        if (v) v.gone = true;
      }
      const max = this.maxUid;
      for (const entry of await repos.imap.entries(this.accountId, this.folderId, { changedSince: since, maxUid: max })) {
        const v = this.byUid.get(entry.uid);
        if (!v || v.gone) continue;
        // Already known (this session's own STORE or \Seen): nothing to tell.
        if (v.entry.modseq === entry.modseq) continue;
        v.entry = entry;
        update.changed.push({ seq: 0, entry });
      }
      const fresh = await repos.imap.entries(this.accountId, this.folderId, { minUid: max + 1 });
      for (const entry of fresh) {
        const v = { uid: entry.uid, entry, gone: false };
        this.list.push(v);
        this.byUid.set(v.uid, v);
      }
      if (fresh.length > 0) update.exists = this.list.length;
      this.modseq = now;
      this.dirty = false;
    }
    if (expunge) update.expunged = this.takeGone();
    // Sequence numbers as they are once the expunges are announced.
    for (const c of update.changed) c.seq = this.seqOf(c.entry.uid);
    update.changed = update.changed.filter((c) => c.seq > 0);
    return update;
  }

  /** Removes the gone entries; returns them with the sequence number each has when announced. */
  private takeGone(): Array<{ seq: number; uid: number }> {
    const out: Array<{ seq: number; uid: number }> = [];
    // Announced from the highest sequence number down, so each EXPUNGE's number is valid as sent and the
    // client need not renumber between them (RFC 9051 7.5.1 allows any order).
    for (let i = this.list.length - 1; i >= 0; i--) {
      const v = this.list[i]!;
      if (!v.gone) continue;
      out.push({ seq: i + 1, uid: v.uid });
      this.byUid.delete(v.uid);
    }
    if (out.length > 0) this.list = this.list.filter((v) => !v.gone);
    return out;
  }

  /** Updates one entry after this session changed it (STORE), so the next refresh does not report it again. */
  replace(entry: ImapEntry): void {
    const v = this.byUid.get(entry.uid);
    if (v) v.entry = entry;
  }
}
