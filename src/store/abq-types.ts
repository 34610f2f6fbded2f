// The store's side of ABQ (Allow / Block / Quarantine, carbonio-features.md 3.5 and 5.6): the device
// control list, the rules, the notice messages, the view each device syncs (real or stand-in mailbox)
// and the runs of periodic jobs claimed by one server process. Protocol-neutral: nothing here knows a
// SyncKey. The decisions built on it are in src/devices/abq*.ts.
import type { AccountId, DeviceId, DomainId } from '../core/ids.js';

export const ABQ_STATUSES = ['Allowed', 'Blocked', 'Quarantined'] as const;
export type AbqStatus = (typeof ABQ_STATUSES)[number];

/**
 * One entry of the device control list: a device for every account (`accountId` null) or for one
 * account. `origin` 'admin' entries were set by an admin (CLI, API, import) and decide; 'auto' entries
 * only record what the rules or the mode decided (a device quarantined by Interactive mode) so that the
 * admin sees it in `ABQ list` and is notified, and follow the rules and mode as they change.
 */
export interface AbqEntry {
  deviceId: DeviceId;
  accountId: AccountId | null;
  status: AbqStatus;
  origin: 'admin' | 'auto';
  updatedAt: number;
  /** Who set it: an admin's address, `import`, or what decided (`abqMode Interactive`, `rule <regex>`). */
  updatedBy: string;
  /** When a Quarantined entry was reported to the admins (null: not yet). */
  notifiedAt: number | null;
}

export interface AbqRule {
  /** Null: a rule for every domain. */
  domainId: DomainId | null;
  /** A JavaScript regular expression, matched (unanchored, case-insensitive) against type, model and user agent. */
  pattern: string;
  status: AbqStatus;
  order: number;
  createdAt: number;
  createdBy: string;
}

export type AbqMessageKind = 'blocked' | 'quarantined';

/** The notice a Blocked or Quarantined device finds in its stand-in Inbox, per domain (null: global), kind and locale. */
export interface AbqMessage {
  domainId: DomainId | null;
  kind: AbqMessageKind;
  /** `default` or a locale such as `de` or `pt_BR`. */
  locale: string;
  from: string;
  replyTo: string;
  subject: string;
  bodyPlain: string;
  bodyHtml: string;
  updatedAt: number;
}

/** What a device of an account currently syncs: its real mailbox (Allowed) or the stand-in of a status, since when. */
export interface AbqView {
  status: AbqStatus;
  since: number;
}

export interface AbqRepo {
  /** Every entry naming the device: the device-wide one and those of each account. */
  entriesFor(deviceId: DeviceId): Promise<AbqEntry[]>;
  /** The whole list, optionally of one status, ordered by device id then account. */
  list(status?: AbqStatus): Promise<AbqEntry[]>;
  /** Creates or replaces an entry; returns the one it replaced. Clears notifiedAt when the status changes. */
  put(entry: Omit<AbqEntry, 'notifiedAt'>): Promise<AbqEntry | null>;
  /** Removes an entry; returns it, or null when there was none. */
  delete(deviceId: DeviceId, accountId: AccountId | null): Promise<AbqEntry | null>;
  /** Adds every known device (device/account) as Allowed where it has no entry yet; returns how many were added. */
  importKnownDevices(at: number, by: string): Promise<number>;
  /** Marks Quarantined entries as reported. */
  markNotified(keys: ReadonlyArray<{ deviceId: DeviceId; accountId: AccountId | null }>, at: number): Promise<void>;

  rules(): Promise<AbqRule[]>;
  /** Creates or replaces the rule of this domain and pattern. */
  putRule(rule: AbqRule): Promise<void>;
  deleteRule(domainId: DomainId | null, pattern: string): Promise<boolean>;

  messages(): Promise<AbqMessage[]>;
  putMessage(message: AbqMessage): Promise<void>;
  deleteMessage(domainId: DomainId | null, kind: AbqMessageKind, locale: string): Promise<boolean>;

  getView(accountId: AccountId, deviceId: DeviceId): Promise<AbqView | null>;
  /** Records the view; null forgets it (the real mailbox, as for a device never seen by ABQ). */
  putView(accountId: AccountId, deviceId: DeviceId, view: AbqView | null): Promise<void>;
  /** Every held request of the device of that account ends, on every server process, once this commits. */
  endHeld(accountId: AccountId, deviceId: DeviceId): void;

  /**
   * Claims the run of a periodic job: true (and the run recorded) when no run was recorded after
   * `now - intervalMs`. Atomic, so of several server processes only one wins each run.
   */
  claimRun(job: string, now: number, intervalMs: number): Promise<boolean>;
  /** When the job last ran (or was first marked), or null. */
  lastRun(job: string): Promise<number | null>;
}
