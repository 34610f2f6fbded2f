// MoveItems on the wire (MS-ASCMD 2.2.1.12): success with the new ServerId, statuses 1, 2, 4, 5 and the
// malformed request; the moving device's next Syncs show neither a Delete nor a duplicate Add, while a
// second device sees the Delete in the source and the Add, with the same new ServerId, in the
// destination; a device without a state for the destination gets the item once when it starts one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { easRequest, type EasResponse } from './helpers/eas-client.js';
import { crlf, Phone, serverIds } from './helpers/phone.js';

const as = ns('AirSync');
const mv = ns('Move');
const gie = ns('GetItemEstimate');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS MoveItems (${backend})`, () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  let inbox: Folder;
  let archive: Folder;
  let contacts: Folder;
  const items: Item[] = [];
  /** Each device, with its current key per collection. */
  const phones = new Map<string, Phone>();
  const phone = (deviceId: string): Phone => {
    if (!phones.has(deviceId)) phones.set(deviceId, new Phone(app, { email: ann.email, password: pw }, deviceId));
    return phones.get(deviceId)!;
  };
  const sync = (deviceId: string, folder: Folder): Promise<EasResponse> => phone(deviceId).sync(String(folder.id), { windowSize: 512 });
  /** Sync 0, then everything. */
  const start = async (deviceId: string, folder: Folder): Promise<string[]> => {
    phone(deviceId).forget(String(folder.id));
    await sync(deviceId, folder);
    return serverIds(await sync(deviceId, folder), 'Add');
  };
  const moveItems = async (moves: Array<[string, string, string]>, deviceId = 'phone1', user = ann.email, password = pw) => {
    const r = await easRequest(app, {
      cmd: 'MoveItems', user, password, deviceId, version: '14.1',
      body: mv('MoveItems', moves.map(([src, from, to]) => mv('Move', mv('SrcMsgId', src), mv('SrcFldId', from), mv('DstFldId', to)))),
    });
    assert.equal(r.status, 200);
    return children(r.root ?? undefined, 'Move:Response').map((x) => ({
      src: textOf(x, 'Move:SrcMsgId'), status: intOf(x, 'Move:Status'), dst: textOf(x, 'Move:DstMsgId'),
    }));
  };
  const estimate = async (deviceId: string, folder: Folder): Promise<number | undefined> => {
    const r = await easRequest(app, {
      cmd: 'GetItemEstimate', user: ann.email, password: pw, deviceId, version: '14.1',
      body: gie('GetItemEstimate', gie('Collections', gie('Collection', as('SyncKey', phone(deviceId).key(String(folder.id))), gie('CollectionId', String(folder.id))))),
    });
    return intOf(child(child(r.root ?? undefined, 'GetItemEstimate:Response'), 'GetItemEstimate:Collection'), 'GetItemEstimate:Estimate');
  };
  const sid = (folder: Folder, item: Item): string => `${folder.id}:${item.id}`;

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    contacts = (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!;
    archive = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Archive', kind: 'mail' });
    for (let i = 0; i < 6; i++) {
      const raw = Buffer.from(crlf(['From: zed@example.net', 'To: ann@example.com', `Subject: M${i}`, `Message-ID: <m${i}@example.net>`, '', 'Hi.']));
      items.push(await app.store.mailbox.addMessage(ann.id, inbox.id, { raw, meta: await parseMessageMeta(raw) }));
    }
    for (const d of ['phone1', 'phone2']) {
      await phone(d).folderSync();
      assert.equal((await start(d, inbox)).length, 6);
      assert.equal((await start(d, archive)).length, 0);
    }
  });
  after(() => app.stop());

  test('success: Status 3 and the new ServerId; no echo to the mover, Delete + Add on the other phone', async () => {
    const m = items[0]!;
    const [r] = await moveItems([[sid(inbox, m), String(inbox.id), String(archive.id)]]);
    assert.deepEqual(r, { src: sid(inbox, m), status: 3, dst: sid(archive, m) });
    assert.equal((await app.store.mailbox.getItem(ann.id, m.id))!.folderId, archive.id);

    assert.equal(await estimate('phone1', inbox), 0);
    assert.equal(await estimate('phone1', archive), 0);
    const src1 = await sync('phone1', inbox);
    assert.equal(src1.raw.length, 0, 'no Delete for the device that moved it');
    const dst1 = await sync('phone1', archive);
    assert.equal(dst1.raw.length, 0, 'no duplicate Add either');

    assert.equal(await estimate('phone2', inbox), 1);
    assert.equal(await estimate('phone2', archive), 1);
    assert.deepEqual(serverIds(await sync('phone2', inbox), 'Delete'), [sid(inbox, m)]);
    assert.deepEqual(serverIds(await sync('phone2', archive), 'Add'), [r?.dst]);

    // Later changes of the moved item still reach the mover, under the new id.
    await app.store.mailbox.updateItem(ann.id, m.id, { flags: { seen: true } });
    assert.deepEqual(serverIds(await sync('phone1', archive), 'Change'), [sid(archive, m)]);
  });

  test('a device with no state for the destination gets the item once when it starts syncing it', async () => {
    const m = items[1]!;
    await phone('phone3').folderSync();
    assert.equal((await start('phone3', inbox)).length, 5);
    const [r] = await moveItems([[sid(inbox, m), String(inbox.id), String(archive.id)]], 'phone3');
    assert.equal(r!.status, 3);
    assert.equal((await sync('phone3', inbox)).raw.length, 0);
    const adds = await start('phone3', archive);
    assert.deepEqual(adds.filter((a) => a === sid(archive, m)), [sid(archive, m)]);
    assert.equal(new Set(adds).size, adds.length);
  });

  test('statuses 1, 2, 4, 5 in one request, answered in order; nothing moves', async () => {
    const m = items[2]!;
    const results = await moveItems([
      [`${inbox.id}:999999`, String(inbox.id), String(archive.id)],
      [sid(inbox, items[0]!), String(inbox.id), String(archive.id)], // already moved away
      [sid(inbox, m), String(archive.id), String(inbox.id)], // SrcFldId not the item's folder
      [sid(inbox, m), String(inbox.id), '999999'],
      [sid(inbox, m), String(inbox.id), String(inbox.id)],
      [sid(inbox, m), String(inbox.id), String(contacts.id)],
    ]);
    assert.deepEqual(results.map((x) => x.status), [1, 1, 1, 2, 4, 5]);
    assert.deepEqual(results.map((x) => x.dst), [undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.equal((await app.store.mailbox.getItem(ann.id, m.id))!.folderId, inbox.id);
  });

  test("another account cannot move Ann's item; a malformed request gets the common status", async () => {
    const m = items[3]!;
    const [r] = await moveItems([[sid(inbox, m), String(inbox.id), String(archive.id)]], 'phoneB', 'bob@example.com', 'bob-password-1');
    assert.equal(r!.status, 1);
    assert.equal((await app.store.mailbox.getItem(ann.id, m.id))!.folderId, inbox.id);
    const bad = await easRequest(app, { cmd: 'MoveItems', user: ann.email, password: pw, deviceId: 'phone1', version: '14.1', body: mv('MoveItems') });
    assert.equal(intOf(bad.root ?? undefined, 'Move:Status'), 103);
  });

  test('several moves at once; back again to the source works the same way', async () => {
    const [a, b] = [items[4]!, items[5]!];
    // Both phones catch up with the earlier tests' moves first.
    for (const d of ['phone1', 'phone2']) for (const f of [inbox, archive]) await sync(d, f);
    const there = await moveItems([
      [sid(inbox, a), String(inbox.id), String(archive.id)],
      [sid(inbox, b), String(inbox.id), String(archive.id)],
    ]);
    assert.deepEqual(there.map((x) => [x.status, x.dst]), [[3, sid(archive, a)], [3, sid(archive, b)]]);
    const back = await moveItems([[sid(archive, a), String(archive.id), String(inbox.id)]]);
    assert.deepEqual(back.map((x) => [x.status, x.dst]), [[3, sid(inbox, a)]]);
    assert.equal((await sync('phone1', inbox)).raw.length, 0);
    assert.equal((await sync('phone1', archive)).raw.length, 0);
    assert.deepEqual(serverIds(await sync('phone2', archive), 'Add'), [sid(archive, b)]);
    const src2 = await sync('phone2', inbox);
    assert.deepEqual(serverIds(src2, 'Delete'), [sid(inbox, b)], 'a went and came back: only b is gone for phone2');
    assert.deepEqual(serverIds(src2, 'Change'), [sid(inbox, a)], 'a keeps its ServerId there');
  });
});
