// The user page in a real browser (Debian's Chromium driven by playwright-core) against the real
// server on port 0 (issue 14): signing in with the account password (a mobile password is refused),
// creating a mobile password read once from the page and used by an ActiveSync request, disabling it
// (the next EAS request gets 401), and acting on a phone that synced. Screenshots of each page go to
// the test's temporary folder (printed), never into the repository.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { el, intOf, textOf } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { browserMissing, launchBrowser } from './helpers/browser.js';
import { easOptions, easRequest } from './helpers/eas-client.js';

const skip = browserMissing();

describe('web console: the user page in Chromium', { skip: skip ?? false }, () => {
  let app: TestApp;
  let browser: Browser;
  let shots: string;
  const joe = { email: 'joe@page.test', password: 'joe-pass-12' };

  before(async () => {
    app = await startTestApp();
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'page.test' })).status, 201);
    assert.equal((await adminCall(app, 'POST', '/accounts', joe)).status, 201);
    browser = await launchBrowser();
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-web-shots-'));
    console.log(`# screenshots in ${shots}`);
  });
  after(async () => {
    await browser?.close();
    await app.stop();
  });

  async function signIn(page: Page, password: string): Promise<void> {
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email address').fill(joe.email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('sign in, create a mobile password, use it over EAS, disable it; a mobile password cannot sign in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    const first = await page.goto(`${app.baseUrl}/`);
    const csp = first?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await page.getByLabel('Email address').waitFor();
    await page.screenshot({ path: path.join(shots, '1-sign-in.png'), fullPage: true });

    await signIn(page, joe.password);
    await page.getByRole('heading', { name: 'Mobile and app passwords' }).waitFor();
    await page.getByText(`Signed in as ${joe.email}`).waitFor();
    await page.getByText('You have no enabled mobile password').waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'carbonio_session');
    assert.ok(session);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');

    await page.getByLabel('Description').fill('Work phone');
    await page.getByRole('button', { name: 'Create password' }).click();
    const secretEl = page.getByTestId('new-password');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent())?.trim() ?? '';
    assert.ok(secret.length >= 16, 'a generated password is shown');
    await page.getByText('it will not be shown again').waitFor();
    await page.screenshot({ path: path.join(shots, '2-created.png'), fullPage: true });

    // The phone uses it; the account password no longer works for EAS, and the page says so.
    assert.equal((await easOptions(app, joe.email, secret)).status, 200);
    assert.equal((await easOptions(app, joe.email, joe.password)).status, 401);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByText('You have an enabled mobile password').waitFor();
    assert.equal(await page.getByTestId('new-password').count(), 0, 'the password is not shown again');
    const row = page.locator('tr[data-credential="Work phone"]');
    await row.getByText('Enabled').waitFor();

    await row.getByRole('button', { name: 'Disable Work phone' }).click();
    await row.getByText('Disabled').waitFor();
    assert.equal((await easOptions(app, joe.email, secret)).status, 401);
    await page.screenshot({ path: path.join(shots, '3-passwords.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email address').waitFor();
    await signIn(page, secret);
    await page.getByRole('alert').getByText('wrong email or password').waitFor();
    assert.equal(cspErrors.filter((e) => /Content Security Policy/i.test(e)).length, 0, cspErrors.join('\n'));
    await context.close();
  });

  test('my devices: a phone that synced is listed; Resync makes it start over, Suspend blocks it', async () => {
    // A mobile password for the phone (the previous test left one disabled).
    const created = await adminCall(app, 'POST', `/accounts/${joe.email}/credentials`, { label: 'Phone 2', services: ['EAS'] });
    const secret = (created.json.text_data as Record<string, string>).password!;
    const fs1 = await easRequest(app, { cmd: 'FolderSync', user: joe.email, password: secret, deviceId: 'PAGEPHONE1', deviceType: 'iPhone', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    assert.equal(fs1.status, 200);
    assert.equal(intOf(fs1.root ?? undefined, 'FolderHierarchy:Status'), 1);
    const key = textOf(fs1.root ?? undefined, 'FolderHierarchy:SyncKey');
    assert.ok(key);

    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, joe.password);
    const row = page.locator('tr[data-device="PAGEPHONE1"]');
    await row.waitFor();
    // No security policy is enforced by default: the phone syncs without Provision, and the page says so.
    await row.getByText('Syncing').waitFor();
    // Sync details: the folder hierarchy the phone holds.
    await row.getByRole('button', { name: 'Sync details' }).click();
    await page.getByRole('table', { name: 'Sync details: PAGEPHONE1' }).getByText('(folder hierarchy)').waitFor();
    await page.screenshot({ path: path.join(shots, '4-devices-phone-width.png'), fullPage: true });
    await row.getByRole('button', { name: 'Hide details' }).click();

    await row.getByRole('button', { name: 'Resync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resync' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const sync = await easRequest(app, { cmd: 'FolderSync', user: joe.email, password: secret, deviceId: 'PAGEPHONE1', deviceType: 'iPhone', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)) });
    assert.equal(intOf(sync.root ?? undefined, 'FolderHierarchy:Status'), 9, 'the old SyncKey is gone: the phone must start over');

    await row.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
    await row.getByText('Suspended').waitFor();
    const blocked = await easRequest(app, { cmd: 'FolderSync', user: joe.email, password: secret, deviceId: 'PAGEPHONE1', deviceType: 'iPhone', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    assert.equal(intOf(blocked.root ?? undefined, 'FolderHierarchy:Status'), 129, 'a suspended device is blocked');
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByText('Syncing').waitFor();

    // A lost phone: wipe it (typed confirmation); its next request meets the wipe order.
    await row.getByRole('button', { name: 'Wipe…' }).click();
    const dialog = page.getByRole('dialog');
    const wipeButton = dialog.getByRole('button', { name: 'Wipe the phone' });
    assert.equal(await wipeButton.isDisabled(), true, 'disabled until confirmed');
    await dialog.getByLabel('Remove only this account’s mail, contacts and calendar from the phone').check();
    await dialog.getByLabel('Type WIPE to confirm').fill('wipe');
    await page.screenshot({ path: path.join(shots, '5-wipe-dialog.png'), fullPage: true });
    await wipeButton.click();
    await row.getByText('Wipe pending').waitFor();
    const next = await easRequest(app, { cmd: 'FolderSync', user: joe.email, password: secret, deviceId: 'PAGEPHONE1', deviceType: 'iPhone', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    assert.equal(intOf(next.root ?? undefined, 'FolderHierarchy:Status'), 140, 'the device is told to wipe itself (Status 140, then Provision)');
    const wipe = await adminCall(app, 'GET', `/accounts/${joe.email}/devices/PAGEPHONE1/wipe`);
    assert.equal((wipe.json.wipe as Record<string, unknown>).accountOnly, true);

    // Found again before it connected: the wipe can be cancelled.
    await row.getByRole('button', { name: 'Cancel wipe' }).click();
    await row.getByText('Syncing').waitFor();
    await context.close();
  });

  test('out-of-office set in the page is what EAS Settings Oof reads', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, joe.password);
    await page.getByRole('heading', { name: 'Automatic replies (out of office)' }).waitFor();
    await page.getByLabel('On until I turn them off').check();
    await page.getByLabel('Reply to people in my organisation').fill('Back on Monday.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.screenshot({ path: path.join(shots, '6-oof.png'), fullPage: true });
    const created = await adminCall(app, 'POST', `/accounts/${joe.email}/credentials`, { label: 'Phone 3', services: ['EAS'] });
    const secret = (created.json.text_data as Record<string, string>).password!;
    const r = await easRequest(app, { cmd: 'Settings', user: joe.email, password: secret, deviceId: 'PAGEPHONE3', body: el('Settings:Settings', el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text')))) });
    assert.equal(r.status, 200);
    const text = JSON.stringify(r.root);
    assert.ok(text.includes('Back on Monday.'), text);
    assert.match(text, /"OofState"[^\]]*"1"/);
    await context.close();
  });
});
