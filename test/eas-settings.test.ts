// EAS Settings (MS-ASCMD 2.2.1.18) over real HTTP with real WBXML: DeviceInformation Set stored in
// the registry (never for the `validate` probe), UserInformation Get per protocol version, Oof Set/Get
// round trips with body type conversion, DevicePassword (the recovery password, kept only when the
// policy enables recovery, readable by admins), and the statuses of malformed or conflicting requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { child, children, el, elements, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';
import { provisionFully, type Phone } from './helpers/eas-provision-client.js';

const s = ns('Settings');
const PASSWORD = 'ann-password-1';

describe('EAS Settings', () => {
  let app: TestApp;
  let ann: Account;

  const settings = async (body: WbxmlElement, opts: { version?: string; deviceId?: string } = {}): Promise<WbxmlElement> => {
    const r = await easRequest(app, {
      cmd: 'Settings', user: ann.email, password: PASSWORD, deviceId: opts.deviceId ?? 'annphone1', deviceType: 'iPhone',
      version: opts.version ?? '16.1', body,
    });
    assert.equal(r.status, 200, `HTTP ${r.status}`);
    assert.ok(r.root, 'a WBXML answer');
    assert.equal(r.root.tag, 'Settings');
    return r.root;
  };
  const statusOf = (e: WbxmlElement | undefined): string | undefined => textOf(e, 'Settings:Status');

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: PASSWORD, displayName: 'Ann Example' });
  });
  after(() => app.stop());

  test('DeviceInformation Set is stored in the device registry', async () => {
    const root = await settings(el('Settings:Settings', s('DeviceInformation', s('Set',
      s('Model', 'iPhone15,2'), s('IMEI', '356938035643809'), s('FriendlyName', "Ann's phone"), s('OS', 'iOS 17.4'),
      s('OSLanguage', 'English'), s('PhoneNumber', '+15551234567'), s('UserAgent', 'Apple-iPhone15C2/2104.1'),
      s('EnableOutboundSMS', '0'), s('MobileOperator', 'Contoso Mobile'),
    ))));
    assert.equal(statusOf(root), '1');
    assert.equal(statusOf(child(root, 'Settings:DeviceInformation')), '1');
    const d = await app.store.devices.get(ann.id, asDeviceId('annphone1'));
    assert.ok(d);
    assert.deepEqual(
      [d.info.model, d.info.imei, d.info.friendlyName, d.info.os, d.info.osLanguage, d.info.phoneNumber, d.info.operator, d.info.enableOutboundSms],
      ['iPhone15,2', '356938035643809', "Ann's phone", 'iOS 17.4', 'English', '+15551234567', 'Contoso Mobile', false],
    );
    // The registry's own User-Agent history survives the update.
    assert.deepEqual(d.info.userAgentHistory?.map((h) => h.userAgent), ['eas-test-client/1.0']);
    // A later partial Set changes only what it names.
    await settings(el('Settings:Settings', s('DeviceInformation', s('Set', s('OS', 'iOS 17.5')))));
    const again = await app.store.devices.get(ann.id, asDeviceId('annphone1'));
    assert.deepEqual([again?.info.os, again?.info.model], ['iOS 17.5', 'iPhone15,2']);
  });

  test('the validate probe gets an answer but leaves no device behind', async () => {
    const root = await settings(el('Settings:Settings', s('DeviceInformation', s('Set', s('Model', 'Probe')))), { deviceId: 'validate' });
    assert.equal(statusOf(child(root, 'Settings:DeviceInformation')), '1');
    assert.equal(await app.store.devices.get(ann.id, asDeviceId('validate')), null);
    const list = await adminCall(app, 'GET', `/accounts/${ann.email}/devices`);
    assert.deepEqual((list.json.devices as Array<{ id: string }>).map((d) => d.id), ['annphone1']);
  });

  test('UserInformation Get: EmailAddresses on 14.0, Accounts with PrimarySmtpAddress on 14.1 and 16.1', async () => {
    const req = el('Settings:Settings', s('UserInformation', s('Get')));
    const old = child(await settings(req, { version: '14.0' }), 'Settings:UserInformation');
    assert.equal(statusOf(old), '1');
    const oldGet = child(old, 'Settings:Get');
    assert.deepEqual(children(child(oldGet, 'Settings:EmailAddresses'), 'Settings:SMTPAddress').map(text), ['ann@example.com']);
    assert.equal(child(oldGet, 'Settings:Accounts'), undefined, 'no Accounts before 14.1');
    for (const version of ['14.1', '16.1']) {
      const ui = child(await settings(req, { version }), 'Settings:UserInformation');
      assert.equal(statusOf(ui), '1');
      const account = child(child(child(ui, 'Settings:Get'), 'Settings:Accounts'), 'Settings:Account');
      assert.ok(account, `Accounts/Account on ${version}`);
      assert.equal(textOf(account, 'Settings:UserDisplayName'), 'Ann Example');
      const addrs = child(account, 'Settings:EmailAddresses');
      assert.equal(textOf(addrs, 'Settings:PrimarySmtpAddress'), 'ann@example.com');
      assert.equal(textOf(addrs, 'Settings:SMTPAddress'), 'ann@example.com');
    }
  });

  test('Oof Set then Get: state, times, messages per audience, body types', async () => {
    const set = el('Settings:Settings', s('Oof', s('Set',
      s('OofState', 2), s('StartTime', '2030-07-01T08:00:00.000Z'), s('EndTime', '2030-07-15T17:00:00.000Z'),
      s('OofMessage', s('AppliesToInternal'), s('Enabled', 1), s('ReplyMessage', 'Away until the 15th.\nAsk Bob.'), s('BodyType', 'Text')),
      s('OofMessage', s('AppliesToExternalKnown'), s('Enabled', 0)),
      s('OofMessage', s('AppliesToExternalUnknown'), s('Enabled', 1), s('ReplyMessage', '<p>Out of <b>office</b> &amp; away</p>'), s('BodyType', 'HTML')),
    )));
    const res = await settings(set);
    assert.equal(statusOf(res), '1');
    assert.equal(statusOf(child(res, 'Settings:Oof')), '1');

    const get = async (bodyType: string): Promise<WbxmlElement | undefined> => {
      const oof = child(await settings(el('Settings:Settings', s('Oof', s('Get', s('BodyType', bodyType))))), 'Settings:Oof');
      assert.equal(statusOf(oof), '1');
      return child(oof, 'Settings:Get');
    };
    const message = (g: WbxmlElement | undefined, tag: 'AppliesToInternal' | 'AppliesToExternalKnown' | 'AppliesToExternalUnknown') => {
      const m = children(g, 'Settings:OofMessage').find((x) => child(x, `Settings:${tag}`));
      assert.ok(m, tag);
      return { enabled: textOf(m, 'Settings:Enabled'), reply: textOf(m, 'Settings:ReplyMessage'), bodyType: textOf(m, 'Settings:BodyType') };
    };
    const asText = await get('Text');
    assert.equal(textOf(asText, 'Settings:OofState'), '2');
    assert.equal(textOf(asText, 'Settings:StartTime'), '2030-07-01T08:00:00.000Z');
    assert.equal(textOf(asText, 'Settings:EndTime'), '2030-07-15T17:00:00.000Z');
    assert.deepEqual(message(asText, 'AppliesToInternal'), { enabled: '1', reply: 'Away until the 15th.\nAsk Bob.', bodyType: 'Text' });
    assert.deepEqual(message(asText, 'AppliesToExternalKnown'), { enabled: '0', reply: undefined, bodyType: undefined });
    assert.deepEqual(message(asText, 'AppliesToExternalUnknown'), { enabled: '1', reply: 'Out of office & away', bodyType: 'Text' });

    const html = await get('HTML');
    assert.deepEqual(message(html, 'AppliesToExternalUnknown'), { enabled: '1', reply: '<p>Out of <b>office</b> &amp; away</p>', bodyType: 'HTML' });
    const internal = message(html, 'AppliesToInternal');
    assert.equal(internal.bodyType, 'HTML');
    assert.match(internal.reply ?? '', /Away until the 15th\.<br>\s*Ask Bob\./);

    // A later Set naming only the state keeps the messages; 0 switches it off.
    assert.equal(statusOf(child(await settings(el('Settings:Settings', s('Oof', s('Set', s('OofState', 0))))), 'Settings:Oof')), '1');
    const off = await get('Text');
    assert.equal(textOf(off, 'Settings:OofState'), '0');
    assert.equal(message(off, 'AppliesToInternal').reply, 'Away until the 15th.\nAsk Bob.');
  });

  test('Oof Set refuses what cannot be honoured, with the Settings statuses', async () => {
    const oofStatus = async (...content: WbxmlElement[]): Promise<string | undefined> =>
      statusOf(child(await settings(el('Settings:Settings', s('Oof', s('Set', ...content)))), 'Settings:Oof'));
    assert.equal(await oofStatus(s('OofState', 7)), '5', 'unknown state');
    assert.equal(await oofStatus(s('OofState', 2), s('StartTime', 'tomorrow'), s('EndTime', '2030-01-01T00:00:00.000Z')), '5', 'bad time');
    assert.equal(await oofStatus(s('OofState', 2), s('StartTime', '2030-02-01T00:00:00.000Z'), s('EndTime', '2030-01-01T00:00:00.000Z')), '6', 'end before start');
    assert.equal(await oofStatus(s('OofMessage', s('AppliesToInternal'), s('Enabled', 1), s('ReplyMessage', 'no type'))), '5', 'ReplyMessage without BodyType');
    assert.equal(await oofStatus(s('OofMessage', s('Enabled', 1))), '5', 'no audience');
    // None of these changed anything.
    const g = child(child(await settings(el('Settings:Settings', s('Oof', s('Get', s('BodyType', 'Text'))))), 'Settings:Oof'), 'Settings:Get');
    assert.equal(textOf(g, 'Settings:OofState'), '0');
  });

  test('several properties in one request are answered in order; a malformed request gets Status 2', async () => {
    const root = await settings(el('Settings:Settings',
      s('UserInformation', s('Get')), s('Oof', s('Get', s('BodyType', 'Text'))), s('DevicePassword', s('Set', s('Password', 'x'))),
    ));
    assert.deepEqual(elements(root).map((c) => c.tag), ['Status', 'UserInformation', 'Oof', 'DevicePassword']);
    assert.equal(statusOf(child(root, 'Settings:DevicePassword')), '7', 'no policy enables password recovery');
    assert.equal(statusOf(await settings(el('Settings:Settings'))), '2');
    assert.equal(statusOf(await settings(el('Settings:Settings', el('Settings:Model', 'x')))), '2');
    assert.equal(statusOf(child(await settings(el('Settings:Settings', s('Oof'))), 'Settings:Oof')), '2');
  });

  test('DevicePassword: kept for the admin when the enforced policy enables recovery, refused (7) otherwise', async () => {
    const bobPw = 'bob-password-1';
    const bob = await app.directory.createAccount({ email: 'bob@example.com', password: bobPw });
    const phone: Phone = { user: bob.email, password: bobPw, deviceId: 'bobphone1', version: '14.1', deviceType: 'Android' };
    const policy = async (key: string, value: unknown) =>
      assert.equal((await adminCall(app, 'PUT', '/provisioning/account/bob%40example.com', { key, value })).status, 200);
    const setPassword = async (policyKey: number, ...content: WbxmlElement[]): Promise<string | undefined> => {
      const r = await easRequest(app, { cmd: 'Settings', ...phone, policyKey, body: el('Settings:Settings', s('DevicePassword', s('Set', ...content))) });
      assert.equal(r.status, 200);
      return statusOf(child(r.root ?? undefined, 'Settings:DevicePassword'));
    };
    const stored = async () => (await app.store.devices.get(bob.id, asDeviceId('bobphone1')))?.info.recoveryPassword;
    const secret = 'Rec0very-4711';

    await policy('MobileDeviceManagement', true);
    let { key } = await provisionFully(app, phone);
    assert.equal(await setPassword(key, s('Password', secret)), '7', 'an enforced policy without PasswordRecoveryEnabled');
    assert.equal(await stored(), undefined);

    await policy('PasswordRecoveryEnabled', 1);
    ({ key } = await provisionFully(app, phone));
    assert.equal(await setPassword(key, s('Password', secret)), '1');
    assert.equal(await stored(), secret, 'kept as given: the admin reads it to unlock the phone');
    assert.equal(await setPassword(key), '2', 'Set without Password');
    assert.equal(await setPassword(key, s('Password', 'x'.repeat(300))), '5', 'too long');
    assert.equal(await stored(), secret, 'neither changed it');

    const view = await adminCall(app, 'GET', '/accounts/bob%40example.com/devices/bobphone1');
    assert.equal((view.json.device as Record<string, unknown>).recoveryPasswordSet, true);
    assert.ok(!JSON.stringify(view.json).includes(secret), 'device views do not show the password');
    const read = await adminCall(app, 'GET', '/accounts/bob%40example.com/devices/bobphone1/recovery-password');
    assert.deepEqual(read.json, { account: bob.email, deviceId: 'bobphone1', recoveryPassword: secret });
    const self = await adminCall(app, 'GET', '/accounts/bob%40example.com/devices/bobphone1/recovery-password', undefined, { email: bob.email, password: bobPw });
    assert.equal(self.status, 403, 'admins only');
    assert.ok(ok(await runCli(app, ['mobile', 'getDeviceRecoveryPassword', bob.email, 'bobphone1'])).includes(`recoveryPassword ${secret}`));
    assert.ok(app.logs.some((l) => l.includes('"event":"device-recovery-password-set"')));
    assert.ok(app.logs.some((l) => l.includes('"event":"device-recovery-password-read"')));
    assert.ok(!app.logs.join('\n').includes(secret), 'never logged');

    assert.equal(await setPassword(key, s('Password', '')), '1', 'an empty Password forgets it');
    assert.equal(await stored(), undefined);
    assert.equal((await adminCall(app, 'GET', '/accounts/bob%40example.com/devices/bobphone1/recovery-password')).json.recoveryPassword, null);
  });

  test('Settings goes through the dispatcher: 401 without the right password, 501 on 2.5', async () => {
    const body = el('Settings:Settings', s('UserInformation', s('Get')));
    const bad = await easRequest(app, { cmd: 'Settings', user: ann.email, password: 'wrong-password', deviceId: 'annphone1', body });
    assert.equal(bad.status, 401);
    const old = await easRequest(app, { cmd: 'Settings', user: ann.email, password: PASSWORD, deviceId: 'annphone1', version: '2.5', body });
    assert.equal(old.status, 501);
  });
});
