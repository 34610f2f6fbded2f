// The self-service device API (/api/self/devices): an account, with its own password, lists, inspects,
// resets, suspends, resumes and removes its own devices, and cannot reach another account's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { el, intOf, textOf } from '../src/eas/wbxml/index.js';
import { adminCall, basic, startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';

const joe = { email: 'joe@example.com', password: 'joe-pass-12' };
const kim = { email: 'kim@example.com', password: 'kim-pass-12' };
type Json = Record<string, unknown>;

describe('self-service device API', () => {
  let app: TestApp;

  const self = async (method: string, path: string, as: { email: string; password: string } | null = joe) => {
    const res = await fetch(`${app.baseUrl}/api/self${path}`, { method, headers: as ? { authorization: basic(as.email, as.password) } : {} });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const folderSync = async (who: typeof joe, deviceId: string, key: string) => {
    const r = await easRequest(app, { cmd: 'FolderSync', user: who.email, password: who.password, deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)) });
    assert.equal(r.status, 200);
    return { status: intOf(r.root!, 'FolderHierarchy:Status'), key: textOf(r.root!, 'FolderHierarchy:SyncKey') ?? '' };
  };

  before(async () => {
    app = await startTestApp();
    for (const a of [joe, kim]) await app.directory.createAccount(a);
  });
  after(() => app.stop());

  test('an account lists and inspects its own devices only', async () => {
    await folderSync(joe, 'JOEPHONE', '0');
    await folderSync(joe, 'JOETABLET', '0');
    await folderSync(kim, 'KIMPHONE', '0');
    const r = await self('GET', '/devices');
    assert.equal(r.status, 200);
    assert.equal(r.json.account, joe.email);
    assert.deepEqual((r.json.devices as Json[]).map((d) => d.id), ['JOEPHONE', 'JOETABLET']);
    const one = await self('GET', '/devices/joephone?verbose=true');
    assert.equal(one.status, 200);
    assert.equal((one.json.device as Json).id, 'JOEPHONE');
    assert.deepEqual((one.json.sync as Json[]).map((c) => c.collectionId), ['hierarchy']);
    assert.equal((await self('GET', '/devices/KIMPHONE')).status, 404, "another account's device does not exist for joe");
  });

  test('authentication: none or a wrong password is 401 with a challenge; the admin API stays closed to a plain account', async () => {
    const none = await self('GET', '/devices', null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal((await self('GET', '/devices', { email: joe.email, password: 'wrong-pass' })).status, 401);
    assert.equal((await adminCall(app, 'POST', '/accounts/kim@example.com/devices/KIMPHONE/reset', undefined, joe)).status, 403);
    assert.equal((await adminCall(app, 'GET', '/devices', undefined, joe)).status, 403);
    assert.equal((await self('GET', '/nothing-here')).status, 404);
  });

  test("reset: its own devices (one or all), never another account's", async () => {
    const k1 = (await folderSync(joe, 'JOEPHONE', '0')).key;
    const kk = (await folderSync(kim, 'KIMPHONE', '0')).key;
    const r = await self('POST', '/devices/JOEPHONE/reset');
    assert.equal(r.status, 200);
    assert.deepEqual((r.json.devices as Json[]).map((d) => [d.id, d.collections]), [['JOEPHONE', ['hierarchy']]]);
    assert.equal((await folderSync(joe, 'JOEPHONE', k1)).status, 9);
    for (const [method, path] of [['POST', '/devices/KIMPHONE/reset'], ['POST', '/devices/KIMPHONE/suspend'], ['POST', '/devices/KIMPHONE/resume'], ['DELETE', '/devices/KIMPHONE']] as const) {
      assert.equal((await self(method, path)).status, 404, `${method} ${path}`);
    }
    assert.equal((await folderSync(kim, 'KIMPHONE', kk)).status, 1, "kim's device untouched");
    const all = await self('POST', '/devices/reset');
    assert.deepEqual([all.status, (all.json.devices as Json[]).map((d) => d.id)], [200, ['JOEPHONE', 'JOETABLET']]);
    const line = app.logs.map((l) => JSON.parse(l) as Json).filter((l) => l.event === 'device-reset').at(-1)!;
    assert.deepEqual([line.by, line.via, line.account], [joe.email, 'self', joe.email]);
  });

  test('suspend, resume and remove its own device', async () => {
    const key = (await folderSync(joe, 'JOETABLET', '0')).key;
    assert.equal((await self('POST', '/devices/JOETABLET/suspend')).status, 200);
    assert.equal((await folderSync(joe, 'JOETABLET', key)).status, 129);
    const resumed = await self('POST', '/devices/resume');
    assert.deepEqual([resumed.status, resumed.json.resumed], [200, 1]);
    assert.equal((await folderSync(joe, 'JOETABLET', key)).status, 1);
    const removed = await self('DELETE', '/devices/JOETABLET');
    assert.deepEqual([removed.status, (removed.json.removed as Json).id], [200, 'JOETABLET']);
    assert.deepEqual(((await self('GET', '/devices')).json.devices as Json[]).map((d) => d.id), ['JOEPHONE']);
    assert.equal((await folderSync(joe, 'JOETABLET', key)).status, 9);
  });
});
