// IMAP subscriptions (issue 18, task L; RFC 9051 6.3.7, 6.3.8). A subscription is to a name, not to a
// folder: it may name no folder, and outlives one that is deleted, so the table has no foreign key to
// folders. Every existing mail folder counts as subscribed unless a row says otherwise (README "IMAP and
// POP3"): `subscribed` 1 is a SUBSCRIBE (kept whether the folder exists or not), 0 an UNSUBSCRIBE of a
// name that would otherwise be subscribed by default. Names are stored as IMAP shows them ("INBOX/x").
// Also the bounded keeping of imap_expunged (RFC 7162 QRESYNC): each row gets the time it was recorded
// (`at`, ms), rows older than the retention are pruned, and per folder `expunged_floor` is the highest modseq
// pruned: a QRESYNC from a modseq below it cannot be answered from the table (src/imap/commands/select.ts).
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.js';

export function m021(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create table imap_subscriptions (
        account_id text not null references accounts(id) on delete cascade,
        name text not null,
        subscribed integer not null,
        primary key (account_id, name)
      )`.execute(db);
      // Rows already there are dated now: they are kept a full retention period from the upgrade.
      await sql`alter table imap_expunged add column at bigint not null default 0`.execute(db);
      await sql`update imap_expunged set at = ${Date.now()}`.execute(db);
      await db.schema.createIndex('imap_expunged_at').on('imap_expunged').column('at').execute();
      await sql`alter table imap_folders add column expunged_floor bigint not null default 0`.execute(db);
    },
  };
}
