// The simulated sync's in-memory SyncState (src/eas/sync/simulate-state.ts) against the real repository, on
// SQLite and PostgreSQL: two devices start from the same stored state; a seeded random sequence of writes
// (held items added and dropped, collection and device resets, positions with and without the expected key,
// records, the hierarchy) goes to device A in the store and to device B through the scratch layer; after every
// step every read (held, countHeld, heldBefore, unsent, countUnsent, collections, hierarchy, records) answers
// the same for both. Device B's stored rows are untouched at the end. Other repositories refuse writes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreError } from '../src/core/errors.js';
import { asAccountId, asDeviceId, type AccountId, type DeviceId, type ItemId } from '../src/core/ids.js';
import { ScratchDeviceState, simulationStore } from '../src/eas/sync/simulate-state.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { DEVICE_RECORD_KINDS, type DeviceStateRepo, type Folder, type Item } from '../src/store/types.js';
import { backends } from './helpers/stores.js';

/** A small deterministic generator (LCG), so a failure replays. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof StoreError) return `StoreError ${err.kind}`;
    throw err;
  }
}

for (const backend of backends) describe(`simulation SyncState layer (${backend.name})`, () => {
  let store: SqlStore;
  let cleanup: () => Promise<void>;
  let account: AccountId;
  let folders: Folder[];
  let items: Item[];
  const A = asDeviceId('REALDEVICE');
  const B = asDeviceId('SIMDEVICE');

  before(async () => {
    ({ store, cleanup } = await backend.open());
    await store.domains.create('s.test');
    account = (await store.accounts.create({ email: 'sim@s.test', passwordHash: 'x', displayName: 'Sim' })).id;
    folders = [
      await store.mailbox.createFolder(account, { parentId: null, name: 'F1', kind: 'mail' }),
      await store.mailbox.createFolder(account, { parentId: null, name: 'F2', kind: 'mail' }),
    ];
    items = [];
    for (let i = 0; i < 30; i++) {
      const raw = Buffer.from(`From: a@b.c\r\nSubject: m${i}\r\nMessage-ID: <m${i}@s>\r\n\r\nx\r\n`);
      items.push(await store.mailbox.addMessage(account, folders[i % 3 === 0 ? 1 : 0]!.id, { raw, meta: await parseMessageMeta(raw), receivedAt: 1000 * (i + 1) }));
    }
    for (const d of [A, B]) {
      await store.devices.recordContact(account, d, { deviceType: 'iPhone', userAgent: 'x', protocolVersion: '16.1', address: '', at: 1 });
      await store.deviceState.putCollection(account, d, String(folders[0]!.id), '{g}1', '{"n":1}');
      await store.deviceState.putCollection(account, d, 'other', '{o}1', '{"n":1}');
      await store.deviceState.putHierarchy(account, d, '{h}1', '{}');
      await store.deviceState.putRecord(account, d, 'ping', '{"heartbeat":60,"folders":[]}');
      await store.deviceState.recordHeld(account, d, String(folders[0]!.id), items.slice(0, 12).map((i) => ({ itemId: i.id, modseq: i.modseq })), []);
      await store.deviceState.recordHeld(account, d, 'other', items.slice(20).map((i) => ({ itemId: i.id, modseq: 5 })), []);
    }
  });

  after(() => cleanup());

  async function reads(repo: DeviceStateRepo, device: DeviceId): Promise<string> {
    const out: unknown[] = [];
    const ids = items.map((i) => i.id);
    for (const coll of [String(folders[0]!.id), 'other', 'fresh']) {
      out.push([...(await repo.held(account, device, coll, ids))].sort((x, y) => x[0] - y[0]));
      out.push(await repo.countHeld(account, device, coll));
      for (const f of folders) {
        for (const [before, limit, since] of [[8000, 100, undefined], [31_000, 5, undefined], [31_000, 100, 4000], [1, 10, undefined]] as const) {
          out.push(await repo.heldBefore(account, device, coll, f.id, before, limit, since));
        }
        out.push((await repo.unsent(account, device, coll, f.id, { limit: 4 })).map((i) => i.id));
        out.push((await repo.unsent(account, device, coll, f.id, { limit: 50, afterId: items[5]!.id, receivedSince: 9000 })).map((i) => i.id));
        out.push(await repo.countUnsent(account, device, coll, f.id), await repo.countUnsent(account, device, coll, f.id, { receivedSince: 15_000 }));
      }
      out.push((await repo.getCollection(account, device, coll))?.key ?? null);
    }
    out.push((await repo.listCollections(account, device)).map((c) => [c.collectionId, c.key, c.data]));
    out.push((await repo.getHierarchy(account, device))?.key ?? null);
    for (const k of DEVICE_RECORD_KINDS) out.push(await repo.getRecord(account, device, k));
    return JSON.stringify(out);
  }

  test('every read answers as the store does after the same writes; the stored rows stay', async () => {
    const storedB = await reads(store.deviceState, B);
    const scratch = new ScratchDeviceState(store.deviceState, store.mailbox, account, B);
    assert.equal(await reads(scratch, B), await reads(store.deviceState, A), 'the same start');
    const next = rng(15);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const some = (): Item[] => items.filter(() => next() < 0.2);
    const colls = [String(folders[0]!.id), 'other', 'fresh'];
    const same = async (op: (repo: DeviceStateRepo, d: DeviceId) => Promise<unknown>, what: string): Promise<void> => {
      assert.equal(await outcome(op(scratch, B)), await outcome(op(store.deviceState, A)), `${what}: the same outcome`);
      assert.equal(await reads(scratch, B), await reads(store.deviceState, A), `${what}: the same reads`);
    };
    // Random writes over the stored state, then the whole device reset, then random writes over nothing.
    // 40 steps (each compares every read twice: about 200 queries) reach each kind of write (checked below).
    const kinds = new Set<string>();
    for (let step = 0; step < 40; step++) {
      if (step === 25) await same((repo, d) => repo.reset(account, d), 'the device reset');
      const coll = pick(colls);
      const r = next();
      kinds.add(r < 0.45 ? 'held' : r < 0.55 ? 'reset' : r < 0.8 ? 'collection' : r < 0.9 ? 'record' : 'hierarchy');
      let op: (repo: DeviceStateRepo, d: DeviceId) => Promise<unknown>;
      if (r < 0.45) {
        const now = some().map((i) => ({ itemId: i.id, modseq: Math.floor(next() * 100) }));
        const gone: ItemId[] = some().map((i) => i.id);
        op = (repo, d) => repo.recordHeld(account, d, coll, now, gone.filter((g) => !now.some((n) => n.itemId === g)));
      } else if (r < 0.55) {
        op = (repo, d) => repo.reset(account, d, coll);
      } else if (r < 0.8) {
        const key = `{k}${step}`;
        const expected = next() < 0.5 ? undefined : pick(['{g}1', '{o}1', `{k}${step - 1}`, 'nothing']);
        op = (repo, d) => repo.putCollection(account, d, coll, key, `{"step":${step}}`, expected);
      } else if (r < 0.9) {
        const kind = pick(DEVICE_RECORD_KINDS);
        op = next() < 0.5 ? (repo, d) => repo.putRecord(account, d, kind, `"${step}"`) : (repo, d) => repo.deleteRecords(account, d, [kind]);
      } else {
        const expected = next() < 0.5 ? undefined : pick(['{h}1', 'nothing']);
        op = (repo, d) => repo.putHierarchy(account, d, `{h}${step}`, '{}', expected);
      }
      await same(op, `step ${step}`);
    }
    assert.deepEqual([...kinds].sort(), ['collection', 'held', 'hierarchy', 'record', 'reset']);
    assert.equal(await reads(store.deviceState, B), storedB, 'nothing of device B was written');
  });

  test('the layer is about its own device; the other repositories refuse writes', async () => {
    const scratch = new ScratchDeviceState(store.deviceState, store.mailbox, account, B);
    assert.equal(await outcome(scratch.getCollection(account, A, 'other')), 'StoreError invalid');
    assert.equal(await outcome(scratch.recordHeld(asAccountId('someone-else'), B, 'other', [], [])), 'StoreError invalid');
    const sim = simulationStore(store, scratch);
    assert.equal((await sim.mailbox.listFolders(account)).length, (await store.mailbox.listFolders(account)).length);
    assert.throws(() => sim.mailbox.deleteItem(account, items[0]!.id), /may not call mailbox\.deleteItem/);
    assert.throws(() => sim.devices.update(account, B, { status: 2 }), /may not call devices\.update/);
    assert.throws(() => sim.settings.set('global', 'x', 'y'), /may not call settings\.set/);
    assert.ok(await store.mailbox.getItem(account, items[0]!.id), 'nothing was deleted');
    await sim.transaction(async (tx) => { await tx.deviceState.putRecord(account, B, 'ping', '"in memory"'); });
    assert.equal(await scratch.getRecord(account, B, 'ping'), '"in memory"');
    assert.equal(await store.deviceState.getRecord(account, B, 'ping'), '{"heartbeat":60,"folders":[]}');
  });
});
