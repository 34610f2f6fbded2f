// The store's interfaces: protocol-neutral data (directory, credentials, mailboxes, devices).
// Nothing here knows a SyncKey, an IMAP UID or a WBXML tag (ARCHITECTURE.md section 1).
import type { ByteParts } from '../core/byte-parts.js';
import type { AccountId, BlobId, CredentialId, DeviceId, DomainId, FolderId, ItemId } from '../core/ids.js';
import type { AccountLoggerRepo } from './account-logger-types.js';
export type { AccountLogger, AccountLoggerInput, AccountLoggerLevel, AccountLoggerRepo } from './account-logger-types.js';
export { ACCOUNT_LOGGER_LEVELS } from './account-logger-types.js';
import type { AbqRepo } from './abq-types.js';
import type { ImapRepo } from './imap-types.js';
export type { ImapEntry, ImapEntryQuery, ImapFolderState, ImapRepo } from './imap-types.js';
import type { AuditRepo } from './audit-types.js';

export type AccountStatus = 'active' | 'locked' | 'closed';
export const accountStatuses: readonly AccountStatus[] = ['active', 'locked', 'closed'];

export interface Domain {
  id: DomainId;
  name: string;
  createdAt: number;
}

export interface Account {
  id: AccountId;
  domainId: DomainId;
  /** Lower-case `local@domain`. */
  email: string;
  displayName: string;
  status: AccountStatus;
  mobileSyncEnabled: boolean;
  isGlobalAdmin: boolean;
  createdAt: number;
  /** Bumped whenever the password or any credential changes: verification caches compare it. */
  authVersion: number;
  /** What the global address list shows besides the name and address (EAS Search GAL, ResolveRecipients). */
  profile: AccountProfile;
}

export const PROFILE_FIELDS = ['firstName', 'lastName', 'title', 'company', 'department', 'office', 'phone', 'mobilePhone', 'homePhone'] as const;
export type AccountProfile = Partial<Record<(typeof PROFILE_FIELDS)[number], string>>;

/** Service names as Carbonio Auth spells them. A credential bound to `EAS` is a mobile password. */
export type Service = 'EAS' | 'WebUI' | 'WebAdminUI' | 'MobileApp' | 'Dav' | 'SMTP' | 'IMAP' | 'POP3';
export const allServices: readonly Service[] = ['EAS', 'WebUI', 'WebAdminUI', 'MobileApp', 'Dav', 'SMTP', 'IMAP', 'POP3'];

export interface Credential {
  id: CredentialId;
  accountId: AccountId;
  label: string;
  services: Service[];
  /** KDF output in PHC-like form; never the clear text. */
  hash: string;
  enabled: boolean;
  /** True when the server generated the secret. */
  generated: boolean;
  /** True for a QR (MobileApp) credential. */
  qrcode: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export type FolderKind = 'mail' | 'contacts' | 'calendar' | 'tasks' | 'notes';
export type FolderRole =
  | 'inbox' | 'drafts' | 'sent' | 'trash' | 'junk' | 'outbox'
  | 'contacts' | 'calendar' | 'tasks' | 'notes';

/** The folders every new account gets, in creation order. */
export const defaultFolders: ReadonlyArray<{ role: FolderRole; name: string; kind: FolderKind }> = [
  { role: 'inbox', name: 'Inbox', kind: 'mail' },
  { role: 'drafts', name: 'Drafts', kind: 'mail' },
  { role: 'sent', name: 'Sent', kind: 'mail' },
  { role: 'trash', name: 'Trash', kind: 'mail' },
  { role: 'junk', name: 'Junk', kind: 'mail' },
  { role: 'outbox', name: 'Outbox', kind: 'mail' },
  { role: 'contacts', name: 'Contacts', kind: 'contacts' },
  { role: 'calendar', name: 'Calendar', kind: 'calendar' },
  { role: 'tasks', name: 'Tasks', kind: 'tasks' },
  { role: 'notes', name: 'Notes', kind: 'notes' },
];

export interface Folder {
  id: FolderId;
  accountId: AccountId;
  parentId: FolderId | null;
  name: string;
  kind: FolderKind;
  /** Set for the system folders; they cannot be renamed or deleted. */
  role: FolderRole | null;
  /** The modseq of the last change to the folder itself (not its items). */
  modseq: number;
  createdAt: number;
  /** Excluded from mobile sync by an admin (disableFolderSync): the phones do not see it or its sub-folders. */
  syncDisabled: boolean;
}

export type ItemKind = 'message' | 'contact' | 'event' | 'task' | 'note';

export interface Address {
  name: string;
  address: string;
}

/** What the protocols need of a message without re-parsing its MIME. */
export interface MessageMeta {
  subject: string;
  from: Address[];
  to: Address[];
  cc: Address[];
  replyTo: Address[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** Date header in epoch ms, when present and valid. */
  sentAt: number | null;
  hasAttachments: boolean;
  /** Start of the plain text body, for previews (at most 255 characters). */
  preview: string;
  importance: 0 | 1 | 2;
}

export interface ItemFlags {
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  forwarded: boolean;
  draft: boolean;
}

/**
 * A follow-up flag's details beyond "flagged or not" (what a phone or Outlook sets on a flagged message:
 * MS-ASEMAIL 2.2.2.34 Flag). `ItemFlags.flagged` stays the truth for "is flagged"; these describe that
 * flag, or a completed one (`complete`, while `flagged` is false). Dates are kept as the client wrote
 * them (ISO 8601 UTC strings), not reinterpreted.
 */
export interface FlagDetails {
  /** The flag was completed rather than cleared. */
  complete?: boolean;
  flagType?: string;
  subject?: string;
  startDate?: string;
  utcStartDate?: string;
  dueDate?: string;
  utcDueDate?: string;
  dateCompleted?: string;
  completeTime?: string;
  reminderSet?: boolean;
  reminderTime?: string;
  ordinalDate?: string;
  subOrdinalDate?: string;
}

/** The last reply to or forward of a message, and when it was sent (epoch ms). */
export interface LastVerb {
  kind: 'reply' | 'forward';
  at: number;
}

export interface Item {
  id: ItemId;
  accountId: AccountId;
  folderId: FolderId;
  kind: ItemKind;
  modseq: number;
  /** When the server stored it (INTERNALDATE / DateReceived). */
  receivedAt: number;
  /** Raw MIME for messages; null for PIM items that have none. */
  blobId: BlobId | null;
  size: number;
  flags: ItemFlags;
  /** Details of the follow-up flag (messages); null when none were given. */
  flagDetails: FlagDetails | null;
  /** The last reply or forward (messages), when it was recorded. */
  lastVerb: LastVerb | null;
  categories: string[];
  /** Set for messages. */
  meta: MessageMeta | null;
  /** Class-specific data for PIM items (contacts, events, tasks, notes), as JSON. */
  data: unknown;
}

export type ChangeKind =
  | 'item-added' | 'item-changed' | 'item-moved' | 'item-deleted'
  | 'folder-added' | 'folder-changed' | 'folder-deleted';

export interface Change {
  accountId: AccountId;
  modseq: number;
  kind: ChangeKind;
  folderId: FolderId;
  itemId: ItemId | null;
  /** For item-moved: where it came from. */
  fromFolderId: FolderId | null;
}

/** Published after a commit: which folders of which account changed. */
export interface ChangeNotice {
  accountId: AccountId;
  folderIds: FolderId[];
  /** True when the folder hierarchy itself changed. */
  hierarchy: boolean;
  /** Devices of the account whose held requests must end on every server process (an ABQ status change). */
  endDevices?: DeviceId[];
  /**
   * Folders whose IMAP-only state changed (\Deleted, which no phone sees): IMAP sessions wake on them, EAS
   * watches do not look at this field (a Ping answered with a change the phone's Sync then cannot find would
   * only make it sync for nothing). Not in `folderIds` for that reason.
   */
  imapFolderIds?: FolderId[];
}

export interface NewAccount {
  email: string;
  displayName?: string;
  passwordHash: string;
  status?: AccountStatus;
  mobileSyncEnabled?: boolean;
  isGlobalAdmin?: boolean;
}

export interface AccountPatch {
  displayName?: string;
  /** Merged into the profile; an empty string removes a field. */
  profile?: AccountProfile;
  status?: AccountStatus;
  mobileSyncEnabled?: boolean;
  isGlobalAdmin?: boolean;
}

export interface DomainRepo {
  create(name: string): Promise<Domain>;
  getByName(name: string): Promise<Domain | null>;
  getById(id: DomainId): Promise<Domain | null>;
  list(): Promise<Domain[]>;
  /** Fails with 'conflict' while the domain still has accounts. */
  delete(name: string): Promise<void>;
}

export interface AccountRepo {
  /** Creates the account and its default folders; 'not-found' if the domain does not exist, 'exists' on a duplicate. */
  create(input: NewAccount): Promise<Account>;
  getById(id: AccountId): Promise<Account | null>;
  getByEmail(email: string): Promise<Account | null>;
  /** The account with its password hash, for authentication only. */
  getAuthRecord(email: string): Promise<{ account: Account; passwordHash: string } | null>;
  list(options?: { domainId?: DomainId }): Promise<Account[]>;
  count(): Promise<number>;
  update(id: AccountId, patch: AccountPatch): Promise<Account>;
  setPasswordHash(id: AccountId, hash: string): Promise<void>;
  delete(id: AccountId): Promise<void>;
  /** Domains this account administers as a delegated admin. */
  delegatedDomains(id: AccountId): Promise<DomainId[]>;
  grantDelegatedAdmin(id: AccountId, domainId: DomainId): Promise<void>;
  revokeDelegatedAdmin(id: AccountId, domainId: DomainId): Promise<void>;
}

export interface NewCredential {
  accountId: AccountId;
  label: string;
  services: Service[];
  hash: string;
  generated: boolean;
  qrcode: boolean;
}

export interface CredentialPatch {
  label?: string;
  enabled?: boolean;
  services?: Service[];
}

export interface CredentialRepo {
  /** Creates the credential with a fresh 5-character id unique within the account. */
  create(input: NewCredential): Promise<Credential>;
  list(accountId: AccountId): Promise<Credential[]>;
  get(accountId: AccountId, id: CredentialId): Promise<Credential | null>;
  update(accountId: AccountId, id: CredentialId, patch: CredentialPatch): Promise<Credential>;
  delete(accountId: AccountId, id: CredentialId): Promise<void>;
  touchLastUsed(accountId: AccountId, id: CredentialId, at: number): Promise<void>;
}

export interface NewMessage {
  /** The message's bytes, possibly in parts (a rewritten header block and the body as received: src/core/byte-parts.ts). */
  raw: ByteParts;
  meta: MessageMeta;
  /** What ActiveSync renders of the message, parsed once at delivery (src/mail/content.ts); omitted: filled later. */
  content?: MessageContent;
  /** The body as text, for the full-text index (not stored otherwise); omitted: subject and people only. */
  text?: string;
  flags?: Partial<ItemFlags>;
  receivedAt?: number;
}

/** A search of an account's mail (EAS Search Store Mailbox, Find): full text, or by date alone. */
export interface MessageSearch {
  /**
   * Words; each matches a word of the subject, the sender and recipients, or the body that starts with it.
   * Omitted: no text condition (a plain query by folder and date). Present without any word: nothing matches.
   */
  text?: string;
  /** Only these folders; omitted: every mail folder. */
  folderIds?: readonly FolderId[];
  /** received_at strictly after / before (epoch ms). */
  receivedAfter?: number;
  receivedBefore?: number;
  offset: number;
  limit: number;
}

export interface MessageSearchResult {
  /** How many messages match in all (exact up to 1,000, then 1,000). */
  total: number;
  /** The page asked for, most recently arrived first (without text: latest received_at first). */
  items: Item[];
}

export interface ItemPatch {
  flags?: Partial<ItemFlags>;
  categories?: string[];
  /**
   * Replaces the flag details (null drops them). Omitted: kept, unless the patch changes `flagged`,
   * which drops them: details describe the flag they were set with (an IMAP \Flagged toggle brings none).
   */
  flagDetails?: FlagDetails | null;
  /** Records a reply or forward (set with `answered` / `forwarded`). */
  lastVerb?: LastVerb;
}

export interface ListItemsOptions {
  /** Only items with id greater than this (keyset paging). */
  afterId?: ItemId;
  limit?: number;
  /** Only items received at or after this instant. */
  receivedSince?: number;
}

export interface DeleteItemsOptions {
  /** Only items (still) in this folder: one moved elsewhere since the caller read it is kept. */
  folderId?: FolderId;
}

export interface MailboxRepo {
  listFolders(accountId: AccountId): Promise<Folder[]>;
  getFolder(accountId: AccountId, id: FolderId): Promise<Folder | null>;
  getFolderByRole(accountId: AccountId, role: FolderRole): Promise<Folder | null>;
  createFolder(accountId: AccountId, input: { parentId: FolderId | null; name: string; kind: FolderKind }): Promise<Folder>;
  updateFolder(accountId: AccountId, id: FolderId, input: { parentId?: FolderId | null; name?: string }): Promise<Folder>;
  /** Deletes the folder, its sub-folders and their items; system folders refuse with 'forbidden'. */
  deleteFolder(accountId: AccountId, id: FolderId): Promise<void>;
  /**
   * Excludes the folder from mobile sync, or includes it again; system folders refuse with 'forbidden'.
   * A change bumps the folder's modseq and logs 'folder-changed', so held requests on every node hear of it.
   */
  setFolderSyncDisabled(accountId: AccountId, id: FolderId, disabled: boolean): Promise<Folder>;

  addMessage(accountId: AccountId, folderId: FolderId, message: NewMessage): Promise<Item>;
  /**
   * Adds many messages to one folder in one transaction with a few statements per batch (an import, a
   * restore): the same result as addMessage for each in turn, consecutive modseqs in the given order.
   */
  addMessages(accountId: AccountId, folderId: FolderId, messages: readonly NewMessage[]): Promise<Item[]>;
  /** Adds a class item without MIME (contact, event, task, note): its data is the class's own JSON. */
  addItem(accountId: AccountId, folderId: FolderId, input: { kind: Exclude<ItemKind, 'message'>; data: unknown; categories?: string[]; receivedAt?: number }): Promise<Item>;
  /**
   * Replaces a class item's data (and categories when given). `receivedAt` is the item's window date (for an
   * event, the end of its last occurrence): FilterType windows compare it.
   */
  updateItemData(accountId: AccountId, id: ItemId, data: unknown, categories?: string[], receivedAt?: number): Promise<Item>;
  getItem(accountId: AccountId, id: ItemId): Promise<Item | null>;
  /**
   * The items of this account among `ids`, in no particular order: an id that names nothing (or another
   * account's item) is left out. One query per few hundred ids, for readers that would otherwise ask
   * getItem once per id (the Sync export of a change log).
   */
  getItems(accountId: AccountId, ids: readonly ItemId[]): Promise<Item[]>;
  listItems(accountId: AccountId, folderId: FolderId, options?: ListItemsOptions): Promise<Item[]>;
  countItems(accountId: AccountId, folderId: FolderId): Promise<number>;
  /** Which of these blobs are already in this folder (the duplicate check of a mail import; one query per few hundred). */
  blobsInFolder(accountId: AccountId, folderId: FolderId, blobIds: readonly BlobId[]): Promise<Set<BlobId>>;
  updateItem(accountId: AccountId, id: ItemId, patch: ItemPatch): Promise<Item>;
  searchMessages(accountId: AccountId, query: MessageSearch): Promise<MessageSearchResult>;
  /** New MIME content for a message (a draft edited on a phone): same item, new modseq, index updated. */
  replaceMessage(accountId: AccountId, id: ItemId, message: NewMessage): Promise<Item>;
  moveItem(accountId: AccountId, id: ItemId, toFolderId: FolderId): Promise<Item>;
  deleteItem(accountId: AccountId, id: ItemId): Promise<void>;
  /**
   * Deletes many items in one transaction with a few statements per few hundred ids (POP3 QUIT, IMAP
   * EXPUNGE): the same result as deleteItem for each in turn (one 'item-deleted' change each, consecutive
   * modseqs in the given order, blobs no item uses any more removed), one change notice after commit.
   * Ids that name nothing, another account's item, or (with `folderId`) an item in another folder are
   * skipped, not refused. Returns the ids deleted, in the given order.
   */
  deleteItems(accountId: AccountId, ids: readonly ItemId[], options?: DeleteItemsOptions): Promise<ItemId[]>;

  /** The account's current modseq (the highest change number handed out). */
  currentModseq(accountId: AccountId): Promise<number>;
  /** Changes with modseq greater than `since`, oldest first. */
  changesSince(accountId: AccountId, since: number, limit?: number): Promise<Change[]>;
}

/** One non-body part of a message as listed to a device (src/mail/mime-message.ts MimePart). */
export interface ContentPart {
  /** Position among the message's attachments in document order: the partIndex of FileReferences. */
  index: number;
  contentType: string;
  /** The part's file name, or one made up from its type so the device never shows a blank name. */
  fileName: string;
  /** Decoded size in bytes. */
  size: number;
  /** Content-ID without angle brackets, when the part has one. */
  contentId: string | null;
  contentLocation: string | null;
  /** An image of an HTML body (multipart/related or disposition inline with a Content-ID). */
  inline: boolean;
  /** A text/calendar part that is an alternative of the body rather than a file someone attached. */
  calendarAlternative: boolean;
}

/**
 * What the protocols render of a message beyond its MessageMeta, parsed once and kept beside its blob
 * (migration 016) so that listing mail never runs the MIME parser again. `bodies` is null for a message
 * whose text is too large to keep twice: those are parsed when rendered.
 */
export interface MessageContent {
  /** Format of this record; a record of another format is ignored (and refilled). */
  v: number;
  bodies: { text: string; html: string | null } | null;
  attachments: ContentPart[];
  smime: 'signed' | 'encrypted' | null;
  calendar: { index: number; text: string } | null;
  bcc: Address[];
}

export interface BlobRepo {
  get(id: BlobId): Promise<Uint8Array | null>;
  /**
   * The blob's bytes as stored, part after part (migration 018), read a few parts per query and never
   * joined: for writers that send a large message with back-pressure (POP3 RETR and TOP). Null when there
   * is no such blob. Stopping early (break, return) reads no further; iterating throws a StoreError
   * ('invalid') after the last part if bytes are missing (the blob went while it was read).
   */
  parts(id: BlobId): Promise<AsyncIterable<Uint8Array> | null>;
  /** The stored MessageContent of these blobs, in one query per few hundred ids; blobs without one are left out. */
  getContents(ids: readonly BlobId[]): Promise<Map<BlobId, MessageContent>>;
  /** Keeps blobs' MessageContent (filled after the fact: rendering, the background fill), in one transaction. */
  setContents(contents: ReadonlyMap<BlobId, MessageContent>): Promise<void>;
  /** Up to `limit` blobs that have no MessageContent yet (the background fill reads each in turn). */
  listWithoutContent(limit: number): Promise<BlobId[]>;
  countWithoutContent(): Promise<number>;
}

/** Carbonio's device status codes: 0 needs provisioning, 1 ok, 2 suspended, 3 wipe requested, 4 wipe done. */
export type DeviceStatus = 0 | 1 | 2 | 3 | 4;
export const DeviceStatus = { needsProvisioning: 0, ok: 1, suspended: 2, wipeRequested: 3, wiped: 4 } as const;

/** What a device says about itself (Settings DeviceInformation, or Provision on 14.1 and later). */
export interface DeviceInfo {
  model?: string;
  imei?: string;
  friendlyName?: string;
  os?: string;
  osLanguage?: string;
  phoneNumber?: string;
  operator?: string;
  enableOutboundSms?: boolean;
  /**
   * The recovery password the device set with Settings DevicePassword (MS-ASCMD 2.2.3.52), kept readable
   * for the admin who unlocks the phone with it; never logged, shown only by its own admin route.
   */
  recoveryPassword?: string;
  /** Every distinct User-Agent the device has used, oldest first (at most 20 kept). */
  userAgentHistory?: Array<{ userAgent: string; firstSeen: number }>;
}

/** A phone as seen by one account (several accounts on one phone share its DeviceId). */
export interface Device {
  accountId: AccountId;
  deviceId: DeviceId;
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
  info: DeviceInfo;
  status: DeviceStatus;
  /** The final policy key the device holds (0: none yet). */
  policyKey: number;
  /** The temporary key handed out in phase one of Provision, awaiting acknowledgement. */
  pendingPolicyKey: number;
  /** Fingerprint of the policy the device acknowledged; a different current policy means re-provision. */
  policyHash: string;
  wipeAccountOnly: boolean;
  wipeRequestedAt: number | null;
  wipeDoneAt: number | null;
  firstSeen: number;
  lastSeen: number;
  lastAddress: string;
}

export interface DeviceContact {
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
  address: string;
  at: number;
}

export type DevicePatch = Partial<Pick<Device,
  'info' | 'status' | 'policyKey' | 'pendingPolicyKey' | 'policyHash' | 'wipeAccountOnly' | 'wipeRequestedAt' | 'wipeDoneAt'>>;

/** What the admin's device list sorts by (DeviceSearch.sort). */
export const DEVICE_SORTS = ['account', 'id', 'type', 'model', 'os', 'status', 'lastSeen', 'firstSeen'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

/** A page of the devices of every account (the admin's device list), searched and sorted by the database. */
export interface DeviceSearch {
  /** Only devices of accounts in these domains (an empty list: none). Omitted: every domain. */
  domainIds?: readonly DomainId[];
  /** Leaves out the devices of global admins (a delegated admin may not manage them). */
  excludeGlobalAdmins?: boolean;
  /**
   * Text found anywhere (case-insensitively, `%` and `_` taken literally) in the account's address, the
   * device id, its type, model or friendly name. Omitted or blank: every device.
   */
  q?: string;
  /** Text keys compare case-insensitively; ties go by account address, then device id, both ascending. */
  sort: DeviceSort;
  order: 'asc' | 'desc';
  offset: number;
  /** Omitted: every device from `offset` on. */
  limit?: number;
}

export interface DeviceSearchResult {
  /** How many devices match in all. */
  total: number;
  rows: Array<{ account: Account; device: Device }>;
}

export interface DeviceRepo {
  get(accountId: AccountId, deviceId: DeviceId): Promise<Device | null>;
  list(accountId: AccountId): Promise<Device[]>;
  /** Every device, optionally only those of accounts in some domains. */
  listAll(options?: { domainIds?: DomainId[] }): Promise<Device[]>;
  /** Devices with their accounts, filtered, sorted and paged in one query (plus one count). */
  search(options: DeviceSearch): Promise<DeviceSearchResult>;
  /** Records a contact: creates the device on first contact, else updates type, agent (and its history), version, address, time. */
  recordContact(accountId: AccountId, deviceId: DeviceId, contact: DeviceContact): Promise<Device>;
  update(accountId: AccountId, deviceId: DeviceId, patch: DevicePatch): Promise<Device>;
  /** Removes the device, its sync state and its history. */
  delete(accountId: AccountId, deviceId: DeviceId): Promise<void>;
}

/**
 * One collection's position on one device (a folder; the folder list is apart, getHierarchy). The key and data are
 * the sync engine's own format: the store keeps them and never reads them.
 */
export interface CollectionState {
  collectionId: string;
  key: string;
  data: string;
  updatedAt: number;
}

/** The device's folder list as it holds it (the FolderSync SyncState): its own state, never a collection. */
export interface HierarchyPosition {
  key: string;
  data: string;
  updatedAt: number;
}

/**
 * What a device keeps besides its SyncStates, one JSON document per kind: the last Ping parameters, the
 * cached Sync request, the ClientIds it sent mail with, its recent meeting answers. A closed set: the
 * shape of each and its decoder are in src/eas/sync/device-records.ts; the store keeps the text only.
 */
export const DEVICE_RECORD_KINDS = ['ping', 'sync-request', 'sent-client-ids', 'meeting-answers'] as const;
export type DeviceRecordKind = (typeof DEVICE_RECORD_KINDS)[number];
export const isDeviceRecordKind = (v: string): v is DeviceRecordKind => (DEVICE_RECORD_KINDS as readonly string[]).includes(v);

/** An item as a device holds it: which version (modseq) it was last sent. */
export interface HeldItem {
  itemId: ItemId;
  modseq: number;
}

export interface DeviceStateRepo {
  getCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<CollectionState | null>;
  listCollections(accountId: AccountId, deviceId: DeviceId): Promise<CollectionState[]>;
  /**
   * Writes a collection's position. With `expectedKey`, only if the stored key is still that one (else
   * 'conflict'): a state reset or advanced meanwhile, by this node or another, is never overwritten.
   */
  putCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string, key: string, data: string, expectedKey?: string): Promise<void>;
  /**
   * Forgets what the device holds: of one collection, or (no collectionId) everything: every collection,
   * the hierarchy and the device records. The device record itself stays.
   */
  reset(accountId: AccountId, deviceId: DeviceId, collectionId?: string): Promise<void>;
  getHierarchy(accountId: AccountId, deviceId: DeviceId): Promise<HierarchyPosition | null>;
  /** Writes the hierarchy's position; `expectedKey` as for putCollection ('conflict' when it changed meanwhile). */
  putHierarchy(accountId: AccountId, deviceId: DeviceId, key: string, data: string, expectedKey?: string): Promise<void>;
  /** The stored text of one device record, or null. */
  getRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind): Promise<string | null>;
  /** Replaces one device record ('invalid' for a kind outside the closed set). */
  putRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind, data: string): Promise<void>;
  /** Removes some records of the device, or (no kinds) all of them. */
  deleteRecords(accountId: AccountId, deviceId: DeviceId, kinds?: readonly DeviceRecordKind[]): Promise<void>;
  /** The versions the device holds of these items; ids it does not hold are absent. */
  held(accountId: AccountId, deviceId: DeviceId, collectionId: string, itemIds: readonly ItemId[]): Promise<Map<ItemId, number>>;
  countHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<number>;
  /** Items of the folder the device does not hold yet, lowest id first. */
  unsent(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, options: { limit: number; receivedSince?: number; afterId?: ItemId }): Promise<Item[]>;
  countUnsent(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, options?: { receivedSince?: number }): Promise<number>;
  /**
   * Held items of the folder received before an instant (they left the device's time window), lowest id
   * first; with `since`, only those received at or after it, so a sliding window scans only the slice it moved.
   */
  heldBefore(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, before: number, limit: number, since?: number): Promise<ItemId[]>;
  /** Records what the device now holds: upserts `now`, removes `gone`. */
  recordHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string, now: readonly HeldItem[], gone: readonly ItemId[]): Promise<void>;
}

/** The repositories, bound either to the database or to one transaction. */
export interface Repos {
  domains: DomainRepo;
  devices: DeviceRepo;
  deviceState: DeviceStateRepo;
  accounts: AccountRepo;
  credentials: CredentialRepo;
  mailbox: MailboxRepo;
  blobs: BlobRepo;
  settings: SettingsRepo;
  authGuard: AuthGuardRepo;
  webSessions: WebSessionRepo;
  easFilters: EasFilterRepo;
  accountLoggers: AccountLoggerRepo;
  mobileServices: MobileServicesRepo;
  abq: AbqRepo;
  /** The admin audit trail (issue 17 part 3). */
  audit: AuditRepo;
  /** The IMAP mailbox model: UIDs, UIDVALIDITY, \Deleted, expunged UIDs (issue 18; src/imap owns it). */
  imap: ImapRepo;
}

/** An EAS version filter as stored (issue 15); the rule is JSON text that src/devices/eas-filters.ts decodes. */
export interface EasFilterRecord {
  id: number;
  /** 0-based place in evaluation order. */
  position: number;
  rule: string;
  mode: string;
  versions: string[];
  blocking: boolean;
  createdAt: number;
}

export type NewEasFilter = Omit<EasFilterRecord, 'id' | 'position'>;

export interface EasFilterRepo {
  /** Every filter, in evaluation order. */
  list(): Promise<EasFilterRecord[]>;
  /** Appends the filter after the last one. */
  add(f: NewEasFilter): Promise<EasFilterRecord>;
  /** Deletes one filter (the later ones move up a place); null when there is none with this id. */
  delete(id: number): Promise<EasFilterRecord | null>;
  /** Moves the filter at position `from` to position `to` (the others keep their order); 'invalid' when either is out of range. Returns the new list. */
  move(from: number, to: number): Promise<EasFilterRecord[]>;
}

export interface SettingsRepo {
  get(scope: string, key: string): Promise<string | null>;
  set(scope: string, key: string, value: string): Promise<void>;
  list(scope: string): Promise<Record<string, string>>;
  /** Removes one setting (the scope falls back to the next one); true when there was one. */
  delete(scope: string, key: string): Promise<boolean>;
}

/** What a failure counter counts: one client address (all accounts), one account (its unfamiliar sources), or one account from one address. */
export type GuardScope = 'address' | 'account' | 'pair';
/** Admin logins (API, CLI) and protocol logins (EAS, SMTP, ...) are counted apart, so neither can lock the other out. */
export type GuardNamespace = 'admin' | 'protocol';

export interface GuardKey {
  scope: GuardScope;
  namespace: GuardNamespace;
  /** Lower-case login ('' for scope 'address'). */
  account: string;
  /** Client address ('' for scope 'account'). */
  address: string;
}

export interface GuardCounter extends GuardKey {
  failures: number;
  /** When the counting window opened (the first failure in it). */
  windowStart: number;
  /** 0 or a past time when not locked. */
  lockedUntil: number;
}

export interface GuardLimits {
  /** How long a window of counting lasts after its first failure. */
  windowMs: number;
  /** Lockout length once `max` failures are reached within the window. */
  lockMs: number;
  max: number;
}

/** A client address or an EAS DeviceId that logged in successfully to an account. */
export interface FamiliarSource {
  account: string;
  kind: 'address' | 'device';
  value: string;
  lastSuccess: number;
}

/**
 * Brute-force counters and familiar sources, shared by every server process. Rows whose window and
 * lock are both over (counters) or older than `since` (familiar sources) are stale: never returned, pruned.
 */
export interface AuthGuardRepo {
  /** The live counters among these keys. */
  counters(keys: readonly GuardKey[], now: number, windowMs: number): Promise<GuardCounter[]>;
  /** Counts one failure atomically (a stale row starts a new window) and locks at `max`; returns the counter after it. */
  addFailure(key: GuardKey, now: number, limits: GuardLimits): Promise<GuardCounter>;
  /** Forgets one counter (a success from that account and address). */
  reset(key: GuardKey): Promise<void>;
  /** Live counters touching an account and/or an address (both filters: both must match); all without filter. */
  list(filter: { account?: string; address?: string }, now: number, windowMs: number): Promise<GuardCounter[]>;
  /** Removes every counter of an account (its own and its per-address ones) or of an address; returns how many. */
  clear(target: { account: string } | { address: string }): Promise<number>;
  /** When the source last logged in to the account, if at or after `since`. */
  lastSuccess(account: string, kind: FamiliarSource['kind'], value: string, since: number): Promise<number | null>;
  recordSuccess(account: string, kind: FamiliarSource['kind'], value: string, at: number): Promise<void>;
  familiar(account: string, since: number): Promise<FamiliarSource[]>;
  /** Deletes stale counters and familiar sources older than `familiarSince`. */
  prune(now: number, windowMs: number, familiarSince: number): Promise<void>;
}

/** Who a web console session is for: the user page (WebUI) or the admin page (WebAdminUI). */
export type WebScope = 'user' | 'admin';

/** A browser session of the web console; the token itself is never stored, only its SHA-256. */
export interface WebSession {
  idHash: string;
  accountId: AccountId;
  scope: WebScope;
  /** The credential the login used (null: the account password): disabling or deleting it ends the session. */
  credentialId: CredentialId | null;
  /** The per-session secret CSRF tokens are made from and checked against. */
  csrfSecret: string;
  createdAt: number;
  lastSeen: number;
  remoteAddress: string;
  userAgent: string;
}

export interface WebSessionRepo {
  create(s: WebSession): Promise<void>;
  get(idHash: string): Promise<WebSession | null>;
  /** Records activity (the idle clock restarts). */
  touch(idHash: string, at: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of an account (password changed, account closed); returns how many. */
  deleteForAccount(accountId: AccountId): Promise<number>;
  /** Deletes sessions idle since before `idleBefore` or created before `createdBefore`; returns how many. */
  prune(idleBefore: number, createdBefore: number): Promise<number>;
}

/** An anti-DoS jail of one device of one account (issue 15; carbonio-features.md 5.7). */
export interface MobileJail {
  accountId: AccountId;
  deviceId: DeviceId;
  jailedAt: number;
  /** Requests are refused until then. */
  until: number;
  /** The burst that caused it: this many requests within `windowMs`. */
  requests: number;
  windowMs: number;
}

/** A mobile service's stored run state (`carbonio mobile doStopService`); a service never changed has none. */
export interface MobileServiceState {
  name: string;
  running: boolean;
  changedAt: number;
  changedBy: string;
}

/** Anti-DoS jails and mobile service states, shared by every server process (src/devices/services.ts). */
export interface MobileServicesRepo {
  /** Jails a device unless a live jail exists; true when this call made the jail (one alert per jailing). */
  jail(j: MobileJail): Promise<boolean>;
  /** Jails still running at `now`. */
  liveJails(now: number): Promise<MobileJail[]>;
  /** Ends jails: all, an account's, or one device's; returns how many live ones ended. Expired rows go too. */
  release(target: 'all' | { accountId: AccountId; deviceId?: DeviceId }, now: number): Promise<number>;
  services(): Promise<MobileServiceState[]>;
  setService(s: MobileServiceState): Promise<void>;
}

export interface Store extends Repos {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction; change notices are emitted only after it commits. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Called after every commit that changed mailbox data. Used to feed the bus. */
  onChange(listener: (notice: ChangeNotice) => void): () => void;
  /** A cheap round trip, for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
