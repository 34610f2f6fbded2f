// Provisioning policies through the admin API and `carbonio mobile getProvisioning|setProvisioning`:
// levels and where each value comes from, Carbonio's key spellings, validation errors, delegated
// admins kept to their domains, and the admin's key table kept in step with the EAS renderer's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { docValues, provisionFully } from './helpers/eas-provision-client.js';

let app: TestApp;
const delegate = { email: 'boss@other.test', password: 'boss-password-1' };

before(async () => {
  app = await startTestApp();
  await app.store.domains.create('corp.test');
  await app.store.domains.create('other.test');
  await app.directory.createAccount({ email: 'carol@corp.test', password: 'carol-password-1' });
  await app.directory.createAccount({ email: 'dave@other.test', password: 'dave-password-1' });
  const boss = await app.directory.createAccount(delegate);
  const other = await app.store.domains.getByName('other.test');
  assert.ok(other);
  await app.store.accounts.grantDelegatedAdmin(boss.id, other.id);
});
after(async () => {
  if (app) await app.stop();
});

describe('admin API /provisioning', () => {
  test('every key with its effective value and source; one key with ?key=', async () => {
    const r = await adminCall(app, 'GET', '/provisioning/domain/corp.test');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.target, { type: 'domain', name: 'corp.test' });
    assert.equal(r.json.enforced, false);
    const settings = r.json.settings as Array<Record<string, unknown>>;
    assert.deepEqual(settings.slice(0, 3), [
      { key: 'MobileDeviceManagement', value: 'false', source: 'default' },
      { key: 'AllowNonProvisionableDevices', value: 'true', source: 'default' },
      { key: 'DevicePasswordEnabled', value: '0', source: 'default' },
    ]);
    assert.deepEqual(settings.find((s) => s.key === 'MinDevicePasswordLength'), { key: 'MinDevicePasswordLength', value: null, source: 'default' });
    const one = await adminCall(app, 'GET', '/provisioning/account/carol%40corp.test?key=zimbraMobilePolicyAllowBluetooth');
    assert.deepEqual(one.json.setting, { key: 'AllowBluetooth', value: '2', source: 'default' });
  });

  test('values are validated and normalized; null or "default" removes them', async () => {
    const put = (body: unknown) => adminCall(app, 'PUT', '/provisioning/account/carol%40corp.test', body);
    const r = await put({ key: 'allowcamera', value: 'FALSE' });
    assert.equal(r.status, 200);
    assert.deepEqual([r.json.key, r.json.stored, r.json.effective], ['AllowCamera', '0', { key: 'AllowCamera', value: '0', source: 'account' }]);
    assert.equal((await put({ key: 'MaxDevicePasswordFailedAttempts', value: 10 })).json.stored, '10');
    assert.equal((await put({ key: 'ApprovedApplicationList', value: ' ab12 , cd34 ' })).json.stored, 'ab12,cd34');
    assert.equal((await put({ key: 'MobileDeviceManagement', value: true })).json.enforced, true);
    for (const [key, value, message] of [
      ['MaxDevicePasswordFailedAttempts', '3', /expected an integer from 4 to 16/],
      ['MinDevicePasswordLength', '17', /expected an integer from 1 to 16/],
      ['AllowBluetooth', '3', /expected one of 0 \(disabled\), 1 \(hands-free only\), 2 \(allowed\)/],
      ['AllowWiFi', 'maybe', /expected 0, 1, true or false/],
      ['MobileDeviceManagement', '1x', /expected true or false/],
      ['MaxCalendarAgeFilter', '1', /expected one of 0 \(all\), 4/],
      ['NoSuchPolicy', '1', /unknown provisioning key "NoSuchPolicy": .*getProvisioning domain/],
    ] as const) {
      const bad = await put({ key, value });
      assert.equal(bad.status, 400, key);
      assert.match((bad.json.error as { message: string }).message, message);
    }
    assert.equal((await put({ key: 'AllowCamera' })).status, 400, 'a value is required');
    const removed = await put({ key: 'AllowCamera', value: null });
    assert.deepEqual([removed.json.stored, removed.json.effective], [null, { key: 'AllowCamera', value: '1', source: 'default' }]);
    assert.equal((await put({ key: 'MobileDeviceManagement', value: 'default' })).json.enforced, false);
    assert.equal((await adminCall(app, 'GET', '/provisioning/cos/default')).status, 400);
    assert.equal((await adminCall(app, 'GET', '/provisioning/domain/nowhere.test')).status, 404);
  });

  test('a delegated admin manages his own domain and nothing else', async () => {
    assert.equal((await adminCall(app, 'GET', '/provisioning/domain/other.test', undefined, delegate)).status, 200);
    assert.equal((await adminCall(app, 'PUT', '/provisioning/account/dave%40other.test', { key: 'AllowCamera', value: '0' }, delegate)).status, 200);
    for (const [method, path, body] of [
      ['GET', '/provisioning/domain/corp.test', undefined],
      ['PUT', '/provisioning/domain/corp.test', { key: 'AllowCamera', value: '0' }],
      ['GET', '/provisioning/account/carol%40corp.test', undefined],
      ['PUT', '/provisioning/account/carol%40corp.test', { key: 'AllowCamera', value: '0' }],
      ['POST', '/accounts/carol%40corp.test/devices/abc/wipe', { confirm: true }],
      ['DELETE', '/accounts/carol%40corp.test/devices/abc/wipe', undefined],
    ] as const) {
      assert.equal((await adminCall(app, method, path, body, delegate)).status, 403, `${method} ${path}`);
    }
  });
});

describe('carbonio mobile getProvisioning / setProvisioning', () => {
  test('round trip through the levels, as text and --json, and the policy reaches the device', async () => {
    const set = ok(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'MinDevicePasswordLength', '6']));
    assert.deepEqual(set, [
      'Provisioning key MinDevicePasswordLength set to 6 on domain corp.test',
      'Note: MobileDeviceManagement is false for domain corp.test: devices get a permissive policy until it is set to true',
    ]);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'zimbraMobilePolicyDevicePasswordEnabled', 'TRUE'])),
      ['Provisioning key DevicePasswordEnabled set to 1 on domain corp.test', 'Note: MobileDeviceManagement is false for domain corp.test: devices get a permissive policy until it is set to true']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'MobileDeviceManagement', 'true'])),
      ['Provisioning key MobileDeviceManagement set to true on domain corp.test']);
    ok(await runCli(app, ['mobile', 'setProvisioning', 'account', 'carol@corp.test', 'MinDevicePasswordLength', '8']));

    const all = ok(await runCli(app, ['mobile', 'getProvisioning', 'account', 'carol@corp.test']));
    assert.deepEqual(all.slice(0, 3), ['account carol@corp.test', 'enforced true', 'settings']);
    for (const line of ['    MobileDeviceManagement true (domain)', '    AllowNonProvisionableDevices true (default)', '    DevicePasswordEnabled 1 (domain)',
      '    MinDevicePasswordLength 8 (account)', '    MaxInactivityTimeDeviceLock unset (default)', '    AllowBluetooth 2 (default)']) {
      assert.ok(all.includes(line), `${line} in\n${all.join('\n')}`);
    }
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getProvisioning', 'domain', 'corp.test', 'key', 'MinDevicePasswordLength'])), ['MinDevicePasswordLength 6 (domain)']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getProvisioning', 'account', 'carol@corp.test', 'key', 'zimbraMobilePolicyMinDevicePasswordLength'])),
      ['MinDevicePasswordLength 8 (account)']);
    const json = JSON.parse((await runCli(app, ['mobile', 'getProvisioning', 'account', 'carol@corp.test', 'key', 'MinDevicePasswordLength', '--json'])).stdout) as Record<string, unknown>;
    assert.deepEqual(json.setting, { key: 'MinDevicePasswordLength', value: '8', source: 'account' });

    // What the device downloads is what was set.
    const carol = await app.store.accounts.getByEmail('carol@corp.test');
    assert.ok(carol);
    const { secret } = await app.directory.addCredential(carol, { services: ['EAS'] });
    const { first } = await provisionFully(app, { user: 'carol@corp.test', password: secret, deviceId: 'carolphone', version: '14.1' });
    const doc = docValues(first);
    assert.deepEqual([doc.MinDevicePasswordLength, doc.DevicePasswordEnabled], ['8', '1']);

    assert.deepEqual(ok(await runCli(app, ['mobile', 'setProvisioning', 'account', 'carol@corp.test', 'MinDevicePasswordLength', 'default'])),
      ['Provisioning key MinDevicePasswordLength removed from account carol@corp.test; in effect now: 6 (domain)']);
  });

  test('validation errors, usage errors, and a delegated admin of another domain', async () => {
    failed(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'MinDevicePasswordLength', '40']), 1, /invalid value "40" for MinDevicePasswordLength: expected an integer from 1 to 16/);
    failed(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'AllowTeleport', '1']), 1, /unknown provisioning key "AllowTeleport".*getProvisioning/);
    failed(await runCli(app, ['mobile', 'getProvisioning', 'cos', 'default']), 2, /no COS/);
    failed(await runCli(app, ['mobile', 'getProvisioning', 'domain']), 2, /missing <target>/);
    failed(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'corp.test', 'AllowCamera']), 2, /missing <value>/);
    failed(await runCli(app, ['mobile', 'getProvisioning', 'domain', 'corp.test'], { as: delegate }), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'setProvisioning', 'account', 'carol@corp.test', 'AllowCamera', '0'], { as: delegate }), 1, /permission denied/);
    ok(await runCli(app, ['mobile', 'setProvisioning', 'domain', 'other.test', 'AllowCamera', '0'], { as: delegate }));
    const help = ok(await runCli(app, ['mobile', 'help'])).join('\n');
    for (const c of ['carbonio mobile getProvisioning <account|domain> <target> [key <name>]', 'carbonio mobile setProvisioning <account|domain> <target> <key> <value>',
      'carbonio mobile doWipeDevice <account> <device_id> [confirm true|false] [account_only true|false]', 'carbonio mobile doCancelWipeDevice <account> <device_id>']) {
      assert.ok(help.includes(c), `${c} in help`);
    }
  });
});

describe('the policy table', () => {
  test('every setting is an element of the Provision code page', async () => {
    const { POLICY_SETTINGS } = await import('../src/devices/policy.js');
    const { el } = await import('../src/eas/wbxml/index.js');
    for (const d of POLICY_SETTINGS) assert.doesNotThrow(() => el(`Provision:${d.name}` as 'Provision:EASProvisionDoc'), d.name);
  });
});

describe('the policy each command checks (policy.ts effectivePolicy)', () => {
  test('a level is read once per second per process; a change made here applies at once; a failed read is not kept', async () => {
    const { accountScope, domainScope, effectivePolicy, invalidatePolicyLevel, POLICY_TTL_MS } = await import('../src/devices/policy.js');
    const stored = new Map<string, Record<string, string>>();
    const reads: string[] = [];
    let failNext = false;
    const settings = {
      list: (scope: string): Promise<Record<string, string>> => {
        reads.push(scope);
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('database away'));
        }
        return Promise.resolve({ ...stored.get(scope) });
      },
      get: () => Promise.resolve(null), set: () => Promise.resolve(), delete: () => Promise.resolve(false),
    };
    const store = { settings };
    const account = { id: 'acct-1', domainId: 'dom-1' } as unknown as Parameters<typeof effectivePolicy>[1];
    const t0 = 1_000_000;
    assert.equal((await effectivePolicy(store, account, t0)).enabled, false);
    assert.deepEqual(reads.sort(), [accountScope('acct-1'), domainScope('dom-1')].sort());
    stored.set(domainScope('dom-1'), { MobileDeviceManagement: 'true' });
    assert.equal((await effectivePolicy(store, account, t0 + POLICY_TTL_MS - 1)).enabled, false, 'served from memory within the TTL');
    assert.equal(reads.length, 2);
    assert.equal((await effectivePolicy(store, account, t0 + POLICY_TTL_MS)).enabled, true, 'read again after it');
    assert.equal(reads.length, 4);
    stored.set(accountScope('acct-1'), { MobileDeviceManagement: 'false' });
    invalidatePolicyLevel(store, accountScope('acct-1'));
    assert.equal((await effectivePolicy(store, account, t0 + POLICY_TTL_MS + 1)).enabled, false, 'the account level read again at once');
    assert.equal(reads.length, 5);
    invalidatePolicyLevel(store, domainScope('dom-1'));
    failNext = true;
    await assert.rejects(effectivePolicy(store, account, t0 + POLICY_TTL_MS + 2), /database away/);
    assert.equal((await effectivePolicy(store, account, t0 + POLICY_TTL_MS + 3)).enabled, false, 'the failed read was not kept');
    assert.equal(reads.length, 7);
  });
});
