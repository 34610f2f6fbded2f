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
import type { AccountId, BlobId, FolderId, ItemId } from '../core/ids.js';
import type { Store } from '../store/types.js';

export interface DropMessage {
  itemId: ItemId;
  blobId: BlobId;
  /**
   * Octets as stored until `exact`, then as RETR sends them (RFC 1939 section 11: a bare LF counts as
   * CRLF). Equal for mail received by SMTP, which is CRLF; an import or an APPEND may have bare LFs.
   */
  size: number;
  /** `size` was counted from the bytes (exactSize), not taken from the store. */
  exact: boolean;
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
      .filter((i): i is typeof i & { blobId: BlobId } => i.kind === 'message' && i.blobId !== null)
      .map((i) => ({ itemId: i.id, blobId: i.blobId, size: i.size, exact: false, uid: String(i.id), deleted: false }));
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

  /**
   * The message's size as RETR sends it, counted from its bytes once (then kept): for `LIST n`, which
   * clients ask right before RETR and compare with what arrives (fetchmail warns "was not the expected
   * length" otherwise). Reading every message at login for STAT and LIST would cost a whole-Inbox read
   * per session, so those keep the stored size until a message was counted.
   */
  async exactSize(store: Store, m: DropMessage): Promise<number> {
    if (m.exact) return m.size;
    const parts = await store.blobs.parts(m.blobId);
    if (!parts) return m.size; // gone meanwhile: RETR says so
    m.size = await wireSize(parts);
    m.exact = true;
    return m.size;
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

/**
 * Octets of a stored message as RETR sends it, dot-stuffing and the final "." left out (RFC 1939 section
 * 11), by the rules of message-output.ts: a bare LF becomes CRLF (a CR before an LF may end the previous
 * part), the last line is ended (a lone CR at the very end becomes the CRLF).
 */
export async function wireSize(parts: AsyncIterable<Uint8Array>): Promise<number> {
  let size = 0;
  let last = -1;
  for await (const p of parts) {
    if (p.length === 0) continue;
    const buf = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    size += buf.length;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
      if ((i > 0 ? buf[i - 1] : last) !== 0x0d) size++;
    }
    last = buf[buf.length - 1]!;
  }
  if (last === -1 || last === 0x0a) return size;
  return size + (last === 0x0d ? 1 : 2);
}
