// A phone's conversation, on the wire: FolderSync, Sync 0, the initial sync of a 1,000-message folder in
// windows, mail arriving over SMTP, flags and deletes from the phone reaching a second device, a resent
// request answered identically, reset and isolation between accounts on one DeviceId, Wait.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, el, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { readContent } from '../src/mail/content.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { until } from './helpers/wait.js';
import { asDeviceId } from '../src/core/ids.js';
import type { EasResponse } from './helpers/eas-client.js';
import { addMessages } from './helpers/mailbox.js';
import { collection as coll, commandsOf as cmds, crlf, deliver, Phone, serverIds as ids, syncKeyOf, type SyncOptions } from './helpers/phone.js';

const as = ns('AirSync');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS Sync of a mailbox (${backend})`, () => {
  let app: TestApp;
  let ann: Account;
  const annPw = 'ann-password-1';
  const bob = { email: 'bob@example.com', password: 'bob-password-1' };
  let inboxId = '';
  let trashId = '';
  /** A folder of 1,000 messages for the initial sync in windows; the Inbox has 40, enough for the rest. */
  let bulkId = '';

  const phone = (deviceId: string, who = { email: ann.email, password: annPw }): Phone => new Phone(app, who, deviceId);
  /** A phone that has listed its folders. */
  const listed = async (deviceId: string): Promise<Phone> => {
    const p = phone(deviceId);
    await p.folderSync();
    return p;
  };
  const keyOf = (r: EasResponse): string => syncKeyOf(r)!;
  const mail = (subject: string, body = 'Hello.') => Buffer.from(crlf([`From: Zed <zed@example.net>`, `To: ${ann.email}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.net>`, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', '', body]));
  /** The initial sync's window options: every Add of a window must fit it. */
  const windowed = (windowSize: number): SyncOptions => ({ windowSize, filterType: 0, bodyPreference: { type: 1, truncationSize: 200 } });

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: annPw });
    await app.directory.createAccount(bob);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const bulk = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Bulk', kind: 'mail' });
    const meta = await parseMessageMeta(mail('bulk'));
    // Stored as delivery stores mail, with its content parsed once (the bodies are all alike): without it
    // each message would be parsed when first rendered and its content written back one by one.
    const content = await readContent(mail('bulk'));
    const messages = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ raw: mail(`${prefix} ${i}`), meta: { ...meta, subject: `${prefix} ${i}` }, content }));
    await addMessages(app, ann.id, bulk.id, messages(1000, 'Message'));
    await addMessages(app, ann.id, inbox.id, messages(40, 'Inbox message'));
    const p1 = await listed('phone1');
    inboxId = p1.folder('Inbox');
    trashId = p1.folder('Trash');
    bulkId = p1.folder('Bulk');
  });
  after(() => app.stop());

  test('Sync 0 gives a key and no items; the initial sync brings every message once, in windows', async () => {
    const p1 = phone('phone1');
    const first = await p1.sync(bulkId);
    assert.equal(intOf(coll(first), 'AirSync:Status'), 1);
    assert.match(keyOf(first), /^\{[0-9a-f-]{36}\}1$/);
    assert.equal(cmds(first, 'Add').length, 0);
    // drain() fails on a window of more than 100 Adds: 1,000 messages take at least ten.
    const { added: seen } = await p1.drain(bulkId, windowed(100));
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000, 'every message once');
    const again = await p1.sync(bulkId);
    assert.equal(again.status, 200);
    assert.equal(again.raw.length, 0, 'nothing new: an empty answer (14.x)');
  });

  test('mail delivered over SMTP appears in the next Sync; a resent request gets the identical bytes', async () => {
    const p3 = await listed('phone3');
    const { key } = await p3.drain(inboxId, windowed(512));
    await deliver(app, ann.email, mail('Fresh news'));
    const r1 = await p3.sync(inboxId);
    const added = cmds(r1, 'Add');
    assert.equal(added.length, 1);
    assert.equal(textOf(child(added[0], 'AirSync:ApplicationData'), 'Email:Subject'), 'Fresh news');
    const r2 = await p3.sync(inboxId, { key });
    assert.deepEqual(r2.raw, r1.raw, 'same bytes for the same request with the previous key');
    const next = await p3.sync(inboxId, { key: keyOf(r1) });
    assert.equal(next.raw.length, 0, 'and nothing twice');
    const older = await p3.sync(inboxId, { key: key.replace(/\d+$/, (n) => String(Number(n) - 1)) });
    assert.equal(intOf(coll(older), 'AirSync:Status'), 3, 'an older key starts the collection over');
  });

  test('a read flag set on one phone is stored and reaches the second phone; a delete moves to Trash', async () => {
    const pa = await listed('phoneA');
    const pb = await listed('phoneB');
    await pa.drain(inboxId, windowed(512));
    await pb.drain(inboxId, windowed(512));
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [first, second] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 2 });
    const sidOf = (id: number) => `${inbox.id}:${id}`;
    const change = await pa.sync(inboxId, { commands: [
      as('Change', as('ServerId', sidOf(first!.id)), as('ApplicationData', el('Email:Read', '1'))),
      as('Delete', as('ServerId', sidOf(second!.id)))] });
    assert.equal(intOf(coll(change), 'AirSync:Status'), 1);
    assert.equal(cmds(change, 'Change').length, 0, 'its own change is not echoed');
    assert.equal((await app.store.mailbox.getItem(ann.id, first!.id))!.flags.seen, true);
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    assert.equal((await app.store.mailbox.getItem(ann.id, second!.id))!.folderId, trash.id, 'DeletesAsMoves: to Trash');
    const onB = await pb.sync(inboxId);
    assert.deepEqual(ids(onB, 'Change'), [sidOf(first!.id)]);
    assert.equal(textOf(child(cmds(onB, 'Change')[0], 'AirSync:ApplicationData'), 'Email:Read'), '1');
    assert.deepEqual(ids(onB, 'Delete'), [sidOf(second!.id)]);
    await pb.sync(trashId);
    const trashAdds = await pb.sync(trashId);
    assert.ok(ids(trashAdds, 'Add').includes(`${trash.id}:${second!.id}`), 'the moved message shows in Trash with its new ServerId');
    assert.equal((await pa.sync(inboxId)).raw.length, 0);
  });

  test('Fetch and per-item failures; unknown collection; statuses for bad requests', async () => {
    const pf = await listed('phoneF');
    await pf.sync(inboxId);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    const r = await pf.sync(inboxId, { getChanges: false, commands: [
      as('Fetch', as('ServerId', `${inbox.id}:${item!.id}`)),
      as('Change', as('ServerId', `${inbox.id}:999999`), as('ApplicationData', el('Email:Read', '1')))] });
    const responses = child(coll(r), 'AirSync:Responses')!;
    const fetch = child(responses, 'AirSync:Fetch')!;
    assert.equal(intOf(fetch, 'AirSync:Status'), 1);
    assert.ok(child(fetch, 'AirSync:ApplicationData'));
    assert.equal(intOf(child(responses, 'AirSync:Change'), 'AirSync:Status'), 8);
    const unknown = await pf.sync('999999');
    assert.equal(intOf(coll(unknown), 'AirSync:Status'), 12);
    const garbage = await pf.request('Sync', as('Sync', as('Collections', as('Collection', as('CollectionId', inboxId)))));
    assert.equal(intOf(garbage.root ?? undefined, 'AirSync:Status'), 4);
  });

  test('empty Sync reuses the cached request (Status 13 without one); Wait answers at once on a change', async () => {
    const pw = await listed('phoneW');
    const empty = await pw.request('Sync');
    assert.equal(intOf(empty.root ?? undefined, 'AirSync:Status'), 13);
    const { key } = await pw.drain(inboxId, windowed(512));
    const emptyAgain = await pw.request('Sync');
    assert.equal(emptyAgain.status, 200);
    assert.equal(emptyAgain.raw.length, 0);
    const bad = await pw.sync(inboxId, { key, top: [as('HeartbeatInterval', 30)] });
    assert.deepEqual([intOf(bad.root ?? undefined, 'AirSync:Status'), intOf(bad.root ?? undefined, 'AirSync:Limit')], [14, 60]);
    const t0 = Date.now();
    const held = pw.sync(inboxId, { key, top: [as('HeartbeatInterval', 120)] });
    await pw.held();
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail('Wake up'), meta: await parseMessageMeta(mail('Wake up')) });
    const r = await held;
    assert.ok(Date.now() - t0 < 30_000, 'answered on the change, not at its 120 s heartbeat');
    assert.equal(cmds(r, 'Add').length, 1);
  });

  test('Wait and HeartbeatInterval follow the configured heartbeat bounds Ping uses (Status 14 with that Limit)', async () => {
    const pb = await listed('phoneB');
    const { key } = await pb.drain(inboxId, windowed(512));
    const limit = async (top: WbxmlElement): Promise<[number | undefined, number | undefined]> => {
      const r = await pb.sync(inboxId, { key, top: [top] });
      return [intOf(r.root ?? undefined, 'AirSync:Status'), intOf(r.root ?? undefined, 'AirSync:Limit')];
    };
    const set = async (k: string, value: number) => assert.equal((await adminCall(app, 'PUT', '/config/global', { key: k, value })).status, 200);
    try {
      await set('maxPingHeartbeat', 600);
      await set('minPingHeartbeat', 120);
      assert.deepEqual(await limit(as('HeartbeatInterval', 900)), [14, 600], 'above the configured maximum');
      assert.deepEqual(await limit(as('Wait', 11)), [14, 600], 'Wait is in minutes: 660 s');
      assert.deepEqual(await limit(as('HeartbeatInterval', 90)), [14, 120], 'below the configured minimum, though above the default 60');
      assert.deepEqual(await limit(as('Wait', 1)), [14, 120]);
    } finally {
      await set('minPingHeartbeat', 60);
      await set('maxPingHeartbeat', 3540);
    }
    // Back at the defaults, 900 s is accepted: the request is held until a change answers it.
    const held = pb.sync(inboxId, { key, top: [as('HeartbeatInterval', 900)] });
    await until(() => app.sessions.count(ann.id, asDeviceId('phoneB')) > 0, 'the Sync of phoneB to be held');
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail('Bounds'), meta: await parseMessageMeta(mail('Bounds')) });
    const r = await held;
    assert.equal(intOf(coll(r), 'AirSync:Status'), 1);
    assert.equal(cmds(r, 'Add').length, 1);
  });

  test('reset: the old key gets Status 3 and a full re-sync brings the same items without duplicates', async () => {
    const pr = await listed('phoneR');
    // Windows of 10: the re-sync crosses several window boundaries.
    const before = await pr.drain(inboxId, windowed(10));
    assert.ok(before.added.length > 30 && before.rounds > 3, `${before.added.length} items in ${before.rounds} Syncs`);
    await app.store.deviceState.reset(ann.id, 'phoneR' as never);
    assert.equal(intOf(coll(await pr.sync(inboxId, { key: before.key })), 'AirSync:Status'), 3);
    pr.forget(inboxId);
    const again = await pr.drain(inboxId, windowed(10));
    assert.deepEqual(new Set(again.added), new Set(before.added));
    assert.equal(again.added.length, new Set(again.added).size);
  });

  test('loop safety net: a key resent again and again narrows the window, then skips and flags the item', async () => {
    const folder = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Loopy', kind: 'mail' });
    await addMessages(app, ann.id, folder.id, await Promise.all(Array.from({ length: 30 }, async (_, i) => ({ raw: mail(`Loop ${i}`), meta: await parseMessageMeta(mail(`Loop ${i}`)) }))));
    const id = String(folder.id);
    const pl = await listed('phoneL');
    const k1 = keyOf(await pl.sync(id));
    const first = await pl.sync(id, { key: k1 });
    assert.equal(ids(first, 'Add').length, 30);
    const again = await pl.sync(id, { key: k1 });
    assert.deepEqual(again.raw, first.raw, 'one resend: the same answer');
    const narrow = await pl.sync(id, { key: k1 });
    assert.equal(ids(narrow, 'Add').length, 25, 'second resend: window of 25');
    assert.ok(child(coll(narrow), 'AirSync:MoreAvailable'));
    const single = await pl.sync(id, { key: k1 });
    const culprit = ids(single, 'Add');
    assert.equal(culprit.length, 1, 'third resend: one item at a time');
    const skipped = await pl.sync(id, { key: k1 });
    assert.equal(ids(skipped, 'Add').length, 1);
    assert.notDeepEqual(ids(skipped, 'Add'), culprit, 'fourth resend: the item it chokes on is skipped');
    const row = await app.store.deviceState.getCollection(ann.id, 'phoneL' as never, id);
    const state = JSON.parse(row!.data) as { flagged?: Array<{ itemId: number }> };
    assert.deepEqual(state.flagged?.map((f) => `${folder.id}:${f.itemId}`), culprit, 'and flagged for the admin');
    let rest: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await pl.sync(id);
      if (r.raw.length === 0) break;
      rest = [...rest, ...ids(r, 'Add')];
    }
    assert.equal(rest.length, 28, 'the rest follows normally');
    assert.ok(!rest.includes(culprit[0]!));
  });

  test('FilterType: a narrower window sends SoftDelete for what left it; a wider one brings it back', async () => {
    const folder = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Aging', kind: 'mail' });
    const day = 86_400_000;
    const old = await app.store.mailbox.addMessage(ann.id, folder.id, { raw: mail('Old one'), meta: await parseMessageMeta(mail('Old one')), receivedAt: Date.now() - 20 * day });
    const recent = await app.store.mailbox.addMessage(ann.id, folder.id, { raw: mail('Recent one'), meta: await parseMessageMeta(mail('Recent one')), receivedAt: Date.now() - day });
    const id = String(folder.id);
    const pt = await listed('phoneT');
    await pt.sync(id, { filterType: 0 });
    const all = await pt.sync(id, { filterType: 0 });
    assert.deepEqual(new Set(ids(all, 'Add')), new Set([`${id}:${old.id}`, `${id}:${recent.id}`]));
    const week = await pt.sync(id, { filterType: 3 });
    assert.deepEqual(ids(week, 'SoftDelete'), [`${id}:${old.id}`], 'the 20-day-old message left the one-week window');
    const month = await pt.sync(id, { filterType: 5 });
    assert.deepEqual(ids(month, 'Add'), [`${id}:${old.id}`], 'back within one month');
  });

  test('server wins a conflict: the phone is told Status 7 and gets the server version', async () => {
    const pc = await listed('phoneC');
    await pc.drain(inboxId, windowed(512));
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    // The server changes the flag after the phone got the message...
    await app.store.mailbox.updateItem(ann.id, item!.id, { flags: { flagged: !item!.flags.flagged } });
    // ...and the phone changes its read state without having seen that.
    const r = await pc.sync(inboxId, { commands: [as('Change', as('ServerId', `${inbox.id}:${item!.id}`), as('ApplicationData', el('Email:Read', item!.flags.seen ? '0' : '1')))] });
    assert.equal(intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Change'), 'AirSync:Status'), 7);
    assert.deepEqual(ids(r, 'Change'), [`${inbox.id}:${item!.id}`], 'the server version comes in the same answer');
    assert.equal((await app.store.mailbox.getItem(ann.id, item!.id))!.flags.seen, item!.flags.seen, 'the phone change was not applied');
  });

  test('catch-up: what changed elsewhere while a phone was away arrives in windows, each item once, nothing past the window', async () => {
    const pc = await listed('phoneCatchUp');
    await pc.drain(inboxId, windowed(512));
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    const items = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 160 });
    const sidOf = (id: number) => `${inbox.id}:${id}`;
    // Read elsewhere: 0-149; then 100-139 moved to Trash and 140-159 deleted, so only 0-99 are Changes.
    for (const [i, item] of items.entries()) {
      if (i < 150) await app.store.mailbox.updateItem(ann.id, item.id, { flags: { seen: !item.flags.seen } });
    }
    for (const item of items.slice(100, 140)) await app.store.mailbox.moveItem(ann.id, item.id, trash.id);
    for (const item of items.slice(140, 160)) await app.store.mailbox.deleteItem(ann.id, item.id);
    const fresh = await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail('Catch-up news'), meta: await parseMessageMeta(mail('Catch-up news')) });
    const got = { Add: [] as string[], Change: [] as string[], Delete: [] as string[] };
    for (let round = 0; round < 20; round++) {
      const r = await pc.sync(inboxId, { windowSize: 25 });
      const window = (['Add', 'Change', 'Delete'] as const).map((k) => ids(r, k));
      assert.ok(window.flat().length <= 25, 'never more than the window');
      window.forEach((list, i) => got[(['Add', 'Change', 'Delete'] as const)[i]!].push(...list));
      if (!child(coll(r), 'AirSync:MoreAvailable')) break;
    }
    assert.deepEqual(got.Change, items.slice(0, 100).map((i) => sidOf(i.id)), 'the changes in log order, each once');
    assert.deepEqual(got.Delete, items.slice(100, 160).map((i) => sidOf(i.id)));
    assert.deepEqual(got.Add, [sidOf(fresh.id)]);
    assert.equal((await pc.sync(inboxId)).raw.length, 0, 'and then nothing');
  });

  test("two accounts on one DeviceId: no key, folder or ServerId of one works for the other", async () => {
    const annPhone = await listed('sharedPhone');
    const annKey = keyOf(await annPhone.sync(inboxId));
    const bobPhone = phone('sharedPhone', bob);
    assert.equal(intOf(coll(await bobPhone.sync(inboxId)), 'AirSync:Status'), 12, "Ann's Inbox is no folder of Bob's");
    const bobInbox = String((await app.store.mailbox.getFolderByRole((await app.store.accounts.getByEmail(bob.email))!.id, 'inbox'))!.id);
    const bobKey = keyOf(await bobPhone.sync(bobInbox));
    assert.equal(intOf(coll(await bobPhone.sync(bobInbox, { key: annKey })), 'AirSync:Status'), 3);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    const r = await bobPhone.sync(bobInbox, { key: bobKey, commands: [as('Change', as('ServerId', `${inbox.id}:${item!.id}`), as('ApplicationData', el('Email:Read', '0')))] });
    assert.equal(intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Change'), 'AirSync:Status'), 8);
    assert.equal((await app.store.mailbox.getItem(ann.id, item!.id))!.flags.seen, item!.flags.seen);
  });
});
