// Local delivery: stores one copy of a raw RFC 5322 message per recipient mailbox (Inbox by default,
// Sent for the sender's own copy). Protocol-neutral: SMTP uses it today, EAS SendMail will too.
// All copies of one message are written in one transaction, so a front end's single reply
// ("250 OK" or "451 try again") is true for every recipient: no partial delivery to duplicate on retry.
import type { AccountId, ItemId } from '../core/ids.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Account, ItemFlags, MessageContent, MessageMeta, Store } from '../store/types.js';
import { joined, lengthOf, type ByteParts } from '../core/byte-parts.js';
import { canReceive, normalizeAddress } from './recipients.js';
import { OofResponder, type AutoReplyOutbound } from './oof.js';
import { applyInvitations } from './invitations.js';
import { readContent } from './content.js';
import { parseMessage, type ParsedMessage } from './parse.js';


/** Messages in parts up to this size are joined to be parsed at delivery; larger ones at their first render. */
const JOIN_TO_PARSE_MAX = 1024 * 1024;
const withContent = (c: MessageContent | undefined): { content?: MessageContent } => (c ? { content: c } : {});
export type DeliveryFolder = 'inbox' | 'sent';

export interface DeliveryTarget {
  /** An account already looked up (e.g. at RCPT time), or an address to look up now. */
  recipient: Account | string;
  folder?: DeliveryFolder;
  flags?: Partial<ItemFlags>;
  /**
   * This copy's own bytes of the same message, when they differ only in headers the parse does not keep
   * (the sender's Sent copy with its Bcc); the message's meta and text are read from the shared bytes.
   */
  raw?: ByteParts;
}

export interface DeliveryOptions {
  /** Where the copies go: the Inbox unless told otherwise. */
  folderRole?: DeliveryFolder;
  /** Already parsed by the caller; parsed here otherwise. */
  parsed?: ParsedMessage;
  receivedAt?: number;
  /** The envelope sender ('' for the null sender of bounces): where an out-of-office reply goes. */
  envelopeFrom?: string;
}

export interface StoredCopy {
  accountId: AccountId;
  email: string;
  folder: DeliveryFolder;
  itemId: ItemId;
}

export type SkipReason = 'unknown' | 'inactive' | 'no-folder';

export interface DeliveryResult {
  stored: StoredCopy[];
  skipped: Array<{ recipient: string; reason: SkipReason }>;
  meta: MessageMeta;
}

/** The sender's copy is one they have obviously read. */
const defaultFlags: Record<DeliveryFolder, Partial<ItemFlags>> = { inbox: {}, sent: { seen: true } };

type ResolvedTarget = { account: Account; folder: DeliveryFolder; flags: Partial<ItemFlags>; raw: ByteParts | undefined };

export class LocalDelivery {
  /** Out-of-office replies to what lands in an Inbox (src/mail/oof.ts). */
  readonly autoReplies: OofResponder;

  private readonly log: Logger;

  constructor(private readonly store: Store, outbound: AutoReplyOutbound = {}) {
    this.autoReplies = new OofResponder(store, this, outbound);
    this.log = outbound.log ?? silentLogger();
  }

  /** One copy per recipient account, all in the same folder role. */
  deliver(recipients: ReadonlyArray<Account | string>, raw: ByteParts, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
    const folder = opts.folderRole ?? 'inbox';
    return this.deliverTo(recipients.map((recipient) => ({ recipient, folder })), raw, opts);
  }

  /** Copies to mixed destinations (recipients' Inboxes and the sender's Sent) in one transaction. */
  async deliverTo(targets: readonly DeliveryTarget[], raw: ByteParts, opts: Omit<DeliveryOptions, 'folderRole'> = {}): Promise<DeliveryResult> {
    const parsed = opts.parsed ?? (await parseMessage(raw));
    const { meta, text } = parsed;
    const skipped: DeliveryResult['skipped'] = [];
    const byKey = new Map<string, ResolvedTarget>();
    for (const t of targets) {
      const account = await this.resolve(t.recipient);
      const name = typeof t.recipient === 'string' ? t.recipient : t.recipient.email;
      if (!account) skipped.push({ recipient: name, reason: 'unknown' });
      else if (!canReceive(account)) skipped.push({ recipient: name, reason: 'inactive' });
      else {
        const folder = t.folder ?? 'inbox';
        // The same mailbox named twice (an alias, a repeated RCPT) gets one copy per folder.
        byKey.set(`${account.id}/${folder}`, { account, folder, flags: t.flags ?? defaultFlags[folder], raw: t.raw });
      }
    }
    // A fixed order of account rows keeps two concurrent multi-recipient deliveries from deadlocking
    // on PostgreSQL (each addMessage locks its account's modseq row until commit).
    const resolved = [...byKey.values()].sort((a, b) => (a.account.id < b.account.id ? -1 : a.account.id > b.account.id ? 1 : 0));
    if (resolved.length === 0) return { stored: [], skipped, meta };
    const receivedAt = opts.receivedAt ?? Date.now();
    // Parsed once here for every later render (issue 16), before the transaction so it holds no lock while
    // parsing: the message, and the bytes of its own a target may have (a Sent copy keeping its Bcc).
    // A large message in parts (a SendMail with an attachment, kept uncopied: issue 16 part 5) is left to be
    // parsed at its first render rather than joined into one more copy here.
    const contents = new Map<ByteParts, MessageContent | undefined>();
    for (const r of resolved) {
      const bytes = r.raw ?? raw;
      if (contents.has(bytes)) continue;
      const single = bytes instanceof Uint8Array ? bytes : lengthOf(bytes) <= JOIN_TO_PARSE_MAX ? joined(bytes) : null;
      contents.set(bytes, bytes === raw && parsed.content ? parsed.content : single ? await readContent(single) : undefined);
    }
    const stored = await this.store.transaction(async (tx) => {
      const out: StoredCopy[] = [];
      for (const r of resolved) {
        const folder = await tx.mailbox.getFolderByRole(r.account.id, r.folder);
        if (!folder) {
          // Deleted between the lookup and now, or a store without system folders: nothing to write to.
          skipped.push({ recipient: r.account.email, reason: 'no-folder' });
          continue;
        }
        const item = await tx.mailbox.addMessage(r.account.id, folder.id, { raw: r.raw ?? raw, meta, text, flags: r.flags, receivedAt, ...withContent(contents.get(r.raw ?? raw)) });
        out.push({ accountId: r.account.id, email: r.account.email, folder: r.folder, itemId: item.id });
      }
      return out;
    });
    // An invitation in an Inbox puts the meeting in that calendar (src/mail/invitations.ts).
    const inboxes = resolved.filter((r) => r.folder === 'inbox' && stored.some((s) => s.accountId === r.account.id && s.folder === 'inbox')).map((r) => r.account);
    await applyInvitations(this.store, inboxes, raw, this.log);
    await this.autoReplies.afterDelivery(stored, raw, meta, opts.envelopeFrom);
    return { stored, skipped, meta };
  }

  private async resolve(recipient: Account | string): Promise<Account | null> {
    if (typeof recipient !== 'string') return recipient;
    const email = normalizeAddress(recipient);
    return email ? this.store.accounts.getByEmail(email) : null;
  }
}
