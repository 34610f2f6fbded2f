// Migration 008 on both backends: a database at 007 holding device records and the hierarchy state the old
// way (rows of sync_states under '#ping', '#sync-request', '#sendmail', '#meetingresponses', 'hierarchy'),
// opened by this version, reads them back through the new API; the folders' SyncStates stay as they were.
// Migration 010 on both backends: devices stored at 009 get their search columns from their info JSON.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { asAccountId, asDeviceId } from '../src/core/ids.js';
import { deviceStates } from '../src/devices/progress.js';
import { decodeRecord } from '../src/eas/sync/device-records.js';
import { migrationProvider, type Dialect } from '../src/store/migrations/index.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import type { StoreLocation } from '../src/store/sql/connect.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';

interface Target {
  name: Dialect;
  /** A fresh database: a Kysely on it and the location SqlStore opens. */
  create(): Promise<{ db: Kysely<unknown>; location: StoreLocation; cleanup: () => Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-migrate-'));
      const file = path.join(dir, 'db.sqlite');
      const sqlite = new Database(file);
      sqlite.pragma('foreign_keys = ON');
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
      return Promise.resolve({ db, location: { kind: 'sqlite', file }, cleanup: () => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true })) });
    },
  },
  ...(pgUrl
    ? [{
        name: 'postgres' as const,
        async create() {
          const temp = await createTempPgDatabase({ empty: true });
          const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: temp.url, max: 2 }) }) });
          return { db, location: { kind: 'postgres' as const, url: temp.url }, cleanup: () => temp.drop() };
        },
      }]
    : []),
];

const ACCOUNT = asAccountId('acc-1');
const PHONE = asDeviceId('PHONE1');
const TABLET = asDeviceId('TABLET1');

const ping = JSON.stringify({ heartbeat: 480, folders: ['5', '6'] });
const syncRequest = JSON.stringify({ collections: [{ collectionId: '5', windowSize: 25, deletesAsMoves: true }], holdSeconds: null, windowSize: 50 });
const sent = JSON.stringify([{ id: 'client-1', at: 1_700_000_000_000 }]);
const answers = JSON.stringify([{ key: '5:9||1', at: 1_700_000_000_000, calendarId: '3:12' }, { key: '5:10||3', at: 1_700_000_000_001 }]);
const hierarchy = JSON.stringify({ key: { generation: 'g', n: 4 }, folders: { 5: ['0', 'Inbox', 2] }, last: null });

/** Rows as versions up to 007 wrote them. */
async function oldRows(db: Kysely<unknown>): Promise<void> {
  await sql`insert into domains (id, name, created_at) values ('dom-1', 'a.test', 1)`.execute(db);
  await sql`insert into accounts (id, domain_id, email, password_hash, created_at) values (${ACCOUNT}, 'dom-1', 'joe@a.test', 'h', 1)`.execute(db);
  for (const d of [PHONE, TABLET]) await sql`insert into devices (account_id, device_id, first_seen, last_seen) values (${ACCOUNT}, ${d}, 1, 2)`.execute(db);
  const state = (device: string, collection: string, key: string, data: string, at: number) =>
    sql`insert into sync_states (account_id, device_id, collection_id, sync_key, state, updated_at) values (${ACCOUNT}, ${device}, ${collection}, ${key}, ${data}, ${at})`.execute(db);
  await state(PHONE, 'hierarchy', '{g}4', hierarchy, 100);
  await state(PHONE, '#ping', '', ping, 101);
  await state(PHONE, '#sync-request', '', syncRequest, 102);
  await state(PHONE, '#sendmail', '', sent, 103);
  await state(PHONE, '#meetingresponses', '', answers, 104);
  await state(PHONE, '5', '{f}7', '{"modseq":3}', 105);
  await state(PHONE, '12', '{f}2', '{"modseq":1}', 106);
  // A record of a bad shape moves too; the decoder, not the migration, refuses it.
  await state(TABLET, '#ping', '', '{"heartbeat":"soon"}', 107);
  await sql`insert into sync_items (account_id, device_id, collection_id, item_id, modseq) values (${ACCOUNT}, ${PHONE}, '5', 1, 3)`.execute(db);
}

for (const target of targets) {
  describe(`migration 008 (device records): ${target.name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => { for (const c of cleanups.reverse()) await c(); });

    test('rows stored the old way read back through the new API', async () => {
      const { db, location, cleanup } = await target.create();
      cleanups.push(cleanup);
      const migrated = await new Migrator({ db, provider: migrationProvider(target.name) }).migrateTo('007_auth_guard');
      assert.equal(migrated.error, undefined);
      await oldRows(db);
      await db.destroy();

      const store = await SqlStore.open(location);
      cleanups.push(() => store.close());
      const s = store.deviceState;
      const h = await s.getHierarchy(ACCOUNT, PHONE);
      assert.deepEqual(h && [h.key, JSON.parse(h.data), h.updatedAt], ['{g}4', JSON.parse(hierarchy), 100]);
      const record = async <K extends Parameters<typeof decodeRecord>[0]>(device: typeof PHONE, kind: K) => {
        const text = await s.getRecord(ACCOUNT, device, kind);
        return text === null ? undefined : decodeRecord(kind, text);
      };
      assert.deepEqual(await record(PHONE, 'ping'), JSON.parse(ping));
      assert.deepEqual(await record(PHONE, 'sync-request'), JSON.parse(syncRequest));
      assert.deepEqual(await record(PHONE, 'sent-client-ids'), JSON.parse(sent));
      assert.deepEqual(await record(PHONE, 'meeting-answers'), JSON.parse(answers));
      assert.equal(await record(TABLET, 'ping'), null, 'moved, and refused by its decoder');
      assert.equal(await s.getHierarchy(ACCOUNT, TABLET), null);

      // Only folders are collections now; listings still name the hierarchy where they did.
      assert.deepEqual((await s.listCollections(ACCOUNT, PHONE)).map((c) => [c.collectionId, c.key]), [['12', '{f}2'], ['5', '{f}7']]);
      assert.equal(await s.countHeld(ACCOUNT, PHONE, '5'), 1);
      const account = (await store.accounts.getById(ACCOUNT))!;
      assert.deepEqual((await deviceStates(s, account, PHONE)).map((c) => c.collectionId), ['12', '5', 'hierarchy']);

      // A reset of the device drops them all.
      await s.reset(ACCOUNT, PHONE);
      assert.equal(await s.getHierarchy(ACCOUNT, PHONE), null);
      assert.equal(await s.getRecord(ACCOUNT, PHONE, 'ping'), null);
      assert.deepEqual(await deviceStates(s, account, PHONE), []);
    });
  });
}

for (const target of targets) {
  describe(`migration 010 (device search columns): ${target.name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => { for (const c of cleanups.reverse()) await c(); });

    test('devices stored before it are found by model and friendly name, and sorted by model', async () => {
      const { db, location, cleanup } = await target.create();
      cleanups.push(cleanup);
      assert.equal((await new Migrator({ db, provider: migrationProvider(target.name) }).migrateTo('009_web_sessions')).error, undefined);
      await sql`insert into domains (id, name, created_at) values ('dom-1', 'a.test', 1)`.execute(db);
      await sql`insert into accounts (id, domain_id, email, password_hash, created_at) values (${ACCOUNT}, 'dom-1', 'joe@a.test', 'h', 1)`.execute(db);
      const device = (id: string, type: string, info: string) =>
        sql`insert into devices (account_id, device_id, device_type, info, first_seen, last_seen) values (${ACCOUNT}, ${id}, ${type}, ${info}, 1, 2)`.execute(db);
      await device(PHONE, 'iPhone', JSON.stringify({ model: 'iPhone15,2', os: 'iOS 17.1', friendlyName: 'Téléphone de JÖRG', userAgentHistory: [] }));
      await device(TABLET, 'Android', JSON.stringify({ model: 'Galaxy Tab', os: 'Android 14' }));
      await device('BARE1', 'Outlook', '{}');
      await db.destroy();

      const store = await SqlStore.open(location);
      cleanups.push(() => store.close());
      const ids = async (q: string, sort: 'model' | 'os' = 'model') =>
        (await store.devices.search({ q, sort, order: 'asc', offset: 0 })).rows.map((r) => r.device.deviceId);
      assert.deepEqual(await ids('jörg'), [PHONE]);
      assert.deepEqual(await ids('GALAXY'), [TABLET]);
      assert.deepEqual(await ids(''), ['BARE1', TABLET, PHONE], 'no model first, then galaxy tab, iphone15,2');
      assert.deepEqual(await ids('', 'os'), ['BARE1', TABLET, PHONE]);
      assert.equal((await store.devices.get(ACCOUNT, PHONE))?.info.model, 'iPhone15,2', 'the info itself is left as it was');
    });
  });
}
