// The POP3 maildrop (RFC 1939 section 4): the account's Inbox as it was at login, numbered 1..n in
// arrival order (item id), with the unique-id of each message (UIDL, RFC 1939 section 7) being its item
// id: stable across sessions, never reused (the store's ids are AUTOINCREMENT / identity), and the same
// whichever server process answers. Deletions are only marks until QUIT, where they are applied in one
// transaction (section 6, the UPDATE state); the store's change notice then reaches the bus, so phones'
// held Pings wake and their next Sync has the Delete.
//
// No lock on the maildrop: phones change the Inbox at any time anyway (EAS), so an exclusive POP3 lock
// would not make the snapshot hold; two POP3 sessions of one account each see their snapshot, and a
// message already gone (another session or a phone deleted or moved it) is simply skipped at QUIT. This is
// Dovecot's default (pop3_lock_session = no). The number of sessions is bounded by the per-account limit.
import { StoreError } from '../core/errors.js';
import type { AccountId, FolderId, ItemId } from '../core/ids.js';
import type { Store } from '../store/types.js';

export interface DropMessage {
  itemId: ItemId;
  /** Octets as stored (RFC 1939 asks for the size as sent; equal for mail received by SMTP, which is CRLF). */
  size: number;
  /** The UIDL unique-id: the item id in decimal (RFC 1939: 1 to 70 characters 0x21..0x7E). */
  uid: string;
  deleted: boolean;
}

export class Maildrop {
  private constructor(
    readonly accountId: AccountId,
    readonly inboxId: FolderId,
    private readonly messages: DropMessage[],
  ) {}

  /** The Inbox's messages now. */
  static async open(store: Store, accountId: AccountId): Promise<Maildrop> {
    const inbox = await store.mailbox.getFolderByRole(accountId, 'inbox');
    if (!inbox) throw new StoreError('not-found', 'the account has no Inbox');
    const items = await store.mailbox.listItems(accountId, inbox.id);
    const messages = items
      .filter((i) => i.kind === 'message' && i.blobId !== null)
      .map((i) => ({ itemId: i.id, size: i.size, uid: String(i.id), deleted: false }));
    return new Maildrop(accountId, inbox.id, messages);
  }

  /** Messages in the snapshot, deleted ones included (message numbers go up to this). */
  get count(): number {
    return this.messages.length;
  }

  /** The message of number `n` (1-based), deleted or not; undefined when out of range. */
  get(n: number): DropMessage | undefined {
    return Number.isInteger(n) && n >= 1 ? this.messages[n - 1] : undefined;
  }

  /** Not-deleted messages with their numbers. */
  *live(): Generator<[number, DropMessage]> {
    for (let i = 0; i < this.messages.length; i++) {
      const m = this.messages[i]!;
      if (!m.deleted) yield [i + 1, m];
    }
  }

  /** STAT: count and total size of the messages not marked deleted. */
  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const [, m] of this.live()) {
      count++;
      size += m.size;
    }
    return { count, size };
  }

  /** RSET: every deletion mark goes. */
  reset(): void {
    for (const m of this.messages) m.deleted = false;
  }

  /**
   * QUIT in the TRANSACTION state: deletes the marked messages still in the Inbox, in one transaction of
   * a few statements (MailboxRepo.deleteItems). Returns how many were deleted (a message already gone or
   * moved elsewhere is skipped).
   */
  async commit(store: Store): Promise<number> {
    const ids = this.messages.filter((m) => m.deleted).map((m) => m.itemId);
    if (ids.length === 0) return 0;
    return (await store.mailbox.deleteItems(this.accountId, ids, { folderId: this.inboxId })).length;
  }
}
