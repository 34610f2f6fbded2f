// Message blobs in parts (issue 16 part 5): a blob's first 256 KiB stay in `blobs.data` and the rest goes
// to `blob_parts`, one row per 256 KiB, so that storing a 10 MiB message never binds it as one SQL value
// (SQLite copies a bound value and then builds the row from it: two more copies of the whole message in
// memory; the PostgreSQL driver grows its write buffer to the message's size). Blobs written before this
// migration keep all their bytes in `blobs.data` and have no parts; readers tell them apart by `size`.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.js';

export function m018(dialect: Dialect): Migration {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('blob_parts')
        .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', sql.raw(binary), (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_parts_pk', ['blob_id', 'seq'])
        .execute();
    },
  };
}
