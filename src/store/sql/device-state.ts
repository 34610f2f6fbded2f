// What devices hold: a collection's opaque position (key and data) and one row per held item with the
// version sent (incremental work reads and writes only the rows of changed items); the folder list's
// position apart (hierarchy_states); and the device records of a closed set of kinds (device_records).
import type { Kysely } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asItemId, type AccountId, type DeviceId, type FolderId, type ItemId } from '../../core/ids.js';
import { isDeviceRecordKind, type CollectionState, type DeviceRecordKind, type DeviceStateRepo, type HeldItem, type HierarchyPosition, type Item } from '../types.js';
import { write, type SqlContext } from './context.js';
import { toItem } from './mailbox.js';
import type { DB } from './schema.js';

/** Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 200;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

export class SqlDeviceStateRepo implements DeviceStateRepo {
  constructor(private readonly ctx: SqlContext) {}

  async getCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<CollectionState | null> {
    const r = await this.ctx.db.selectFrom('sync_states').selectAll()
      .where('account_id', '=', accountId).where('device_id', '=', deviceId).where('collection_id', '=', collectionId).executeTakeFirst();
    return r ? { collectionId: r.collection_id, key: r.sync_key, data: r.state, updatedAt: Number(r.updated_at) } : null;
  }

  async listCollections(accountId: AccountId, deviceId: DeviceId): Promise<CollectionState[]> {
    const rows = await this.ctx.db.selectFrom('sync_states').selectAll()
      .where('account_id', '=', accountId).where('device_id', '=', deviceId).orderBy('collection_id').execute();
    return rows.map((r) => ({ collectionId: r.collection_id, key: r.sync_key, data: r.state, updatedAt: Number(r.updated_at) }));
  }

  async putCollection(accountId: AccountId, deviceId: DeviceId, collectionId: string, key: string, data: string, expectedKey?: string): Promise<void> {
    const updated_at = Date.now();
    if (expectedKey !== undefined) {
      const res = await this.ctx.db.updateTable('sync_states').set({ sync_key: key, state: data, updated_at })
        .where('account_id', '=', accountId).where('device_id', '=', deviceId).where('collection_id', '=', collectionId)
        .where('sync_key', '=', expectedKey).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new StoreError('conflict', `state of collection ${collectionId} changed meanwhile`);
      return;
    }
    await this.ctx.db.insertInto('sync_states')
      .values({ account_id: accountId, device_id: deviceId, collection_id: collectionId, sync_key: key, state: data, updated_at })
      .onConflict((oc) => oc.columns(['account_id', 'device_id', 'collection_id']).doUpdateSet({ sync_key: key, state: data, updated_at }))
      .execute();
  }

  reset(accountId: AccountId, deviceId: DeviceId, collectionId?: string): Promise<void> {
    return write(this.ctx, async (db) => {
      let states = db.deleteFrom('sync_states').where('account_id', '=', accountId).where('device_id', '=', deviceId);
      let items = db.deleteFrom('sync_items').where('account_id', '=', accountId).where('device_id', '=', deviceId);
      if (collectionId !== undefined) {
        states = states.where('collection_id', '=', collectionId);
        items = items.where('collection_id', '=', collectionId);
      }
      await states.execute();
      await items.execute();
      if (collectionId === undefined) {
        await db.deleteFrom('hierarchy_states').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
        await db.deleteFrom('device_records').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      }
    });
  }

  async getHierarchy(accountId: AccountId, deviceId: DeviceId): Promise<HierarchyPosition | null> {
    const r = await this.ctx.db.selectFrom('hierarchy_states').selectAll()
      .where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
    return r ? { key: r.sync_key, data: r.state, updatedAt: Number(r.updated_at) } : null;
  }

  async putHierarchy(accountId: AccountId, deviceId: DeviceId, key: string, data: string, expectedKey?: string): Promise<void> {
    const updated_at = Date.now();
    if (expectedKey !== undefined) {
      const res = await this.ctx.db.updateTable('hierarchy_states').set({ sync_key: key, state: data, updated_at })
        .where('account_id', '=', accountId).where('device_id', '=', deviceId).where('sync_key', '=', expectedKey).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new StoreError('conflict', 'state of the folder hierarchy changed meanwhile');
      return;
    }
    await this.ctx.db.insertInto('hierarchy_states')
      .values({ account_id: accountId, device_id: deviceId, sync_key: key, state: data, updated_at })
      .onConflict((oc) => oc.columns(['account_id', 'device_id']).doUpdateSet({ sync_key: key, state: data, updated_at }))
      .execute();
  }

  async getRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind): Promise<string | null> {
    const r = await this.ctx.db.selectFrom('device_records').select('data')
      .where('account_id', '=', accountId).where('device_id', '=', deviceId).where('kind', '=', kind).executeTakeFirst();
    return r ? r.data : null;
  }

  async putRecord(accountId: AccountId, deviceId: DeviceId, kind: DeviceRecordKind, data: string): Promise<void> {
    if (!isDeviceRecordKind(kind)) throw new StoreError('invalid', `no device record kind ${JSON.stringify(kind).slice(0, 40)}`);
    const updated_at = Date.now();
    await this.ctx.db.insertInto('device_records')
      .values({ account_id: accountId, device_id: deviceId, kind, data, updated_at })
      .onConflict((oc) => oc.columns(['account_id', 'device_id', 'kind']).doUpdateSet({ data, updated_at }))
      .execute();
  }

  async deleteRecords(accountId: AccountId, deviceId: DeviceId, kinds?: readonly DeviceRecordKind[]): Promise<void> {
    if (kinds?.length === 0) return;
    let q = this.ctx.db.deleteFrom('device_records').where('account_id', '=', accountId).where('device_id', '=', deviceId);
    if (kinds) q = q.where('kind', 'in', kinds);
    await q.execute();
  }

  async held(accountId: AccountId, deviceId: DeviceId, collectionId: string, itemIds: readonly ItemId[]): Promise<Map<ItemId, number>> {
    const out = new Map<ItemId, number>();
    for (const ids of chunks(itemIds)) {
      const rows = await this.base(this.ctx.db, accountId, deviceId, collectionId).select(['item_id', 'modseq']).where('item_id', 'in', ids).execute();
      for (const r of rows) out.set(asItemId(Number(r.item_id)), Number(r.modseq));
    }
    return out;
  }

  async countHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string): Promise<number> {
    const r = await this.base(this.ctx.db, accountId, deviceId, collectionId).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async unsent(
    accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId,
    options: { limit: number; receivedSince?: number; afterId?: ItemId },
  ): Promise<Item[]> {
    let q = this.unsentQuery(accountId, deviceId, collectionId, folderId, options.receivedSince).selectAll('items');
    if (options.afterId !== undefined) q = q.where('items.id', '>', options.afterId);
    return (await q.orderBy('items.id').limit(options.limit).execute()).map(toItem);
  }

  async countUnsent(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, options: { receivedSince?: number } = {}): Promise<number> {
    const r = await this.unsentQuery(accountId, deviceId, collectionId, folderId, options.receivedSince)
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async heldBefore(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, before: number, limit: number, since?: number): Promise<ItemId[]> {
    let q = this.ctx.db.selectFrom('sync_items').innerJoin('items', 'items.id', 'sync_items.item_id')
      .select('sync_items.item_id')
      .where('sync_items.account_id', '=', accountId).where('sync_items.device_id', '=', deviceId).where('sync_items.collection_id', '=', collectionId)
      .where('items.folder_id', '=', folderId).where('items.received_at', '<', before);
    if (since !== undefined) q = q.where('items.received_at', '>=', since);
    const rows = await q.orderBy('sync_items.item_id').limit(limit).execute();
    return rows.map((r) => asItemId(Number(r.item_id)));
  }

  recordHeld(accountId: AccountId, deviceId: DeviceId, collectionId: string, now: readonly HeldItem[], gone: readonly ItemId[]): Promise<void> {
    return write(this.ctx, async (db) => {
      for (const ids of chunks(gone)) {
        await db.deleteFrom('sync_items').where('account_id', '=', accountId).where('device_id', '=', deviceId)
          .where('collection_id', '=', collectionId).where('item_id', 'in', ids).execute();
      }
      for (const rows of chunks(now)) {
        await db.insertInto('sync_items')
          .values(rows.map((h) => ({ account_id: accountId, device_id: deviceId, collection_id: collectionId, item_id: h.itemId, modseq: h.modseq })))
          .onConflict((oc) => oc.columns(['account_id', 'device_id', 'collection_id', 'item_id']).doUpdateSet((eb) => ({ modseq: eb.ref('excluded.modseq') })))
          .execute();
      }
    });
  }

  private base(db: Kysely<DB>, accountId: AccountId, deviceId: DeviceId, collectionId: string) {
    return db.selectFrom('sync_items').where('account_id', '=', accountId).where('device_id', '=', deviceId).where('collection_id', '=', collectionId);
  }

  private unsentQuery(accountId: AccountId, deviceId: DeviceId, collectionId: string, folderId: FolderId, receivedSince?: number) {
    let q = this.ctx.db.selectFrom('items').where('items.account_id', '=', accountId).where('items.folder_id', '=', folderId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('sync_items').select('sync_items.item_id')
        .where('sync_items.account_id', '=', accountId).where('sync_items.device_id', '=', deviceId)
        .where('sync_items.collection_id', '=', collectionId).whereRef('sync_items.item_id', '=', 'items.id'))));
    if (receivedSince !== undefined) q = q.where('items.received_at', '>=', receivedSince);
    return q;
  }
}
