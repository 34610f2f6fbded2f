// Search and Find p99 (issue 16 part 4; MS-ASCMD 2.2.1.16 Search, 2.2.1.2 Find), see src/store/sql/search.ts.
// SQLite: a read-only view of the FTS5 index's term list (fts5vocab,
// https://sqlite.org/fts5.html#the_fts5vocab_virtual_table_module), so that a query word that begins no
// other indexed word is matched as the exact term: FTS5 reads an exact term's doclist lazily, newest
// first, and stops after what it needs, where a prefix query ("word"*) first merges the whole doclist of
// every matching term in memory (10-50 ms for a word in every message of 100,000). It stores nothing.
// PostgreSQL: items_search keeps the item's folder, so a search checks folders on the index row instead of
// looking up every hit in items (the join was most of a search's time: 2-4x), and an index by account
// and item id, so the newest-first walk reads the account's rows only. Triggers keep the folder current,
// whatever path inserts an index row or moves a message; the copy for existing rows is one UPDATE.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.js';

export function m017(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`CREATE VIRTUAL TABLE items_fts_terms USING fts5vocab(items_fts, 'row')`.execute(db);
        return;
      }
      await sql`ALTER TABLE items_search ADD COLUMN folder_id bigint`.execute(db);
      await sql`UPDATE items_search s SET folder_id = i.folder_id FROM items i WHERE i.id = s.item_id`.execute(db);
      await sql`ALTER TABLE items_search ALTER COLUMN folder_id SET NOT NULL`.execute(db);
      await sql`CREATE INDEX items_search_account ON items_search (account_id, item_id)`.execute(db);
      // The index row is written after its item (same transaction): its folder is read from there.
      await sql.raw(`CREATE FUNCTION carbonio_items_search_folder() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.folder_id := (SELECT folder_id FROM items WHERE id = NEW.item_id); RETURN NEW; END $$`).execute(db);
      await sql`CREATE TRIGGER items_search_folder BEFORE INSERT ON items_search FOR EACH ROW EXECUTE FUNCTION carbonio_items_search_folder()`.execute(db);
      await sql.raw(`CREATE FUNCTION carbonio_items_search_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE items_search SET folder_id = NEW.folder_id WHERE item_id = NEW.id; RETURN NULL; END $$`).execute(db);
      await sql`CREATE TRIGGER items_search_moved AFTER UPDATE OF folder_id ON items FOR EACH ROW
        WHEN (OLD.folder_id IS DISTINCT FROM NEW.folder_id) EXECUTE FUNCTION carbonio_items_search_moved()`.execute(db);
    },
  };
}
