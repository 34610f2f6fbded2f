// The selected mailbox as one session sees it (RFC 9051 2.3.1.2, 7.4): message sequence numbers are this
// session's own, so the view is the list of UIDs the client knows, which changes only when the session tells
// the client (EXISTS, EXPUNGE / VANISHED). Only the UIDs are kept (80 KB for 10,000 messages, per session):
// flags and the rest are read from the store when a command needs them. `refresh` compares the store with
// the view without reading the whole folder: new UIDs are above the highest known one, flag changes have a
// MODSEQ above the last refresh, and the UIDs that left are in imap_expunged with a modseq above it
// (src/store/sql/imap.ts).
import type { AccountId, FolderId } from '../core/ids.js';
import type { ImapEntry, ImapRepo } from '../store/imap-types.js';
import type { MailboxRepo } from '../store/types.js';
import type { FolderSyncs } from './deps.js';

/** What changed since the last refresh, in the order to announce it. */
export interface ViewUpdate {
  /** Sequence numbers to announce with EXPUNGE (each as the view is just before it), with their UIDs for VANISHED. */
  expunged: Array<{ seq: number; uid: number }>;
  /** The new message count, when messages arrived. */
  exists: number | null;
  /** Messages (still in the view) whose flags changed, with their sequence numbers once the expunges are told. */
  changed: Array<{ seq: number; entry: ImapEntry }>;
}

export interface Repos { imap: ImapRepo; mailbox: Pick<MailboxRepo, 'currentModseq'> }

/** Where the view syncs through (shared by the sessions of one server: deps.ts FolderSyncs). */
export interface ViewDeps { store: Repos; syncs: FolderSyncs }

export class SelectedView {
  /** The UIDs the client knows, ascending: index + 1 is the sequence number. */
  private uids: number[] = [];
  /** Left the folder; not told to the client yet (RFC 9051 7.5.1: not during FETCH, STORE, SEARCH). */
  private readonly gone = new Set<number>();
  /** MODSEQs this session already told the client (its own STORE, a \Seen it set): not reported again. */
  private readonly told = new Map<number, number>();
  uidValidity = 0;
  uidNext = 1;
  /** The account modseq read before the last refresh: every change at or below it is in the view. */
  modseq = 0;
  /** Set by the bus: the folder changed since the last refresh. */
  dirty = false;

  constructor(readonly accountId: AccountId, readonly folderId: FolderId, readonly readOnly: boolean) {}

  /** Loads the folder (SELECT / EXAMINE). */
  async load(deps: ViewDeps): Promise<void> {
    const repos = deps.store;
    this.modseq = await repos.mailbox.currentModseq(this.accountId);
    const st = await deps.syncs.sync(repos, this.accountId, this.folderId);
    this.uidValidity = st.uidValidity;
    this.uidNext = st.uidNext;
    this.uids = await repos.imap.uids(this.accountId, this.folderId);
    this.gone.clear();
    this.told.clear();
    this.dirty = false;
  }

  get exists(): number { return this.uids.length; }
  get maxUid(): number { return this.uids.at(-1) ?? 0; }
  /** The UID of a sequence number (1-based), or undefined past the end. */
  uidAt(seq: number): number | undefined { return this.uids[seq - 1]; }
  /** UIDs still in the folder as far as the view knows, ascending. */
  liveUids(): number[] { return this.gone.size === 0 ? this.uids : this.uids.filter((u) => !this.gone.has(u)); }
  isLive(uid: number): boolean { return this.seqOf(uid) > 0 && !this.gone.has(uid); }

  seqOf(uid: number): number {
    // Binary search: UIDs ascend with sequence numbers.
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.uids[mid]!;
      if (u === uid) return mid + 1;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** The client was just told this message's state (this MODSEQ): the next refresh does not repeat it. */
  markTold(uid: number, modseq: number): void {
    this.told.set(uid, modseq);
  }

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
      const st = await deps.syncs.sync(repos, this.accountId, this.folderId);
      this.uidNext = st.uidNext;
      for (const uid of await repos.imap.vanishedSince(this.accountId, this.folderId, since)) {
        if (this.seqOf(uid) > 0) this.gone.add(uid);
      }
      const max = this.maxUid;
      for (const entry of await repos.imap.entries(this.accountId, this.folderId, { changedSince: since, maxUid: max })) {
        if (!this.isLive(entry.uid) || this.told.get(entry.uid) === entry.modseq) continue;
        update.changed.push({ seq: 0, entry });
      }
      // Told MODSEQs are all at or below `now`: later changes have greater ones and are reported.
      this.told.clear();
      const fresh = await repos.imap.uids(this.accountId, this.folderId, max + 1);
      if (fresh.length > 0) {
        this.uids.push(...fresh);
        update.exists = this.uids.length;
      }
      this.modseq = now;
      this.dirty = false;
    }
    if (expunge) update.expunged = this.takeGone();
    for (const c of update.changed) c.seq = this.seqOf(c.entry.uid);
    update.changed = update.changed.filter((c) => c.seq > 0);
    return update;
  }

  /** Removes the gone UIDs; returns them with the sequence number each has when announced. */
  private takeGone(): Array<{ seq: number; uid: number }> {
    if (this.gone.size === 0) return [];
    const out: Array<{ seq: number; uid: number }> = [];
    // Announced from the highest sequence number down, so each EXPUNGE's number is valid as sent and the
    // client need not renumber between them (RFC 9051 7.5.1 allows any order).
    for (let i = this.uids.length - 1; i >= 0; i--) {
      const u = this.uids[i]!;
      if (this.gone.has(u)) out.push({ seq: i + 1, uid: u });
    }
    this.uids = this.uids.filter((u) => !this.gone.has(u));
    this.gone.clear();
    return out;
  }
}
