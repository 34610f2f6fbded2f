// Anti-DoS jails and the mobile services' run state (issue 15 part 4, carbonio-features.md 3.6 and 5.7),
// in the database so every server process refuses the same jailed devices and honours the same stopped
// services. A jail is one row per (account, device) whose `until` is in the future; an expired row is
// ignored by every read and replaced by the next jailing. A service without a row is running.
import type { Kysely, Migration } from 'kysely';

export const m015: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createTable('mobile_jails')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('jailed_at', 'bigint', (c) => c.notNull())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .addColumn('requests', 'integer', (c) => c.notNull())
      .addColumn('window_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('mobile_jails_pk', ['account_id', 'device_id'])
      .execute();
    await db.schema.createIndex('mobile_jails_until').on('mobile_jails').column('until').execute();
    await db.schema.createTable('mobile_services')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('running', 'integer', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  },
};
