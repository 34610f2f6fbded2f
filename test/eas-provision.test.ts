// EAS Provision (MS-ASPROV) over real HTTP with real WBXML: the two-phase key exchange on 2.5, 12.x,
// 14.1 and 16.1, what the gate answers a device without a valid key (449 / 142 / 144 / 143), the
// policy document per version and per level (domain, account on top), DeviceInformation in Provision,
// and the statuses of wrong keys, unknown policy types and refused acknowledgements.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { elements } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import {
  ackRequest, docValues, initialRequest, probe, provision, provisionFully, WAP_POLICY, wapDoc, WBXML_POLICY, type Phone,
} from './helpers/eas-provision-client.js';

let app: TestApp;
let seq = 0;

/** A fresh account (in its own domain unless one is given) with a mobile password, and a phone for it. */
async function phone(version: string, domain?: string): Promise<Phone & { email: string }> {
  seq += 1;
  const dom = domain ?? `prov${seq}.test`;
  if (!(await app.store.domains.getByName(dom))) await app.store.domains.create(dom);
  const email = `user${seq}@${dom}`;
  const account = await app.directory.createAccount({ email, password: `account-password-${seq}` });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  return { email, user: email, password: secret, deviceId: `dev${seq}x${version.replace('.', '')}`, version, deviceType: 'TestPhone' };
}

async function setPolicy(level: 'domain' | 'account', target: string, values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    const r = await adminCall(app, 'PUT', `/provisioning/${level}/${encodeURIComponent(target)}`, { key, value });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
}

const domainOf = (email: string): string => email.slice(email.indexOf('@') + 1);
const deviceOf = async (ph: Phone & { email: string }) => {
  const a = await app.store.accounts.getByEmail(ph.email);
  assert.ok(a);
  return app.store.devices.get(a.id, asDeviceId(ph.deviceId));
};

before(async () => {
  app = await startTestApp();
});
after(async () => {
  if (app) await app.stop();
});

describe('EAS Provision without a policy', () => {
  test('nothing is required, and a device that provisions anyway gets a key and a permissive document', async () => {
    const ph = await phone('14.1');
    assert.deepEqual(await probe(app, ph), { http: 200, status: 1 });
    const { key, first } = await provisionFully(app, ph);
    const doc = docValues(first);
    assert.equal(first.policyType, WBXML_POLICY);
    assert.equal(doc.DevicePasswordEnabled, '0');
    assert.equal(doc.AllowCamera, '1');
    assert.equal(doc.AllowBluetooth, '2');
    assert.equal(doc.MinDevicePasswordLength, '', 'unset rules are sent empty');
    assert.equal(doc.ApprovedApplicationList, undefined, 'an empty approved list would forbid every application');
    const d = await deviceOf(ph);
    assert.equal(d?.status, 1);
    assert.equal(d?.policyKey, key);
    assert.equal(d?.pendingPolicyKey, 0);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
  });

  test('settings stored but not enforced are not sent', async () => {
    const ph = await phone('16.1');
    await setPolicy('domain', domainOf(ph.email), { DevicePasswordEnabled: '1', MinDevicePasswordLength: '6' });
    assert.deepEqual(await probe(app, ph), { http: 200, status: 1 });
    const { first } = await provisionFully(app, ph);
    assert.equal(docValues(first).DevicePasswordEnabled, '0');
  });
});

describe('EAS Provision with an enforced policy', () => {
  test('12.1: 449 without a key, then both phases, then the command passes with X-MS-PolicyKey', async () => {
    const ph = await phone('12.1');
    await setPolicy('domain', domainOf(ph.email), { MobileDeviceManagement: 'true', DevicePasswordEnabled: 'true', MinDevicePasswordLength: '6' });
    assert.deepEqual(await probe(app, ph), { http: 449 });
    const first = await provision(app, ph, initialRequest(WBXML_POLICY));
    assert.equal(first.status, 1);
    assert.equal(first.policyStatus, 1);
    assert.ok(first.policyKey && first.policyKey >= 100_000_000 && first.policyKey < 2 ** 32);
    const doc = docValues(first);
    assert.equal(doc.DevicePasswordEnabled, '1');
    assert.equal(doc.MinDevicePasswordLength, '6');
    assert.equal(doc.AllowCamera, '1', '12.1 has the device-feature rules');
    assert.equal((await deviceOf(ph))?.pendingPolicyKey, first.policyKey);
    // The temporary key opens nothing.
    assert.deepEqual(await probe(app, ph, first.policyKey), { http: 449 });
    const second = await provision(app, ph, ackRequest(WBXML_POLICY, first.policyKey, 1));
    assert.equal(second.policyStatus, 1);
    assert.ok(second.policyKey && second.policyKey !== first.policyKey);
    assert.deepEqual(await probe(app, ph, second.policyKey), { http: 200, status: 1 });
    assert.deepEqual(await probe(app, ph, second.policyKey + 1), { http: 449 });
  });

  test('12.0 gets only the elements 12.0 has', async () => {
    const ph = await phone('12.0');
    await setPolicy('domain', domainOf(ph.email), { MobileDeviceManagement: 'true', DevicePasswordEnabled: '1', AllowCamera: '0' });
    const doc = docValues((await provisionFully(app, ph)).first);
    assert.equal(doc.DevicePasswordEnabled, '1');
    for (const later of ['AllowCamera', 'RequireStorageCardEncryption', 'AllowBluetooth', 'MaxEmailAgeFilter']) assert.equal(doc[later], undefined, later);
  });

  for (const version of ['14.1', '16.1']) {
    test(`${version}: 142 without a key, 144 with a wrong one, then success; a changed policy gives 143 until re-provisioned`, async () => {
      const ph = await phone(version);
      const dom = domainOf(ph.email);
      await setPolicy('domain', dom, { MobileDeviceManagement: 'true', DevicePasswordEnabled: '1', MinDevicePasswordLength: '6', AllowBluetooth: '1' });
      assert.deepEqual(await probe(app, ph), { http: 200, status: 142 });
      assert.deepEqual(await probe(app, ph, 123456789), { http: 200, status: 144 });
      const { key, first } = await provisionFully(app, ph);
      const doc = docValues(first);
      assert.deepEqual([doc.DevicePasswordEnabled, doc.MinDevicePasswordLength, doc.AllowBluetooth, doc.AllowWiFi], ['1', '6', '1', '1']);
      assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });

      await setPolicy('domain', dom, { MinDevicePasswordLength: '8' });
      assert.deepEqual(await probe(app, ph, key), { http: 200, status: 143 });
      const again = await provisionFully(app, ph);
      assert.equal(docValues(again.first).MinDevicePasswordLength, '8');
      assert.deepEqual(await probe(app, ph, again.key), { http: 200, status: 1 });
      assert.deepEqual(await probe(app, ph, key), { http: 200, status: 144 }, 'the old key is gone');
    });
  }

  test('a changed policy makes a 12.1 device provision again through 449', async () => {
    const ph = await phone('12.1');
    await setPolicy('domain', domainOf(ph.email), { MobileDeviceManagement: 'true' });
    const { key } = await provisionFully(app, ph);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
    await setPolicy('domain', domainOf(ph.email), { AllowCamera: 'false' });
    assert.deepEqual(await probe(app, ph, key), { http: 449 });
  });

  test('an account-level setting overrides the domain, and removing it restores the domain value', async () => {
    const a = await phone('14.1');
    const dom = domainOf(a.email);
    const b = await phone('14.1', dom);
    await setPolicy('domain', dom, { MobileDeviceManagement: 'true', DevicePasswordEnabled: '1', MinDevicePasswordLength: '6' });
    await setPolicy('account', a.email, { MinDevicePasswordLength: '10', AllowCamera: '0' });
    const da = docValues((await provisionFully(app, a)).first);
    const db = docValues((await provisionFully(app, b)).first);
    assert.deepEqual([da.MinDevicePasswordLength, da.AllowCamera, da.DevicePasswordEnabled], ['10', '0', '1']);
    assert.deepEqual([db.MinDevicePasswordLength, db.AllowCamera], ['6', '1']);
    await setPolicy('account', a.email, { MinDevicePasswordLength: 'default' });
    assert.equal(docValues((await provisionFully(app, a)).first).MinDevicePasswordLength, '6');
  });

  test('2.5 gets the WAP provisioning document with the same key exchange', async () => {
    const ph = await phone('2.5');
    await setPolicy('domain', domainOf(ph.email), {
      MobileDeviceManagement: 'true', DevicePasswordEnabled: '1', MinDevicePasswordLength: '6', MaxInactivityTimeDeviceLock: '300',
      MaxDevicePasswordFailedAttempts: '8', AlphanumericDevicePasswordRequired: '1',
    });
    const { key, first } = await provisionFully(app, ph);
    assert.equal(first.policyType, WAP_POLICY);
    const xml = wapDoc(first);
    assert.match(xml, /^<wap-provisioningdoc><characteristic type="SecurityPolicy"><parm name="4131" value="0"\/>/);
    for (const part of ['<parm name="AEFrequencyType" value="1"/><parm name="AEFrequencyValue" value="5"/>', '<parm name="DeviceWipeThreshold" value="8"/>',
      '<parm name="CodewordFrequency" value="4"/>', '<parm name="MinimumPasswordLength" value="6"/>', '<parm name="PasswordComplexity" value="0"/>']) {
      assert.ok(xml.includes(part), `${part} in ${xml}`);
    }
    assert.ok(xml.endsWith('</wap-provisioningdoc>'));
    assert.equal((await deviceOf(ph))?.policyKey, key);
    // Each version has one document format.
    assert.equal((await provision(app, ph, initialRequest(WBXML_POLICY))).policyStatus, 3);
  });
});

describe('EAS Provision statuses', () => {
  test('an unknown PolicyType gets Policy Status 3, a wrong acknowledged key Policy Status 5', async () => {
    const ph = await phone('14.1');
    const unknown = await provision(app, ph, initialRequest('MS-Unknown-Provisioning'));
    assert.deepEqual([unknown.status, unknown.policyStatus, unknown.policyType, unknown.policyKey], [1, 3, 'MS-Unknown-Provisioning', undefined]);
    const first = await provision(app, ph, initialRequest(WBXML_POLICY));
    assert.ok(first.policyKey);
    const wrong = await provision(app, ph, ackRequest(WBXML_POLICY, first.policyKey + 1, 1));
    assert.deepEqual([wrong.status, wrong.policyStatus, wrong.policyKey], [1, 5, undefined]);
    assert.equal((await deviceOf(ph))?.policyKey, 0, 'no key handed out');
  });

  test('a partial acknowledgement gets a key only while non-provisionable devices are allowed', async () => {
    const ph = await phone('14.1');
    const dom = domainOf(ph.email);
    await setPolicy('domain', dom, { MobileDeviceManagement: 'true', RequireDeviceEncryption: '1' });
    const { key } = await provisionFully(app, ph, 2);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 1 });
    await setPolicy('domain', dom, { AllowNonProvisionableDevices: 'false' });
    const first = await provision(app, ph, initialRequest(WBXML_POLICY));
    assert.ok(first.policyKey);
    const refused = await provision(app, ph, ackRequest(WBXML_POLICY, first.policyKey, 2));
    assert.deepEqual([refused.status, refused.policyKey], [139, undefined]);
    const externally = await provision(app, ph, ackRequest(WBXML_POLICY, first.policyKey, 4));
    assert.equal(externally.status, 145);
    assert.deepEqual(await probe(app, ph, key), { http: 200, status: 143 }, 'the policy changed meanwhile');
    // A full acknowledgement is still accepted.
    assert.ok((await provisionFully(app, ph, 1)).key);
    // Before 14.0 the refusal is an HTTP status.
    const old = { ...ph, version: '12.1', deviceId: `${ph.deviceId}old` };
    const oldFirst = await provision(app, old, initialRequest(WBXML_POLICY));
    assert.ok(oldFirst.policyKey);
    assert.equal((await provision(app, old, ackRequest(WBXML_POLICY, oldFirst.policyKey, 3))).http, 403);
  });

  test('a Provision without Policies (and no wipe pending) is a protocol error', async () => {
    const ph = await phone('14.1');
    const r = await provision(app, ph);
    assert.equal(r.status, 2);
  });
});

describe('EAS Provision DeviceInformation', () => {
  const info = {
    Model: 'SM-G991B', IMEI: '356938035643809', FriendlyName: 'Galaxy S21', OS: 'Android 14', OSLanguage: 'Italian',
    PhoneNumber: '+390612345678', UserAgent: 'Android-SAMSUNG-SM-G991B/101.14', EnableOutboundSMS: '1', MobileOperator: 'TIM',
  };

  test('14.1: stored in the device registry and answered with its Status', async () => {
    const ph = await phone('14.1');
    const r = await provision(app, ph, initialRequest(WBXML_POLICY, info));
    assert.equal(r.deviceInfoStatus, 1);
    assert.equal(r.status, 1);
    assert.equal(r.root && elements(r.root)[0]?.tag, 'DeviceInformation', 'DeviceInformation comes first (ProvisionResponse.xsd)');
    const d = await deviceOf(ph);
    assert.deepEqual(
      [d?.info.model, d?.info.imei, d?.info.friendlyName, d?.info.os, d?.info.osLanguage, d?.info.phoneNumber, d?.info.operator, d?.info.enableOutboundSms],
      ['SM-G991B', '356938035643809', 'Galaxy S21', 'Android 14', 'Italian', '+390612345678', 'TIM', true],
    );
    assert.deepEqual(d?.info.userAgentHistory?.map((h) => h.userAgent), ['eas-test-client/1.0'], 'the User-Agent history is kept');
  });

  test('the validate probe is answered but nothing about it is stored', async () => {
    const ph = { ...(await phone('14.1')), deviceId: 'validate' };
    const r = await provision(app, ph, initialRequest(WBXML_POLICY, info));
    assert.equal(r.deviceInfoStatus, 1);
    assert.ok(r.policyKey);
    const ack = await provision(app, ph, ackRequest(WBXML_POLICY, r.policyKey, 1));
    assert.equal(ack.policyStatus, 1);
    assert.equal(await deviceOf(ph), null);
  });
});
