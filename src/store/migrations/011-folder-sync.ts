// Per-folder sync exclusion (issue 15, Carbonio's `carbonio mobile disableFolderSync`): a flag on the
// folder, in the database so that every server process hides the same folders from its phones. Plain
// column, same text in both dialects; existing folders stay synced (0).
import type { Kysely, Migration } from 'kysely';

export const m011: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('folders').addColumn('sync_disabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
