// The admin's device list across domains (issue 14) over HTTP: GET /api/admin/devices with q, sort, order,
// offset and limit on 2,000 devices: search by part of an id, an address or a model; every sort key both
// ways against the expected order; pages that add up to the whole list; a delegated admin's scope (his
// domains, never a global admin's devices, even when searched for); 400s that say what is wrong.
// SQLite, and PostgreSQL when CARBONIO_TEST_PG_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEVICE_SORTS } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { createDevices, expectedMatch, expectedOrder, type DeviceFixture, type FixtureDevice } from './helpers/device-fixture.js';
import { pgUrl } from './helpers/pg.js';

type Json = Record<string, unknown>;
const boss = { email: 'boss@sdom0.test', password: 'boss-pass-12' };

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) {
  describe(`admin device list: search, sort and pages (GET /devices): ${backend}`, () => {
    let app: TestApp;
    let fx: DeviceFixture;
    /** The global admin among the fixture's accounts (a delegated admin of his domain must not see his devices). */
    let chief: string;

    const list = async (query: string, as = app.admin) => {
      const r = await adminCall(app, 'GET', `/devices${query}`, undefined, as);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return { ...r.json, keys: (r.json.devices as Json[]).map((d) => `${String(d.account)}/${String(d.id)}`) } as Json & { keys: string[]; total: number };
    };
    const keys = (devices: FixtureDevice[]) => devices.map((d) => `${d.account}/${d.deviceId}`);

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres' });
      fx = await createDevices(app.store, { devices: 2_000, accounts: 200, domains: 4, prefix: 's' });
      console.log(`fixture (${backend}): 2,000 devices, 200 accounts, 4 domains in ${fx.ms.toFixed(0)} ms`);
      chief = fx.accounts[0]!.email;
      await app.store.accounts.update(fx.accounts[0]!.id, { isGlobalAdmin: true });
      assert.equal((await adminCall(app, 'POST', '/accounts', boss)).status, 201);
      assert.equal((await adminCall(app, 'PUT', `/accounts/${boss.email}/delegated-domains/sdom0.test`)).status, 200);
    });
    after(() => app.stop());

    test('a page of 50: the total, the view of each device, the parameters echoed', async () => {
      const r = await list('?limit=50');
      assert.deepEqual([r.total, r.offset, r.limit, r.domains, r.keys.length], [2_000, 0, 50, null, 50]);
      assert.deepEqual(r.keys, keys(expectedOrder(fx.devices, 'account', 'asc')).slice(0, 50));
      const first = (r.devices as Json[])[0]!;
      const d = fx.devices.find((x) => `${x.account}/${x.deviceId}` === r.keys[0])!;
      assert.deepEqual([first.type, first.model, first.os, first.friendly_name, first.status], [d.deviceType, d.model || null, d.os || null, d.friendlyName || null, d.status]);
      assert.equal(first.lastUsedDate, new Date(d.lastSeen).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    });

    test('every sort key, both ways, in the expected order', async () => {
      for (const sort of DEVICE_SORTS) {
        for (const order of ['asc', 'desc'] as const) {
          const r = await list(`?sort=${sort}&order=${order}&offset=100&limit=60`);
          assert.deepEqual(r.keys, keys(expectedOrder(fx.devices, sort, order)).slice(100, 160), `${sort} ${order}`);
        }
      }
    });

    test('pages add up to the whole list: nothing twice, nothing missed, the same total on each', async () => {
      const seen: string[] = [];
      for (let offset = 0; offset < 2_000; offset += 500) {
        const r = await list(`?sort=lastSeen&order=desc&offset=${offset}&limit=500`);
        assert.equal(r.total, 2_000);
        seen.push(...r.keys);
      }
      assert.equal(new Set(seen).size, 2_000);
      assert.deepEqual(seen, keys(expectedOrder(fx.devices, 'lastSeen', 'desc')));
      const past = await list('?offset=2000&limit=50');
      assert.deepEqual([past.total, past.keys], [2_000, []]);
    });

    test('search by part of an id, an address or a model, in any case, with paging and sorting', async () => {
      for (const q of ['suser17@', 'PIXEL 8', 'sm-g991', 'OUTLOOK 14 OF suser1', 'applipad000001']) {
        const expected = fx.devices.filter((d) => expectedMatch(d, q));
        assert.ok(expected.length > 0, q);
        const r = await list(`?q=${encodeURIComponent(q)}&sort=model&order=desc&limit=20`);
        assert.equal(r.total, expected.length, q);
        assert.deepEqual(r.keys, keys(expectedOrder(expected, 'model', 'desc')).slice(0, 20), q);
      }
      assert.equal((await list('?q=%25&limit=10')).total, 0, 'a % is a percent sign, not a wildcard');
      assert.equal((await list('?q=_&limit=10')).total, 0);
      assert.equal((await list('?q=nothing-like-this&limit=10')).total, 0);
    });

    test('without a limit: every matching device, as before paging existed', async () => {
      const all = await list('');
      assert.deepEqual([all.total, all.limit, all.keys.length], [2_000, null, 2_000]);
      assert.deepEqual(all.keys, keys(expectedOrder(fx.devices, 'account', 'asc')));
      const some = await list('?q=pixel&sort=lastSeen&order=desc');
      assert.deepEqual(some.keys, keys(expectedOrder(fx.devices.filter((d) => expectedMatch(d, 'pixel')), 'lastSeen', 'desc')));
    });

    test('a delegated admin: his domains only, never a global admin\'s devices, searched or not', async () => {
      const his = fx.devices.filter((d) => d.account.endsWith('@sdom0.test') && d.account !== chief);
      const r = await list('?sort=id&limit=500', boss);
      assert.deepEqual([r.total, r.domains], [his.length, ['sdom0.test']]);
      assert.deepEqual(r.keys, keys(expectedOrder(his, 'id', 'asc')));
      assert.equal((await list(`?q=${encodeURIComponent(chief)}&limit=10`, boss)).total, 0, 'the global admin\'s devices stay hidden');
      assert.ok((await list(`?q=${encodeURIComponent(chief)}&limit=10`)).total > 0, 'a global admin sees them');
      assert.equal((await list('?domains=sdom0.test&q=pixel&limit=10', boss)).total, his.filter((d) => expectedMatch(d, 'pixel')).length);
      assert.equal((await list('?q=sdom1.test&limit=10', boss)).total, 0);
      assert.equal((await adminCall(app, 'GET', '/devices?domains=sdom1.test&limit=10', undefined, boss)).status, 403);
      const two = await list('?domains=sdom1.test,sdom2.test&limit=1');
      assert.equal(two.total, fx.devices.filter((d) => /@sdom[12]\.test$/.test(d.account)).length);
    });

    test('bad parameters: 400 with a message in words', async () => {
      const cases: Array<[string, RegExp]> = [
        ['sort=owner', /"sort" must be one of account, id, type, model, os, status, lastSeen, firstSeen/],
        ['order=up', /"order" must be asc or desc/],
        ['limit=0', /"limit" must be a whole number from 1 to 500/],
        ['limit=501', /"limit" must be a whole number from 1 to 500/],
        ['limit=ten', /"limit" must be a whole number/],
        ['offset=-1', /"offset" must be a whole number from 0/],
        ['offset=1.5', /"offset" must be a whole number/],
        ['limit=10&limit=20', /"limit" must be given once/],
        [`q=${'x'.repeat(201)}`, /"q" must be at most 200 characters/],
        ['domains=sdom0.test&domains=sdom1.test', /"domains" must be given once/],
      ];
      for (const [query, message] of cases) {
        const r = await adminCall(app, 'GET', `/devices?${query}`);
        assert.equal(r.status, 400, query);
        assert.match((r.json.error as { message: string }).message, message, query);
      }
      assert.equal((await adminCall(app, 'GET', '/devices?sort=owner', undefined, { email: 'suser5@sdom1.test', password: 'x' })).status, 401, 'authentication comes first');
    });
  });
}
