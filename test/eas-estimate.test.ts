// GetItemEstimate on the wire (MS-ASCMD 2.2.1.9): statuses 2, 3, 4 and the top-level 2; the exact count
// of what the next Sync sends before, during and after an initial sync, after new mail, a flag change
// and a delete, and with a different FilterType; and that asking never changes the state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, Folder } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { addMessages } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { easRequest, type EasResponse } from './helpers/eas-client.js';
import { crlf } from './helpers/phone.js';

const as = ns('AirSync');
const gie = ns('GetItemEstimate');
const DAY = 86_400_000;

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS GetItemEstimate (${backend})`, () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  let inbox: Folder;
  let inboxId = '';

  const mail = (subject: string): Buffer => Buffer.from(crlf([
    'From: Zed <zed@example.net>', 'To: ann@example.com', `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '')}@example.net>`, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', '', 'Hello.']));
  const add = async (subject: string, receivedAt?: number) =>
    app.store.mailbox.addMessage(ann.id, inbox.id, { raw: mail(subject), meta: await parseMessageMeta(mail(subject)), ...(receivedAt !== undefined ? { receivedAt } : {}) });

  const sync = (deviceId: string, key: string, extra: WbxmlElement[] = []): Promise<EasResponse> => easRequest(app, {
    cmd: 'Sync', user: ann.email, password: pw, deviceId, version: '14.1',
    body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inboxId), ...extra))),
  });
  const coll = (r: EasResponse): WbxmlElement | undefined => child(child(r.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection');
  const keyOf = (r: EasResponse): string => textOf(coll(r), 'AirSync:SyncKey')!;
  const commandCount = (r: EasResponse): number => {
    const cmds = child(coll(r), 'AirSync:Commands');
    return cmds ? cmds.children.length : 0;
  };
  const window = (n: number, filter = 0): WbxmlElement[] => [as('WindowSize', n), as('Options', as('FilterType', filter))];

  /** One GetItemEstimate of one collection; returns [Status, Estimate]. */
  const estimate = async (deviceId: string, key: string, collectionId = inboxId, options: WbxmlElement[] = [as('Options', as('FilterType', 0), as('Class', 'Email'))]) => {
    const r = await easRequest(app, {
      cmd: 'GetItemEstimate', user: ann.email, password: pw, deviceId, version: '14.1',
      body: gie('GetItemEstimate', gie('Collections', gie('Collection', as('SyncKey', key), gie('CollectionId', collectionId), ...options))),
    });
    assert.equal(r.status, 200);
    const resp = child(r.root ?? undefined, 'GetItemEstimate:Response');
    assert.equal(textOf(child(resp, 'GetItemEstimate:Collection'), 'GetItemEstimate:CollectionId'), collectionId);
    return [intOf(resp, 'GetItemEstimate:Status'), intOf(child(resp, 'GetItemEstimate:Collection'), 'GetItemEstimate:Estimate')];
  };

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    inboxId = String(inbox.id);
    const message = async (subject: string, receivedAt?: number) => ({ raw: mail(subject), meta: await parseMessageMeta(mail(subject)), ...(receivedAt !== undefined ? { receivedAt } : {}) });
    await addMessages(app, ann.id, inbox.id, await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => message(`Recent ${i}`)),
      // Five messages two months old: outside a one-month window.
      ...Array.from({ length: 5 }, (_, i) => message(`Old ${i}`, Date.now() - 60 * DAY)),
    ]));
    await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId: 'phoneE', version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
  });
  after(() => app.stop());

  test('before priming: Status 3 for key 0 and for any key; unknown collection: Status 2; malformed: top-level 2', async () => {
    assert.deepEqual(await estimate('phoneE', '0'), [3, undefined]);
    assert.deepEqual(await estimate('phoneE', '{00000000-0000-0000-0000-000000000000}1'), [3, undefined]);
    assert.deepEqual(await estimate('phoneE', '0', '999999'), [2, undefined]);
    assert.deepEqual(await estimate('phoneE', '0', 'not-a-folder'), [2, undefined]);
    const bad = await easRequest(app, { cmd: 'GetItemEstimate', user: ann.email, password: pw, deviceId: 'phoneE', version: '14.1', body: gie('GetItemEstimate', gie('Collections')) });
    assert.equal(intOf(bad.root ?? undefined, 'GetItemEstimate:Status'), 2);
  });

  test('the exact count through an initial sync in windows, and Status 4 for a stale key', async () => {
    const k1 = keyOf(await sync('phoneE', '0', window(10)));
    assert.deepEqual(await estimate('phoneE', k1), [1, 35]);
    assert.deepEqual(await estimate('phoneE', k1), [1, 35], 'asking twice changes nothing');
    const w1 = await sync('phoneE', k1, window(10));
    assert.equal(commandCount(w1), 10);
    const k2 = keyOf(w1);
    assert.deepEqual(await estimate('phoneE', k2), [1, 25]);
    assert.deepEqual(await estimate('phoneE', k1), [4, undefined], 'the previous key is not the one the next Sync expects');
    assert.deepEqual(await estimate('phoneE', k2.replace(/\d+$/, '99')), [4, undefined]);
    assert.deepEqual(await estimate('phoneE', '{00000000-0000-0000-0000-000000000000}2'), [4, undefined], 'another generation');
    let k = k2;
    for (let i = 0; i < 10; i++) {
      const r = await sync('phoneE', k, window(10));
      if (r.raw.length === 0) break;
      k = keyOf(r);
      if (!child(coll(r), 'AirSync:MoreAvailable')) break;
    }
    assert.deepEqual(await estimate('phoneE', k), [1, 0]);
    const empty = await sync('phoneE', k, window(10));
    assert.equal(empty.raw.length, 0, 'and the next Sync indeed has nothing');
  });

  test('new mail, a flag change and a delete are counted; the next Sync sends exactly that many', async () => {
    await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId: 'phoneN', version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    let k = keyOf(await sync('phoneN', '0', window(512)));
    const all = await sync('phoneN', k, window(512));
    assert.equal(commandCount(all), 35);
    k = keyOf(all);
    assert.deepEqual(await estimate('phoneN', k), [1, 0]);
    await add('Fresh 1');
    await add('Fresh 2');
    await add('Fresh 3');
    assert.deepEqual(await estimate('phoneN', k), [1, 3]);
    const [first, second] = await app.store.mailbox.listItems(ann.id, inbox.id, { limit: 2 });
    await app.store.mailbox.updateItem(ann.id, first!.id, { flags: { flagged: true } });
    await app.store.mailbox.deleteItem(ann.id, second!.id);
    assert.deepEqual(await estimate('phoneN', k), [1, 5]);
    const next = await sync('phoneN', k, window(512));
    assert.equal(commandCount(next), 5);
    assert.equal(children(child(coll(next), 'AirSync:Commands'), 'AirSync:Add').length, 3);
    assert.deepEqual(await estimate('phoneN', keyOf(next)), [1, 0]);
  });

  test('FilterType: a one-month window leaves old mail out; asking with "all" counts what the wider window would bring', async () => {
    await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId: 'phoneF', version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const k = keyOf(await sync('phoneF', '0', window(512, 5)));
    const recent = (await app.store.mailbox.listItems(ann.id, inbox.id)).filter((i) => i.receivedAt > Date.now() - 30 * DAY).length;
    const total = await app.store.mailbox.countItems(ann.id, inbox.id);
    assert.deepEqual(await estimate('phoneF', k, inboxId, [as('Options', as('FilterType', 5), as('Class', 'Email'))]), [1, recent]);
    assert.deepEqual(await estimate('phoneF', k, inboxId, [as('Options', as('FilterType', 0), as('Class', 'Email'))]), [1, total]);
    const synced = await sync('phoneF', k, window(512, 5));
    assert.equal(commandCount(synced), recent);
    const k2 = keyOf(synced);
    assert.deepEqual(await estimate('phoneF', k2, inboxId, [as('Options', as('FilterType', 5))]), [1, 0]);
    assert.deepEqual(await estimate('phoneF', k2, inboxId, [as('Options', as('FilterType', 0))]), [1, total - recent], 'widening refills the old ones');
    const widened = await sync('phoneF', k2, window(512, 0));
    assert.equal(commandCount(widened), total - recent);
  });

  test('12.1 form: FilterType and Class directly in Collection, Class in the answer', async () => {
    const k = keyOf(await sync('phone12', '0', window(512)));
    const r = await easRequest(app, {
      cmd: 'GetItemEstimate', user: ann.email, password: pw, deviceId: 'phone12', version: '12.1',
      body: gie('GetItemEstimate', gie('Collections', gie('Collection', gie('Class', 'Email'), gie('CollectionId', inboxId), as('FilterType', 0), as('SyncKey', k)))),
    });
    const resp = child(r.root ?? undefined, 'GetItemEstimate:Response');
    assert.equal(intOf(resp, 'GetItemEstimate:Status'), 1);
    const c = child(resp, 'GetItemEstimate:Collection');
    assert.equal(textOf(c, 'GetItemEstimate:Class'), 'Email');
    assert.equal(intOf(c, 'GetItemEstimate:Estimate'), await app.store.mailbox.countItems(ann.id, inbox.id));
  });
});
