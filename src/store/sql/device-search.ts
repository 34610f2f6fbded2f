// The admin's device list across domains (issue 14): devices joined with their accounts, filtered by
// domain, role and text, sorted and paged in one query, plus one count. The text matches the account's
// address or the device's search text (device id, type, model, friendly name; device-columns.ts) as a
// substring. Text sort keys compare lower-cased and, on PostgreSQL, in the "C" collation (code point
// order), so both engines give the same order whatever the database's locale. Ties go by account address,
// then device id, ascending: a total order, so consecutive pages neither repeat nor skip a device.
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect } from '../migrations/index.js';
import type { DeviceSearch, DeviceSearchResult, DeviceSort } from '../types.js';
import { searchPattern } from './device-columns.js';
import { toDevice } from './devices.js';
import { toAccount } from './directory.js';
import type { DB } from './schema.js';

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

/** A sort key as SQL: only the fixed expressions above ever reach sql.raw, never the caller's text. */
function key(dialect: Dialect, k: Key): RawBuilder<unknown> {
  return sql.raw(k.text && dialect === 'postgres' ? `${k.expr} collate "C"` : k.expr);
}

export async function searchDevices(db: Kysely<DB>, dialect: Dialect, o: DeviceSearch): Promise<DeviceSearchResult> {
  if (o.domainIds?.length === 0) return { total: 0, rows: [] };
  let base = db.selectFrom('devices as d').innerJoin('accounts as a', 'a.id', 'd.account_id');
  if (o.domainIds) base = base.where('a.domain_id', 'in', o.domainIds);
  if (o.excludeGlobalAdmins) base = base.where('a.is_global_admin', '=', 0);
  const pattern = searchPattern(o.q);
  // `\` as the escape character is spelled out: PostgreSQL's LIKE has it by default, SQLite's has none.
  if (pattern !== null) base = base.where(sql<SqlBool>`(a.email like ${pattern} escape '\\' or d.search_text like ${pattern} escape '\\')`);

  let q = base.selectAll('d').select([
    'a.id as acc_id', 'a.domain_id as acc_domain_id', 'a.email as acc_email', 'a.display_name as acc_display_name',
    'a.status as acc_status', 'a.mobile_sync_enabled as acc_mobile_sync_enabled', 'a.is_global_admin as acc_is_global_admin',
    'a.created_at as acc_created_at', 'a.auth_version as acc_auth_version', 'a.profile as acc_profile',
  ]).orderBy(key(dialect, KEYS[o.sort]), o.order);
  if (o.sort !== 'account') q = q.orderBy(key(dialect, KEYS.account));
  q = q.orderBy(key(dialect, { expr: 'd.device_id', text: true }));
  // SQLite takes no OFFSET without a LIMIT; -1 is its "no limit".
  if (o.limit !== undefined) q = q.limit(o.limit);
  else if (o.offset > 0 && dialect === 'sqlite') q = q.limit(-1);
  if (o.offset > 0) q = q.offset(o.offset);

  const rows = (await q.execute()).map((r) => ({
    account: toAccount({
      id: r.acc_id, domain_id: r.acc_domain_id, email: r.acc_email, display_name: r.acc_display_name, status: r.acc_status,
      mobile_sync_enabled: r.acc_mobile_sync_enabled, is_global_admin: r.acc_is_global_admin, created_at: r.acc_created_at,
      auth_version: r.acc_auth_version, profile: r.acc_profile,
    }),
    device: toDevice(r),
  }));
  // A page that is not full and starts inside the matches is the last one: no second query to know how many.
  if ((o.limit === undefined || rows.length < o.limit) && (o.offset === 0 || rows.length > 0)) return { total: o.offset + rows.length, rows };
  const count = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
  return { total: Number(count?.n ?? 0), rows };
}
