// Folders, items and the per-account change log. Every mutation takes the account's next modseq(s)
// and writes a change row in the same transaction (ARCHITECTURE.md section 2).
import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asAccountId, asBlobId, asFolderId, asItemId, type AccountId, type BlobId, type FolderId, type ItemId } from '../../core/ids.js';
import type {
  Change, ChangeKind, DeleteItemsOptions, FlagDetails, Folder, FolderKind, FolderRole, Item, ItemFlags, ItemKind, ItemPatch, LastVerb,
  ListItemsOptions, MailboxRepo, MessageMeta, MessageSearch, MessageSearchResult, NewMessage,
} from '../types.js';
import { contentColumn } from './blobs.js';
import { indexMessages, searchMessages, unindexMessage } from './search.js';
import { BLOB_PART, blobIdOf, writeBlob, writeSmallBlobs, type BlobWrite } from './blob-store.js';
import { lengthOf } from '../../core/byte-parts.js';
import { bit, bool, nextModseq, write, type ChangeCollector, type SqlContext } from './context.js';
import type { DB, FoldersTable, ItemsTable } from './schema.js';

const toFolder = (r: Selectable<FoldersTable>): Folder => ({
  id: asFolderId(Number(r.id)),
  accountId: asAccountId(r.account_id),
  parentId: r.parent_id === null ? null : asFolderId(Number(r.parent_id)),
  name: r.name,
  kind: r.kind as FolderKind,
  role: r.role as FolderRole | null,
  modseq: Number(r.modseq),
  createdAt: Number(r.created_at),
  syncDisabled: bool(r.sync_disabled),
});

/** The `mail_state` column: a message's flag details and last reply/forward, null when it has neither. */
interface MailState { flag?: FlagDetails; lastVerb?: LastVerb }

const readMailState = (json: string | null): MailState => (json === null ? {} : (JSON.parse(json) as MailState));

function writeMailState(flag: FlagDetails | null, lastVerb: LastVerb | null): string | null {
  if (!flag && !lastVerb) return null;
  return JSON.stringify({ ...(flag ? { flag } : {}), ...(lastVerb ? { lastVerb } : {}) });
}

export function toItem(r: Selectable<ItemsTable>): Item {
  const state = readMailState(r.mail_state);
  return {
    id: asItemId(Number(r.id)),
    accountId: asAccountId(r.account_id),
    folderId: asFolderId(Number(r.folder_id)),
    kind: r.kind as ItemKind,
    modseq: Number(r.modseq),
    receivedAt: Number(r.received_at),
    blobId: r.blob_id === null ? null : asBlobId(r.blob_id),
    size: Number(r.size),
    flags: { seen: bool(r.seen), flagged: bool(r.flagged), answered: bool(r.answered), forwarded: bool(r.forwarded), draft: bool(r.draft) },
    flagDetails: state.flag ?? null,
    lastVerb: state.lastVerb ?? null,
    categories: JSON.parse(r.categories) as string[],
    meta: r.meta === null ? null : (JSON.parse(r.meta) as MessageMeta),
    data: r.data === null ? null : (JSON.parse(r.data) as unknown),
  };
}

async function logChange(
  db: Kysely<DB>, changes: ChangeCollector, accountId: AccountId, kind: ChangeKind, folderId: FolderId,
  itemId: ItemId | null = null, fromFolderId: FolderId | null = null, modseq?: number,
): Promise<number> {
  const seq = modseq ?? (await nextModseq(db, accountId));
  await db.insertInto('changes').values({ account_id: accountId, modseq: seq, kind, folder_id: folderId, item_id: itemId, from_folder_id: fromFolderId }).execute();
  const hierarchy = kind.startsWith('folder-');
  changes.touch(accountId, folderId, hierarchy);
  if (fromFolderId !== null) changes.touch(accountId, fromFolderId);
  return seq;
}

/** Removes blobs no item refers to any more (after a folder or an account is deleted). */
export async function deleteOrphanBlobs(db: Kysely<DB>): Promise<void> {
  await db.deleteFrom('blobs')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('items').select('items.id').whereRef('items.blob_id', '=', 'blobs.id'))))
    .execute();
}

/** Ids per query of getItems. */
const GET_ITEMS_CHUNK = 500;
/** Ids per statement of deleteItems: 500 change rows of 6 columns each stay far under SQLite's bound-parameter cap. */
const DELETE_CHUNK = 500;
/** Messages per INSERT of addMessages: 17 columns each stays far under SQLite's 32,766 bound parameters. */
const ADD_BATCH = 200;

export class SqlMailboxRepo implements MailboxRepo {
  constructor(private readonly ctx: SqlContext) {}

  async listFolders(accountId: AccountId): Promise<Folder[]> {
    const rows = await this.ctx.db.selectFrom('folders').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    return rows.map(toFolder);
  }

  async getFolder(accountId: AccountId, id: FolderId): Promise<Folder | null> {
    const r = await this.ctx.db.selectFrom('folders').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    return r ? toFolder(r) : null;
  }

  async getFolderByRole(accountId: AccountId, role: FolderRole): Promise<Folder | null> {
    const r = await this.ctx.db.selectFrom('folders').selectAll().where('account_id', '=', accountId).where('role', '=', role).executeTakeFirst();
    return r ? toFolder(r) : null;
  }

  private async assertNameFree(db: Kysely<DB>, accountId: AccountId, parentId: FolderId | null, name: string, except?: FolderId): Promise<void> {
    let q = db.selectFrom('folders').select(['id', 'name']).where('account_id', '=', accountId);
    q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    const siblings = await q.execute();
    if (siblings.some((s) => Number(s.id) !== except && s.name.toLowerCase() === name.toLowerCase())) {
      throw new StoreError('exists', `a folder named "${name}" already exists there`);
    }
  }

  private async requireParent(db: Kysely<DB>, accountId: AccountId, parentId: FolderId | null): Promise<void> {
    if (parentId === null) return;
    const p = await db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', parentId).executeTakeFirst();
    if (!p) throw new StoreError('not-found', 'parent folder not found');
  }

  createFolder(accountId: AccountId, input: { parentId: FolderId | null; name: string; kind: FolderKind }): Promise<Folder> {
    const name = input.name.trim();
    if (!name || name.length > 255 || name.includes('/')) return Promise.reject(new StoreError('invalid', 'folder name must be 1-255 characters without "/"'));
    return write(this.ctx, async (db, changes) => {
      await this.requireParent(db, accountId, input.parentId);
      await this.assertNameFree(db, accountId, input.parentId, name);
      const seq = await nextModseq(db, accountId);
      const row = { account_id: accountId, parent_id: input.parentId, name, kind: input.kind, role: null, modseq: seq, created_at: Date.now() };
      const { id } = await db.insertInto('folders').values(row).returning('id').executeTakeFirstOrThrow();
      await logChange(db, changes, accountId, 'folder-added', asFolderId(Number(id)), null, null, seq);
      return toFolder({ ...row, id, sync_disabled: 0 });
    });
  }

  updateFolder(accountId: AccountId, id: FolderId, input: { parentId?: FolderId | null; name?: string }): Promise<Folder> {
    return write(this.ctx, async (db, changes) => {
      const f = await db.selectFrom('folders').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!f) throw new StoreError('not-found', 'folder not found');
      if (f.role !== null) throw new StoreError('forbidden', 'system folders cannot be renamed or moved');
      const parentId = input.parentId === undefined ? (f.parent_id === null ? null : asFolderId(Number(f.parent_id))) : input.parentId;
      const name = (input.name ?? f.name).trim();
      if (!name || name.length > 255 || name.includes('/')) throw new StoreError('invalid', 'folder name must be 1-255 characters without "/"');
      await this.requireParent(db, accountId, parentId);
      // A folder cannot become its own descendant.
      for (let p = parentId; p !== null;) {
        if (p === id) throw new StoreError('cycle', 'a folder cannot be moved into itself or under its own sub-folder');
        const up = await db.selectFrom('folders').select('parent_id').where('id', '=', p).executeTakeFirst();
        p = up?.parent_id == null ? null : asFolderId(Number(up.parent_id));
      }
      await this.assertNameFree(db, accountId, parentId, name, id);
      const seq = await nextModseq(db, accountId);
      await db.updateTable('folders').set({ name, parent_id: parentId, modseq: seq }).where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'folder-changed', id, null, null, seq);
      return toFolder({ ...f, name, parent_id: parentId, modseq: seq });
    });
  }

  setFolderSyncDisabled(accountId: AccountId, id: FolderId, disabled: boolean): Promise<Folder> {
    return write(this.ctx, async (db, changes) => {
      const f = await db.selectFrom('folders').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!f) throw new StoreError('not-found', 'folder not found');
      if (f.role !== null) throw new StoreError('forbidden', 'system folders (inbox, sent, drafts, trash, contacts, calendar...) cannot be excluded from sync');
      if (bool(f.sync_disabled) === disabled) return toFolder(f);
      const seq = await nextModseq(db, accountId);
      await db.updateTable('folders').set({ sync_disabled: bit(disabled), modseq: seq }).where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'folder-changed', id, null, null, seq);
      return toFolder({ ...f, sync_disabled: bit(disabled), modseq: seq });
    });
  }

  deleteFolder(accountId: AccountId, id: FolderId): Promise<void> {
    return write(this.ctx, async (db, changes) => {
      const all = await db.selectFrom('folders').select(['id', 'parent_id', 'role']).where('account_id', '=', accountId).execute();
      const target = all.find((f) => Number(f.id) === id);
      if (!target) throw new StoreError('not-found', 'folder not found');
      if (target.role !== null) throw new StoreError('forbidden', 'system folders cannot be deleted');
      const doomed = [id as number];
      for (let i = 0; i < doomed.length; i++) {
        for (const f of all) if (f.parent_id !== null && Number(f.parent_id) === doomed[i]) doomed.push(Number(f.id));
      }
      // Children first, so the change log reads bottom-up like a client would apply it.
      for (const fid of doomed.reverse()) await logChange(db, changes, accountId, 'folder-deleted', asFolderId(fid));
      await db.deleteFrom('items').where('folder_id', 'in', doomed).execute();
      await db.deleteFrom('folders').where('id', 'in', doomed).execute();
      await deleteOrphanBlobs(db);
    });
  }

  async addMessage(accountId: AccountId, folderId: FolderId, message: NewMessage): Promise<Item> {
    const [item] = await this.addMessages(accountId, folderId, [message]);
    return item!;
  }

  addMessages(accountId: AccountId, folderId: FolderId, messages: readonly NewMessage[]): Promise<Item[]> {
    return write(this.ctx, async (db, changes) => {
      const f = await db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', folderId).executeTakeFirst();
      if (!f) throw new StoreError('not-found', 'folder not found');
      const out: Item[] = [];
      // A few statements per batch instead of six per message; batches keep under SQLite's bound-parameter cap.
      for (let i = 0; i < messages.length; i += ADD_BATCH) out.push(...await this.insertMessages(db, changes, accountId, folderId, messages.slice(i, i + ADD_BATCH)));
      return out;
    });
  }

  private async insertMessages(db: Kysely<DB>, changes: ChangeCollector, accountId: AccountId, folderId: FolderId, batch: readonly NewMessage[]): Promise<Item[]> {
    if (batch.length === 0) return [];
    const small = new Map<BlobId, BlobWrite>();
    const large = new Map<BlobId, BlobWrite>();
    const sizes = batch.map((m) => lengthOf(m.raw));
    const blobIds = batch.map((m, i) => {
      const id = blobIdOf(m.raw);
      (sizes[i]! <= BLOB_PART ? small : large).set(id, { raw: m.raw, content: contentColumn(m) });
      return id;
    });
    await writeSmallBlobs(db, small);
    for (const [id, blob] of large) await writeBlob(db, this.ctx.dialect, id, blob);
    // Consecutive modseqs in arrival order, as deliveries one by one would get.
    const first = await nextModseq(db, accountId, batch.length);
    const rows = batch.map((m, i) => {
      const flags: ItemFlags = { seen: false, flagged: false, answered: false, forwarded: false, draft: false, ...m.flags };
      return {
        account_id: accountId, folder_id: folderId, kind: 'message', modseq: first + i, received_at: m.receivedAt ?? Date.now(),
        blob_id: blobIds[i]!, size: sizes[i]!,
        seen: bit(flags.seen), flagged: bit(flags.flagged), answered: bit(flags.answered), forwarded: bit(flags.forwarded), draft: bit(flags.draft),
        categories: '[]', meta: JSON.stringify(m.meta), data: null, mail_state: null,
      };
    });
    // RETURNING's row order is not promised: each row is found again by its modseq, unique in the account.
    const ids = new Map((await db.insertInto('items').values(rows).returning(['id', 'modseq']).execute()).map((r) => [Number(r.modseq), Number(r.id)]));
    const items = rows.map((r) => toItem({ ...r, id: ids.get(r.modseq)! }));
    await indexMessages(db, this.ctx.dialect, accountId, items.map((it, i) => ({ itemId: it.id, meta: batch[i]!.meta, text: batch[i]!.text })));
    await db.insertInto('changes').values(items.map((it) => ({ account_id: accountId, modseq: it.modseq, kind: 'item-added', folder_id: folderId, item_id: it.id, from_folder_id: null }))).execute();
    changes.touch(accountId, folderId);
    return items;
  }

  searchMessages(accountId: AccountId, query: MessageSearch): Promise<MessageSearchResult> {
    return searchMessages(this.ctx.db, this.ctx.dialect, accountId, query);
  }

  addItem(accountId: AccountId, folderId: FolderId, input: { kind: Exclude<ItemKind, 'message'>; data: unknown; categories?: string[]; receivedAt?: number }): Promise<Item> {
    const data = JSON.stringify(input.data ?? null);
    return write(this.ctx, async (db, changes) => {
      const f = await db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', folderId).executeTakeFirst();
      if (!f) throw new StoreError('not-found', 'folder not found');
      const seq = await nextModseq(db, accountId);
      const row = {
        account_id: accountId, folder_id: folderId, kind: input.kind, modseq: seq, received_at: input.receivedAt ?? Date.now(),
        blob_id: null, size: Buffer.byteLength(data), seen: 1, flagged: 0, answered: 0, forwarded: 0, draft: 0,
        categories: JSON.stringify(input.categories ?? []), meta: null, data, mail_state: null,
      };
      const { id } = await db.insertInto('items').values(row).returning('id').executeTakeFirstOrThrow();
      await logChange(db, changes, accountId, 'item-added', folderId, asItemId(Number(id)), null, seq);
      return toItem({ ...row, id });
    });
  }

  updateItemData(accountId: AccountId, id: ItemId, data: unknown, categories?: string[], receivedAt?: number): Promise<Item> {
    return write(this.ctx, async (db, changes) => {
      const r = await db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', 'item not found');
      if (r.kind === 'message') throw new StoreError('invalid', 'a message is changed through its flags, not its data');
      const json = JSON.stringify(data ?? null);
      const cats = categories === undefined ? r.categories : JSON.stringify(categories);
      const received = receivedAt ?? Number(r.received_at);
      if (json === r.data && cats === r.categories && received === Number(r.received_at)) return toItem(r); // nothing changed: no modseq
      const seq = await nextModseq(db, accountId);
      const set = { data: json, categories: cats, size: Buffer.byteLength(json), modseq: seq, received_at: received };
      await db.updateTable('items').set(set).where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'item-changed', asFolderId(Number(r.folder_id)), id, null, seq);
      return toItem({ ...r, ...set });
    });
  }

  async getItem(accountId: AccountId, id: ItemId): Promise<Item | null> {
    const r = await this.ctx.db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    return r ? toItem(r) : null;
  }

  async getItems(accountId: AccountId, ids: readonly ItemId[]): Promise<Item[]> {
    const out: Item[] = [];
    const unique = [...new Set(ids)];
    // Bounded IN lists: SQLite caps bound parameters, and PostgreSQL plans a short list best.
    for (let i = 0; i < unique.length; i += GET_ITEMS_CHUNK) {
      const chunk = unique.slice(i, i + GET_ITEMS_CHUNK);
      const rows = await this.ctx.db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', 'in', chunk).execute();
      for (const r of rows) out.push(toItem(r));
    }
    return out;
  }

  async listItems(accountId: AccountId, folderId: FolderId, options: ListItemsOptions = {}): Promise<Item[]> {
    let q = this.ctx.db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('folder_id', '=', folderId);
    if (options.afterId !== undefined) q = q.where('id', '>', options.afterId);
    if (options.receivedSince !== undefined) q = q.where('received_at', '>=', options.receivedSince);
    q = q.orderBy('id');
    if (options.limit !== undefined) q = q.limit(options.limit);
    return (await q.execute()).map(toItem);
  }

  async blobsInFolder(accountId: AccountId, folderId: FolderId, blobIds: readonly BlobId[]): Promise<Set<BlobId>> {
    const found = new Set<BlobId>();
    // Chunks keep the bound parameters under SQLite's and PostgreSQL's limits; items_blob indexes blob_id.
    for (let i = 0; i < blobIds.length; i += 500) {
      const rows = await this.ctx.db.selectFrom('items').select('blob_id').where('account_id', '=', accountId).where('folder_id', '=', folderId)
        .where('blob_id', 'in', blobIds.slice(i, i + 500)).execute();
      for (const r of rows) if (r.blob_id) found.add(asBlobId(r.blob_id));
    }
    return found;
  }

  async countItems(accountId: AccountId, folderId: FolderId): Promise<number> {
    const r = await this.ctx.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId).where('folder_id', '=', folderId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  updateItem(accountId: AccountId, id: ItemId, patch: ItemPatch): Promise<Item> {
    return write(this.ctx, async (db, changes) => {
      const r = await db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', 'item not found');
      const cur = toItem(r);
      const flags = { ...cur.flags, ...patch.flags };
      const categories = patch.categories ?? cur.categories;
      // Details belong to the flag they came with: a change of `flagged` that brings none drops them.
      const flagDetails = patch.flagDetails !== undefined ? patch.flagDetails : flags.flagged === cur.flags.flagged ? cur.flagDetails : null;
      const mailState = writeMailState(flagDetails, patch.lastVerb ?? cur.lastVerb);
      const same = JSON.stringify(flags) === JSON.stringify(cur.flags) && JSON.stringify(categories) === JSON.stringify(cur.categories)
        && mailState === r.mail_state;
      if (same) return cur; // nothing changed: no modseq, no notification
      const seq = await nextModseq(db, accountId);
      const set = {
        seen: bit(flags.seen), flagged: bit(flags.flagged), answered: bit(flags.answered), forwarded: bit(flags.forwarded), draft: bit(flags.draft),
        categories: JSON.stringify(categories), mail_state: mailState, modseq: seq,
      };
      await db.updateTable('items').set(set).where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'item-changed', cur.folderId, id, null, seq);
      return toItem({ ...r, ...set });
    });
  }

  moveItem(accountId: AccountId, id: ItemId, toFolderId: FolderId): Promise<Item> {
    return write(this.ctx, async (db, changes) => {
      const r = await db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', 'item not found');
      const to = await db.selectFrom('folders').select('id').where('account_id', '=', accountId).where('id', '=', toFolderId).executeTakeFirst();
      if (!to) throw new StoreError('not-found', 'destination folder not found');
      const from = asFolderId(Number(r.folder_id));
      if (from === toFolderId) return toItem(r);
      const seq = await nextModseq(db, accountId);
      await db.updateTable('items').set({ folder_id: toFolderId, modseq: seq }).where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'item-moved', toFolderId, id, from, seq);
      return toItem({ ...r, folder_id: toFolderId, modseq: seq });
    });
  }

  deleteItem(accountId: AccountId, id: ItemId): Promise<void> {
    return write(this.ctx, async (db, changes) => {
      const r = await db.selectFrom('items').select(['folder_id', 'blob_id']).where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', 'item not found');
      await db.deleteFrom('items').where('id', '=', id).execute();
      await logChange(db, changes, accountId, 'item-deleted', asFolderId(Number(r.folder_id)), id);
      if (r.blob_id !== null) {
        const blobId = r.blob_id;
        await db.deleteFrom('blobs').where('id', '=', blobId)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('items').select('id').where('blob_id', '=', blobId)))).execute();
      }
    });
  }

  deleteItems(accountId: AccountId, ids: readonly ItemId[], options: DeleteItemsOptions = {}): Promise<ItemId[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return Promise.resolve([]);
    return write(this.ctx, async (db, changes) => {
      // The account row first (a no-op UPDATE locks it on PostgreSQL), as updateItem and moveItem take it
      // before their item: a phone's flag change waits for us instead of deadlocking with hundreds of
      // item rows held here. deleteItem takes the item first; only the same item in both can still
      // deadlock, and PostgreSQL then rolls one back as 'temporary'.
      await db.updateTable('accounts').set((eb) => ({ modseq: eb('modseq', '+', 0) })).where('id', '=', accountId).execute();
      // DELETE ... RETURNING says which rows this transaction removed: an item another one deleted in the
      // meantime is not logged twice. The full-text rows go with them (SQLite trigger, PostgreSQL cascade).
      const gone: { id: ItemId; folderId: FolderId; blobId: string | null }[] = [];
      for (let i = 0; i < unique.length; i += DELETE_CHUNK) {
        let q = db.deleteFrom('items').where('account_id', '=', accountId).where('id', 'in', unique.slice(i, i + DELETE_CHUNK));
        if (options.folderId !== undefined) q = q.where('folder_id', '=', options.folderId);
        for (const r of await q.returning(['id', 'folder_id', 'blob_id']).execute()) {
          gone.push({ id: asItemId(Number(r.id)), folderId: asFolderId(Number(r.folder_id)), blobId: r.blob_id });
        }
      }
      if (gone.length === 0) return [];
      // RETURNING's order is not promised: the caller's order gives the modseqs, as deleteItem in turn would.
      const position = new Map(unique.map((id, i) => [id, i]));
      gone.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
      const first = await nextModseq(db, accountId, gone.length);
      for (let i = 0; i < gone.length; i += DELETE_CHUNK) {
        await db.insertInto('changes').values(gone.slice(i, i + DELETE_CHUNK).map((g, j) => ({
          account_id: accountId, modseq: first + i + j, kind: 'item-deleted', folder_id: g.folderId, item_id: g.id, from_folder_id: null,
        }))).execute();
      }
      for (const g of gone) changes.touch(accountId, g.folderId);
      // Blobs no item refers to any more (another account's copy of the same bytes keeps one); their parts cascade.
      const blobs = [...new Set(gone.flatMap((g) => (g.blobId === null ? [] : [g.blobId])))];
      for (let i = 0; i < blobs.length; i += DELETE_CHUNK) {
        await db.deleteFrom('blobs').where('id', 'in', blobs.slice(i, i + DELETE_CHUNK))
          .where((eb) => eb.not(eb.exists(eb.selectFrom('items').select('items.id').whereRef('items.blob_id', '=', 'blobs.id')))).execute();
      }
      return gone.map((g) => g.id);
    });
  }

  replaceMessage(accountId: AccountId, id: ItemId, message: NewMessage): Promise<Item> {
    const blobId = blobIdOf(message.raw);
    const size = lengthOf(message.raw);
    return write(this.ctx, async (db, changes) => {
      const r = await db.selectFrom('items').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', 'item not found');
      if (r.kind !== 'message') throw new StoreError('invalid', 'only a message has MIME content to replace');
      await writeBlob(db, this.ctx.dialect, blobId, { raw: message.raw, content: contentColumn(message) });
      const seq = await nextModseq(db, accountId);
      const set = { blob_id: blobId, size, meta: JSON.stringify(message.meta), modseq: seq };
      await db.updateTable('items').set(set).where('id', '=', id).execute();
      await unindexMessage(db, this.ctx.dialect, id);
      await indexMessages(db, this.ctx.dialect, accountId, [{ itemId: id, meta: message.meta, text: message.text }]);
      await logChange(db, changes, accountId, 'item-changed', asFolderId(Number(r.folder_id)), id, null, seq);
      const old = r.blob_id;
      if (old !== null && old !== blobId) {
        await db.deleteFrom('blobs').where('id', '=', old).where((eb) => eb.not(eb.exists(eb.selectFrom('items').select('id').where('blob_id', '=', old)))).execute();
      }
      return toItem({ ...r, ...set });
    });
  }

  async currentModseq(accountId: AccountId): Promise<number> {
    const r = await this.ctx.db.selectFrom('accounts').select('modseq').where('id', '=', accountId).executeTakeFirst();
    if (!r) throw new StoreError('not-found', 'account not found');
    return Number(r.modseq);
  }

  async changesSince(accountId: AccountId, since: number, limit = 10_000): Promise<Change[]> {
    const rows = await this.ctx.db.selectFrom('changes').selectAll().where('account_id', '=', accountId).where('modseq', '>', since)
      .orderBy('modseq').limit(limit).execute();
    return rows.map((r) => ({
      accountId: asAccountId(r.account_id),
      modseq: Number(r.modseq),
      kind: r.kind as ChangeKind,
      folderId: asFolderId(Number(r.folder_id)),
      itemId: r.item_id === null ? null : asItemId(Number(r.item_id)),
      fromFolderId: r.from_folder_id === null ? null : asFolderId(Number(r.from_folder_id)),
    }));
  }

}

