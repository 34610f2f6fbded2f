// The IMAP mailbox model (src/store/imap-types.ts, migration 020) on SQLite and PostgreSQL.
import { sql, type Kysely } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asBlobId, asItemId, type AccountId, type BlobId, type FolderId, type ItemId } from '../../core/ids.js';
import type { ImapEntry, ImapEntryQuery, ImapFolderCounts, ImapFolderState, ImapRepo } from '../imap-types.js';
import { bit, bool, nextModseq, write, type SqlContext } from './context.js';
import type { DB } from './schema.js';

/** Ids per IN (...) list: far under SQLite's bound-parameter cap. */
const CHUNK = 500;

const chunks = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
};

/** UIDVALIDITY is a 32-bit unsigned number (RFC 9051 9 nz-number): seconds since 1970 fit until 2106. */
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class SqlImapRepo implements ImapRepo {
  constructor(private readonly ctx: SqlContext) {}

  private async folderOf(db: Kysely<DB>, accountId: AccountId, folderId: FolderId): Promise<void> {
    const f = await db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', folderId).executeTakeFirst();
    if (!f) throw new StoreError('not-found', 'folder not found');
  }

  /** Whether the folder is the account's (the entry reads below then need no account filter on items). */
  private async owns(accountId: AccountId, folderId: FolderId): Promise<boolean> {
    const f = await this.ctx.db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', folderId).executeTakeFirst();
    return f !== undefined;
  }

  /** Whether the change log has anything of the folder (in it, or moved out of it) after `since`. */
  private async changedAfter(accountId: AccountId, folderId: FolderId, since: number): Promise<boolean> {
    const db = this.ctx.db;
    // changes_folder (account_id, folder_id, modseq) serves the first; the primary key (account_id, modseq) the second.
    const inside = await db.selectFrom('changes').select('modseq').where('account_id', '=', accountId).where('folder_id', '=', folderId)
      .where('modseq', '>', since).limit(1).executeTakeFirst();
    if (inside) return true;
    const out = await db.selectFrom('changes').select('modseq').where('account_id', '=', accountId).where('modseq', '>', since)
      .where('from_folder_id', '=', folderId).limit(1).executeTakeFirst();
    return out !== undefined;
  }

  /** Item ids the change log names in or out of the folder after `since` (the candidates of an incremental sync). */
  private async touched(db: Kysely<DB>, accountId: AccountId, folderId: FolderId, since: number): Promise<number[]> {
    const inside = await db.selectFrom('changes').select('item_id').where('account_id', '=', accountId).where('folder_id', '=', folderId)
      .where('modseq', '>', since).where('item_id', 'is not', null).execute();
    const out = await db.selectFrom('changes').select('item_id').where('account_id', '=', accountId).where('modseq', '>', since)
      .where('from_folder_id', '=', folderId).where('item_id', 'is not', null).execute();
    return [...new Set([...inside, ...out].map((r) => Number(r.item_id)))];
  }

  /** UIDs of the folder whose message is no longer in it (among `only` when given). */
  private async gone(db: Kysely<DB>, folderId: FolderId, only: number[] | null): Promise<Array<{ item_id: number; uid: number }>> {
    const q = db.selectFrom('imap_uids as u').select(['u.item_id', 'u.uid']).where('u.folder_id', '=', folderId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('items as i').select('i.id').whereRef('i.id', '=', 'u.item_id').where('i.folder_id', '=', folderId))));
    const rows = only === null ? await q.execute() : [];
    for (const part of only === null ? [] : chunks(only)) rows.push(...await q.where('u.item_id', 'in', part).execute());
    return rows.map((r) => ({ item_id: Number(r.item_id), uid: Number(r.uid) }));
  }

  /** Messages of the folder without a UID there (among `only` when given), oldest received first. */
  private async fresh(db: Kysely<DB>, accountId: AccountId, folderId: FolderId, only: number[] | null): Promise<number[]> {
    const q = db.selectFrom('items as i')
      .leftJoin('imap_uids as u', (j) => j.onRef('u.item_id', '=', 'i.id').on('u.folder_id', '=', folderId))
      .select(['i.id', 'i.received_at']).where('i.folder_id', '=', folderId).where('i.account_id', '=', accountId).where('i.kind', '=', 'message')
      .where('u.item_id', 'is', null);
    const rows = only === null ? await q.execute() : [];
    for (const part of only === null ? [] : chunks(only)) rows.push(...await q.where('i.id', 'in', part).execute());
    return rows.map((r) => ({ id: Number(r.id), at: Number(r.received_at) })).sort((x, y) => x.at - y.at || x.id - y.id).map((r) => r.id);
  }

  /** Whether every item of the folder has exactly one UID there (two index counts): the incremental sync's check. */
  private async consistent(db: Kysely<DB>, folderId: FolderId): Promise<boolean> {
    const items = await db.selectFrom('items').select((eb) => eb.fn.countAll<number | string>().as('n')).where('folder_id', '=', folderId).executeTakeFirst();
    const uids = await db.selectFrom('imap_uids').select((eb) => eb.fn.countAll<number | string>().as('n')).where('folder_id', '=', folderId).executeTakeFirst();
    return Number(items?.n ?? 0) === Number(uids?.n ?? 0);
  }

  async sync(accountId: AccountId, folderId: FolderId, since?: number): Promise<ImapFolderState> {
    let known: ImapFolderState | null = null;
    if (since !== undefined) {
      known = await this.state(accountId, folderId);
      if (known && !(await this.changedAfter(accountId, folderId, since))) return known;
    }
    return write(this.ctx, async (db) => {
      await this.folderOf(db, accountId, folderId);
      if (!known) {
        // A new folder's UIDVALIDITY: the time, or one more than any of the account's when the clock has not
        // moved on (a folder deleted and created again within a second must still get a new value).
        const top = await db.selectFrom('imap_folders').select((eb) => eb.fn.max('uidvalidity').as('m')).where('account_id', '=', accountId).executeTakeFirst();
        const uidValidity = Math.max(nowSeconds(), Number(top?.m ?? 0) + 1);
        await db.insertInto('imap_folders').values({ folder_id: folderId, account_id: accountId, uidvalidity: uidValidity, uidnext: 1 })
          .onConflict((oc) => oc.column('folder_id').doNothing()).execute();
      }
      // The lock: a no-op UPDATE holds the folder's row (PostgreSQL) or the write lock (SQLite) until commit,
      // so two processes never hand out the same UIDs.
      const locked = await db.updateTable('imap_folders').set((eb) => ({ uidnext: eb.ref('uidnext') })).where('folder_id', '=', folderId)
        .returning(['uidvalidity', 'uidnext']).executeTakeFirstOrThrow();
      let uidNext = Number(locked.uidnext);
      let seq = 0;
      const modseq = async (): Promise<number> => (seq ||= await nextModseq(db, accountId));

      // Incremental when an earlier sync's modseq is known: only the items the change log names since
      // then (a delivery to a 10,000-message folder looks at one message, not 10,000). Then two index counts
      // check the result; a mismatch (a change the log does not show) scans the whole folder.
      const only = since !== undefined && known ? await this.touched(db, accountId, folderId, since) : null;
      const apply = async (scope: number[] | null): Promise<void> => {
        const gone = await this.gone(db, folderId, scope);
        if (gone.length > 0) {
          const m = await modseq();
          for (const part of chunks(gone)) {
            await db.insertInto('imap_expunged').values(part.map((g) => ({ folder_id: folderId, uid: g.uid, modseq: m, at: Date.now() })))
              .onConflict((oc) => oc.columns(['folder_id', 'uid']).doNothing()).execute();
            await db.deleteFrom('imap_uids').where('folder_id', '=', folderId).where('item_id', 'in', part.map((g) => g.item_id)).execute();
          }
        }
        const ids = await this.fresh(db, accountId, folderId, scope);
        for (const part of chunks(ids)) {
          // A message moved here still has its row of the folder it left: that UID is expunged there.
          const moved = await db.selectFrom('imap_uids').select(['item_id', 'folder_id', 'uid']).where('item_id', 'in', part).execute();
          if (moved.length > 0) {
            const m = await modseq();
            await db.insertInto('imap_expunged').values(moved.map((r) => ({ folder_id: Number(r.folder_id), uid: Number(r.uid), modseq: m, at: Date.now() })))
              .onConflict((oc) => oc.columns(['folder_id', 'uid']).doNothing()).execute();
            await db.deleteFrom('imap_uids').where('item_id', 'in', moved.map((r) => Number(r.item_id))).execute();
          }
          await db.insertInto('imap_uids').values(part.map((id) => ({ item_id: id, folder_id: folderId, uid: uidNext++ }))).execute();
        }
      };
      await apply(only);
      if (only !== null && !(await this.consistent(db, folderId))) await apply(null);
      if (uidNext !== Number(locked.uidnext)) await db.updateTable('imap_folders').set({ uidnext: uidNext }).where('folder_id', '=', folderId).execute();
      return { folderId, uidValidity: Number(locked.uidvalidity), uidNext };
    });
  }

  async state(accountId: AccountId, folderId: FolderId): Promise<ImapFolderState | null> {
    const r = await this.ctx.db.selectFrom('imap_folders').select(['uidvalidity', 'uidnext'])
      .where('account_id', '=', accountId).where('folder_id', '=', folderId).executeTakeFirst();
    return r ? { folderId, uidValidity: Number(r.uidvalidity), uidNext: Number(r.uidnext) } : null;
  }

  async entries(accountId: AccountId, folderId: FolderId, query: ImapEntryQuery = {}): Promise<ImapEntry[]> {
    // The account is checked on the folder, not as a filter on items: with `i.account_id` and a UID range
    // together, PostgreSQL planned a nested loop with a BitmapAnd per row on freshly filled tables (8.7-14.5 s
    // for UID FETCH 1:* on 10,000 messages instead of 0.4 s). Items of the folder are the account's.
    if (!(await this.owns(accountId, folderId))) return [];
    let q = this.ctx.db.selectFrom('imap_uids as u')
      .innerJoin('items as i', (j) => j.onRef('i.id', '=', 'u.item_id').onRef('i.folder_id', '=', 'u.folder_id'))
      .select(['u.uid', 'u.item_id', 'u.deleted', 'u.flag_modseq', 'i.modseq', 'i.seen', 'i.flagged', 'i.answered', 'i.forwarded', 'i.draft',
        'i.categories', 'i.size', 'i.received_at', 'i.blob_id'])
      .where('u.folder_id', '=', folderId);
    if (query.minUid !== undefined) q = q.where('u.uid', '>=', query.minUid);
    if (query.maxUid !== undefined) q = q.where('u.uid', '<=', query.maxUid);
    const since = query.changedSince;
    let rows;
    if (since === undefined) rows = await q.orderBy('u.uid').execute();
    else {
      // Two indexed reads instead of one OR no index serves: items changed after `since` (items_account:
      // account_id, modseq), and \Deleted changes (imap_uids of the folder).
      const byItem = await q.where('i.modseq', '>', since).execute();
      const byFlag = await q.where('u.flag_modseq', '>', since).execute();
      const seen = new Set(byItem.map((r) => Number(r.uid)));
      rows = [...byItem, ...byFlag.filter((r) => !seen.has(Number(r.uid)))].sort((a, b) => Number(a.uid) - Number(b.uid));
    }
    return rows.map((r) => ({
      uid: Number(r.uid),
      itemId: asItemId(Number(r.item_id)),
      modseq: Math.max(Number(r.modseq), Number(r.flag_modseq)),
      flags: { seen: bool(r.seen), flagged: bool(r.flagged), answered: bool(r.answered), forwarded: bool(r.forwarded), draft: bool(r.draft) },
      deleted: bool(r.deleted),
      // Most messages have no category: no JSON parse for them (10,000 rows per SELECT).
      categories: r.categories === '[]' ? [] : (JSON.parse(r.categories) as string[]),
      size: Number(r.size),
      receivedAt: Number(r.received_at),
      blobId: r.blob_id === null ? null : asBlobId(r.blob_id),
    }));
  }

  async counts(accountId: AccountId, folderId: FolderId): Promise<ImapFolderCounts> {
    if (!(await this.owns(accountId, folderId))) return { messages: 0, unseen: 0, deleted: 0, size: 0 };
    // The same join as `entries` (a message counts once it has a UID here), summed by the database.
    const r = await this.ctx.db.selectFrom('imap_uids as u')
      .innerJoin('items as i', (j) => j.onRef('i.id', '=', 'u.item_id').onRef('i.folder_id', '=', 'u.folder_id'))
      .select((eb) => [
        eb.fn.countAll<number | string>().as('messages'),
        eb.fn.sum<number | string | null>(eb.case().when('i.seen', '=', 0).then(1).else(0).end()).as('unseen'),
        eb.fn.sum<number | string | null>('u.deleted').as('deleted'),
        eb.fn.sum<number | string | null>('i.size').as('size'),
      ])
      .where('u.folder_id', '=', folderId).executeTakeFirst();
    return { messages: Number(r?.messages ?? 0), unseen: Number(r?.unseen ?? 0), deleted: Number(r?.deleted ?? 0), size: Number(r?.size ?? 0) };
  }

  async uids(accountId: AccountId, folderId: FolderId, minUid = 1): Promise<number[]> {
    if (!(await this.owns(accountId, folderId))) return [];
    const rows = await this.ctx.db.selectFrom('imap_uids as u')
      .innerJoin('items as i', (j) => j.onRef('i.id', '=', 'u.item_id').onRef('i.folder_id', '=', 'u.folder_id'))
      .select('u.uid').where('u.folder_id', '=', folderId).where('u.uid', '>=', minUid)
      .orderBy('u.uid').execute();
    return rows.map((r) => Number(r.uid));
  }

  async vanishedSince(accountId: AccountId, folderId: FolderId, modseq: number): Promise<number[]> {
    const rows = await this.ctx.db.selectFrom('imap_expunged as e').innerJoin('imap_folders as f', 'f.folder_id', 'e.folder_id').select('e.uid')
      .where('f.account_id', '=', accountId).where('e.folder_id', '=', folderId).where('e.modseq', '>', modseq).orderBy('e.uid').execute();
    return rows.map((r) => Number(r.uid));
  }

  async expungedFloor(accountId: AccountId, folderId: FolderId): Promise<number> {
    const r = await this.ctx.db.selectFrom('imap_folders').select('expunged_floor').where('account_id', '=', accountId).where('folder_id', '=', folderId).executeTakeFirst();
    return Number(r?.expunged_floor ?? 0);
  }

  pruneExpunged(before: number): Promise<number> {
    return write(this.ctx, async (db) => {
      // The floor first, from the rows about to go (one grouped read on imap_expunged_at), then the rows.
      const floors = await db.selectFrom('imap_expunged').select((eb) => ['folder_id', eb.fn.max('modseq').as('m')])
        .where('at', '<', before).groupBy('folder_id').execute();
      if (floors.length === 0) return 0;
      for (const f of floors) {
        const m = Number(f.m);
        await db.updateTable('imap_folders').set({ expunged_floor: m }).where('folder_id', '=', Number(f.folder_id)).where('expunged_floor', '<', m).execute();
      }
      const r = await db.deleteFrom('imap_expunged').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  async heads(blobIds: readonly BlobId[], bytes: number): Promise<Map<BlobId, Uint8Array>> {
    const out = new Map<BlobId, Uint8Array>();
    const n = Math.max(1, Math.floor(bytes));
    // substr works on blob (SQLite) and bytea (PostgreSQL) alike; the first part holds the first 256 KiB.
    for (const part of chunks([...new Set(blobIds)])) {
      const rows = await this.ctx.db.selectFrom('blobs').select(['id', sql<Uint8Array>`substr(data, 1, ${n})`.as('head')]).where('id', 'in', part).execute();
      for (const r of rows) out.set(asBlobId(r.id), r.head);
    }
    return out;
  }

  async subscriptions(accountId: AccountId): Promise<Map<string, boolean>> {
    const rows = await this.ctx.db.selectFrom('imap_subscriptions').select(['name', 'subscribed']).where('account_id', '=', accountId).execute();
    return new Map(rows.map((r) => [r.name, bool(r.subscribed)]));
  }

  setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<void> {
    return write(this.ctx, async (db) => {
      await db.insertInto('imap_subscriptions').values({ account_id: accountId, name, subscribed: bit(subscribed) })
        .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet({ subscribed: bit(subscribed) })).execute();
    });
  }

  setDeleted(accountId: AccountId, folderId: FolderId, uids: readonly number[], deleted: boolean): Promise<number> {
    if (uids.length === 0) return Promise.resolve(0);
    return write(this.ctx, async (db, changes) => {
      await this.folderOf(db, accountId, folderId);
      const targets: ItemId[] = [];
      for (const part of chunks(uids)) {
        const rows = await db.selectFrom('imap_uids').select('item_id').where('folder_id', '=', folderId).where('uid', 'in', part)
          .where('deleted', '=', bit(!deleted)).execute();
        targets.push(...rows.map((r) => asItemId(Number(r.item_id))));
      }
      if (targets.length === 0) return 0;
      const m = await nextModseq(db, accountId);
      for (const part of chunks(targets)) {
        await db.updateTable('imap_uids').set({ deleted: bit(deleted), flag_modseq: m }).where('item_id', 'in', part).where('folder_id', '=', folderId).execute();
      }
      // Other IMAP sessions' IDLE wakes; held Pings do not (nothing changed that a phone can see).
      changes.touchImap(accountId, folderId);
      return m;
    });
  }
}
