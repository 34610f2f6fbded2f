// Table shapes as Kysely sees them. Booleans are 0/1 integers and JSON is text in both dialects,
// so one implementation serves SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface DomainsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface AccountsTable {
  id: string;
  domain_id: string;
  email: string;
  display_name: string;
  password_hash: string;
  status: string;
  mobile_sync_enabled: number;
  is_global_admin: number;
  created_at: number;
  auth_version: number;
  modseq: number;
  profile: string;
}

export interface DelegatedAdminsTable {
  account_id: string;
  domain_id: string;
}

export interface CredentialsTable {
  account_id: string;
  id: string;
  label: string;
  services: string;
  hash: string;
  enabled: number;
  generated: number;
  qrcode: number;
  created_at: number;
  last_used_at: number | null;
}

export interface FoldersTable {
  id: Generated<number>;
  account_id: string;
  parent_id: number | null;
  name: string;
  kind: string;
  role: string | null;
  modseq: number;
  created_at: number;
  /** 1: hidden from the account's phones (issue 15, disableFolderSync). */
  sync_disabled: Generated<number>;
}

export interface ItemsTable {
  id: Generated<number>;
  account_id: string;
  folder_id: number;
  kind: string;
  modseq: number;
  received_at: number;
  blob_id: string | null;
  size: number;
  seen: number;
  flagged: number;
  answered: number;
  forwarded: number;
  draft: number;
  categories: string;
  meta: string | null;
  data: string | null;
  /** JSON {flag?: FlagDetails, lastVerb?: LastVerb} of a message; null when it has neither. */
  mail_state: string | null;
}

export interface BlobsTable {
  id: string;
  size: number;
  data: Uint8Array;
  /** JSON MessageContent (migration 016); null until the message is parsed. */
  content: Generated<string | null>;
}

/** Bytes of a blob past its first part (migration 018), in order of `seq` from 1. */
export interface BlobPartsTable {
  blob_id: string;
  seq: number;
  data: Uint8Array;
}

export interface ChangesTable {
  account_id: string;
  modseq: number;
  kind: string;
  folder_id: number;
  item_id: number | null;
  from_folder_id: number | null;
}

export interface SettingsTable {
  scope: string;
  key: string;
  value: string;
}

export interface DevicesTable {
  account_id: string;
  device_id: string;
  device_type: string;
  user_agent: string;
  protocol_version: string;
  info: string;
  status: number;
  policy_key: number;
  first_seen: number;
  last_seen: number;
  last_address: string;
  pending_policy_key: number;
  policy_hash: string;
  wipe_account_only: number;
  wipe_requested_at: number | null;
  wipe_done_at: number | null;
  /** Copied from `info` for the admin's device list (migration 010, device-columns.ts). */
  model: string;
  os: string;
  /** Lower-cased device id, type, model and friendly name, one per line: what the device list's search matches. */
  search_text: string;
}

export interface SyncStatesTable {
  account_id: string;
  device_id: string;
  collection_id: string;
  sync_key: string;
  state: string;
  updated_at: number;
}

export interface HierarchyStatesTable {
  account_id: string;
  device_id: string;
  sync_key: string;
  state: string;
  updated_at: number;
}

export interface DeviceRecordsTable {
  account_id: string;
  device_id: string;
  /** One of DEVICE_RECORD_KINDS (store/types.ts). */
  kind: string;
  data: string;
  updated_at: number;
}

export interface SyncItemsTable {
  account_id: string;
  device_id: string;
  collection_id: string;
  item_id: number;
  modseq: number;
}

export interface AuthFailuresTable {
  scope: string;
  namespace: string;
  account: string;
  address: string;
  failures: number;
  window_start: number;
  locked_until: number;
}

export interface AuthFamiliarTable {
  account: string;
  kind: string;
  value: string;
  last_success: number;
}

export interface WebSessionsTable {
  id_hash: string;
  account_id: string;
  scope: string;
  credential_id: string | null;
  csrf_secret: string;
  created_at: number;
  last_seen: number;
  remote_address: string;
  user_agent: string;
}

/** EAS version filters (issue 15), in `position` order; see migrations/013-eas-filters.ts. */
export interface EasFiltersTable {
  id: Generated<number>;
  position: number;
  /** The rule tree, JSON. */
  rule: string;
  mode: string;
  /** Comma list, e.g. `14.0,14.1`. */
  versions: string;
  blocking: number;
  created_at: number;
}

/** Per-account EAS loggers (migration 014). */
export interface AccountLoggersTable {
  id: Generated<number>;
  account_id: string;
  level: string;
  file: string;
  window_size: number | null;
  created_at: number;
  expires_at: number;
}

/** An anti-DoS jail (issue 15): live while `until` is in the future. */
export interface MobileJailsTable {
  account_id: string;
  device_id: string;
  jailed_at: number;
  until: number;
  requests: number;
  window_ms: number;
}

/** A mobile service's run state (getServices / doStopService); no row: running. */
export interface MobileServicesTable {
  name: string;
  running: number;
  changed_at: number;
  changed_by: string;
}

export interface AbqDevicesTable {
  device_id: string;
  /** '' for an entry that applies to every account. */
  account_id: string;
  status: string;
  origin: string;
  updated_at: number;
  updated_by: string;
  notified_at: number | null;
}

export interface AbqRulesTable {
  /** '' for a rule of every domain. */
  domain_id: string;
  pattern: string;
  status: string;
  ord: number;
  created_at: number;
  created_by: string;
}

export interface AbqMessagesTable {
  /** '' for the global message. */
  domain_id: string;
  kind: string;
  locale: string;
  from_address: string;
  reply_to: string;
  subject: string;
  body_plain: string;
  body_html: string;
  updated_at: number;
}

export interface AbqViewsTable {
  account_id: string;
  device_id: string;
  status: string;
  since: number;
}

export interface AbqJobRunsTable {
  job: string;
  last_run: number;
}

/** One change asked of the admin or self-service API (issue 17 part 3, migration 019). */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  actor_id: string | null;
  address: string;
  via: string;
  action: string;
  target: string;
  target_account: string | null;
  target_domain: string | null;
  status: number;
  outcome: string;
  /** JSON object. */
  detail: string;
}

/** Per folder: UIDVALIDITY and UIDNEXT (migration 020). */
export interface ImapFoldersTable {
  folder_id: number;
  account_id: string;
  uidvalidity: number;
  uidnext: number;
  /** The highest modseq of an imap_expunged row pruned (migration 021). */
  expunged_floor: Generated<number>;
}

/** Per item: its UID in the folder it had when assigned; \Deleted and that flag's modseq (migration 020). */
export interface ImapUidsTable {
  item_id: number;
  folder_id: number;
  uid: number;
  deleted: Generated<number>;
  flag_modseq: Generated<number>;
}

/** UIDs that left a folder, with the modseq at which a sync noticed (VANISHED (EARLIER), migration 020). */
export interface ImapExpungedTable {
  folder_id: number;
  uid: number;
  modseq: number;
  /** When it was recorded, ms (migration 021: pruned after the retention). */
  at: Generated<number>;
}

/** SUBSCRIBE (1) and UNSUBSCRIBE (0) of a mailbox name; a folder without a row is subscribed (migration 021). */
export interface ImapSubscriptionsTable {
  account_id: string;
  name: string;
  subscribed: number;
}

export interface DB {
  imap_folders: ImapFoldersTable;
  imap_subscriptions: ImapSubscriptionsTable;
  imap_uids: ImapUidsTable;
  imap_expunged: ImapExpungedTable;
  audit_log: AuditLogTable;
  eas_filters: EasFiltersTable;
  account_loggers: AccountLoggersTable;
  mobile_jails: MobileJailsTable;
  mobile_services: MobileServicesTable;
  abq_devices: AbqDevicesTable;
  abq_rules: AbqRulesTable;
  abq_messages: AbqMessagesTable;
  abq_views: AbqViewsTable;
  abq_job_runs: AbqJobRunsTable;
  web_sessions: WebSessionsTable;
  auth_failures: AuthFailuresTable;
  auth_familiar: AuthFamiliarTable;
  sync_items: SyncItemsTable;
  domains: DomainsTable;
  accounts: AccountsTable;
  delegated_admins: DelegatedAdminsTable;
  credentials: CredentialsTable;
  folders: FoldersTable;
  items: ItemsTable;
  blobs: BlobsTable;
  blob_parts: BlobPartsTable;
  changes: ChangesTable;
  settings: SettingsTable;
  devices: DevicesTable;
  sync_states: SyncStatesTable;
  hierarchy_states: HierarchyStatesTable;
  device_records: DeviceRecordsTable;
}
