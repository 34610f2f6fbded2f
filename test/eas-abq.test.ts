// ABQ on the wire (issue 15 part 1): with abqMode Interactive a new device is quarantined and syncs a
// stand-in mailbox (FolderSync: the Inbox only; Sync: the one notice; SendMail refused with Status 130);
// devices known before ABQ was enabled were imported as Allowed and keep their real mailbox; `ABQ allow`
// ends its held Ping and moves it to the real mailbox (old keys: Sync Status 3, FolderSync Status 9; then
// from key 0 the real items); `ABQ block` sends it back to the stand-in with the blocked notice; Strict
// blocks unknown devices; a rule on the user agent allows a kind of client; a domain's message replaces
// the built-in notice. On SQLite and, when CARBONIO_TEST_PG_URL is set, PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { fields, ok, runCli } from './helpers/cli.js';
import { pgUrl } from './helpers/pg.js';
import { commandsOf, crlf, Phone, serverIds } from './helpers/phone.js';

const fh = ns('FolderHierarchy');
const cm = ns('ComposeMail');
const as = ns('AirSync');
const gie = ns('GetItemEstimate');
const ann = { email: 'ann@a.test', password: 'ann-password-1' };

/** FolderSync from 0: display names of the folders, and the key. */
async function folders(phone: Phone): Promise<{ names: string[]; key: string; status: number | undefined }> {
  const r = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', '0')));
  const adds = children(child(r.root ?? undefined, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add');
  phone.folders.clear();
  for (const a of adds) phone.folders.set(textOf(a, 'FolderHierarchy:DisplayName')!, textOf(a, 'FolderHierarchy:ServerId')!);
  return { names: adds.map((a) => textOf(a, 'FolderHierarchy:DisplayName')!).sort(), key: textOf(r.root ?? undefined, 'FolderHierarchy:SyncKey') ?? '', status: intOf(r.root ?? undefined, 'FolderHierarchy:Status') };
}

/** The subjects of the Adds of a fresh Sync of the Inbox (key 0, then the first window). */
async function inboxSubjects(phone: Phone): Promise<string[]> {
  const inbox = phone.folder('Inbox');
  phone.forget(inbox);
  await phone.sync(inbox);
  const r = await phone.sync(inbox, { bodyPreference: { type: 1 } });
  return commandsOf(r, 'Add').map((a) => textOf(child(a, 'AirSync:ApplicationData'), 'Email:Subject') ?? '').sort();
}

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`ABQ on the wire (${backend})`, () => {
  let app: TestApp;
  let account: Account;
  let known: Phone;

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'a.test' })).status, 201);
    assert.equal((await adminCall(app, 'POST', '/accounts', ann)).status, 201);
    account = (await app.store.accounts.getByEmail(ann.email))!;
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    for (const s of ['Real one', 'Real two']) {
      const raw = Buffer.from(crlf(['From: zed@example.net', `To: ${ann.email}`, `Subject: ${s}`, '', 'Hi.']));
      await app.store.mailbox.addMessage(account.id, inbox.id, { raw, meta: await parseMessageMeta(raw) });
    }
    known = new Phone(app, ann, 'KNOWN1');
    await known.folderSync();
  });
  after(() => app.stop());

  test('enabling Interactive imports the known devices as Allowed, once', async () => {
    const lines = ok(await runCli(app, ['config', 'set', 'global', 'abqMode', 'interactive']));
    assert.deepEqual(lines, ['abqMode Interactive']);
    const list = ok(await runCli(app, ['mobile', 'ABQ', 'list']));
    assert.equal(list[0], 'devices');
    assert.equal(fields(list).get('device_id'), 'KNOWN1');
    assert.equal(fields(list).get('status'), 'Allowed');
    assert.equal(fields(list).get('account'), ann.email);
    const again = await adminCall(app, 'PUT', '/config/global', { key: 'abqMode', value: 'Strict' });
    assert.equal(again.json.imported, undefined, 'imported only the first time');
    ok(await runCli(app, ['config', 'set', 'global', 'abqMode', 'Interactive']));
    assert.deepEqual((await folders(known)).names.length > 5, true, 'the known device keeps its real mailbox');
    assert.deepEqual(await inboxSubjects(known), ['Real one', 'Real two']);
  });

  test('a new device is quarantined: FolderSync shows the Inbox only, Sync the notice; SendMail is refused', async () => {
    const phone = new Phone(app, ann, 'NEW1', { version: '16.1' });
    const fs = await folders(phone);
    assert.equal(fs.status, 1);
    assert.deepEqual(fs.names, ['Inbox']);
    // GetItemEstimate counts the notice before the download, nothing after; reading it is accepted.
    const inbox = phone.folder('Inbox');
    await phone.sync(inbox);
    const estimate = async () => {
      const r = await phone.request('GetItemEstimate', gie('GetItemEstimate', gie('Collections', gie('Collection', as('SyncKey', phone.key(inbox)), gie('CollectionId', inbox), as('Options', as('FilterType', 0), as('Class', 'Email'))))));
      return intOf(child(child(r.root ?? undefined, 'GetItemEstimate:Response'), 'GetItemEstimate:Collection'), 'GetItemEstimate:Estimate');
    };
    assert.equal(await estimate(), 1);
    const first = await phone.sync(inbox, { bodyPreference: { type: 1 } });
    assert.deepEqual(commandsOf(first, 'Add').map((a) => textOf(child(a, 'AirSync:ApplicationData'), 'Email:Subject')), ['Your device is waiting for approval']);
    assert.match(textOf(child(child(commandsOf(first, 'Add')[0], 'AirSync:ApplicationData'), 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /quarantined/);
    assert.equal(await estimate(), 0);
    const notice = serverIds(first, 'Add')[0]!;
    const read = await phone.sync(inbox, { commands: [as('Change', as('ServerId', notice), as('ApplicationData', ns('Email')('Read', 1)))] });
    assert.equal(intOf(child(child(read.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:Status'), 1);
    assert.deepEqual(await inboxSubjects(phone), ['Your device is waiting for approval']);
    const list = ok(await runCli(app, ['mobile', 'ABQ', 'list', 'status', 'Quarantined']));
    assert.ok(list.some((l) => l.trim() === 'device_id NEW1'), list.join('\n'));
    const mime = crlf([`From: ${ann.email}`, 'To: x@example.net', 'Subject: out', '', 'no']);
    const send = await phone.request('SendMail', cm('SendMail', cm('ClientId', 'c1'), cm('SaveInSentItems'), cm('Mime', Buffer.from(mime))));
    assert.equal(intOf(send.root ?? undefined, 'ComposeMail:Status'), 130);
    assert.equal((await app.store.mailbox.getFolderByRole(account.id, 'sent').then((f) => app.store.mailbox.countItems(account.id, f!.id))), 0);
    const st = ns('Settings');
    const oof = await phone.request('Settings', st('Settings', st('Oof', st('Set', st('OofState', 1)))));
    assert.equal(intOf(oof.root ?? undefined, 'Settings:Status'), 3, 'the out-of-office cannot be changed from a quarantined device');
  });

  test('ABQ allow ends the held Ping and moves the device to its real mailbox from SyncKey 0', async () => {
    const phone = new Phone(app, ann, 'NEW2', { version: '16.1' });
    const fs = await folders(phone);
    const inbox = phone.folder('Inbox');
    await phone.sync(inbox);
    await phone.sync(inbox);
    const oldKey = phone.key(inbox);
    const held = phone.ping([inbox], 300);
    await phone.held();
    const lines = ok(await runCli(app, ['mobile', 'ABQ', 'allow', 'NEW2', 'account', ann.email]));
    assert.equal(fields(lines, '').get('status'), 'Allowed');
    assert.equal(intOf((await held).root ?? undefined, 'Ping:Status'), 7);
    const stale = await phone.sync(inbox, { key: oldKey });
    assert.equal(intOf(child(child(stale.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:Status'), 3);
    const oldFs = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', fs.key)));
    assert.equal(intOf(oldFs.root ?? undefined, 'FolderHierarchy:Status'), 9);
    assert.ok((await folders(phone)).names.includes('Sent'));
    assert.deepEqual(await inboxSubjects(phone), ['Real one', 'Real two']);

    // Blocked: back to the stand-in, with the blocked notice. (An account's own entry comes before the
    // device-wide one: the device-wide Blocked applies once the account's Allowed is gone.)
    ok(await runCli(app, ['mobile', 'ABQ', 'set', 'NEW2', 'Blocked']));
    assert.ok((await folders(phone)).names.includes('Sent'), 'the account\'s own Allowed still wins');
    const del = ok(await runCli(app, ['mobile', 'ABQ', 'delete', 'NEW2', 'account', ann.email]));
    assert.equal(fields(del, '').get('status'), 'Allowed');
    assert.deepEqual((await folders(phone)).names, ['Inbox']);
    assert.deepEqual(await inboxSubjects(phone), ['Your device is not allowed to synchronize']);
  });

  test('Strict blocks unknown devices; a rule on the user agent allows a client', async () => {
    ok(await runCli(app, ['config', 'set', 'account', ann.email, 'abqMode', 'Strict']));
    const got = ok(await runCli(app, ['config', 'get', 'account', ann.email]));
    assert.equal(got[0], 'abqMode Strict');
    const strict = new Phone(app, ann, 'NEW3');
    await folders(strict);
    assert.deepEqual(await inboxSubjects(strict), ['Your device is not allowed to synchronize']);

    ok(await runCli(app, ['mobile', 'ABQ', 'setRule', '^Outlook-iOS', 'Allowed', '10']));
    const outlook = new Phone(app, ann, 'OUTLOOK1');
    const ua = { headers: { 'user-agent': 'Outlook-iOS-Android/1.0' } };
    const r = await outlook.request('FolderSync', fh('FolderSync', fh('SyncKey', '0')), ua);
    assert.ok(children(child(r.root ?? undefined, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').length > 5, 'the real folder list');
    // The same rule does not touch other clients; removing the account's override goes back to Interactive.
    ok(await runCli(app, ['config', 'set', 'account', ann.email, 'abqMode', 'default']));
    assert.equal(ok(await runCli(app, ['config', 'get', 'account', ann.email]))[0], 'abqMode default');
    ok(await runCli(app, ['mobile', 'ABQ', 'deleteRule', '^Outlook-iOS']));
  });

  test('a domain message replaces the built-in notice; editing it reaches the device as a change', async () => {
    ok(await runCli(app, ['mobile', 'setABQMessage', 'domain', 'a.test', 'quarantined', 'default', 'subject', 'Wait for IT', 'body_plain', 'Call 555.']));
    const phone = new Phone(app, ann, 'NEW4');
    await folders(phone);
    assert.deepEqual(await inboxSubjects(phone), ['Wait for IT']);
    const inbox = phone.folder('Inbox');
    ok(await runCli(app, ['mobile', 'setABQMessage', 'domain', 'a.test', 'quarantined', 'default', 'subject', 'Still waiting']));
    // The message cache lives a few seconds on each process: wait for the change to show.
    // An email's content never changes on a phone: the old notice goes, the new one comes.
    let changed: string[] = [];
    let deleted: string[] = [];
    const before = phone.key(inbox);
    for (let i = 0; i < 40 && changed.length === 0; i++) {
      const r = await phone.sync(inbox);
      changed = commandsOf(r, 'Add').map((c) => textOf(child(c, 'AirSync:ApplicationData'), 'Email:Subject') ?? '');
      deleted = serverIds(r, 'Delete');
      if (changed.length === 0) await new Promise((res) => setTimeout(res, 250));
    }
    assert.deepEqual(changed, ['Still waiting']);
    assert.equal(deleted.length, 1);
    assert.notEqual(phone.key(inbox), before);
    const shown = ok(await runCli(app, ['mobile', 'getABQMessage', 'domain', 'a.test', 'quarantined', 'all']));
    assert.equal(fields(shown).get('subject'), 'Still waiting');
    const builtIn = ok(await runCli(app, ['mobile', 'getABQMessage', 'global', 'blocked', 'default']));
    assert.equal(fields(builtIn).get('stored'), 'false');
    ok(await runCli(app, ['mobile', 'deleteABQMessage', 'domain', 'a.test', 'quarantined', 'default']));
    assert.equal(serverIds(await phone.sync(inbox), 'Add').length, 0);
  });

  test('a mode change moves the devices it concerns at once: a held Ping ends', async () => {
    const phone = new Phone(app, ann, 'NEW5');
    await folders(phone);
    const inbox = phone.folder('Inbox');
    await phone.sync(inbox);
    await phone.sync(inbox);
    const held = phone.ping([inbox], 300);
    await phone.held();
    const r = await adminCall(app, 'PUT', `/config/account/${ann.email}`, { key: 'abqMode', value: 'Permissive' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok((r.json.moved as number) >= 1);
    assert.equal(intOf((await held).root ?? undefined, 'Ping:Status'), 7);
    assert.ok((await folders(phone)).names.includes('Sent'));
    ok(await runCli(app, ['config', 'set', 'account', ann.email, 'abqMode', 'default']));
  });

  test('doStopService abq: a quarantined device syncs its real mailbox; doStartService sends it back', async () => {
    const phone = new Phone(app, ann, 'NEW6');
    const quarantined = await folders(phone);
    assert.deepEqual(quarantined.names, ['Inbox']);
    ok(await runCli(app, ['mobile', 'doStopService', 'abq']));
    // Moved like any ABQ change: its stand-in keys are void, from 0 it gets the real folders and mail.
    const stale = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', quarantined.key)));
    assert.equal(intOf(stale.root ?? undefined, 'FolderHierarchy:Status'), 9);
    assert.ok((await folders(phone)).names.includes('Sent'));
    assert.deepEqual(await inboxSubjects(phone), ['Real one', 'Real two']);
    ok(await runCli(app, ['mobile', 'doStartService', 'abq']));
    assert.deepEqual((await folders(phone)).names, ['Inbox']);
    assert.deepEqual(await inboxSubjects(phone), ['Your device is waiting for approval']);
  });
});
