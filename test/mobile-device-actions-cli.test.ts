// `carbonio mobile` device commands run as the real CLI against a test server: getAllDevices,
// getDeviceInfo verbose, doRemoveDevice, doResetDevice (positional, device_id key, all), doResetAccount,
// doSuspendDeviceSync / doResumeDeviceSync, doPurgeMobileState; their text, --json and exit codes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { el, intOf, textOf } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';

const joe = { email: 'joe@a.test', password: 'joe-pass-12' };
const lee = { email: 'lee@b.test', password: 'lee-pass-12' };
const boss = { email: 'boss@a.test', password: 'boss-pass-1' };
const ann = { email: 'ann@b.test', password: 'ann-pass-12' };
const DAY = 86_400_000;

describe('carbonio mobile device commands', () => {
  let app: TestApp;
  const cli = (args: string[], as?: { email: string; password: string }) => runCli(app, ['mobile', ...args], as ? { as } : {});
  const folderSync = async (who: typeof joe, deviceId: string, key: string) => {
    const r = await easRequest(app, { cmd: 'FolderSync', user: who.email, password: who.password, deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)) });
    return { status: r.root ? intOf(r.root, 'FolderHierarchy:Status') : r.status, key: r.root ? textOf(r.root, 'FolderHierarchy:SyncKey') ?? '' : '' };
  };

  before(async () => {
    app = await startTestApp();
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const a of [joe, lee, boss, ann]) assert.equal((await adminCall(app, 'POST', '/accounts', a)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@a.test/delegated-domains/a.test')).status, 200);
    assert.equal((await adminCall(app, 'PUT', '/accounts/ann@b.test/delegated-domains/b.test')).status, 200);
    for (const id of ['PHONE1', 'PHONE2']) await folderSync(joe, id, '0');
    await folderSync(lee, 'LEEPHONE', '0');
  });
  after(() => app.stop());

  test('doResetDevice: positional id, device_id key, or all; doResetAccount', async () => {
    const k1 = (await folderSync(joe, 'PHONE1', '0')).key;
    assert.deepEqual(ok(await cli(['doResetDevice', joe.email, 'PHONE1'])), [
      'SyncState of device PHONE1 of joe@a.test reset (1 collection dropped): re-sync of everything at the next request',
      'devices', '    id PHONE1', '    type TestPhone', '    collections hierarchy',
    ]);
    assert.equal((await folderSync(joe, 'PHONE1', k1)).status, 9);
    await folderSync(joe, 'PHONE1', '0');
    assert.match(ok(await cli(['doResetDevice', joe.email, 'device_id', 'PHONE1']))[0] ?? '', /^SyncState of device PHONE1 of joe@a\.test reset \(1 collection dropped\)/);
    await folderSync(joe, 'PHONE1', '0');
    await folderSync(joe, 'PHONE2', '0');
    const all = ok(await cli(['doResetDevice', joe.email]));
    assert.equal(all[0], 'SyncState of 2 devices of joe@a.test reset (2 collections dropped): re-sync of everything at the next request');
    assert.deepEqual(all.filter((l) => l.startsWith('    id ')), ['    id PHONE1', '    id PHONE2']);
    assert.equal(ok(await cli(['doResetDevice', joe.email, 'device_id', 'all']))[0], 'SyncState of 2 devices of joe@a.test reset (0 collections dropped): re-sync of everything at the next request');
    assert.deepEqual(ok(await cli(['doResetAccount', joe.email])).slice(0, 2), ['All device states of joe@a.test reset: 2 devices, 0 collections dropped', 'devices']);
    assert.deepEqual(ok(await cli(['doResetAccount', boss.email])), ['boss@a.test has no devices: nothing to reset']);
    const json = JSON.parse((await cli(['doResetDevice', joe.email, 'PHONE2', '--json'])).stdout) as { devices: Array<{ id: string }>; all: boolean };
    assert.deepEqual([json.devices.map((d) => d.id), json.all], [['PHONE2'], false]);

    failed(await cli(['doResetDevice', joe.email, 'PHONE1', 'device_id', 'PHONE2']), 2, /once/);
    failed(await cli(['doResetDevice']), 2);
    failed(await cli(['doResetDevice', joe.email, 'NOSUCH']), 1, /device NOSUCH of joe@a\.test not found/);
    failed(await cli(['doResetDevice', joe.email, 'PHONE1'], ann), 1, /permission denied/);
    failed(await cli(['doResetAccount', joe.email], ann), 1, /permission denied/);
    assert.equal(ok(await cli(['doResetAccount', joe.email], boss))[0], 'All device states of joe@a.test reset: 2 devices, 0 collections dropped');
  });

  test('doSuspendDeviceSync and doResumeDeviceSync (one, or all)', async () => {
    const key = (await folderSync(joe, 'PHONE2', '0')).key;
    assert.deepEqual(ok(await cli(['doSuspendDeviceSync', joe.email, 'PHONE2'])), [
      'Sync of device PHONE2 of joe@a.test suspended: its requests are refused until doResumeDeviceSync', '    id PHONE2', '    type TestPhone', '    status 2 (suspended)',
    ]);
    assert.equal((await folderSync(joe, 'PHONE2', key)).status, 129);
    assert.equal(ok(await cli(['doSuspendDeviceSync', joe.email, 'PHONE2']))[0], 'Device PHONE2 of joe@a.test was already suspended');
    assert.deepEqual(ok(await cli(['doResumeDeviceSync', joe.email, 'device_id', 'PHONE2'])), ['Device PHONE2 of joe@a.test: resumed (needs provisioning)', '    status 0 (needs provisioning)']);
    assert.equal((await folderSync(joe, 'PHONE2', key)).status, 1);
    assert.equal(ok(await cli(['doResumeDeviceSync', joe.email, 'PHONE2']))[0], 'Device PHONE2 of joe@a.test: not suspended: nothing to resume');

    for (const id of ['PHONE1', 'PHONE2']) ok(await cli(['doSuspendDeviceSync', joe.email, id]));
    const all = ok(await cli(['doResumeDeviceSync', joe.email]));
    assert.equal(all[0], 'Resumed 2 of 2 devices of joe@a.test');
    assert.deepEqual(all.filter((l) => l.startsWith('    message ')), ['    message resumed (needs provisioning)', '    message resumed (needs provisioning)']);

    failed(await cli(['doSuspendDeviceSync', joe.email]), 2);
    failed(await cli(['doSuspendDeviceSync', joe.email, 'PHONE1'], ann), 1, /permission denied/);
    ok(await cli(['doWipeDevice', joe.email, 'PHONE1', 'confirm', 'true']));
    failed(await cli(['doSuspendDeviceSync', joe.email, 'PHONE1']), 1, /remote wipe of device PHONE1 of joe@a\.test is pending/);
    failed(await cli(['doResumeDeviceSync', joe.email, 'PHONE1']), 1, /pending/);
    ok(await cli(['doCancelWipeDevice', joe.email, 'PHONE1']));
  });

  test('getDeviceInfo verbose shows the hierarchy collection and its progress; getAllDevices', async () => {
    await folderSync(joe, 'PHONE1', '0');
    const lines = ok(await cli(['getDeviceInfo', joe.email, 'PHONE1', 'verbose', 'true']));
    const at = lines.indexOf('    sync');
    assert.ok(at > 0, lines.join('\n'));
    assert.deepEqual(lines.slice(at + 1, at + 4), ['        collectionId hierarchy', '        folder (folder hierarchy)', '        syncKey 1']);
    assert.match(lines[at + 4] ?? '', /^ {8}lastSync \d{4}-\d\d-\d\dT/);
    assert.equal(lines[at + 5], '        total 10');
    ok(await cli(['doResetDevice', joe.email, 'PHONE1']));
    const empty = ok(await cli(['getDeviceInfo', joe.email, 'PHONE1', 'verbose', 'true']));
    assert.ok(empty.includes('    sync none (the device syncs everything at its next request)'));
    assert.ok(!ok(await cli(['getDeviceInfo', joe.email, 'PHONE1'])).includes('    sync'));

    const devices = (out: string[]) => out.filter((l) => l.startsWith('    account ') || l.startsWith('    id ')).join(' ');
    assert.equal(devices(ok(await cli(['getAllDevices']))), '    account joe@a.test     id PHONE1     account joe@a.test     id PHONE2     account lee@b.test     id LEEPHONE');
    assert.equal(devices(ok(await cli(['getAllDevices', 'domains', 'b.test']))), '    account lee@b.test     id LEEPHONE');
    const verbose = ok(await cli(['getAllDevices', 'verbose', 'true', 'domains', 'b.test']));
    assert.ok(verbose.includes('    statusMeaning needs provisioning') && verbose.includes('    lastAddress 127.0.0.1'));
    assert.equal(devices(ok(await cli(['getAllDevices'], boss))), '    account joe@a.test     id PHONE1     account joe@a.test     id PHONE2');
    failed(await cli(['getAllDevices', 'domains', 'b.test'], boss), 1, /permission denied/);
    failed(await cli(['getAllDevices', 'verbose', 'maybe']), 2);
  });

  test('doRemoveDevice and doPurgeMobileState', async () => {
    assert.deepEqual(ok(await cli(['doRemoveDevice', lee.email, 'LEEPHONE'])), [
      'Device LEEPHONE of lee@b.test removed with its SyncState (1 collection) and history: its next request starts as a new device',
      '    id LEEPHONE', '    type TestPhone', '    protocol 14.1',
    ]);
    assert.deepEqual(ok(await cli(['getDeviceList', lee.email])), ['devices', '    no devices']);
    failed(await cli(['doRemoveDevice', lee.email, 'LEEPHONE']), 1, /not found/);
    failed(await cli(['doRemoveDevice', joe.email, 'PHONE2'], ann), 1, /permission denied/);

    const lee1 = (await app.store.accounts.getByEmail(lee.email))!.id;
    await app.store.devices.recordContact(lee1, asDeviceId('OLDPHONE'), { deviceType: 'iPhone', userAgent: 'x', protocolVersion: '14.1', address: '127.0.0.1', at: Date.now() - 200 * DAY });
    assert.match(ok(await cli(['doPurgeMobileState', 'retention-period', '365']))[0] ?? '', /^No device unseen for 365 days \(since \d{4}-.*\): nothing removed$/);
    const out = ok(await cli(['doPurgeMobileState']));
    assert.match(out[0] ?? '', /^Removed 1 device unseen for 90 days \(since \d{4}-\d\d-\d\dT.*\)$/);
    assert.deepEqual(out.slice(1, 5), ['removed', '    account lee@b.test', '    id OLDPHONE', '    type iPhone']);
    for (const bad of ['0', '-1', 'ten', '1.5']) failed(await cli(['doPurgeMobileState', 'retention-period', bad]), 2, /retention-period/);
    failed(await cli(['doPurgeMobileState'], boss), 1, /permission denied/);
    const json = JSON.parse((await cli(['doPurgeMobileState', 'retention-period', '1', '--json'])).stdout) as { count: number; retentionPeriod: number };
    assert.deepEqual([json.count, json.retentionPeriod], [0, 1]);
  });
});
