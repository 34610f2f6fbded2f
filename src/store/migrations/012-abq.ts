// ABQ (issue 15 part 1, carbonio-features.md 3.5 / 5.6): the device control list, the rules, the notice
// messages per domain and locale, the view each device syncs (real or stand-in mailbox), and the runs
// of periodic jobs (the one-time import of known devices, the admins' notification mail) that one server
// process claims for all. In the database so every server process applies the same decisions. Account-
// less rows use '' (a device entry for every account, a global rule or message) so they can be part of a
// primary key. Kysely runs PostgreSQL migrations in a transaction but not SQLite ones: there this one
// opens its own.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './index.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('abq_devices')
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('notified_at', 'bigint')
    .addPrimaryKeyConstraint('abq_devices_pk', ['device_id', 'account_id'])
    .execute();
  await db.schema.createIndex('abq_devices_status').on('abq_devices').column('status').execute();
  await db.schema.createTable('abq_rules')
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('pattern', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ord', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('abq_rules_pk', ['domain_id', 'pattern'])
    .execute();
  await db.schema.createTable('abq_messages')
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_plain', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('abq_messages_pk', ['domain_id', 'kind', 'locale'])
    .execute();
  await db.schema.createTable('abq_views')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('abq_views_pk', ['account_id', 'device_id'])
    .addForeignKeyConstraint('abq_views_device', ['account_id', 'device_id'], 'devices', ['account_id', 'device_id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createTable('abq_job_runs')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('last_run', 'bigint', (c) => c.notNull())
    .execute();
}

export function m012(dialect: Dialect): Migration {
  return { up: (db: Kysely<unknown>) => (dialect === 'sqlite' ? db.transaction().execute(up) : up(db)) };
}
