// The admin page in a real browser (Debian's Chromium driven by playwright-core) against the real server
// on port 0 (issue 14), as an administrator would use it: a plain user is refused in words; a global
// admin creates an account and a mobile password on its behalf (read once), locks the account, finds a
// phone that synced, reads its SyncState per folder (with an item held back by the loop safety net),
// sees its held Ping among the active sessions, resyncs it (its next Sync must start from SyncKey 0),
// suspends and resumes it, requests and cancels a wipe; sets a device policy and a push setting; a
// delegated admin sees and reaches his domain only. Screenshots of each view, on a desktop and at phone
// width, go to the test's temporary folder (printed), never into the repository.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { el, intOf } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { browserMissing, launchBrowser } from './helpers/browser.js';
import { createDevices } from './helpers/device-fixture.js';
import { easOptions, type EasResponse } from './helpers/eas-client.js';
import { collection, deliver, Phone, plainMail } from './helpers/phone.js';
import { until } from './helpers/wait.js';

const skip = browserMissing();
type Json = Record<string, unknown>;

describe('web console: the admin page in Chromium', { skip: skip ?? false }, () => {
  let app: TestApp;
  let browser: Browser;
  let shots: string;
  let joePhone: Phone;
  const joe = { email: 'joe@one.test', password: 'joe-pass-12' };
  const dan = { email: 'dan@two.test', password: 'dan-pass-12' };
  const ann = { email: 'ann@two.test', password: 'ann-pass-12' };

  /** An account's mobile password, made through the API (the page's own creation is tested below). */
  async function mobilePassword(who: { email: string }): Promise<string> {
    const r = await adminCall(app, 'POST', `/accounts/${who.email}/credentials`, { label: 'Phone', services: ['EAS'] });
    return (r.json.text_data as Record<string, string>).password!;
  }

  before(async () => {
    app = await startTestApp();
    for (const name of ['one.test', 'two.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const a of [joe, dan, ann]) assert.equal((await adminCall(app, 'POST', '/accounts', a)).status, 201);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${dan.email}/delegated-domains/two.test`)).status, 200);
    await deliver(app, joe.email, plainMail(joe.email, 'Hello'));
    joePhone = await new Phone(app, { email: joe.email, password: await mobilePassword(joe) }, 'JOEPHONE1').ready(['Inbox']);
    await new Phone(app, { email: ann.email, password: await mobilePassword(ann) }, 'ANNPHONE1').folderSync();
    browser = await launchBrowser();
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-admin-shots-'));
    console.log(`# screenshots in ${shots}`);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** A screenshot to look at; `fullPage: false` takes the viewport only (a phone-width list of 50 is 13,000 px tall). */
  const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });

  async function signIn(as: { email: string; password: string }, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${app.baseUrl}/admin`);
    await page.getByLabel('Email address').fill(as.email);
    await page.getByLabel('Password', { exact: true }).fill(as.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name, exact: true }).click();
  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
  const deviceStatus = (page: Page, text: string) => page.getByTestId('device-status').getByText(text, { exact: true }).waitFor();
  const syncStatus = (r: EasResponse): number | undefined => intOf(collection(r), 'AirSync:Status');

  test('a plain user signing in at /admin is refused in words', async () => {
    const page = await signIn(ann);
    await page.getByRole('alert').getByText('this account is not an administrator').waitFor();
    assert.equal(await page.getByRole('navigation').count(), 0);
    await page.context().close();
  });

  test('a global admin creates an account and a mobile password on its behalf (read once), then locks the account', async () => {
    const page = await signIn(app.admin);
    await heading(page, 'Accounts');
    await page.locator('tr[data-account="joe@one.test"]').waitFor();
    await shot(page, '01-accounts');

    await page.getByLabel('User name (before the @)').fill('kim');
    await page.getByLabel('Domain', { exact: true }).last().selectOption('one.test');
    await page.getByLabel('Display name').fill('Kim Example');
    await page.getByLabel('Password', { exact: true }).fill('kim-pass-123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'kim@one.test');
    assert.match(page.url(), /#\/accounts\/kim@one\.test$/);

    await page.getByLabel('Description').fill('Kim phone');
    await page.getByRole('button', { name: 'Create password' }).click();
    const secretEl = page.getByTestId('new-password');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent())?.trim() ?? '';
    assert.ok(secret.length >= 16, 'a generated password is shown');
    await page.getByText('New password for kim@one.test').waitFor();
    await shot(page, '02-account-password-created');
    assert.equal((await easOptions(app, 'kim@one.test', secret)).status, 200, 'the phone signs in with it');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByText('This account has an enabled mobile password').waitFor();
    assert.equal(await page.getByTestId('new-password').count(), 0, 'shown once');

    await page.getByLabel('Status', { exact: true }).selectOption('locked');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByText('Status changed to Locked.').waitFor();
    await page.getByTestId('account-status').getByText('Locked').waitFor();
    assert.equal((await easOptions(app, 'kim@one.test', secret)).status, 401, 'a locked account is refused');
    await shot(page, '03-account-locked');

    // Back to the list with the browser's back button: the router keeps history.
    await page.goBack();
    await heading(page, 'Accounts');
    await page.locator('tr[data-account="kim@one.test"]').getByText('Locked').waitFor();
    await page.context().close();
  });

  test('devices: find one, read its SyncState, see its held Ping, resync, suspend and resume, wipe and cancel', async () => {
    // The loop safety net held an item back, as the sync engine records it in the collection's state.
    const account = (await app.store.accounts.getByEmail(joe.email))!;
    const inbox = joePhone.folder('Inbox');
    const state = (await app.store.deviceState.getCollection(account.id, 'JOEPHONE1' as never, inbox))!;
    const data = JSON.parse(state.data) as Json;
    await app.store.deviceState.putCollection(account.id, 'JOEPHONE1' as never, inbox, state.key, JSON.stringify({ ...data, flagged: [{ itemId: 4242, at: Date.now(), reason: 'test' }] }));

    const page = await signIn(app.admin);
    await heading(page, 'Accounts');
    await nav(page, 'Devices');
    await heading(page, 'Devices');
    // Keyboard and screen-reader users start a new view at its heading.
    await until(async () => (await page.evaluate('document.activeElement && document.activeElement.id')) === 'view-title', 'focus on the view heading');
    await page.locator('tr[data-device="ANNPHONE1"]').waitFor();
    await page.getByLabel('Find a device').fill('ephone');
    await page.locator('tr[data-device="ANNPHONE1"]').waitFor({ state: 'detached' });
    await page.locator('tr[data-device="JOEPHONE1"]').waitFor();
    assert.match(page.url(), /#\/devices\?q=ephone/, 'the search is in the URL');
    await page.getByRole('button', { name: 'Account' }).click();
    await page.locator('th[aria-sort="ascending"]').getByText('Account').waitFor();
    await shot(page, '04-devices-search');

    await page.getByRole('link', { name: 'JOEPHONE1' }).click();
    await heading(page, 'JOEPHONE1');
    const sync = page.getByRole('table', { name: 'Sync state per folder' });
    await sync.getByText('(folder hierarchy)').waitFor();
    await sync.getByRole('rowheader', { name: 'Inbox' }).waitFor();
    await sync.getByText('100% (1/1)').waitFor();
    await page.getByText('Attention needed: the sync loop’s safety net held back 1 item').waitFor();
    await sync.getByText('4242').waitFor();
    await shot(page, '05-device-detail');

    // A held Ping shows among the active sessions; back returns to the device.
    const ping = joePhone.ping([inbox], 300);
    await joePhone.held();
    await nav(page, 'Active sessions');
    await page.locator('tr[data-session="JOEPHONE1"]').getByText('Ping').waitFor();
    await shot(page, '06-sessions');
    await page.goBack();
    await heading(page, 'JOEPHONE1');

    // Resync: the held Ping ends, the state is gone, and the old SyncKey is refused: the phone starts from 0.
    await page.getByRole('button', { name: 'Resync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resync' }).click();
    await page.getByText('Resync ordered').waitFor();
    await page.getByText('Nothing synced yet.').waitFor();
    assert.equal((await ping).status, 200, 'the held Ping was answered');
    assert.equal(syncStatus(await joePhone.sync(inbox)), 3, 'the old SyncKey is refused (Status 3): start over');
    joePhone.forget(inbox);
    await joePhone.folderSync();
    const again = await joePhone.sync(joePhone.folder('Inbox'));
    assert.equal(syncStatus(again), 1, 'a Sync from key 0 works');

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
    await deviceStatus(page, 'Suspended');
    const blocked = await joePhone.request('FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    assert.equal(intOf(blocked.root ?? undefined, 'FolderHierarchy:Status'), 129, 'a suspended device is blocked');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Resumed.').waitFor();

    await page.getByRole('button', { name: 'Wipe…' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Remove only this account’s mail, contacts and calendar from the phone').isDisabled(), true, 'EAS 14.1: full wipe only');
    await dialog.getByLabel('Type WIPE to confirm').fill('WIPE');
    await dialog.getByRole('button', { name: 'Wipe the phone' }).click();
    await deviceStatus(page, 'Wipe pending');
    assert.equal(((await adminCall(app, 'GET', `/accounts/${joe.email}/devices/JOEPHONE1/wipe`)).json.wipe as Json).status, 3);
    await shot(page, '07-device-wipe-pending');
    await page.getByRole('button', { name: 'Cancel wipe' }).click();
    await page.getByText('Wipe cancelled.').waitFor();
    assert.notEqual(((await adminCall(app, 'GET', `/accounts/${joe.email}/devices/JOEPHONE1/wipe`)).json.wipe as Json).status, 3);
    await page.context().close();
  });

  test('device policy shows each value with its level; push settings change', async () => {
    const page = await signIn(app.admin);
    await heading(page, 'Accounts');
    await nav(page, 'Domains');
    await page.getByRole('link', { name: 'Device policy of one.test' }).click();
    await heading(page, 'Device policy of one.test');
    const row = page.locator('tr[data-setting="DevicePasswordEnabled"]');
    await row.getByText('Default').waitFor();
    await row.getByLabel('Value of DevicePasswordEnabled').fill('true');
    await row.getByRole('button', { name: 'Save DevicePasswordEnabled' }).click();
    await page.getByText('DevicePasswordEnabled saved.').waitFor();
    await row.getByText('Domain', { exact: true }).waitFor();
    await shot(page, '08-policy-domain');
    // The account inherits it from its domain, and says so.
    await page.goto(`${app.baseUrl}/admin#/policy/account/${joe.email}`);
    await heading(page, `Device policy of ${joe.email}`);
    await page.locator('tr[data-setting="DevicePasswordEnabled"]').getByText('Domain', { exact: true }).waitFor();
    // A wrong value is refused in words.
    const bad = page.locator('tr[data-setting="MinDevicePasswordLength"]');
    await bad.getByLabel('Value of MinDevicePasswordLength').fill('99');
    await bad.getByRole('button', { name: 'Save MinDevicePasswordLength' }).click();
    await page.getByRole('alert').getByText('MinDevicePasswordLength').waitFor();

    await nav(page, 'Push settings');
    await heading(page, 'Push settings');
    await page.getByLabel('notificationsLatency', { exact: true }).fill('7');
    await page.locator('form[data-setting="notificationsLatency"]').getByRole('button', { name: 'Save' }).click();
    await page.getByText('notificationsLatency saved.').waitFor();
    const cfg = await adminCall(app, 'GET', '/config/global?key=notificationsLatency');
    assert.equal(((cfg.json.settings as Json[])[0])?.value, 7);
    await shot(page, '09-push');
    await page.context().close();
  });

  test('a delegated admin sees and reaches his domain only', async () => {
    const page = await signIn(dan);
    await heading(page, 'Accounts');
    await page.getByText('Delegated administrator: your domains only').waitFor();
    await page.locator('tr[data-account="ann@two.test"]').waitFor();
    assert.equal(await page.locator('tr[data-account="joe@one.test"]').count(), 0, 'no account of another domain');
    assert.equal(await page.getByRole('link', { name: 'Push settings' }).count(), 0);
    await nav(page, 'Devices');
    await page.locator('tr[data-device="ANNPHONE1"]').waitFor();
    assert.equal(await page.locator('tr[data-device="JOEPHONE1"]').count(), 0, 'no device of another domain');
    await shot(page, '10-delegated-devices');
    // Typed addresses of another domain's account and device are refused in words.
    await page.goto(`${app.baseUrl}/admin#/accounts/${joe.email}`);
    await page.getByRole('alert').getByText('permission denied').waitFor();
    await page.goto(`${app.baseUrl}/admin#/devices/${joe.email}/JOEPHONE1`);
    await page.getByRole('alert').getByText('permission denied').waitFor();
    await page.context().close();
  });

  test('among 2,000 devices: pages of 50; one found by part of its id is reset, and its next Sync starts from key 0', async () => {
    // 1,999 devices stored in one transaction (2,000 phones syncing for real would take minutes), and
    // one real phone that synced: the one the admin looks for.
    const fx = await createDevices(app.store, { devices: 1999, accounts: 100, domains: 1, prefix: 'fleet' });
    assert.equal(fx.devices.length, 1999);
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'lost@one.test', password: 'lost-pass-123' })).status, 201);
    const lost = await new Phone(app, { email: 'lost@one.test', password: 'lost-pass-123' }, 'LOSTPHONE42').ready(['Inbox']);
    const inbox = lost.folder('Inbox');
    const page = await signIn(app.admin);
    await heading(page, 'Accounts');
    await nav(page, 'Devices');
    await page.getByText(/^Showing 1–50 of 2,0\d\d$/).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 50);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText(/^Showing 51–100 of 2,0\d\d$/).waitFor();
    assert.match(page.url(), /page=2/);
    await page.getByLabel('Find a device').fill('tphone4');
    await page.getByText('Showing 1–1 of 1').waitFor();
    await shot(page, '11-devices-2000-search');
    await page.locator('tr[data-device="LOSTPHONE42"]').getByRole('link', { name: 'LOSTPHONE42' }).click();
    await heading(page, 'LOSTPHONE42');
    await page.getByRole('button', { name: 'Resync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resync' }).click();
    await page.getByText('Resync ordered').waitFor();
    assert.equal(syncStatus(await lost.sync(inbox)), 3, 'the old SyncKey is refused (Status 3): start over');
    lost.forget(inbox);
    await lost.folderSync();
    assert.equal(syncStatus(await lost.sync(lost.folder('Inbox'))), 1, 'a Sync from key 0 works');
    await page.context().close();
  });

  test('every view at phone width', async () => {
    const page = await signIn(app.admin, { width: 390, height: 844 });
    await heading(page, 'Accounts');
    const views: Array<[string, string]> = [
      ['accounts', 'Accounts'], ['domains', 'Domains'], ['devices', 'Devices'], [`accounts/${joe.email}`, joe.email],
      [`devices/${joe.email}/JOEPHONE1`, 'JOEPHONE1'], ['policy/domain/one.test', 'Device policy of one.test'], ['push', 'Push settings'], ['sessions', 'Active sessions'],
    ];
    for (const [i, [hash, title]] of views.entries()) {
      // A link followed inside the page (no reload), as the menu does; the test's tsconfig has no DOM types.
      await page.evaluate(`location.hash = ${JSON.stringify(`#/${hash}`)}`);
      await heading(page, title);
      await until(async () => (await page.getByRole('status').filter({ hasText: 'Loading…' }).count()) === 0, `#/${hash} loaded`);
      await shot(page, `phone-${String(i + 1).padStart(2, '0')}-${hash.split('/')[0]!}`, false);
      // No sideways scrolling at phone width.
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      assert.ok(overflow <= 0, `#/${hash} scrolls sideways by ${overflow} px`);
    }
    await page.context().close();
  });
});
