// The admin's device list across domains (issue 14), searched, sorted and paged by the database: the model
// and OS leave the `info` JSON for columns of their own, with one lower-cased search text (device id,
// type, model, friendly name; sql/device-columns.ts says why it is folded in JavaScript). Real columns
// rather than the dialects' JSON functions: one SQL text for both engines, plain indexes, and no JSON
// parsing of every row on every page (PostgreSQL stores `info` as text, so it would be parsed per row).
// Existing rows are backfilled with the function the repository writes them with. Kysely runs PostgreSQL
// migrations in a transaction but not SQLite ones: there this one opens its own.
import { sql, type Kysely, type Migration } from 'kysely';
import { deviceSearchColumns } from '../sql/device-columns.js';
import type { DeviceInfo } from '../types.js';
import type { Dialect } from './index.js';

export function m010(dialect: Dialect): Migration {
  return {
    up: (db: Kysely<unknown>) => (dialect === 'sqlite' ? db.transaction().execute(addSearchColumns) : addSearchColumns(db)),
  };
}

interface Row {
  account_id: string;
  device_id: string;
  device_type: string;
  info: string;
}

async function addSearchColumns(db: Kysely<unknown>): Promise<void> {
  for (const column of ['model', 'os', 'search_text']) {
    await db.schema.alterTable('devices').addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute();
  }
  const rows = await sql<Row>`select account_id, device_id, device_type, info from devices`.execute(db);
  for (const r of rows.rows) {
    const c = deviceSearchColumns(r.device_id, r.device_type, JSON.parse(r.info) as DeviceInfo);
    await sql`update devices set model = ${c.model}, os = ${c.os}, search_text = ${c.search_text}
      where account_id = ${r.account_id} and device_id = ${r.device_id}`.execute(db);
  }
  // Most recently seen first is the list's most useful order, and the one a bare index lets the database
  // read in order and stop after a page (bench/admin-devices.ts).
  await db.schema.createIndex('devices_last_seen').on('devices').column('last_seen').execute();
}
