// The admin's device list across domains (issue 14): devices joined with their accounts, filtered by
// domain, role and text, sorted and paged in one query, plus one count. The text matches the account's
// address or the device's search text (device id, type, model, friendly name; device-columns.ts) as a
// substring. Text sort keys compare lower-cased and, on PostgreSQL, in the "C" collation (code point
// order), so both engines give the same order whatever the database's locale (but for capitals outside
// ASCII, which SQLite's lower() leaves as they are: a sort order, unlike a match, can live with that).
// Ties go by account address, then device id, ascending: a total order, so consecutive pages neither
// repeat nor skip a device.
//
// Plans (10,000 devices, bench/admin-devices.ts): a page by address walks an index on the address and
// stops after the page, as does one by lastSeen (index devices_last_seen), instead of sorting every
// device. PostgreSQL finds these plans itself, given accounts_email_c (the address in the "C" collation,
// migration 010). SQLite, which has no statistics here, does not: the account sort names the accounts
// first in a CROSS JOIN (SQLite keeps that order; PostgreSQL treats it as any join), and the lastSeen
// sort without text names its index. With text the whole table is read either way (the count must), and
// walking the index then loses to a plain scan when the text is rare.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Dialect } from '../migrations/index.js';
import type { DeviceSearch, DeviceSearchResult, DeviceSort } from '../types.js';
import { searchPattern } from './device-columns.js';
import { toDevice } from './devices.js';
import { toAccount, type AccountColumns } from './directory.js';
import type { DB, DevicesTable } from './schema.js';

type Key = { expr: string; text: boolean };

const KEYS: Record<DeviceSort, Key> = {
  account: { expr: 'a.email', text: true },
  id: { expr: 'lower(d.device_id)', text: true },
  type: { expr: 'lower(d.device_type)', text: true },
  model: { expr: 'lower(d.model)', text: true },
  os: { expr: 'lower(d.os)', text: true },
  status: { expr: 'd.status', text: false },
  lastSeen: { expr: 'd.last_seen', text: false },
  firstSeen: { expr: 'd.first_seen', text: false },
};
const DEVICE_ID: Key = { expr: 'd.device_id', text: true };

/** A sort key as SQL: only the fixed expressions above ever reach sql.raw, never the caller's text. */
function key(dialect: Dialect, k: Key, order: 'asc' | 'desc'): RawBuilder<unknown> {
  return sql.raw(`${k.expr}${k.text && dialect === 'postgres' ? ' collate "C"' : ''} ${order}`);
}

type Row = Selectable<DevicesTable> & { [K in keyof AccountColumns as `acc_${K}`]: AccountColumns[K] };

const ACCOUNT_COLUMNS = ['id', 'domain_id', 'email', 'display_name', 'status', 'mobile_sync_enabled', 'is_global_admin', 'created_at', 'auth_version', 'profile'] as const;
const selectAccount = sql.raw(ACCOUNT_COLUMNS.map((c) => `a.${c} as acc_${c}`).join(', '));

function account(r: Row): AccountColumns {
  return {
    id: r.acc_id, domain_id: r.acc_domain_id, email: r.acc_email, display_name: r.acc_display_name, status: r.acc_status,
    mobile_sync_enabled: r.acc_mobile_sync_enabled, is_global_admin: r.acc_is_global_admin, created_at: r.acc_created_at,
    auth_version: r.acc_auth_version, profile: r.acc_profile,
  };
}

export async function searchDevices(db: Kysely<DB>, dialect: Dialect, o: DeviceSearch): Promise<DeviceSearchResult> {
  if (o.domainIds?.length === 0) return { total: 0, rows: [] };
  const pattern = searchPattern(o.q);
  const conditions: RawBuilder<unknown>[] = [sql`a.id = d.account_id`];
  if (o.domainIds) conditions.push(sql`a.domain_id in (${sql.join(o.domainIds)})`);
  if (o.excludeGlobalAdmins) conditions.push(sql`a.is_global_admin = 0`);
  // `\` as the escape character is spelled out: PostgreSQL's LIKE has it by default, SQLite's has none.
  if (pattern !== null) conditions.push(sql`(a.email like ${pattern} escape '\\' or d.search_text like ${pattern} escape '\\')`);
  const where = sql.join(conditions, sql` and `);

  const hint = dialect === 'sqlite' && o.sort === 'lastSeen' && pattern === null ? sql` indexed by devices_last_seen` : sql``;
  const from = o.sort === 'account' ? sql`accounts a cross join devices d` : sql`devices d${hint} cross join accounts a`;
  const order = [key(dialect, KEYS[o.sort], o.order), ...(o.sort === 'account' ? [] : [key(dialect, KEYS.account, 'asc')]), key(dialect, DEVICE_ID, 'asc')];
  // SQLite takes no OFFSET without a LIMIT; -1 is its "no limit".
  const limit = o.limit !== undefined ? sql` limit ${o.limit}` : o.offset > 0 && dialect === 'sqlite' ? sql` limit -1` : sql``;
  const offset = o.offset > 0 ? sql` offset ${o.offset}` : sql``;
  const found = await sql<Row>`select d.*, ${selectAccount} from ${from} where ${where} order by ${sql.join(order)}${limit}${offset}`.execute(db);
  const rows = found.rows.map((r) => ({ account: toAccount(account(r)), device: toDevice(r) }));

  // A page that is not full and starts inside the matches is the last one: no second query to know how many.
  if ((o.limit === undefined || rows.length < o.limit) && (o.offset === 0 || rows.length > 0)) return { total: o.offset + rows.length, rows };
  // Without a condition on the account, every device counts (each has its account: a foreign key).
  const count = conditions.length === 1
    ? sql<{ n: number | string }>`select count(*) as n from devices`
    : sql<{ n: number | string }>`select count(*) as n from devices d join accounts a on ${where}`;
  return { total: Number((await count.execute(db)).rows[0]?.n ?? 0), rows };
}
