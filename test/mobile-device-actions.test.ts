// Device management over SyncStates through the admin API, with the EAS side spoken in real WBXML:
// doResetDevice / doResetAccount (old FolderSync key -> Status 9, record kept), doRemoveDevice (the
// next request is a new device), suspend / resume (Status 129 on 14.1, HTTP 403 on 12.1), wipe and the
// held-request registry, getDeviceInfo verbose progress, getAllDevices rights, doPurgeMobileState.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId, type AccountId } from '../src/core/ids.js';
import { DeviceSessions } from '../src/devices/sessions.js';
import { el, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import type { Item, MessageMeta } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';

const s = ns('Settings');
const joe = { email: 'joe@a.test', password: 'joe-pass-12' };
const kim = { email: 'kim@a.test', password: 'kim-pass-12' };
const boss = { email: 'boss@a.test', password: 'boss-pass-1' };
const lee = { email: 'lee@b.test', password: 'lee-pass-12' };
const DAY = 86_400_000;
type Json = Record<string, unknown>;

describe('device management (admin API, EAS side over WBXML)', () => {
  let app: TestApp;
  const ids = new Map<string, AccountId>();
  const idOf = (email: string): AccountId => ids.get(email)!;

  const folderSync = async (who: typeof joe, deviceId: string, key: string, version = '14.1') => {
    const r = await easRequest(app, { cmd: 'FolderSync', user: who.email, password: who.password, deviceId, version, body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)) });
    return { http: r.status, status: r.root ? intOf(r.root, 'FolderHierarchy:Status') : undefined, key: r.root ? textOf(r.root, 'FolderHierarchy:SyncKey') ?? '' : '' };
  };
  /** A device that synced its folders; returns its hierarchy key. */
  const synced = async (who: typeof joe, deviceId: string): Promise<string> => {
    const r = await folderSync(who, deviceId, '0');
    assert.deepEqual([r.http, r.status], [200, 1]);
    return r.key;
  };
  /** Registers a device first seen `daysAgo` days ago (and last seen then, until it comes back). */
  const seenAt = (who: typeof joe, deviceId: string, daysAgo: number) => app.store.devices.recordContact(idOf(who.email), asDeviceId(deviceId), {
    deviceType: 'TestPhone', userAgent: 'eas-test-client/1.0', protocolVersion: '14.1', address: '127.0.0.1', at: Date.now() - daysAgo * DAY,
  });
  const device = async (who: typeof joe, deviceId: string, query = '') => adminCall(app, 'GET', `/accounts/${who.email}/devices/${deviceId}${query}`);
  const logged = (event: string): Json[] => app.logs.map((l) => JSON.parse(l) as Json).filter((l) => l.event === event);

  before(async () => {
    app = await startTestApp();
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [joe, kim, boss, lee]) {
      const r = await adminCall(app, 'POST', '/accounts', acc);
      assert.equal(r.status, 201);
      ids.set(acc.email, (await app.store.accounts.getByEmail(acc.email))!.id);
    }
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@a.test/delegated-domains/a.test')).status, 200);
  });
  after(() => app.stop());

  test('DeviceSessions: endFor calls the registered aborts once, per device or for the whole account', () => {
    const reg = new DeviceSessions();
    const a = 'acc-a' as AccountId;
    const calls: string[] = [];
    reg.register(a, asDeviceId('d1'), () => calls.push('d1'));
    const off = reg.register(a, asDeviceId('d1'), () => calls.push('d1-second'));
    reg.register(a, asDeviceId('d2'), () => { throw new Error('boom'); });
    reg.register(a, asDeviceId('d3'), () => calls.push('d3'));
    reg.register('acc-b' as AccountId, asDeviceId('d1'), () => calls.push('other account'));
    off();
    off();
    assert.equal(reg.count(a), 3);
    assert.equal(reg.endFor(a, asDeviceId('d1')), 1);
    assert.deepEqual(calls, ['d1']);
    assert.equal(reg.endFor(a, asDeviceId('d1')), 0, 'ended requests are unregistered');
    const errors: unknown[] = [];
    assert.equal(reg.endFor(a, undefined, (e) => errors.push(e)), 2);
    assert.deepEqual(calls, ['d1', 'd3']);
    assert.equal(errors.length, 1, 'a throwing abort does not stop the others');
    assert.deepEqual([reg.count(a), reg.count()], [0, 1]);
  });

  test('doResetDevice: the old FolderSync key gets Status 9, key 0 works again, the device record is kept', async () => {
    await seenAt(joe, 'PHONE1', 10);
    const info = await easRequest(app, {
      cmd: 'Settings', user: joe.email, password: joe.password, deviceId: 'PHONE1', version: '14.1',
      body: el('Settings:Settings', s('DeviceInformation', s('Set', s('Model', 'Pixel 8')))),
    });
    assert.equal(info.status, 200);
    const key = await synced(joe, 'PHONE1');
    const before = (await device(joe, 'PHONE1')).json.device as Json;
    let ended = 0;
    app.sessions.register(idOf(joe.email), asDeviceId('PHONE1'), () => ended++);

    const r = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/phone1/reset');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.devices, [{ id: 'PHONE1', type: 'TestPhone', model: 'Pixel 8', protocol: '14.1', collections: ['hierarchy'] }]);
    assert.deepEqual([r.json.all, r.json.collectionsDropped], [false, 1]);
    assert.equal(ended, 1, 'its held requests end');

    assert.deepEqual(await folderSync(joe, 'PHONE1', key).then((x) => x.status), 9);
    const after = (await device(joe, 'PHONE1')).json.device as Json;
    assert.deepEqual([after.firstReqReceived, after.model, after.type], [before.firstReqReceived, 'Pixel 8', 'TestPhone']);
    assert.ok(Number(after.firstReqReceivedEpoch) < Date.now() / 1000 - 9 * 86_400, 'first seen kept');
    const again = await folderSync(joe, 'PHONE1', '0');
    assert.deepEqual([again.http, again.status], [200, 1]);
    assert.notEqual(again.key, key);
    assert.equal((await folderSync(joe, 'PHONE1', again.key)).status, 1);

    const line = logged('device-reset').at(-1)!;
    assert.deepEqual([line.account, line.by, line.via, line.deviceIds], ['joe@a.test', app.admin.email, 'admin', ['PHONE1']]);
    assert.ok(!app.logs.some((l) => l.includes(joe.password) || l.includes(app.admin.password)), 'no secret logged');
    assert.equal((await adminCall(app, 'POST', '/accounts/joe@a.test/devices/NOSUCH/reset')).status, 404);
  });

  test('doResetDevice without a device id and doResetAccount reset every device of the account, and only them', async () => {
    const k1 = await synced(joe, 'PHONE1');
    const k2 = await synced(joe, 'PHONE2');
    const kk = await synced(kim, 'KIMPHONE');
    const r = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/reset');
    assert.equal(r.status, 200);
    assert.equal(r.json.all, true);
    assert.deepEqual((r.json.devices as Json[]).map((d) => [d.id, d.collections]), [['PHONE1', ['hierarchy']], ['PHONE2', ['hierarchy']]]);
    assert.equal((await folderSync(joe, 'PHONE1', k1)).status, 9);
    assert.equal((await folderSync(joe, 'PHONE2', k2)).status, 9);
    assert.equal((await folderSync(kim, 'KIMPHONE', kk)).status, 1, "another account's device is untouched");
    // Nothing to drop a second time: the devices are listed with no collections.
    const twice = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/reset');
    assert.deepEqual((twice.json.devices as Json[]).map((d) => d.collections), [[], []]);
    assert.equal((await adminCall(app, 'POST', '/accounts/joe@a.test/devices/reset', undefined, boss)).status, 200, 'a delegated admin of the domain may');
    assert.equal((await adminCall(app, 'POST', '/accounts/lee@b.test/devices/reset', undefined, boss)).status, 403);
    assert.equal((await adminCall(app, 'POST', '/accounts/joe@a.test/devices/reset', undefined, kim)).status, 403, 'a plain account may not');
  });

  test('doRemoveDevice: gone from the list; its next request is a new device whose old key gets Status 9', async () => {
    await seenAt(joe, 'PHONE3', 10);
    const key = await synced(joe, 'PHONE3');
    let ended = 0;
    app.sessions.register(idOf(joe.email), asDeviceId('PHONE3'), () => ended++);
    const r = await adminCall(app, 'DELETE', '/accounts/joe@a.test/devices/PHONE3');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.removed, { id: 'PHONE3', type: 'TestPhone', model: null, protocol: '14.1', collections: 1 });
    assert.equal(ended, 1);
    const list = (await adminCall(app, 'GET', '/accounts/joe@a.test/devices')).json.devices as Json[];
    assert.ok(!list.some((d) => d.id === 'PHONE3'));
    assert.equal((await device(joe, 'PHONE3')).status, 404);
    assert.equal((await app.store.deviceState.listCollections(idOf(joe.email), asDeviceId('PHONE3'))).length, 0);

    assert.equal((await folderSync(joe, 'PHONE3', key)).status, 9);
    const fresh = (await device(joe, 'PHONE3')).json.device as Json;
    assert.ok(Number(fresh.firstReqReceivedEpoch) >= Math.floor(Date.now() / 1000) - 60, 'first seen anew');
    assert.equal((await adminCall(app, 'DELETE', '/accounts/joe@a.test/devices/NOSUCH')).status, 404);
    assert.equal(logged('device-removed').at(-1)?.deviceId, 'PHONE3');
  });

  test('suspend: every command refused (Status 129 on 14.1, HTTP 403 on 12.1) until resumed; the SyncState survives', async () => {
    const key = await synced(joe, 'PHONE4');
    let ended = 0;
    app.sessions.register(idOf(joe.email), asDeviceId('PHONE4'), () => ended++);
    const r = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/PHONE4/suspend');
    assert.equal(r.status, 200);
    assert.deepEqual([(r.json.device as Json).status, r.json.changed, ended], [2, true, 1]);

    const settings = await easRequest(app, { cmd: 'Settings', user: joe.email, password: joe.password, deviceId: 'PHONE4', version: '14.1', body: el('Settings:Settings', s('UserInformation', s('Get'))) });
    assert.deepEqual([settings.status, intOf(settings.root!, 'Settings:Status')], [200, 129]);
    assert.equal((await folderSync(joe, 'PHONE4', key)).status, 129);
    assert.equal((await folderSync(joe, 'PHONE4', key, '12.1')).http, 403);
    assert.equal((await adminCall(app, 'POST', '/accounts/joe@a.test/devices/PHONE4/suspend')).json.changed, false);

    const res = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/PHONE4/resume');
    assert.equal(res.status, 200);
    assert.deepEqual((res.json.devices as Json[]).map((d) => [d.id, d.changed, d.status, d.message]), [['PHONE4', true, 0, 'resumed (needs provisioning)']]);
    assert.deepEqual(await folderSync(joe, 'PHONE4', key), { http: 200, status: 1, key }, 'same key still valid');
    const noop = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/PHONE4/resume');
    assert.equal(noop.status, 200);
    assert.deepEqual((noop.json.devices as Json[]).map((d) => [d.changed, d.message]), [[false, 'not suspended: nothing to resume']]);
  });

  test('resume all; suspend and resume refuse a device with a wipe pending; a wipe ends held requests', async () => {
    await synced(joe, 'PHONE2');
    await app.store.devices.update(idOf(joe.email), asDeviceId('PHONE1'), { policyKey: 123456789 });
    for (const id of ['PHONE1', 'PHONE2']) assert.equal((await adminCall(app, 'POST', `/accounts/joe@a.test/devices/${id}/suspend`)).status, 200);
    const all = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/resume');
    assert.equal(all.status, 200);
    assert.equal(all.json.resumed, 2);
    const byId = new Map((all.json.devices as Json[]).map((d) => [d.id, d]));
    assert.deepEqual([byId.get('PHONE1')?.status, byId.get('PHONE2')?.status, byId.get('PHONE4')?.changed], [1, 0, false]);

    let ended = 0;
    app.sessions.register(idOf(joe.email), asDeviceId('PHONE2'), () => ended++);
    assert.equal((await adminCall(app, 'POST', '/accounts/joe@a.test/devices/PHONE2/wipe', { confirm: true })).status, 200);
    assert.equal(ended, 1, 'doWipeDevice ends what the device holds open');
    for (const action of ['suspend', 'resume']) {
      const r = await adminCall(app, 'POST', `/accounts/joe@a.test/devices/PHONE2/${action}`);
      assert.equal(r.status, 409, action);
      assert.match(String((r.json.error as Json).message), /wipe .*pending/);
    }
    const skipped = await adminCall(app, 'POST', '/accounts/joe@a.test/devices/resume');
    assert.equal(skipped.status, 200, 'resume all leaves it alone');
    assert.equal((skipped.json.devices as Json[]).find((d) => d.id === 'PHONE2')?.message, 'a remote wipe is pending: left as it is');
    assert.equal((await adminCall(app, 'DELETE', '/accounts/joe@a.test/devices/PHONE2/wipe')).status, 200);
  });

  test('getDeviceInfo verbose: each collection with its folder, key counter, progress and items needing attention', async () => {
    const key = await synced(joe, 'PHONE5');
    assert.equal((await folderSync(joe, 'PHONE5', key)).status, 1);
    const plain = await device(joe, 'PHONE5');
    assert.equal(plain.json.sync, undefined, 'only with verbose');
    let r = await device(joe, 'PHONE5', '?verbose=true');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.sync, [{
      collectionId: 'hierarchy', kind: 'hierarchy', folderId: null, folder: '(folder hierarchy)', syncKey: 1,
      lastSync: (r.json.sync as Json[])[0]?.lastSync, held: null, total: 10, progress: null, attentionNeeded: [],
    }]);
    assert.match(String((r.json.sync as Json[])[0]?.lastSync), /^\d{4}-\d\d-\d\dT/);

    // A folder collection as the sync engine leaves it: two items in the Inbox, one sent, one flagged.
    const acct = idOf(joe.email);
    const inbox = (await app.store.mailbox.getFolderByRole(acct, 'inbox'))!;
    const meta = (subject: string): MessageMeta => ({
      subject, from: [{ name: 'A', address: 'a@x.test' }], to: [], cc: [], replyTo: [], messageId: `<${subject}@x>`,
      inReplyTo: null, references: [], sentAt: null, hasAttachments: false, preview: '', importance: 1,
    });
    const items: Item[] = [];
    for (const subject of ['one', 'two']) items.push(await app.store.mailbox.addMessage(acct, inbox.id, { raw: Buffer.from(`Subject: ${subject}\r\n\r\nx\r\n`), meta: meta(subject) }));
    const first = items[0]!;
    await app.store.deviceState.putCollection(acct, asDeviceId('PHONE5'), String(inbox.id), '{00000000-0000-0000-0000-000000000000}3', JSON.stringify({ flagged: [items[1]!.id] }));
    await app.store.deviceState.recordHeld(acct, asDeviceId('PHONE5'), String(inbox.id), [{ itemId: first.id, modseq: first.modseq }], []);
    await app.store.deviceState.putCollection(acct, asDeviceId('PHONE5'), '999999', 'k', '{}');
    r = await device(joe, 'PHONE5', '?verbose=true');
    const sync = r.json.sync as Json[];
    assert.deepEqual(sync.map((c) => [c.collectionId, c.kind, c.folder, c.syncKey, c.progress, c.attentionNeeded]), [
      ['hierarchy', 'hierarchy', '(folder hierarchy)', 1, null, []],
      [String(inbox.id), 'folder', 'Inbox', 3, '50% (1/2)', [String(items[1]!.id)]],
      ['999999', 'deleted', '(deleted folder)', null, null, []],
    ]);
    assert.equal((await device(joe, 'PHONE5', '?verbose=maybe')).status, 400);
  });

  test('getAllDevices: everything for a global admin, his domains for a delegated admin; domains filter checked', async () => {
    await synced(lee, 'LEEPHONE');
    const ids = (r: { json: Json }) => (r.json.devices as Json[]).map((d) => `${String(d.account)}/${String(d.id)}`);
    const all = await adminCall(app, 'GET', '/devices');
    assert.equal(all.status, 200);
    assert.ok(ids(all).includes('lee@b.test/LEEPHONE') && ids(all).includes('kim@a.test/KIMPHONE') && ids(all).includes('joe@a.test/PHONE1'));
    assert.equal(all.json.domains, null);
    const onlyB = await adminCall(app, 'GET', '/devices?domains=b.test');
    assert.deepEqual([ids(onlyB), onlyB.json.domains], [['lee@b.test/LEEPHONE'], ['b.test']]);
    assert.equal((await adminCall(app, 'GET', '/devices?domains=nope.test')).status, 404);

    const mine = await adminCall(app, 'GET', '/devices', undefined, boss);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json.domains, ['a.test']);
    assert.ok(ids(mine).length > 0 && ids(mine).every((x) => x.includes('@a.test/')));
    assert.equal((await adminCall(app, 'GET', '/devices?domains=a.test', undefined, boss)).status, 200);
    for (const q of ['b.test', 'a.test,b.test', 'nope.test']) assert.equal((await adminCall(app, 'GET', `/devices?domains=${q}`, undefined, boss)).status, 403, q);
    assert.equal((await adminCall(app, 'GET', '/devices', undefined, joe)).status, 403);
  });

  test('doPurgeMobileState: removes devices unseen for the retention period, and only those; global admin only', async () => {
    await seenAt(lee, 'STALE1', 100);
    await seenAt(joe, 'STALE2', 45);
    await seenAt(joe, 'RECENT', 20);
    assert.equal((await adminCall(app, 'POST', '/devices/purge', {}, boss)).status, 403);
    for (const bad of [0, -3, 1.5, 'abc', '7 days', 100_000]) {
      const r = await adminCall(app, 'POST', '/devices/purge', { retentionPeriod: bad });
      assert.equal(r.status, 400, String(bad));
      assert.match(String((r.json.error as Json).message), /whole number of days/);
    }
    // The default is 90 days: only STALE1 is that old.
    const r90 = await adminCall(app, 'POST', '/devices/purge', {});
    assert.deepEqual([r90.status, r90.json.retentionPeriod, (r90.json.removed as Json[]).map((d) => d.id)], [200, 90, ['STALE1']]);
    const line = logged('mobile-state-purged').at(-1)!;
    assert.deepEqual([line.retentionDays, line.devices, line.by], [90, ['lee@b.test/STALE1'], app.admin.email]);
    await seenAt(lee, 'STALE1', 100);
    const r = await adminCall(app, 'POST', '/devices/purge', { retentionPeriod: 30 });
    assert.equal(r.status, 200);
    assert.deepEqual((r.json.removed as Json[]).map((d) => `${String(d.account)}/${String(d.id)}`), ['joe@a.test/STALE2', 'lee@b.test/STALE1']);
    assert.deepEqual([r.json.count, r.json.retentionPeriod], [2, 30]);
    assert.equal((await device(joe, 'STALE2')).status, 404);
    assert.equal((await device(joe, 'RECENT')).status, 200);
    assert.equal((await device(joe, 'PHONE1')).status, 200);
    assert.equal((await adminCall(app, 'POST', '/devices/purge', { retentionPeriod: '30' })).json.count, 0);
  });
});
