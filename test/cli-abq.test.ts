// `carbonio mobile ABQ ...`, the ABQ messages and `carbonio config ... abqMode` through the CLI and the
// admin API (issue 15 part 1): delegated admins act only on their domains' accounts, rules, messages and
// modes (403 otherwise, and never on device-wide entries or global settings); an import file adds its
// devices and says how many; bad input (status, regex, interval, key, file) is refused with a clear
// message; the admins' mail lists newly quarantined devices once per interval, from one process's claim.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { runAbqNotification } from '../src/devices/abq-notify.js';
import { LocalDelivery } from '../src/mail/delivery.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, fields, ok, runCli } from './helpers/cli.js';
import { newestIn } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { Phone } from './helpers/phone.js';

const ann = { email: 'ann@a.test', password: 'ann-password-1' };
const bob = { email: 'bob@b.test', password: 'bob-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`ABQ administration (${backend})`, () => {
  let app: TestApp;
  let annAccount: Account;
  const asBoss = { as: boss };

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [ann, bob, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@b.test/delegated-domains/b.test')).status, 200);
    annAccount = (await app.store.accounts.getByEmail(ann.email))!;
    ok(await runCli(app, ['config', 'set', 'global', 'abqMode', 'Interactive']));
    await new Phone(app, ann, 'ANNPHONE').folderSync();
    await new Phone(app, bob, 'BOBPHONE').folderSync();
  });
  after(() => app.stop());

  test('config shows abqMode per scope; other keys are global only; bad values are refused', async () => {
    const global = ok(await runCli(app, ['config', 'get', 'global']));
    assert.ok(global.includes('abqMode Interactive'), global.join('\n'));
    assert.deepEqual(ok(await runCli(app, ['config', 'get', 'domain', 'a.test'])), ['abqMode default']);
    failed(await runCli(app, ['config', 'set', 'domain', 'a.test', 'notificationsLatency', '5']), 1, /only abqMode/);
    failed(await runCli(app, ['config', 'set', 'global', 'abqMode', 'Sometimes']), 1, /Permissive, Interactive, Strict, Disabled/);
    failed(await runCli(app, ['config', 'set', 'planet', 'x', 'abqMode', 'Strict']), 2, /unknown scope/);
    failed(await runCli(app, ['config', 'set', 'domain', 'a.test', 'abqMode']), 2, /missing <value>/);
  });

  test('a delegated admin sees and changes only his domains; device-wide entries and global settings are refused', async () => {
    const list = ok(await runCli(app, ['mobile', 'ABQ', 'list'], asBoss));
    assert.ok(list.some((l) => l.trim() === 'device_id BOBPHONE'), list.join('\n'));
    assert.ok(!list.some((l) => l.includes('ANNPHONE')), 'no device of another domain');
    failed(await runCli(app, ['mobile', 'ABQ', 'allow', 'ANNPHONE', 'account', ann.email], asBoss), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'ABQ', 'allow', 'ANNPHONE', 'account', annAccount.id], asBoss), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'ABQ', 'block', 'BOBPHONE'], asBoss), 1, /permission denied/);
    // Global admin: a device-wide Allowed lets the quarantined phone in; the list keeps no stale Quarantined row.
    await new Phone(app, ann, 'ANNTABLET').folderSync();
    assert.deepEqual((await app.store.abq.entriesFor(asDeviceId('ANNTABLET'))).map((e) => [e.status, e.origin]), [['Quarantined', 'auto']]);
    ok(await runCli(app, ['mobile', 'ABQ', 'allow', 'ANNTABLET']));
    assert.deepEqual((await app.store.abq.entriesFor(asDeviceId('ANNTABLET'))).map((e) => [e.accountId, e.status]), [[null, 'Allowed']]);
    const allowed = ok(await runCli(app, ['mobile', 'ABQ', 'allow', 'BOBPHONE', 'account', bob.email], asBoss));
    assert.equal(fields(allowed, '').get('status'), 'Allowed');
    assert.equal(fields(allowed, '').get('previous'), 'Quarantined');
    assert.equal((await app.store.abq.getView((await app.store.accounts.getByEmail(bob.email))!.id, asDeviceId('BOBPHONE'))), null, 'moved to the real mailbox');
    failed(await runCli(app, ['mobile', 'ABQ', 'setRule', '^iPhone', 'Allowed', '1'], asBoss), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setRule', '^iPhone', 'Allowed', '1', 'domain', 'a.test'], asBoss), 1, /permission denied/);
    ok(await runCli(app, ['mobile', 'ABQ', 'setRule', '^iPhone', 'Allowed', '1', 'domain', 'b.test'], asBoss));
    ok(await runCli(app, ['mobile', 'ABQ', 'setRule', '^Android', 'Blocked', '2']));
    const rules = ok(await runCli(app, ['mobile', 'ABQ', 'listRules'], asBoss));
    assert.deepEqual(rules.filter((l) => l.trim().startsWith('regex')).map((l) => l.trim()), ['regex ^iPhone']);
    assert.equal(ok(await runCli(app, ['mobile', 'ABQ', 'listRules'])).filter((l) => l.trim().startsWith('regex')).length, 2);
    failed(await runCli(app, ['config', 'set', 'domain', 'a.test', 'abqMode', 'Strict'], asBoss), 1, /permission denied/);
    failed(await runCli(app, ['config', 'set', 'global', 'abqMode', 'Strict'], asBoss), 1, /permission denied/);
    ok(await runCli(app, ['config', 'set', 'domain', 'b.test', 'abqMode', 'Strict'], asBoss));
    ok(await runCli(app, ['config', 'set', 'account', bob.email, 'abqMode', 'Permissive'], asBoss));
    failed(await runCli(app, ['mobile', 'setABQMessage', 'global', 'blocked', 'default', 'subject', 'x'], asBoss), 1, /permission denied/);
    ok(await runCli(app, ['mobile', 'setABQMessage', 'domain', 'b.test', 'blocked', 'de', 'subject', 'Gesperrt'], asBoss));
    const dup = ok(await runCli(app, ['mobile', 'duplicateABQMessage', 'domain', 'b.test', 'blocked', 'de', 'de_AT'], asBoss));
    assert.equal(fields(dup).get('subject'), 'Gesperrt');
    assert.equal(fields(dup).get('locale'), 'de_AT');
    failed(await runCli(app, ['mobile', 'duplicateABQMessage', 'global', 'blocked', 'default', 'fr'], asBoss), 1, /permission denied/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setNotificationInterval', '1h'], asBoss), 1, /permission denied/);
    const file = path.join(app.dataDir, 'boss.txt');
    fs.writeFileSync(file, `DEVB1/${bob.email}\n`);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'ABQ', 'import', file, 'Blocked'], asBoss)), ['1 device added']);
    fs.writeFileSync(file, `DEVB2/${bob.email}\nDEVALL\n`);
    failed(await runCli(app, ['mobile', 'ABQ', 'import', file, 'Blocked'], asBoss), 1, /permission denied/);
    assert.equal((await app.store.abq.entriesFor(asDeviceId('DEVB2'))).length, 0, 'all or nothing');
  });

  test('import adds device ids and device/account lines; bad input is refused with a clear message', async () => {
    const file = path.join(app.dataDir, 'devices.txt');
    fs.writeFileSync(file, ['# phones of the sales team', 'IMP1', '', `IMP2/${ann.email}`, `IMP3/${annAccount.id}`, ''].join('\n'));
    assert.deepEqual(ok(await runCli(app, ['mobile', 'ABQ', 'import', file, 'allowed'])), ['3 devices added']);
    const list = ok(await runCli(app, ['mobile', 'ABQ', 'list', 'status', 'Allowed']));
    for (const id of ['IMP1', 'IMP2', 'IMP3']) assert.ok(list.some((l) => l.trim() === `device_id ${id}`), id);
    assert.deepEqual((await app.store.abq.entriesFor(asDeviceId('IMP1'))).map((e) => e.accountId), [null]);
    fs.writeFileSync(file, 'IMP4/nobody@a.test\n');
    failed(await runCli(app, ['mobile', 'ABQ', 'import', file, 'Allowed']), 1, /not found/);
    failed(await runCli(app, ['mobile', 'ABQ', 'import', path.join(app.dataDir, 'missing.txt'), 'Allowed']), 2, /cannot read/);
    failed(await runCli(app, ['mobile', 'ABQ', 'set', 'IMP1', 'Maybe']), 1, /invalid status/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setRule', '(a+)+$', 'Allowed', '1']), 1, /exponential/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setRule', '[', 'Allowed', '1']), 1, /invalid regex/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setRule', 'x', 'Allowed', 'first']), 1, /order/);
    failed(await runCli(app, ['mobile', 'ABQ', 'setNotificationInterval', '5x']), 1, /45m, 6h or 1d/);
    failed(await runCli(app, ['mobile', 'ABQ', 'delete', 'NOPE']), 1, /not on the list/);
    failed(await runCli(app, ['mobile', 'deleteABQMessage', 'global', 'blocked', 'fr']), 1, /no blocked message/);
    failed(await runCli(app, ['mobile', 'setABQMessage', 'global', 'blocked', 'default', 'from', 'not an address']), 1, /address/);
    failed(await runCli(app, ['mobile', 'setABQMessage', 'domain', 'b.test', 'blocked']), 2, /missing <default\|locale>/);
    assert.equal((await adminCall(app, 'PUT', '/abq/devices/x%2Fy', { status: 'Allowed' })).status, 400);
  });

  test('the admins get one mail of newly quarantined devices per interval, claimed once', async () => {
    const delivery = new LocalDelivery(app.store);
    const admin = (await app.store.accounts.getByEmail(app.admin.email))!;
    const now = Date.now();
    assert.equal(await runAbqNotification(app.store, delivery, 'a.test', now), null, 'off by default');
    assert.deepEqual(ok(await runCli(app, ['mobile', 'ABQ', 'setNotificationInterval', '45m'])), ['interval 45m']);
    assert.equal(await runAbqNotification(app.store, delivery, 'a.test', now), 1);
    const mail = await newestIn(app, admin, 'inbox');
    assert.match(mail.subject ?? '', /^ABQ: 1 newly quarantined device$/);
    assert.match(mail.text ?? '', new RegExp(`ANNPHONE  ${ann.email}`));
    await new Phone(app, ann, 'ANNPHONE2').folderSync();
    assert.equal(await runAbqNotification(app.store, delivery, 'a.test', now + 60_000), null, 'claimed for 45 minutes');
    assert.equal(await runAbqNotification(app.store, delivery, 'a.test', now + 46 * 60_000), 1, 'only the new one');
    assert.equal(await runAbqNotification(app.store, delivery, 'a.test', now + 100 * 60_000), 0, 'nothing new');
  });
});
