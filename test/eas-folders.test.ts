// FolderSync, FolderCreate, FolderUpdate, FolderDelete over HTTP with real WBXML: keys, replay of a
// lost answer, no echo of the device's own changes, statuses, and isolation between accounts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, el, intOf, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';

describe('EAS folder hierarchy', () => {
  let app: TestApp;
  const ann = { user: 'ann@example.com', password: 'ann-password-1' };
  const bob = { user: 'bob@example.com', password: 'bob-password-1' };

  const fs = async (who: typeof ann, key: string, deviceId = 'phone1') => {
    const r = await easRequest(app, { ...who, cmd: 'FolderSync', deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)) });
    assert.equal(r.status, 200);
    return { res: r, root: r.root! };
  };
  const status = (root: WbxmlElement) => intOf(root, 'FolderHierarchy:Status');
  const keyOf = (root: WbxmlElement) => textOf(root, 'FolderHierarchy:SyncKey')!;
  const changes = (root: WbxmlElement) => {
    const c = child(root, 'FolderHierarchy:Changes');
    return (c?.children ?? []).filter((n): n is WbxmlElement => typeof n === 'object' && 'tag' in n && n.tag !== 'Count').map((e) => ({
      op: e.tag, id: textOf(e, 'FolderHierarchy:ServerId'), parent: textOf(e, 'FolderHierarchy:ParentId'),
      name: textOf(e, 'FolderHierarchy:DisplayName'), type: intOf(e, 'FolderHierarchy:Type'),
    }));
  };
  const edit = async (who: typeof ann, cmd: string, fields: Array<[string, string | number]>, deviceId = 'phone1') => {
    const r = await easRequest(app, {
      ...who, cmd, deviceId, version: '14.1',
      body: el(`FolderHierarchy:${cmd}` as 'FolderHierarchy:FolderCreate', fields.map(([k, v]) => el(`FolderHierarchy:${k}` as 'FolderHierarchy:SyncKey', String(v)))),
    });
    assert.equal(r.status, 200);
    return r.root!;
  };

  before(async () => {
    app = await startTestApp();
    await app.directory.createAccount({ email: ann.user, password: ann.password });
    await app.directory.createAccount({ email: bob.user, password: bob.password });
  });
  after(() => app.stop());

  test('FolderSync 0: every default folder with its EAS type, parents at the top, protocol headers resent', async () => {
    const { res, root } = await fs(ann, '0');
    assert.equal(status(root), 1);
    assert.match(keyOf(root), /^\{[0-9a-f-]{36}\}1$/);
    assert.ok(res.headers.get('ms-asprotocolversions'));
    const list = changes(root);
    assert.equal(intOf(child(root, 'FolderHierarchy:Changes'), 'FolderHierarchy:Count'), 10);
    assert.deepEqual(list.map((c) => [c.name, c.type, c.parent]), [
      ['Inbox', 2, '0'], ['Drafts', 3, '0'], ['Sent', 5, '0'], ['Trash', 4, '0'], ['Junk', 12, '0'],
      ['Outbox', 6, '0'], ['Contacts', 9, '0'], ['Calendar', 8, '0'], ['Tasks', 7, '0'], ['Notes', 10, '0'],
    ]);
    assert.ok(list.every((c) => c.op === 'Add' && /^\d+$/.test(c.id ?? '')));
  });

  test('same key when nothing changed; a server-side change arrives once; a resent key gets the same bytes', async () => {
    const k1 = keyOf((await fs(ann, '0', 'phone2')).root);
    const same = await fs(ann, k1, 'phone2');
    assert.equal(keyOf(same.root), k1);
    assert.equal(changes(same.root).length, 0);
    const a = (await app.store.accounts.getByEmail(ann.user))!;
    const f = await app.store.mailbox.createFolder(a.id, { parentId: null, name: 'Projects', kind: 'mail' });
    const sub = await app.store.mailbox.createFolder(a.id, { parentId: f.id, name: 'Alpha', kind: 'calendar' });
    const second = await fs(ann, k1, 'phone2');
    const k2 = keyOf(second.root);
    assert.notEqual(k2, k1);
    assert.deepEqual(changes(second.root).map((c) => [c.op, c.name, c.parent, c.type]), [['Add', 'Projects', '0', 12], ['Add', 'Alpha', String(f.id), 13]]);
    const resent = await fs(ann, k1, 'phone2');
    assert.deepEqual(resent.res.raw, second.res.raw, 'identical answer to a resent request');
    assert.equal(changes((await fs(ann, k2, 'phone2')).root).length, 0);
    assert.equal(status((await fs(ann, k1.replace(/\d+$/, '0'), 'phone2')).root), 9, 'an older key is refused');
    await app.store.mailbox.updateFolder(a.id, f.id, { name: 'Projects 2026' });
    await app.store.mailbox.deleteFolder(a.id, f.id);
    const third = await fs(ann, k2, 'phone2');
    assert.deepEqual(changes(third.root).map((c) => [c.op, c.id]), [['Delete', String(sub.id)], ['Delete', String(f.id)]], 'children first');
  });

  test('unknown or foreign keys get Status 9; a body without SyncKey Status 10', async () => {
    assert.equal(status((await fs(ann, 'garbage')).root), 9);
    assert.equal(status((await fs(ann, '{00000000-0000-0000-0000-000000000000}1')).root), 9);
    const annKey = keyOf((await fs(ann, '0', 'shared1')).root);
    await fs(bob, '0', 'shared1');
    assert.equal(status((await fs(bob, annKey, 'shared1')).root), 9, "one account's key is nothing to another account on the same phone");
    const r = await easRequest(app, { ...ann, cmd: 'FolderSync', deviceId: 'phone1', version: '14.1', body: el('FolderHierarchy:FolderSync') });
    assert.equal(status(r.root!), 10);
  });

  test('two accounts on one DeviceId see only their own folders', async () => {
    const a = (await app.store.accounts.getByEmail(ann.user))!;
    await app.store.mailbox.createFolder(a.id, { parentId: null, name: 'Ann only', kind: 'mail' });
    const annList = changes((await fs(ann, '0', 'shared2')).root).map((c) => c.name);
    const bobList = changes((await fs(bob, '0', 'shared2')).root).map((c) => c.name);
    assert.ok(annList.includes('Ann only'));
    assert.ok(!bobList.includes('Ann only'));
    const annIds = new Set(changes((await fs(ann, '0', 'shared2')).root).map((c) => c.id));
    assert.ok(changes((await fs(bob, '0', 'shared2')).root).every((c) => !annIds.has(c.id)));
  });

  test('FolderCreate, FolderUpdate, FolderDelete: statuses, new keys, and no echo to the device that made them', async () => {
    const k0 = keyOf((await fs(ann, '0', 'editor')).root);
    const inboxId = changes((await fs(ann, '0', 'watcher')).root).find((c) => c.name === 'Inbox')!.id!;
    let k = keyOf((await fs(ann, '0', 'editor')).root);
    assert.notEqual(k, k0);
    const created = await edit(ann, 'FolderCreate', [['SyncKey', k], ['ParentId', inboxId], ['DisplayName', 'Receipts'], ['Type', 12]], 'editor');
    assert.equal(intOf(created, 'FolderHierarchy:Status'), 1);
    const newId = textOf(created, 'FolderHierarchy:ServerId')!;
    k = textOf(created, 'FolderHierarchy:SyncKey')!;
    assert.equal(changes((await fs(ann, k, 'editor')).root).length, 0, 'its own create is not echoed');
    assert.equal(intOf(await edit(ann, 'FolderCreate', [['SyncKey', k], ['ParentId', inboxId], ['DisplayName', 'receipts'], ['Type', 12]], 'editor'), 'FolderHierarchy:Status'), 2);
    assert.equal(intOf(await edit(ann, 'FolderCreate', [['SyncKey', k], ['ParentId', '999999'], ['DisplayName', 'X'], ['Type', 12]], 'editor'), 'FolderHierarchy:Status'), 5);
    const stale = await edit(ann, 'FolderCreate', [['SyncKey', k0], ['ParentId', '0'], ['DisplayName', 'Y'], ['Type', 12]], 'editor');
    assert.equal(intOf(stale, 'FolderHierarchy:Status'), 9);
    assert.equal(textOf(stale, 'FolderHierarchy:SyncKey'), undefined, 'no key on failure');

    const renamed = await edit(ann, 'FolderUpdate', [['SyncKey', k], ['ServerId', newId], ['ParentId', '0'], ['DisplayName', 'Bills']], 'editor');
    assert.equal(intOf(renamed, 'FolderHierarchy:Status'), 1);
    k = textOf(renamed, 'FolderHierarchy:SyncKey')!;
    assert.equal(intOf(await edit(ann, 'FolderUpdate', [['SyncKey', k], ['ServerId', inboxId], ['ParentId', '0'], ['DisplayName', 'Box']], 'editor'), 'FolderHierarchy:Status'), 3);
    assert.equal(intOf(await edit(ann, 'FolderUpdate', [['SyncKey', k], ['ServerId', '999999'], ['ParentId', '0'], ['DisplayName', 'Z']], 'editor'), 'FolderHierarchy:Status'), 4);
    assert.equal(intOf(await edit(ann, 'FolderUpdate', [['SyncKey', k], ['ServerId', newId], ['ParentId', newId], ['DisplayName', 'Bills']], 'editor'), 'FolderHierarchy:Status'), 5);

    const watched = await fs(ann, keyOf((await fs(ann, '0', 'watcher')).root), 'watcher');
    assert.equal(changes(watched.root).length, 0);
    // The other device of the account sees what the editor did.
    const w0 = keyOf((await fs(ann, '0', 'watcher2')).root);
    const deleted = await edit(ann, 'FolderDelete', [['SyncKey', k], ['ServerId', newId]], 'editor');
    assert.equal(intOf(deleted, 'FolderHierarchy:Status'), 1);
    k = textOf(deleted, 'FolderHierarchy:SyncKey')!;
    assert.equal(changes((await fs(ann, k, 'editor')).root).length, 0);
    assert.deepEqual(changes((await fs(ann, w0, 'watcher2')).root).map((c) => [c.op, c.id]), [['Delete', newId]]);
    assert.equal(intOf(await edit(ann, 'FolderDelete', [['SyncKey', k], ['ServerId', inboxId]], 'editor'), 'FolderHierarchy:Status'), 3);
    assert.equal(intOf(await edit(ann, 'FolderDelete', [['SyncKey', k], ['ServerId', newId]], 'editor'), 'FolderHierarchy:Status'), 4);
  });

  test('after the device state is reset, the old key gets Status 9 and key 0 starts over', async () => {
    const k = keyOf((await fs(ann, '0', 'resetme')).root);
    const a = (await app.store.accounts.getByEmail(ann.user))!;
    const dev = (await app.store.devices.list(a.id)).find((d) => d.deviceId === 'resetme')!;
    await app.store.deviceState.reset(a.id, dev.deviceId);
    assert.equal(status((await fs(ann, k, 'resetme')).root), 9);
    assert.equal(status((await fs(ann, '0', 'resetme')).root), 1);
  });
});
