// Notes over EAS (MS-ASNOTE) on two phones, and the ClientId memory of client Adds (MS-ASCMD 2.2.3.28.1):
// a note made on one phone reaches the other field by field; a resent Add with the previous SyncKey gets
// the same ServerId and creates nothing new; changes and deletes travel both ways.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest, type EasResponse } from './helpers/eas-client.js';

const as = ns('AirSync');
const nt = ns('Notes');
const asb = ns('AirSyncBase');

describe('EAS Notes and client Adds', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  let notesId = '';

  const sync = (deviceId: string, key: string, commands: WbxmlElement[] = []) => easRequest(app, {
    cmd: 'Sync', user: ann.email, password: pw, deviceId, version: '16.1',
    body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', notesId),
      as('Options', asb('BodyPreference', asb('Type', 1))), commands.length > 0 && as('Commands', commands)))),
  });
  const coll = (r: EasResponse) => child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;
  const keyOf = (r: EasResponse) => textOf(coll(r), 'AirSync:SyncKey')!;
  const note = (subject: string, body: string, cats: string[]) => as('ApplicationData',
    asb('Body', asb('Type', 1), asb('Data', body)), nt('Subject', subject), nt('MessageClass', 'IPM.StickyNote'),
    nt('Categories', cats.map((c) => nt('Category', c))));
  const fields = (data: WbxmlElement) => ({
    subject: textOf(data, 'Notes:Subject'),
    body: textOf(child(data, 'AirSyncBase:Body'), 'AirSyncBase:Data'),
    messageClass: textOf(data, 'Notes:MessageClass'),
    categories: children(child(data, 'Notes:Categories'), 'Notes:Category').map((c) => text(c)),
  });
  const start = async (deviceId: string) => {
    const fs = await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId, version: '16.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const notes = children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === 10)!;
    notesId = textOf(notes, 'FolderHierarchy:ServerId')!;
    return keyOf(await sync(deviceId, '0'));
  };
  const storedNotes = async () => app.store.mailbox.listItems(ann.id, (await app.store.mailbox.getFolderByRole(ann.id, 'notes'))!.id);

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(() => app.stop());

  test('a note added on one phone, resent with the previous key, exists once and reaches the other phone unchanged', async () => {
    const k1 = await start('phone1');
    let k2 = await start('phone2');
    const add = [as('Add', as('ClientId', 'c-1'), note('Milk', 'Two litres, semi-skimmed.', ['Home', 'Errands']))];
    const first = await sync('phone1', k1, add);
    const resp = child(child(coll(first), 'AirSync:Responses'), 'AirSync:Add')!;
    assert.deepEqual([textOf(resp, 'AirSync:ClientId'), intOf(resp, 'AirSync:Status')], ['c-1', 1]);
    const serverId = textOf(resp, 'AirSync:ServerId')!;
    const again = await sync('phone1', k1, add);
    assert.deepEqual(again.raw, first.raw, 'the resent Add gets the identical answer');
    assert.equal((await storedNotes()).length, 1, 'and creates nothing new');
    const onTwo = await sync('phone2', k2);
    const added = children(child(coll(onTwo), 'AirSync:Commands'), 'AirSync:Add');
    assert.deepEqual(added.map((a) => textOf(a, 'AirSync:ServerId')), [serverId]);
    assert.deepEqual(fields(child(added[0], 'AirSync:ApplicationData')!), {
      subject: 'Milk', body: 'Two litres, semi-skimmed.', messageClass: 'IPM.StickyNote', categories: ['Home', 'Errands'],
    });
    k2 = keyOf(onTwo);
    assert.equal((await sync('phone1', keyOf(first))).raw.length, 0, 'its own note is not echoed back');

    // Phone 2 changes the subject only; phone 1 gets the whole note with the body kept.
    const changed = await sync('phone2', k2, [as('Change', as('ServerId', serverId), as('ApplicationData', nt('Subject', 'Milk and eggs')))]);
    k2 = keyOf(changed);
    const onOne = await sync('phone1', keyOf(first));
    const change = children(child(coll(onOne), 'AirSync:Commands'), 'AirSync:Change')[0]!;
    assert.deepEqual(fields(child(change, 'AirSync:ApplicationData')!), {
      subject: 'Milk and eggs', body: 'Two litres, semi-skimmed.', messageClass: 'IPM.StickyNote', categories: ['Home', 'Errands'],
    });
    const deleted = await sync('phone1', keyOf(onOne), [as('Delete', as('ServerId', serverId))]);
    assert.equal(intOf(coll(deleted), 'AirSync:Status'), 1);
    assert.equal((await storedNotes()).length, 0);
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    assert.equal((await app.store.mailbox.listItems(ann.id, trash.id)).filter((i) => i.kind === 'note').length, 0, 'a deleted note is not moved to the mail Trash');
    const gone = await sync('phone2', k2);
    assert.deepEqual(children(child(coll(gone), 'AirSync:Commands'), 'AirSync:Delete').map((d) => textOf(d, 'AirSync:ServerId')), [serverId]);
  });

  test('a client Add in a mail folder is refused per item and creates nothing', async () => {
    const fs = await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId: 'phone3', version: '16.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const inbox = textOf(children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')[0], 'FolderHierarchy:ServerId')!;
    const s = (key: string, cmds: WbxmlElement[] = []) => easRequest(app, {
      cmd: 'Sync', user: ann.email, password: pw, deviceId: 'phone3', version: '16.1',
      body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inbox), cmds.length > 0 && as('Commands', cmds)))),
    });
    const k = keyOf(await s('0'));
    const r = await s(k, [as('Add', as('ClientId', 'm-1'), as('ApplicationData', el('Email:Subject', 'x')))]);
    assert.equal(intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Add'), 'AirSync:Status'), 6);
    const inboxFolder = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    assert.equal(await app.store.mailbox.countItems(ann.id, inboxFolder.id), 0);
  });
});
