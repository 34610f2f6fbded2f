// Per-folder sync exclusion on the wire (issue 15, `carbonio mobile disableFolderSync`): a phone syncs a
// user folder; the admin excludes it (CLI in-process, then the API): the next FolderSync deletes it, Sync
// answers Status 12, GetItemEstimate Status 2 and MoveItems into it Status 2 as for an unknown folder, ItemOperations and Search do
// not find its items, a held Ping returns 7; a sub-folder goes with its parent; system folders are refused; a
// delegated admin of another domain gets 403. Enabled again: FolderSync adds it back and a Sync from key 0
// brings its items.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { child, children, el, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, Folder } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, fields, ok, runCli } from './helpers/cli.js';
import { pgUrl } from './helpers/pg.js';
import { collection, crlf, Phone, serverIds } from './helpers/phone.js';

const as = ns('AirSync');
const gie = ns('GetItemEstimate');
const io = ns('ItemOperations');
const fh = ns('FolderHierarchy');
const se = ns('Search');
const mv = ns('Move');

/** Subjects a mailbox Search for `word` finds (every folder of the phone). */
async function searchSubjects(phone: Phone, word: string): Promise<string[]> {
  const r = await phone.request('Search', se('Search', se('Store', se('Name', 'Mailbox'), se('Query', se('And', se('FreeText', word))), se('Options', se('Range', '0-9')))));
  const store = child(child(r.root ?? undefined, 'Search:Response'), 'Search:Store');
  // No match is one empty Result (MS-ASCMD 2.2.3.147.1): no subject.
  return children(store, 'Search:Result').map((x) => textOf(child(x, 'Search:Properties'), 'Email:Subject')).filter((x) => x !== undefined);
}

const ann = { email: 'ann@a.test', password: 'ann-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };

interface Changes { key: string; adds: string[]; deletes: string[] }

/** An incremental FolderSync (the Phone helper only starts from 0). */
async function folderSyncFrom(phone: Phone, key: string): Promise<Changes> {
  const r = await phone.request('FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)));
  assert.equal(intOf(r.root ?? undefined, 'FolderHierarchy:Status'), 1);
  const changes = child(r.root ?? undefined, 'FolderHierarchy:Changes');
  const ids = (op: 'Add' | 'Delete') => children(changes, op === 'Add' ? 'FolderHierarchy:Add' : 'FolderHierarchy:Delete').map((c) => textOf(c, 'FolderHierarchy:ServerId')!);
  return { key: textOf(r.root ?? undefined, 'FolderHierarchy:SyncKey')!, adds: ids('Add'), deletes: ids('Delete') };
}

/** FolderSync from key 0 (the Phone helper's does not keep the key); the folder list's key. */
async function firstKey(phone: Phone, expected: string): Promise<string> {
  const r = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', '0')));
  const ids = children(child(r.root ?? undefined, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').map((a) => textOf(a, 'FolderHierarchy:ServerId'));
  assert.ok(ids.includes(expected));
  return textOf(r.root ?? undefined, 'FolderHierarchy:SyncKey')!;
}

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`folder sync exclusion (${backend})`, () => {
  let app: TestApp;
  let account: Account;
  let projects: Folder;
  let sub: Folder;
  let phone: Phone;
  let hierarchyKey: string;
  const put = (folderId: string | number, enabled: unknown, who = app.admin) =>
    adminCall(app, 'PUT', `/accounts/${ann.email}/folders/${folderId}/sync`, { enabled }, who);

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [ann, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@b.test/delegated-domains/b.test')).status, 200);
    account = (await app.store.accounts.getByEmail(ann.email))!;
    projects = await app.store.mailbox.createFolder(account.id, { parentId: null, name: 'Projects', kind: 'mail' });
    sub = await app.store.mailbox.createFolder(account.id, { parentId: projects.id, name: 'Alpha', kind: 'mail' });
    for (let i = 0; i < 3; i++) {
      const raw = Buffer.from(crlf(['From: zed@example.net', `To: ${ann.email}`, `Subject: P${i}`, `Message-ID: <p${i}@example.net>`, '', 'Hi.']));
      await app.store.mailbox.addMessage(account.id, projects.id, { raw, meta: await parseMessageMeta(raw) });
    }
    phone = new Phone(app, ann, 'EXCL1');
    hierarchyKey = await firstKey(phone, String(projects.id));
    assert.equal((await phone.drain(String(projects.id))).added.length, 3);
    await phone.drain(String(sub.id));
    assert.ok(await app.store.deviceState.getCollection(account.id, asDeviceId(phone.deviceId), String(sub.id)));
  });
  after(() => app.stop());

  test('getFolders lists ids and the sync flag; a system folder and a bad value are refused', async () => {
    const lines = ok(await runCli(app, ['mobile', 'getFolders', ann.email]));
    assert.equal(lines[0], `folders of ${ann.email}`);
    const r = await adminCall(app, 'GET', `/accounts/${ann.email}/folders`);
    const folders = r.json.folders as Array<Record<string, unknown>>;
    assert.deepEqual(folders.find((f) => f.id === String(sub.id)), {
      id: String(sub.id), name: 'Alpha', path: '/Projects/Alpha', kind: 'mail', role: null, system: false, syncEnabled: true, onPhones: true,
    });
    const inbox = folders.find((f) => f.role === 'inbox')!;
    failed(await runCli(app, ['mobile', 'disableFolderSync', ann.email, String(inbox.id), 'true']), 1, /system folders/);
    assert.equal((await put(inbox.id as string, false)).status, 403);
    failed(await runCli(app, ['mobile', 'disableFolderSync', ann.email, String(projects.id), 'maybe']), 2, /true or false/);
    assert.equal((await put(projects.id, 'maybe')).status, 400);
    assert.equal((await put('999999', false)).status, 404);
    assert.equal((await put('x', false)).status, 404);
  });

  test('a delegated admin of another domain gets 403', async () => {
    assert.equal((await put(projects.id, false, boss)).status, 403);
    assert.equal((await adminCall(app, 'GET', `/accounts/${ann.email}/folders`, undefined, boss)).status, 403);
    assert.equal((await app.store.mailbox.getFolder(account.id, projects.id))?.syncDisabled, false);
  });

  test('excluded: a held Ping returns 7, FolderSync deletes it and its sub-folder, Sync, Ping, estimate, fetch answer as for an unknown folder', async () => {
    const collectionId = String(projects.id);
    const held = phone.ping([collectionId], 300);
    await phone.held();
    const lines = ok(await runCli(app, ['mobile', 'disableFolderSync', ann.email, collectionId, 'true']));
    assert.match(lines[0] ?? '', /excluded from mobile sync/);
    assert.equal(fields(lines).get('syncEnabled'), 'false');
    assert.equal(intOf((await held).root ?? undefined, 'Ping:Status'), 7);

    const changes = await folderSyncFrom(phone, hierarchyKey);
    assert.deepEqual(changes.deletes.sort(), [String(projects.id), String(sub.id)].sort());
    assert.deepEqual(changes.adds, []);
    hierarchyKey = changes.key;
    assert.equal(intOf(collection(await phone.sync(collectionId)), 'AirSync:Status'), 12);
    assert.equal(intOf(collection(await phone.sync(collectionId, { key: '0' })), 'AirSync:Status'), 12);
    assert.equal(intOf((await phone.ping([collectionId], 300)).root ?? undefined, 'Ping:Status'), 7);
    const est = await phone.request('GetItemEstimate', gie('GetItemEstimate', gie('Collections', gie('Collection', as('SyncKey', '1'), gie('CollectionId', collectionId)))));
    assert.equal(intOf(child(est.root ?? undefined, 'GetItemEstimate:Response'), 'GetItemEstimate:Status'), 2);
    const item = (await app.store.mailbox.listItems(account.id, projects.id))[0]!;
    const fetch = await phone.request('ItemOperations', io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), as('CollectionId', collectionId), as('ServerId', `${collectionId}:${item.id}`))));
    assert.equal(intOf(child(child(fetch.root ?? undefined, 'ItemOperations:Response'), 'ItemOperations:Fetch'), 'ItemOperations:Status'), 6);
    assert.deepEqual(await searchSubjects(phone, 'P1'), []);
    const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    const mail = await app.store.mailbox.addMessage(account.id, inbox.id, { raw: Buffer.from(crlf(['Subject: I', '', 'Hi.'])), meta: await parseMessageMeta(Buffer.from(crlf(['Subject: I', '', 'Hi.']))) });
    const move = await phone.request('MoveItems', mv('MoveItems', mv('Move', mv('SrcMsgId', `${inbox.id}:${mail.id}`), mv('SrcFldId', String(inbox.id)), mv('DstFldId', collectionId))));
    assert.equal(intOf(child(move.root ?? undefined, 'Move:Response'), 'Move:Status'), 2);
    // The listing shows the sub-folder's own flag on, and that phones do not see it.
    const listed = (await adminCall(app, 'GET', `/accounts/${ann.email}/folders`)).json.folders as Array<Record<string, unknown>>;
    assert.deepEqual(listed.filter((f) => f.role === null).map((f) => [f.path, f.syncEnabled, f.onPhones]), [['/Projects', false, false], ['/Projects/Alpha', true, false]]);
    // Nothing else changed: the next FolderSync is empty.
    assert.deepEqual((await folderSyncFrom(phone, hierarchyKey)).deletes, []);
  });

  test('enabled again (API): FolderSync adds it back and a Sync from 0 brings its items', async () => {
    const r = await put(projects.id, true);
    assert.equal(r.status, 200);
    assert.equal((r.json.folder as Record<string, unknown>).syncEnabled, true);
    // Every device forgot its position in the folder: it starts from SyncKey 0.
    for (const f of [projects, sub]) assert.equal(await app.store.deviceState.getCollection(account.id, asDeviceId(phone.deviceId), String(f.id)), null);
    const changes = await folderSyncFrom(phone, hierarchyKey);
    assert.deepEqual(changes.adds, [String(projects.id), String(sub.id)]);
    assert.deepEqual(changes.deletes, []);
    phone.forget(String(projects.id));
    const drained = await phone.drain(String(projects.id));
    assert.equal(drained.added.length, 3);
    assert.deepEqual(serverIds(await phone.sync(String(projects.id)), 'Add'), []);
    assert.deepEqual(await searchSubjects(phone, 'P1'), ['P1']);
  });
});
