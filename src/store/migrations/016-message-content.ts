// What ActiveSync renders of a message (bodies, attachment list, S/MIME kind, invitation, Bcc), parsed
// once and kept as JSON beside the message's blob (issue 16 part 1). On the blob rather than the item:
// blobs are content-addressed, so the copies of one delivery to many mailboxes share one parse.
// Existing blobs start empty and are filled in the background while the server runs
// (src/mail/content-fill.ts); rendering parses any blob not filled yet, so nothing waits for the fill.
// The partial index keeps the fill's "what is left" query cheap once nearly everything is filled.
import { sql, type Kysely, type Migration } from 'kysely';

export const m016: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('blobs').addColumn('content', 'text').execute();
    await sql`create index blobs_without_content on blobs (id) where content is null`.execute(db);
  },
};
