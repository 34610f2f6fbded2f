// Search p99 (issue 16 part 4). SQLite: a read-only view of the FTS5 index's term list (fts5vocab,
// https://sqlite.org/fts5.html#the_fts5vocab_virtual_table_module), so that a query word that begins no
// other indexed word is matched as the exact term. FTS5 reads an exact term's doclist lazily, newest
// first, and stops after the page; a prefix query ("word"*) first merges the whole doclist of every
// matching term in memory, 10-50 ms for a word in every message of 100,000. It stores nothing: the
// vocabulary is read from items_fts itself.
// PostgreSQL: items_search gains the item's folder and sorts by item id (most recently arrived first),
// so that a search walks (or sorts) the index rows of the account alone and checks folders without
// joining items for every hit (src/store/sql/search.ts).
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.js';

export function m017(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`CREATE VIRTUAL TABLE items_fts_terms USING fts5vocab(items_fts, 'row')`.execute(db);
      }
    },
  };
}
