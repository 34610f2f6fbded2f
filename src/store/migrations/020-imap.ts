// The IMAP mailbox model (issue 18 part 1), owned by src/imap and stored through ImapRepo the way EAS
// device state is owned by EAS (ARCHITECTURE.md section 1: the store never knows an IMAP UID).
// - imap_folders: per folder its UIDVALIDITY (RFC 9051 2.3.1.1: stable for the folder's life; a folder
//   deleted and created again is a new row with a new value) and UIDNEXT. The row is made the first time a
//   session looks at the folder; updating it is the lock that serialises UID assignment (PostgreSQL row
//   lock; SQLite: the write lock the UPDATE takes). No foreign key to folders: the row of a deleted folder
//   stays (a few bytes), so the account's highest UIDVALIDITY is remembered and a re-created folder gets a
//   greater one even within the same second.
// - imap_uids: per item its UID in the folder it is in. UIDs are assigned lazily (when a session selects or
//   polls), so delivery, EAS and imports need no change. No foreign key to items: when an item leaves the
//   folder (deleted or moved) its row must outlive it until the next sync records the UID in imap_expunged,
//   which is where VANISHED (EARLIER) (RFC 7162 3.2.5.1) reads from.
// - `deleted` is the \Deleted flag (no protocol but IMAP has it); `flag_modseq` the modseq of its last
//   change, since \Deleted changes do not touch the item's own modseq.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.js';

export function m020(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create table imap_folders (
        folder_id bigint primary key,
        account_id text not null references accounts(id) on delete cascade,
        uidvalidity bigint not null,
        uidnext bigint not null
      )`.execute(db);
      await db.schema.createIndex('imap_folders_account').on('imap_folders').columns(['account_id', 'uidvalidity']).execute();
      await sql`create table imap_uids (
        item_id bigint primary key,
        folder_id bigint not null references folders(id) on delete cascade,
        uid bigint not null,
        deleted integer not null default 0,
        flag_modseq bigint not null default 0
      )`.execute(db);
      await db.schema.createIndex('imap_uids_folder_uid').on('imap_uids').columns(['folder_id', 'uid']).unique().execute();
      await sql`create table imap_expunged (
        folder_id bigint not null references folders(id) on delete cascade,
        uid bigint not null,
        modseq bigint not null,
        primary key (folder_id, uid)
      )`.execute(db);
      await db.schema.createIndex('imap_expunged_modseq').on('imap_expunged').columns(['folder_id', 'modseq']).execute();
    },
  };
}
