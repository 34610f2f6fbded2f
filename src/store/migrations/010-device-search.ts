// The admin's device list across domains (issue 14), searched, sorted and paged by the database: the model
// and OS are copied out of the `info` JSON into columns of their own, beside one lower-cased search text
// (device id, type, model, friendly name). Columns rather than the dialects' JSON functions: one SQL text
// for both engines, indexable if a sort needs it, and a search text folded to lower case in JavaScript,
// which SQLite's lower() (ASCII only) cannot produce (sql/device-columns.ts). Speed was not the reason: at
// 10,000 devices, sorting on json_extract / ->> cost about what sorting on the column does. Existing rows
// are backfilled with the function the repository writes them with. Kysely runs PostgreSQL migrations in
// a transaction but not SQLite ones: there this one opens its own.
import { sql, type Kysely, type Migration } from 'kysely';
import { deviceSearchColumns } from '../sql/device-columns.js';
import type { DeviceInfo } from '../types.js';
import type { Dialect } from './index.js';

export function m010(dialect: Dialect): Migration {
  return {
    up: (db: Kysely<unknown>) => (dialect === 'sqlite' ? db.transaction().execute((trx) => addSearchColumns(trx, dialect)) : addSearchColumns(db, dialect)),
  };
}

interface Row {
  account_id: string;
  device_id: string;
  device_type: string;
  info: string;
}

async function addSearchColumns(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const column of ['model', 'os', 'search_text']) {
    await db.schema.alterTable('devices').addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute();
  }
  const rows = await sql<Row>`select account_id, device_id, device_type, info from devices`.execute(db);
  for (const r of rows.rows) {
    const c = deviceSearchColumns(r.device_id, r.device_type, JSON.parse(r.info) as DeviceInfo);
    await sql`update devices set model = ${c.model}, os = ${c.os}, search_text = ${c.search_text}
      where account_id = ${r.account_id} and device_id = ${r.device_id}`.execute(db);
  }
  await createIndexes(db, dialect);
}

// A page by lastSeen (most recently seen first: the list's most useful order) or by address reads the
// index in order and stops after the page instead of sorting every device: for a page of 50 of 10,000 on
// PostgreSQL the query took 2 ms instead of 25 (by lastSeen), 1.5 instead of 28 (by address), and SQLite
// likewise (sql/device-search.ts says how it is led to those plans). The list compares addresses in the
// "C" collation on PostgreSQL, which the unique index on email (in the database's collation) cannot
// serve; SQLite's is in code point order already.
async function createIndexes(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.createIndex('devices_last_seen').on('devices').column('last_seen').execute();
  if (dialect === 'postgres') await sql`create index accounts_email_c on accounts (email collate "C")`.execute(db);
}
