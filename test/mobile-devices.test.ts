// The device registry through the admin API and `carbonio mobile getDeviceList / getDeviceInfo`:
// devices recorded by real ActiveSync requests (Settings DeviceInformation), Carbonio's field names,
// `--json`, the same global / delegated admin rights as the rest, and the `validate` probe invisible.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { el, ns } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, fields, ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';

const s = ns('Settings');
const joe = { email: 'joe@a.test', password: 'joe-pass-12' };
const boss = { email: 'boss@a.test', password: 'boss-pass-1' };
const otherBoss = { email: 'ann@b.test', password: 'ann-pass-12' };


describe('mobile devices (admin API and CLI)', () => {
  let app: TestApp;

  const deviceInfo = async (deviceId: string, deviceType: string, model: string, agent: string): Promise<void> => {
    const r = await easRequest(app, {
      cmd: 'Settings', user: joe.email, password: joe.password, deviceId, deviceType, version: '14.1',
      headers: { 'user-agent': agent },
      body: el('Settings:Settings', s('DeviceInformation', s('Set', s('Model', model), s('FriendlyName', `${model} of Joe`), s('OS', 'Android 14'), s('MobileOperator', 'Fabrikam')))),
    });
    assert.equal(r.status, 200);
  };

  before(async () => {
    app = await startTestApp();
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [joe, boss, otherBoss, { email: 'kai@a.test', password: 'kai-pass-12' }]) {
      assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    }
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@a.test/delegated-domains/a.test')).status, 200);
    assert.equal((await adminCall(app, 'PUT', '/accounts/ann@b.test/delegated-domains/b.test')).status, 200);
    await deviceInfo('SEC1A2B3C4D', 'SAMSUNGSMS918B', 'SM-S918B', 'Android-SAMSUNG-SM-S918B/101.400');
    await deviceInfo('SEC1A2B3C4D', 'SAMSUNGSMS918B', 'SM-S918B', 'Android-SAMSUNG-SM-S918B/102.000');
    await deviceInfo('Appl79032X2WA4S', 'iPhone', 'iPhone15,2', 'Apple-iPhone15C2/2104.1');
  });
  after(() => app.stop());

  test('GET /accounts/:email/devices lists the devices with GetDeviceStatus fields', async () => {
    const r = await adminCall(app, 'GET', '/accounts/joe@a.test/devices');
    assert.equal(r.status, 200);
    assert.equal(r.json.account, 'joe@a.test');
    const devices = r.json.devices as Array<Record<string, unknown>>;
    assert.deepEqual(devices.map((d) => d.id), ['Appl79032X2WA4S', 'SEC1A2B3C4D']);
    const d = devices[1]!;
    assert.equal(d.type, 'SAMSUNGSMS918B');
    assert.equal(d.protocol, '14.1');
    assert.equal(d.ua, 'Android-SAMSUNG-SM-S918B/102.000');
    assert.deepEqual([d.model, d.friendly_name, d.os, d.operator, d.imei], ['SM-S918B', 'SM-S918B of Joe', 'Android 14', 'Fabrikam', null]);
    assert.deepEqual([d.status, d.statusMeaning, d.provisionable, d.hasPolicyKey], [0, 'needs provisioning', false, false]);
    // Carbonio's key in ISO 8601, its epoch seconds under ...Epoch (issue 17).
    assert.match(String(d.firstReqReceived), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs((d.firstReqReceivedEpoch as number) - Date.now() / 1000) < 120, 'epoch seconds');
    assert.equal(Date.parse(String(d.firstReqReceived)) / 1000, d.firstReqReceivedEpoch);
    assert.match(String(d.lastUsedDate), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(d.lastAddress, '127.0.0.1');
    assert.deepEqual([d.remoteWipeReqTime, d.remoteWipeAckTime, d.remoteWipeReqTimeEpoch, d.remoteWipeAckTimeEpoch], [null, null, null, null]);
    assert.deepEqual((d.userAgentHistory as Array<{ ua: string }>).map((h) => h.ua), ['Android-SAMSUNG-SM-S918B/101.400', 'Android-SAMSUNG-SM-S918B/102.000']);
    assert.equal(JSON.stringify(r.json).includes('policyKey"'), false, 'the key itself is not shown');
  });

  test('GET /accounts/:email/devices/:id: one device, any case; 404 for an unknown one', async () => {
    const r = await adminCall(app, 'GET', '/accounts/joe@a.test/devices/appl79032x2wa4s');
    assert.equal(r.status, 200);
    assert.equal((r.json.device as Record<string, unknown>).id, 'Appl79032X2WA4S');
    assert.equal((r.json.device as Record<string, unknown>).model, 'iPhone15,2');
    assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices/nosuchdevice')).status, 404);
    assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices/bad%20id')).status, 404);
    assert.equal((await adminCall(app, 'GET', '/accounts/nobody@a.test/devices')).status, 404);
  });

  test('the validate probe leaves nothing in the registry', async () => {
    const r = await easRequest(app, {
      cmd: 'Settings', user: 'kai@a.test', password: 'kai-pass-12', deviceId: 'validate', deviceType: 'Android',
      body: el('Settings:Settings', s('DeviceInformation', s('Set', s('Model', 'Probe')))),
    });
    assert.equal(r.status, 200);
    assert.deepEqual((await adminCall(app, 'GET', '/accounts/kai@a.test/devices')).json.devices, []);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getDeviceList', 'kai@a.test'])), ['devices', '    no devices']);
  });

  test('rights: a delegated admin of the domain may look, of another domain or a plain account may not', async () => {
    assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices', undefined, boss)).status, 200);
    assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices/SEC1A2B3C4D', undefined, boss)).status, 200);
    for (const as of [otherBoss, joe]) {
      assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices', undefined, as)).status, 403, as.email);
      assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test/devices/SEC1A2B3C4D', undefined, as)).status, 403, as.email);
    }
    assert.equal((await adminCall(app, 'GET', '/accounts/nobody@a.test/devices', undefined, otherBoss)).status, 403, 'no existence oracle');
    failed(await runCli(app, ['mobile', 'getDeviceList', 'joe@a.test'], { as: otherBoss }), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'SEC1A2B3C4D'], { as: joe }), 1);
    assert.ok(ok(await runCli(app, ['mobile', 'getDeviceList', 'joe@a.test'], { as: boss })).includes('    id SEC1A2B3C4D'));
  });

  test('carbonio mobile getDeviceList: the ids with a few key fields, and --json', async () => {
    const lines = ok(await runCli(app, ['mobile', 'getDeviceList', 'joe@a.test']));
    assert.equal(lines[0], 'devices');
    const blocks = lines.slice(1).join('\n').split('\n\n').map((b) => fields(b.split('\n'), '    '));
    assert.deepEqual(blocks.map((b) => b.get('id')), ['Appl79032X2WA4S', 'SEC1A2B3C4D']);
    assert.deepEqual([blocks[0]?.get('type'), blocks[0]?.get('ua'), blocks[0]?.get('protocol'), blocks[0]?.get('status')], ['iPhone', 'Apple-iPhone15C2/2104.1', '14.1', '0']);
    const json = JSON.parse((await runCli(app, ['mobile', 'getDeviceList', 'joe@a.test', '--json'])).stdout) as { devices: Array<{ id: string; model: string }> };
    assert.deepEqual(json.devices.map((d) => [d.id, d.model]), [['Appl79032X2WA4S', 'iPhone15,2'], ['SEC1A2B3C4D', 'SM-S918B']]);
  });

  test('carbonio mobile getDeviceInfo: the device as a tree; verbose adds the User-Agent history', async () => {
    const lines = ok(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'SEC1A2B3C4D']));
    assert.equal(lines[0], 'device');
    const f = fields(lines, '    ');
    assert.deepEqual(
      ['id', 'type', 'protocol', 'model', 'friendly_name', 'os', 'operator', 'status', 'statusMeaning', 'provisionable', 'hasPolicyKey', 'lastAddress'].map((k) => f.get(k)),
      ['SEC1A2B3C4D', 'SAMSUNGSMS918B', '14.1', 'SM-S918B', 'SM-S918B of Joe', 'Android 14', 'Fabrikam', '0', 'needs provisioning', 'false', 'false', '127.0.0.1'],
    );
    assert.match(f.get('firstReqReceived') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.match(f.get('lastUsedDate') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    assert.ok(!f.has('imei'), 'unknown fields are left out');
    assert.ok(!lines.includes('    userAgentHistory'));
    const verbose = ok(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'SEC1A2B3C4D', 'verbose', 'true']));
    const at = verbose.indexOf('    userAgentHistory');
    assert.ok(at > 0);
    assert.deepEqual(verbose.slice(at + 1).filter((l) => l.startsWith('        ua ')), ['        ua Android-SAMSUNG-SM-S918B/101.400', '        ua Android-SAMSUNG-SM-S918B/102.000']);
    const json = JSON.parse((await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'SEC1A2B3C4D', '--json'])).stdout) as { device: { id: string; userAgentHistory: unknown[] } };
    assert.equal(json.device.id, 'SEC1A2B3C4D');
    assert.equal(json.device.userAgentHistory.length, 2);
    failed(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'nosuchdevice']), 1, /not found/);
    failed(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test']), 2);
    failed(await runCli(app, ['mobile', 'getDeviceInfo', 'joe@a.test', 'SEC1A2B3C4D', 'verbose', 'maybe']), 2);
  });
});
