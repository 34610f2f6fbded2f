// A phone's conversation, on the wire: FolderSync, Sync 0, the initial sync of a 1,000-message Inbox in
// windows, mail arriving over SMTP, flags and deletes from the phone reaching a second device, a resent
// request answered identically, reset and isolation between accounts on one DeviceId, Wait.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { easRequest, type EasResponse } from './helpers/eas-client.js';
import { SmtpClient } from './helpers/smtp-client.js';
import { until } from './helpers/wait.js';
import { asDeviceId } from '../src/core/ids.js';

const as = ns('AirSync');
const crlf = (lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS Sync of a mailbox (${backend})`, () => {
  let app: TestApp;
  let ann: Account;
  const annPw = 'ann-password-1';
  let inboxId = '';
  let trashId = '';

  const sync = async (deviceId: string, key: string, collectionId: string, extra: WbxmlElement[] = [], opts: { version?: string; top?: WbxmlElement[]; user?: string; pw?: string } = {}): Promise<EasResponse> =>
    easRequest(app, {
      cmd: 'Sync', user: opts.user ?? ann.email, password: opts.pw ?? annPw, deviceId, version: opts.version ?? '14.1',
      body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', collectionId), ...extra)), ...(opts.top ?? [])),
    });
  const coll = (r: EasResponse): WbxmlElement => path(r.root, 'Collections', 'Collection');
  const path = (root: WbxmlElement | null, ...tags: string[]): WbxmlElement => {
    let cur = root ?? undefined;
    for (const t of tags) cur = child(cur, `AirSync:${t}` as 'AirSync:Sync');
    assert.ok(cur, `missing ${tags.join('/')}`);
    return cur;
  };
  const keyOf = (r: EasResponse) => textOf(coll(r), 'AirSync:SyncKey')!;
  const cmds = (r: EasResponse, kind: string) => children(child(coll(r), 'AirSync:Commands'), `AirSync:${kind}` as 'AirSync:Add');
  const ids = (r: EasResponse, kind: string) => cmds(r, kind).map((c) => textOf(c, 'AirSync:ServerId')!);
  const mail = (subject: string, body = 'Hello.') => Buffer.from(crlf([`From: Zed <zed@example.net>`, `To: ${ann.email}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.net>`, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', '', body]));
  const folderSync = async (deviceId: string) => {
    const r = await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: annPw, deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const adds = children(child(r.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add');
    return new Map(adds.map((a) => [textOf(a, 'FolderHierarchy:DisplayName')!, textOf(a, 'FolderHierarchy:ServerId')!]));
  };
  /** Syncs until MoreAvailable is gone; returns every Add's ServerId and the last key. */
  const drain = async (deviceId: string, key: string, window: number) => {
    const seen: string[] = [];
    let k = key;
    for (let round = 0; round < 100; round++) {
      const r = await sync(deviceId, k, inboxId, [as('WindowSize', window), as('Options', as('FilterType', 0), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 200)))]);
      if (r.raw.length === 0) break;
      k = keyOf(r);
      const got = ids(r, 'Add');
      assert.ok(got.length <= window);
      seen.push(...got);
      if (!child(coll(r), 'AirSync:MoreAvailable')) break;
    }
    return { seen, key: k };
  };

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: annPw });
    await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const meta = await parseMessageMeta(mail('bulk'));
    for (let i = 0; i < 1000; i++) {
      const raw = mail(`Message ${i}`);
      await app.store.mailbox.addMessage(ann.id, inbox.id, { raw, meta: { ...meta, subject: `Message ${i}` } });
    }
    const folders = await folderSync('phone1');
    inboxId = folders.get('Inbox')!;
    trashId = folders.get('Trash')!;
  });
  after(() => app.stop());

  test('Sync 0 gives a key and no items; the initial sync brings every message once, in windows', async () => {
    const first = await sync('phone1', '0', inboxId);
    assert.equal(intOf(coll(first), 'AirSync:Status'), 1);
    assert.match(keyOf(first), /^\{[0-9a-f-]{36}\}1$/);
    assert.equal(cmds(first, 'Add').length, 0);
    const { seen, key } = await drain('phone1', keyOf(first), 100);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000, 'every message once');
    const again = await sync('phone1', key, inboxId);
    assert.equal(again.status, 200);
    assert.equal(again.raw.length, 0, 'nothing new: an empty answer (14.x)');
  });

  test('mail delivered over SMTP appears in the next Sync; a resent request gets the identical bytes', async () => {
    await folderSync('phone3');
    const { key } = await drain('phone3', keyOf(await sync('phone3', '0', inboxId)), 512);
    const c = await SmtpClient.connect(app.smtpPort);
    await c.ehlo();
    assert.equal((await c.send('zed@example.net', [ann.email], mail('Fresh news').toString())).data?.code, 250);
    await c.quit();
    const r1 = await sync('phone3', key, inboxId);
    const added = cmds(r1, 'Add');
    assert.equal(added.length, 1);
    assert.equal(textOf(child(added[0], 'AirSync:ApplicationData'), 'Email:Subject'), 'Fresh news');
    const r2 = await sync('phone3', key, inboxId);
    assert.deepEqual(r2.raw, r1.raw, 'same bytes for the same request with the previous key');
    const next = await sync('phone3', keyOf(r1), inboxId);
    assert.equal(next.raw.length, 0, 'and nothing twice');
    const older = await sync('phone3', key.replace(/\d+$/, (n) => String(Number(n) - 1)), inboxId);
    assert.equal(intOf(coll(older), 'AirSync:Status'), 3, 'an older key starts the collection over');
  });

  test('a read flag set on one phone is stored and reaches the second phone; a delete moves to Trash', async () => {
    await folderSync('phoneA');
    await folderSync('phoneB');
    let a = (await drain('phoneA', keyOf(await sync('phoneA', '0', inboxId)), 512)).key;
    const b = (await drain('phoneB', keyOf(await sync('phoneB', '0', inboxId)), 512)).key;
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [first, second] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 2 });
    const sidOf = (id: number) => `${inbox.id}:${id}`;
    const change = await sync('phoneA', a, inboxId, [as('Commands',
      as('Change', as('ServerId', sidOf(first!.id)), as('ApplicationData', el('Email:Read', '1'))),
      as('Delete', as('ServerId', sidOf(second!.id))))]);
    assert.equal(intOf(coll(change), 'AirSync:Status'), 1);
    assert.equal(cmds(change, 'Change').length, 0, 'its own change is not echoed');
    a = keyOf(change);
    assert.equal((await app.store.mailbox.getItem(ann.id, first!.id))!.flags.seen, true);
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    assert.equal((await app.store.mailbox.getItem(ann.id, second!.id))!.folderId, trash.id, 'DeletesAsMoves: to Trash');
    const onB = await sync('phoneB', b, inboxId);
    assert.deepEqual(ids(onB, 'Change'), [sidOf(first!.id)]);
    assert.equal(textOf(child(cmds(onB, 'Change')[0], 'AirSync:ApplicationData'), 'Email:Read'), '1');
    assert.deepEqual(ids(onB, 'Delete'), [sidOf(second!.id)]);
    const trashOnB = await sync('phoneB', '0', trashId);
    const trashAdds = await sync('phoneB', keyOf(trashOnB), trashId);
    assert.ok(ids(trashAdds, 'Add').includes(`${trash.id}:${second!.id}`), 'the moved message shows in Trash with its new ServerId');
    assert.equal((await sync('phoneA', a, inboxId)).raw.length, 0);
  });

  test('Fetch and per-item failures; unknown collection; statuses for bad requests', async () => {
    await folderSync('phoneF');
    const k = keyOf(await sync('phoneF', '0', inboxId));
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    const r = await sync('phoneF', k, inboxId, [as('GetChanges', '0'), as('Commands',
      as('Fetch', as('ServerId', `${inbox.id}:${item!.id}`)),
      as('Change', as('ServerId', `${inbox.id}:999999`), as('ApplicationData', el('Email:Read', '1'))))]);
    const responses = child(coll(r), 'AirSync:Responses')!;
    const fetch = child(responses, 'AirSync:Fetch')!;
    assert.equal(intOf(fetch, 'AirSync:Status'), 1);
    assert.ok(child(fetch, 'AirSync:ApplicationData'));
    assert.equal(intOf(child(responses, 'AirSync:Change'), 'AirSync:Status'), 8);
    const unknown = await sync('phoneF', '0', '999999');
    assert.equal(intOf(coll(unknown), 'AirSync:Status'), 12);
    const garbage = await easRequest(app, { cmd: 'Sync', user: ann.email, password: annPw, deviceId: 'phoneF', version: '14.1', body: as('Sync', as('Collections', as('Collection', as('CollectionId', inboxId)))) });
    assert.equal(intOf(garbage.root ?? undefined, 'AirSync:Status'), 4);
  });

  test('empty Sync reuses the cached request (Status 13 without one); Wait answers at once on a change', async () => {
    await folderSync('phoneW');
    const empty = await easRequest(app, { cmd: 'Sync', user: ann.email, password: annPw, deviceId: 'phoneW', version: '14.1' });
    assert.equal(intOf(empty.root ?? undefined, 'AirSync:Status'), 13);
    const { key } = await drain('phoneW', keyOf(await sync('phoneW', '0', inboxId)), 512);
    const emptyAgain = await easRequest(app, { cmd: 'Sync', user: ann.email, password: annPw, deviceId: 'phoneW', version: '14.1' });
    assert.equal(emptyAgain.status, 200);
    assert.equal(emptyAgain.raw.length, 0);
    const bad = await sync('phoneW', key, inboxId, [], { top: [as('HeartbeatInterval', 30)] });
    assert.deepEqual([intOf(bad.root ?? undefined, 'AirSync:Status'), intOf(bad.root ?? undefined, 'AirSync:Limit')], [14, 60]);
    const t0 = Date.now();
    const held = sync('phoneW', key, inboxId, [], { top: [as('HeartbeatInterval', 120)] });
    await new Promise((r) => setTimeout(r, 200));
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail('Wake up'), meta: await parseMessageMeta(mail('Wake up')) });
    const r = await held;
    assert.ok(Date.now() - t0 < 30_000, 'answered on the change, not at its 120 s heartbeat');
    assert.equal(cmds(r, 'Add').length, 1);
  });

  test('Wait and HeartbeatInterval follow the configured heartbeat bounds Ping uses (Status 14 with that Limit)', async () => {
    await folderSync('phoneB');
    const { key } = await drain('phoneB', keyOf(await sync('phoneB', '0', inboxId)), 512);
    const limit = async (top: WbxmlElement): Promise<[number | undefined, number | undefined]> => {
      const r = await sync('phoneB', key, inboxId, [], { top: [top] });
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
    const held = sync('phoneB', key, inboxId, [], { top: [as('HeartbeatInterval', 900)] });
    await until(() => app.sessions.count(ann.id, asDeviceId('phoneB')) > 0, 'the Sync of phoneB to be held');
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail('Bounds'), meta: await parseMessageMeta(mail('Bounds')) });
    const r = await held;
    assert.equal(intOf(coll(r), 'AirSync:Status'), 1);
    assert.equal(cmds(r, 'Add').length, 1);
  });

  test('reset: the old key gets Status 3 and a full re-sync brings the same items without duplicates', async () => {
    await folderSync('phoneR');
    const before = await drain('phoneR', keyOf(await sync('phoneR', '0', inboxId)), 512);
    await app.store.deviceState.reset(ann.id, 'phoneR' as never);
    assert.equal(intOf(coll(await sync('phoneR', before.key, inboxId)), 'AirSync:Status'), 3);
    const again = await drain('phoneR', keyOf(await sync('phoneR', '0', inboxId)), 512);
    assert.deepEqual(new Set(again.seen), new Set(before.seen));
    assert.equal(again.seen.length, new Set(again.seen).size);
  });

  test('loop safety net: a key resent again and again narrows the window, then skips and flags the item', async () => {
    const folder = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Loopy', kind: 'mail' });
    for (let i = 0; i < 30; i++) await app.store.mailbox.addMessage(ann.id, folder.id, { raw: mail(`Loop ${i}`), meta: await parseMessageMeta(mail(`Loop ${i}`)) });
    const id = String(folder.id);
    await folderSync('phoneL');
    const k1 = keyOf(await sync('phoneL', '0', id));
    const first = await sync('phoneL', k1, id);
    assert.equal(ids(first, 'Add').length, 30);
    const again = await sync('phoneL', k1, id);
    assert.deepEqual(again.raw, first.raw, 'one resend: the same answer');
    const narrow = await sync('phoneL', k1, id);
    assert.equal(ids(narrow, 'Add').length, 25, 'second resend: window of 25');
    assert.ok(child(coll(narrow), 'AirSync:MoreAvailable'));
    const single = await sync('phoneL', k1, id);
    const culprit = ids(single, 'Add');
    assert.equal(culprit.length, 1, 'third resend: one item at a time');
    const skipped = await sync('phoneL', k1, id);
    assert.equal(ids(skipped, 'Add').length, 1);
    assert.notDeepEqual(ids(skipped, 'Add'), culprit, 'fourth resend: the item it chokes on is skipped');
    const row = await app.store.deviceState.getCollection(ann.id, 'phoneL' as never, id);
    const state = JSON.parse(row!.data) as { flagged?: Array<{ itemId: number }> };
    assert.deepEqual(state.flagged?.map((f) => `${folder.id}:${f.itemId}`), culprit, 'and flagged for the admin');
    let rest: string[] = [];
    let k = keyOf(skipped);
    for (let i = 0; i < 10; i++) {
      const r = await sync('phoneL', k, id);
      if (r.raw.length === 0) break;
      rest = [...rest, ...ids(r, 'Add')];
      k = keyOf(r);
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
    await folderSync('phoneT');
    const withFilter = (f: number) => [as('Options', as('FilterType', f))];
    let k = keyOf(await sync('phoneT', '0', id, withFilter(0)));
    const all = await sync('phoneT', k, id, withFilter(0));
    assert.deepEqual(new Set(ids(all, 'Add')), new Set([`${id}:${old.id}`, `${id}:${recent.id}`]));
    k = keyOf(all);
    const week = await sync('phoneT', k, id, withFilter(3));
    assert.deepEqual(ids(week, 'SoftDelete'), [`${id}:${old.id}`], 'the 20-day-old message left the one-week window');
    k = keyOf(week);
    const month = await sync('phoneT', k, id, withFilter(5));
    assert.deepEqual(ids(month, 'Add'), [`${id}:${old.id}`], 'back within one month');
  });

  test('server wins a conflict: the phone is told Status 7 and gets the server version', async () => {
    await folderSync('phoneC');
    const { key } = await drain('phoneC', keyOf(await sync('phoneC', '0', inboxId)), 512);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    // The server changes the flag after the phone got the message...
    await app.store.mailbox.updateItem(ann.id, item!.id, { flags: { flagged: !item!.flags.flagged } });
    // ...and the phone changes its read state without having seen that.
    const r = await sync('phoneC', key, inboxId, [as('Commands', as('Change', as('ServerId', `${inbox.id}:${item!.id}`), as('ApplicationData', el('Email:Read', item!.flags.seen ? '0' : '1'))))]);
    assert.equal(intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Change'), 'AirSync:Status'), 7);
    assert.deepEqual(ids(r, 'Change'), [`${inbox.id}:${item!.id}`], 'the server version comes in the same answer');
    assert.equal((await app.store.mailbox.getItem(ann.id, item!.id))!.flags.seen, item!.flags.seen, 'the phone change was not applied');
  });

  test('catch-up: what changed elsewhere while a phone was away arrives in windows, each item once, nothing past the window', async () => {
    await folderSync('phoneC');
    let key = (await drain('phoneC', keyOf(await sync('phoneC', '0', inboxId)), 512)).key;
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
      const r = await sync('phoneC', key, inboxId, [as('WindowSize', 25)]);
      key = keyOf(r);
      const window = (['Add', 'Change', 'Delete'] as const).map((k) => ids(r, k));
      assert.ok(window.flat().length <= 25, 'never more than the window');
      window.forEach((list, i) => got[(['Add', 'Change', 'Delete'] as const)[i]!].push(...list));
      if (!child(coll(r), 'AirSync:MoreAvailable')) break;
    }
    assert.deepEqual(got.Change, items.slice(0, 100).map((i) => sidOf(i.id)), 'the changes in log order, each once');
    assert.deepEqual(got.Delete, items.slice(100, 160).map((i) => sidOf(i.id)));
    assert.deepEqual(got.Add, [sidOf(fresh.id)]);
    assert.equal((await sync('phoneC', key, inboxId)).raw.length, 0, 'and then nothing');
  });

  test("two accounts on one DeviceId: no key, folder or ServerId of one works for the other", async () => {
    await folderSync('sharedPhone');
    const annKey = keyOf(await sync('sharedPhone', '0', inboxId));
    const bob = { user: 'bob@example.com', pw: 'bob-password-1' };
    assert.equal(intOf(coll(await sync('sharedPhone', '0', inboxId, [], bob)), 'AirSync:Status'), 12, "Ann's Inbox is no folder of Bob's");
    const bobInbox = (await app.store.mailbox.getFolderByRole((await app.store.accounts.getByEmail(bob.user))!.id, 'inbox'))!;
    const bobKey = keyOf(await sync('sharedPhone', '0', String(bobInbox.id), [], bob));
    assert.equal(intOf(coll(await sync('sharedPhone', annKey, String(bobInbox.id), [], bob)), 'AirSync:Status'), 3);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 1 });
    const r = await sync('sharedPhone', bobKey, String(bobInbox.id), [as('Commands', as('Change', as('ServerId', `${inbox.id}:${item!.id}`), as('ApplicationData', el('Email:Read', '0'))))], bob);
    assert.equal(intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Change'), 'AirSync:Status'), 8);
    assert.equal((await app.store.mailbox.getItem(ann.id, item!.id))!.flags.seen, item!.flags.seen);
  });
});
