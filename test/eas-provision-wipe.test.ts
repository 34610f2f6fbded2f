// Remote wipe end to end over real HTTP with real WBXML: requested through the admin API (and the
// CLI), announced by the gate (140 on 14.0+, 449 before), ordered in Provision (RemoteWipe, or
// AccountOnlyRemoteWipe on 16.1), acknowledged by the device (status 4), and cancelled while pending.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { initialRequest, policyTypeFor, probe, provision, provisionFully, wipeAckRequest, type Phone } from './helpers/eas-provision-client.js';

let app: TestApp;
let seq = 0;

async function phone(version: string): Promise<Phone & { email: string }> {
  seq += 1;
  const email = `wipe${seq}@example.com`;
  const account = await app.directory.createAccount({ email, password: `account-password-${seq}` });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  return { email, user: email, password: secret, deviceId: `wipedev${seq}`, version, deviceType: 'TestPhone' };
}

const wipePath = (ph: Phone & { email: string }): string => `/accounts/${encodeURIComponent(ph.email)}/devices/${ph.deviceId}/wipe`;
const wipeState = async (ph: Phone & { email: string }): Promise<Record<string, unknown>> => {
  const r = await adminCall(app, 'GET', wipePath(ph));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.wipe as Record<string, unknown>;
};

before(async () => {
  app = await startTestApp();
});
after(async () => {
  if (app) await app.stop();
});

describe('remote wipe', () => {
  test('14.1: 140 on every other command, RemoteWipe in Provision, acknowledged -> status 4, and the order keeps coming', async () => {
    const ph = await phone('14.1');
    const { key } = await provisionFully(app, ph);
    const refused = await adminCall(app, 'POST', wipePath(ph), {});
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.json), /confirmation-required.*erase ALL data on device/);
    assert.equal((await wipeState(ph)).status, 1, 'nothing happens without confirm');

    const r = await adminCall(app, 'POST', wipePath(ph), { confirm: true });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const w = r.json.wipe as Record<string, unknown>;
    assert.deepEqual([w.status, w.statusName, w.accountOnly, typeof w.wipeRequestedAt], [3, 'wipe requested', false, 'string']);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 140 });

    // The device's empty Provision, then a normal one: both get the order and no policy.
    for (const body of [undefined, initialRequest(policyTypeFor(ph.version))]) {
      const order = await provision(app, ph, body);
      assert.deepEqual([order.status, order.remoteWipe, order.accountOnlyRemoteWipe, order.policyKey], [1, true, false, undefined]);
    }
    const ack = await provision(app, ph, wipeAckRequest(1));
    assert.deepEqual([ack.status, ack.remoteWipe], [1, false]);
    const done = await wipeState(ph);
    assert.deepEqual([done.status, done.statusName], [4, 'wipe done']);
    assert.match(String(done.wipeDoneAt), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    // A wiped device that comes back is told again, and syncs nothing.
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 140 });
    assert.equal((await provision(app, ph, initialRequest(policyTypeFor(ph.version)))).remoteWipe, true);
    await provision(app, ph, wipeAckRequest(1));
    assert.equal((await wipeState(ph)).wipeDoneAt, done.wipeDoneAt, 'the first acknowledgement time is kept');

    const late = await adminCall(app, 'DELETE', wipePath(ph));
    assert.equal(late.status, 409);
    assert.match(JSON.stringify(late.json), /already acknowledged/);
    assert.equal((await adminCall(app, 'POST', wipePath(ph), { confirm: true })).status, 409);
  });

  test('12.1: 449, then RemoteWipe in Provision', async () => {
    const ph = await phone('12.1');
    const { key } = await provisionFully(app, ph);
    assert.equal((await adminCall(app, 'POST', wipePath(ph), { confirm: true })).status, 200);
    assert.deepEqual(await probe(app, ph, key), { http: 449 });
    assert.equal((await provision(app, ph, initialRequest(policyTypeFor(ph.version)))).remoteWipe, true);
    assert.equal((await provision(app, ph, wipeAckRequest(1))).status, 1);
    assert.equal((await wipeState(ph)).status, 4);
  });

  test('a failed wipe stays pending and the order is repeated', async () => {
    const ph = await phone('14.1');
    await provisionFully(app, ph);
    await adminCall(app, 'POST', wipePath(ph), { confirm: true });
    const failedAck = await provision(app, ph, wipeAckRequest(2));
    assert.deepEqual([failedAck.status, failedAck.remoteWipe], [2, true]);
    assert.equal((await wipeState(ph)).status, 3);
  });

  test('cancelled while pending, the device syncs again with the key it holds; cancelling twice is refused', async () => {
    const ph = await phone('16.1');
    const { key } = await provisionFully(app, ph);
    await adminCall(app, 'POST', wipePath(ph), { confirm: true });
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 140 });
    const c = await adminCall(app, 'DELETE', wipePath(ph));
    assert.equal(c.status, 200);
    assert.deepEqual([(c.json.wipe as Record<string, unknown>).status, (c.json.wipe as Record<string, unknown>).wipeRequestedAt], [1, null]);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
    const again = await adminCall(app, 'DELETE', wipePath(ph));
    assert.equal(again.status, 409);
    assert.match(JSON.stringify(again.json), /no wipe is pending/);
  });

  test('16.1 account-only wipe: AccountOnlyRemoteWipe, acknowledged the same way', async () => {
    const ph = await phone('16.1');
    await provisionFully(app, ph);
    const r = await adminCall(app, 'POST', wipePath(ph), { confirm: true, accountOnly: true });
    assert.equal(r.status, 200);
    assert.equal((r.json.wipe as Record<string, unknown>).accountOnly, true);
    // Asking again for the same is harmless; asking for the other kind is a conflict.
    assert.equal((await adminCall(app, 'POST', wipePath(ph), { confirm: true, accountOnly: true })).json.changed, false);
    assert.equal((await adminCall(app, 'POST', wipePath(ph), { confirm: true })).status, 409);
    const order = await provision(app, ph);
    assert.deepEqual([order.status, order.remoteWipe, order.accountOnlyRemoteWipe], [1, false, true]);
    assert.equal((await provision(app, ph, wipeAckRequest(1, true))).status, 1);
    const w = await wipeState(ph);
    assert.deepEqual([w.status, w.accountOnly], [4, true]);
  });

  test('an account-only wipe is refused for a device below 16.1, and never sent as a full wipe', async () => {
    const ph = await phone('14.1');
    await provisionFully(app, ph);
    const r = await adminCall(app, 'POST', wipePath(ph), { confirm: true, accountOnly: true });
    assert.equal(r.status, 409);
    assert.match(JSON.stringify(r.json), /cannot do an account-only wipe/);
    assert.equal((await wipeState(ph)).status, 1);

    // Requested while the phone spoke 16.1, then it comes back speaking 14.1: blocked, not wiped.
    const ph16 = await phone('16.1');
    await provisionFully(app, ph16);
    assert.equal((await adminCall(app, 'POST', wipePath(ph16), { confirm: true, accountOnly: true })).status, 200);
    const downgraded = await provision(app, { ...ph16, version: '14.1' }, initialRequest(policyTypeFor('14.1')));
    assert.deepEqual([downgraded.status, downgraded.remoteWipe, downgraded.accountOnlyRemoteWipe], [129, false, false]);
    assert.equal((await wipeState(ph16)).status, 3);
  });

  test('unknown devices and accounts', async () => {
    const ph = await phone('14.1');
    assert.equal((await adminCall(app, 'POST', wipePath(ph), { confirm: true })).status, 404, 'the device never connected');
    assert.equal((await adminCall(app, 'GET', '/accounts/nobody%40example.com/devices/x/wipe')).status, 404);
  });
});

describe('carbonio mobile doWipeDevice / doCancelWipeDevice', () => {
  test('without confirm nothing happens; with it the wipe is requested; then cancelled', async () => {
    const ph = await phone('14.1');
    const { key } = await provisionFully(app, ph);
    failed(await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId]), 1, /not confirmed: this would erase ALL data on device wipedev\d+ \(TestPhone, EAS 14\.1\)/);
    failed(await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId, 'confirm', 'false']), 1, /not confirmed/);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
    failed(await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId, 'confirm', 'true', 'account_only', 'true']), 1, /needs EAS 16\.1/);
    failed(await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId, 'confirm', 'yes']), 2, /confirm must be true or false/);

    const out = ok(await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId, 'confirm', 'true']));
    assert.equal(out[0], `Wipe of device ${ph.deviceId} requested: it happens at the device's next connection`);
    assert.ok(out.includes('    status 3 (wipe requested)'), out.join('\n'));
    assert.ok(out.includes('    accountOnly false'), out.join('\n'));
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 140 });

    const json = JSON.parse((await runCli(app, ['mobile', 'doWipeDevice', ph.email, ph.deviceId, 'confirm', 'true', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(json.changed, false);

    const cancel = ok(await runCli(app, ['mobile', 'doCancelWipeDevice', ph.email, ph.deviceId]));
    assert.equal(cancel[0], `Pending wipe of device ${ph.deviceId} cancelled`);
    assert.ok(cancel.includes('    status 1 (ok)'), cancel.join('\n'));
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
    failed(await runCli(app, ['mobile', 'doCancelWipeDevice', ph.email, ph.deviceId]), 1, /no wipe is pending/);
  });
});
