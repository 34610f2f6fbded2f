// The IMAP mailbox model as stored (issue 18 part 1; migration 020): UIDVALIDITY, UIDNEXT, a UID per
// message, \Deleted, and the UIDs that left each folder. Owned by src/imap, kept by the store the way EAS
// device state is (ARCHITECTURE.md section 1); nothing else reads it, and delivery, EAS and imports never
// write it: UIDs are assigned lazily by `sync`, when an IMAP session selects or polls a folder.
import type { AccountId, BlobId, FolderId, ItemId } from '../core/ids.js';
import type { ItemFlags } from './types.js';

export interface ImapFolderState {
  folderId: FolderId;
  /** RFC 9051 2.3.1.1: never reused for another folder of the account; a re-created folder gets a new one. */
  uidValidity: number;
  uidNext: number;
}

/** One message of a folder as an IMAP session lists it (no MIME metadata: 10,000 of these are cheap). */
export interface ImapEntry {
  uid: number;
  itemId: ItemId;
  /** RFC 7162 MODSEQ: the greater of the item's modseq and that of its last \Deleted change. */
  modseq: number;
  flags: ItemFlags;
  deleted: boolean;
  /** The item's categories: IMAP keywords are the same list (Thunderbird tags <-> Outlook categories). */
  categories: string[];
  size: number;
  receivedAt: number;
  /** The message's bytes (BlobRepo.get), null for none. */
  blobId: BlobId | null;
}

export interface ImapEntryQuery {
  /** Only entries whose MODSEQ is greater (CHANGEDSINCE, QRESYNC). */
  changedSince?: number;
  /** Only UIDs in [min, max]. */
  minUid?: number;
  maxUid?: number;
}

/** STATUS figures of a folder (RFC 9051 6.3.11), over the messages that have a UID there. */
export interface ImapFolderCounts {
  messages: number;
  unseen: number;
  deleted: number;
  /** RFC 8438 SIZE: the sum of RFC822.SIZE. */
  size: number;
}

export interface ImapRepo {
  /**
   * Brings the folder's UID map up to date in one transaction: UIDs of messages that left the folder
   * (deleted, or moved and given a UID elsewhere) are recorded as expunged, and messages without a UID get
   * the next ones, oldest received first (ties by id). Serialised per folder across processes (a lock on
   * the folder's row). 'not-found' for a folder of another account or none. With `since` (the account
   * modseq read before an earlier complete sync of the folder), nothing is scanned or written when the change
   * log has nothing of the folder after it: one indexed read instead of two scans of the folder.
   */
  sync(accountId: AccountId, folderId: FolderId, since?: number): Promise<ImapFolderState>;
  /** The folder's state without assigning anything (null before the first sync). */
  state(accountId: AccountId, folderId: FolderId): Promise<ImapFolderState | null>;
  /** The folder's messages that have a UID there, lowest UID first. */
  entries(accountId: AccountId, folderId: FolderId, query?: ImapEntryQuery): Promise<ImapEntry[]>;
  /** MESSAGES, UNSEEN, DELETED and SIZE of the folder in one aggregate query (a STATUS poll reads no entries). */
  counts(accountId: AccountId, folderId: FolderId): Promise<ImapFolderCounts>;
  /** The UIDs of `entries` alone, lowest first, from `minUid` on (a selected folder's view keeps only these). */
  uids(accountId: AccountId, folderId: FolderId, minUid?: number): Promise<number[]>;
  /**
   * UIDs that left the folder at a modseq greater than `modseq`, ascending (VANISHED (EARLIER)). Complete only
   * for `modseq` at or above `expungedFloor`: older records are pruned.
   */
  vanishedSince(accountId: AccountId, folderId: FolderId, modseq: number): Promise<number[]>;
  /** The highest modseq among the folder's pruned expunge records (0: none pruned). */
  expungedFloor(accountId: AccountId, folderId: FolderId): Promise<number>;
  /**
   * Deletes the expunge records of every folder made before `before` (ms), raising each folder's floor to the
   * highest modseq deleted; returns how many were deleted. Idempotent: processes may run it at once.
   */
  pruneExpunged(before: number): Promise<number>;
  /**
   * The first `bytes` bytes of each of these blobs, in one query per few hundred (FETCH ENVELOPE reads only
   * the header: 10,000 messages in a few queries instead of 10,000 reads of whole messages).
   */
  heads(blobIds: readonly BlobId[], bytes: number): Promise<Map<BlobId, Uint8Array>>;
  /**
   * The names the account SUBSCRIBEd (true) or UNSUBSCRIBEd (false) (RFC 9051 6.3.7, 6.3.8): a name without an
   * entry is subscribed when it is a folder's (every folder is subscribed by default), not otherwise.
   */
  subscriptions(accountId: AccountId): Promise<Map<string, boolean>>;
  /** Records a SUBSCRIBE or UNSUBSCRIBE of a name (which need not name a folder). */
  setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<void>;
  /** Sets or clears \Deleted on these UIDs of the folder; returns the modseq given to the change (0: none changed). */
  setDeleted(accountId: AccountId, folderId: FolderId, uids: readonly number[], deleted: boolean): Promise<number>;
}
