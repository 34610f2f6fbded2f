// The audit trail's records (issue 17 part 3): who changed what through the admin or self-service API,
// from which client address, and with which outcome. Protocol-neutral: an action is a name such as
// `account.create`, a target is an address, device id or setting key; never a secret.
import type { AccountId } from '../core/ids.js';

export interface NewAuditEntry {
  /** Epoch milliseconds. */
  at: number;
  /** The authenticated account that asked (an admin, or for `self` the user himself). */
  actor: string;
  actorId: AccountId | null;
  /** The client address (req.ip: the real client behind the trusted proxies). */
  address: string;
  /** Which API: `admin` (and the CLI, its client) or `self` (the user's page). */
  via: 'admin' | 'self';
  action: string;
  /** What was acted on: an account address, a domain, a device id, a setting key ... ('' when nothing in particular). */
  target: string;
  /** The account concerned, if any (lower case): for filters and a delegated admin's view. */
  targetAccount: string | null;
  /** The domain concerned, if any (lower case): a delegated admin sees the entries of his domains. */
  targetDomain: string | null;
  /** HTTP status of the answer. */
  status: number;
  /** `ok`, or the error code of the answer (`forbidden`, `not-found`, ...). */
  outcome: string;
  /** Non-secret particulars (changed fields, device id, setting value ...). */
  detail: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
}

export interface AuditQuery {
  /** Entries whose target account is this address. */
  account?: string;
  /** Entries made by this account. */
  actor?: string;
  /** Entries at or after this time (epoch ms). */
  since?: number;
  /** Entries strictly before this id (paging, newest first). */
  beforeId?: number;
  /** Visible to a delegated admin: entries of these domains (but none about a global admin's account), or made by `ownActor`. Absent: everything. */
  visibleTo?: { domains: readonly string[]; ownActor: string };
  limit: number;
}

export interface AuditRepo {
  insert(e: NewAuditEntry): Promise<void>;
  /** Newest first. */
  list(q: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes the entries older than `before` (epoch ms); idempotent, so every server process may run it. Returns how many. */
  prune(before: number): Promise<number>;
}
