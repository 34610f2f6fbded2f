// Find (MS-ASCMD 2.2.1.2, EAS 16.1) over HTTP with real WBXML, on SQLite and (when configured) PostgreSQL,
// over a mailbox of 1,000 messages loaded through the store: a word of the subject and a word found only
// in the body, newest first, with Range and Total; paging; a CollectionId restriction; KQL property
// prefixes; every result fetched by its ServerId with ItemOperations; the GAL by partial name; malformed
// requests (Status 2), an unknown folder (Status 3); refused under 16.0 (137); advertised in OPTIONS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, elements, intOf, ns, qnameOf, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account, Folder, MessageMeta } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easOptions, easRequest } from './helpers/eas-client.js';
import { pgUrl } from './helpers/pg.js';

const f = ns('Find');
const as = ns('AirSync');
const io = ns('ItemOperations');
const COUNT = 1_000;
const BASE = Date.UTC(2026, 5, 1);
/** Message i: "budget" in the subject every 25th (40 of them, half in Archive), "pelican" only in the body of 10. */
const hasBudget = (i: number) => i % 25 === 0;
const hasPelican = (i: number) => i % 100 === 7;
const subjectOf = (i: number) => `Report ${i}${hasBudget(i) ? ' budget' : ''}`;

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) {
  describe(`EAS Find (${backend})`, () => {
    let app: TestApp;
    let ann: Account;
    let inbox: Folder;
    let archive: Folder;
    const pw = 'ann-password-1';

    const find = (criterion: WbxmlElement, version = '16.1') => easRequest(app, {
      cmd: 'Find', user: ann.email, password: pw, deviceId: 'finder', version,
      body: f('Find', f('SearchId', '5f0c2d38-1f5e-4a8e-9a43-2d4b8c1e7a10'), f('ExecuteSearch', criterion)),
    });
    const mailbox = (query: WbxmlElement[], options: WbxmlElement[] = []) =>
      find(f('MailBoxSearchCriterion', f('Query', query), options.length > 0 && f('Options', options)));
    const responseOf = (r: { root: WbxmlElement | null }) => child(r.root!, 'Find:Response')!;
    const results = (r: { root: WbxmlElement | null }) => children(responseOf(r), 'Find:Result');
    const subjects = (r: { root: WbxmlElement | null }) => results(r).map((x) => textOf(child(x, 'Find:Properties'), 'Email:Subject'));

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres' });
      ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
      await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1', displayName: 'Bob Builder' });
      await app.directory.createAccount({ email: 'bea@example.com', password: 'bea-password-1', displayName: 'Béatrice Dupont' });
      inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
      archive = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Archive', kind: 'mail' });
      // Straight into the store in one transaction: 1,000 SMTP deliveries would only slow the test down.
      await app.store.transaction(async (tx) => {
        for (let i = 0; i < COUNT; i++) {
          const subject = subjectOf(i);
          const body = `Weekly figures number ${i}.${hasPelican(i) ? ' A pelican landed on the roof.' : ''}`;
          const raw = Buffer.from([`From: Carol Sender <carol@outside.test>`, 'To: Ann Example <ann@example.com>', 'Cc: Dan <dan@outside.test>',
            `Subject: ${subject}`, `Message-ID: <m${i}@outside.test>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));
          const meta: MessageMeta = {
            subject, from: [{ name: 'Carol Sender', address: 'carol@outside.test' }], to: [{ name: 'Ann Example', address: 'ann@example.com' }],
            cc: [{ name: 'Dan', address: 'dan@outside.test' }], replyTo: [], messageId: `m${i}@outside.test`, inReplyTo: null, references: [],
            sentAt: BASE + i * 60_000, hasAttachments: false, preview: body, importance: 1,
          };
          await tx.mailbox.addMessage(ann.id, i % 2 === 0 ? inbox.id : archive.id, { raw, meta, text: body, receivedAt: BASE + i * 60_000, flags: { seen: i % 3 === 0 } });
        }
      });
    });
    after(() => app.stop());

    test('a word of the subject: newest first, paged by Range 0-4 then 5-9, Total counts them all', async () => {
      const first = await mailbox([as('Class', 'Email'), f('FreeText', 'budget')], [f('Range', '0-4')]);
      assert.equal(first.status, 200);
      assert.equal(intOf(first.root!, 'Find:Status'), 1);
      const resp = responseOf(first);
      assert.equal(textOf(resp, 'ItemOperations:Store'), 'Mailbox');
      assert.equal(intOf(resp, 'Find:Status'), 1);
      assert.deepEqual(subjects(first), [975, 950, 925, 900, 875].map(subjectOf));
      assert.equal(textOf(resp, 'Find:Range'), '0-4');
      assert.equal(intOf(resp, 'Find:Total'), 40);
      const second = await mailbox([as('Class', 'Email'), f('FreeText', 'budget')], [f('Range', '5-9')]);
      assert.deepEqual(subjects(second), [850, 825, 800, 775, 750].map(subjectOf));
      assert.equal(textOf(responseOf(second), 'Find:Range'), '5-9');
      assert.equal(intOf(responseOf(second), 'Find:Total'), 40);
      // The elements of a Result and of its Properties in FindResponse.xsd's order.
      const r = results(first)[0]!;
      assert.deepEqual(elements(r).map(qnameOf), ['AirSync:Class', 'AirSync:ServerId', 'AirSync:CollectionId', 'Find:Properties']);
      const props = child(r, 'Find:Properties')!;
      assert.deepEqual(elements(props).map(qnameOf), [
        'Email:Subject', 'Email:DateReceived', 'Email:DisplayTo', 'Find:DisplayCc', 'Email:Importance', 'Email:Read', 'Email2:IsDraft',
        'Find:Preview', 'Find:HasAttachments', 'Email:From']);
      assert.equal(textOf(props, 'Email:DateReceived'), new Date(BASE + 975 * 60_000).toISOString());
      assert.deepEqual([textOf(props, 'Email:DisplayTo'), textOf(props, 'Find:DisplayCc'), textOf(props, 'Email:From')], ['Ann Example', 'Dan', '"Carol Sender" <carol@outside.test>']);
      assert.deepEqual([intOf(props, 'Email:Read'), intOf(props, 'Email2:IsDraft'), intOf(props, 'Find:HasAttachments')], [1, 0, 0]);
      assert.equal(textOf(props, 'Find:Preview'), 'Weekly figures number 975.');
    });

    test('a word only in the body; no Range is the first 100; a word nowhere is Total 0 without Result', async () => {
      const r = await mailbox([as('Class', 'Email'), f('FreeText', 'pelican')]);
      assert.deepEqual(subjects(r), [907, 807, 707, 607, 507, 407, 307, 207, 107, 7].map(subjectOf));
      assert.equal(textOf(responseOf(r), 'Find:Range'), '0-9');
      assert.equal(intOf(responseOf(r), 'Find:Total'), 10);
      const wide = await mailbox([f('FreeText', 'weekly')]);
      assert.equal(results(wide).length, 100, 'the server caps a page at 100');
      assert.equal(intOf(responseOf(wide), 'Find:Total'), 1000);
      const none = await mailbox([f('FreeText', 'zeppelin')]);
      assert.equal(intOf(none.root!, 'Find:Status'), 1);
      assert.equal(results(none).length, 0);
      assert.equal(textOf(responseOf(none), 'Find:Range'), undefined);
      assert.equal(intOf(responseOf(none), 'Find:Total'), 0);
    });

    test('a CollectionId restricts the search to that folder', async () => {
      const r = await mailbox([as('Class', 'Email'), as('CollectionId', String(archive.id)), f('FreeText', 'budget')], [f('Range', '0-99')]);
      assert.equal(intOf(responseOf(r), 'Find:Total'), 20);
      assert.deepEqual(subjects(r), Array.from({ length: 20 }, (_, k) => subjectOf(975 - 50 * k)));
      assert.ok(results(r).every((x) => textOf(x, 'AirSync:CollectionId') === String(archive.id)));
    });

    test('KQL: a text property prefix searches its word, operators and other properties are left out', async () => {
      const total = async (q: string) => intOf(responseOf(await mailbox([f('FreeText', q)])), 'Find:Total');
      assert.equal(await total('subject:budget'), 40);
      assert.equal(await total('body:"pelican landed"'), 10);
      assert.equal(await total('budget AND received>=2026-01-01'), 40);
      assert.equal(await total('pelican NOT budget'), 10);
      const onlyDates = await mailbox([f('FreeText', 'received>=2026-01-01')]);
      assert.equal(intOf(onlyDates.root!, 'Find:Status'), 2, 'nothing searchable is a request we cannot run');
    });

    test('every result is fetched by its ServerId and CollectionId with ItemOperations', async () => {
      const r = await mailbox([f('FreeText', 'pelican')], [f('Range', '0-2')]);
      assert.equal(results(r).length, 3);
      for (const x of results(r)) {
        const fetched = await easRequest(app, {
          cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'finder', version: '16.1',
          body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), as('CollectionId', textOf(x, 'AirSync:CollectionId')), as('ServerId', textOf(x, 'AirSync:ServerId')),
            io('Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))))),
        });
        const fe = child(child(fetched.root!, 'ItemOperations:Response'), 'ItemOperations:Fetch')!;
        assert.equal(intOf(fe, 'ItemOperations:Status'), 1);
        const p = child(fe, 'ItemOperations:Properties')!;
        assert.equal(textOf(p, 'Email:Subject'), textOf(child(x, 'Find:Properties'), 'Email:Subject'));
        assert.match(textOf(child(p, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /pelican landed/);
      }
    });

    test('GAL: an account by partial name, with its GAL fields and the picture status when asked', async () => {
      const gal = (q: string, options: WbxmlElement[] = []) => find(f('GalSearchCriterion', f('Query', f('FreeText', q)), f('Options', f('Range', '0-9'), options)));
      const r = await gal('buil', [f('Picture', f('MaxSize', 1024))]);
      assert.equal(intOf(r.root!, 'Find:Status'), 1);
      assert.equal(textOf(responseOf(r), 'ItemOperations:Store'), 'GAL');
      assert.equal(intOf(responseOf(r), 'Find:Total'), 1);
      assert.equal(textOf(responseOf(r), 'Find:Range'), '0-0');
      const props = child(results(r)[0], 'Find:Properties')!;
      assert.deepEqual(['DisplayName', 'Alias', 'FirstName', 'LastName', 'EmailAddress'].map((n) => textOf(props, `GAL:${n}` as 'GAL:DisplayName')),
        ['Bob Builder', 'bob', 'Bob', 'Builder', 'bob@example.com']);
      assert.equal(intOf(child(props, 'GAL:Picture'), 'GAL:Status'), 173);
      const accents = await gal('beatr');
      assert.deepEqual(results(accents).map((x) => textOf(child(x, 'Find:Properties'), 'GAL:EmailAddress')), ['bea@example.com']);
      assert.equal(child(child(results(accents)[0], 'Find:Properties'), 'GAL:Picture'), undefined, 'no Picture unless asked');
    });

    test('malformed requests are Status 2, an unknown CollectionId Status 3, and nothing is changed', async () => {
      const status = (r: { root: WbxmlElement | null }) => intOf(r.root!, 'Find:Status');
      assert.equal(status(await easRequest(app, { cmd: 'Find', user: ann.email, password: pw, deviceId: 'finder', body: f('Find', f('SearchId', 'x')) })), 2, 'no ExecuteSearch');
      assert.equal(status(await find(f('MailBoxSearchCriterion', f('Options', f('Range', '0-9'))))), 2, 'no Query');
      assert.equal(status(await mailbox([f('FreeText', 'budget')], [f('Range', '5-2')])), 2);
      assert.equal(status(await mailbox([f('FreeText', 'budget')], [f('Range', '0-1000')])), 2, 'Range stops at 999');
      assert.equal(status(await mailbox([as('Class', 'Email')])), 2, 'no FreeText');
      assert.equal(status(await find(f('GalSearchCriterion', f('Query', f('FreeText', '  '))))), 2, 'empty GAL query');
      const bad = await easRequest(app, { cmd: 'Find', user: ann.email, password: pw, deviceId: 'finder', body: el('Search:Search') });
      assert.equal(status(bad), 2, 'a body that is no Find');
      const unknown = await mailbox([as('CollectionId', '999999'), f('FreeText', 'budget')]);
      assert.equal(status(unknown), 3);
      assert.equal(child(unknown.root!, 'Find:Response'), undefined);
      assert.equal(await app.store.mailbox.countItems(ann.id, inbox.id), COUNT / 2);
    });

    test('refused under 16.0 with Status 137, as Search-less versions refuse Search; advertised in OPTIONS', async () => {
      const old = await mailbox([f('FreeText', 'budget')]);
      assert.equal(intOf(old.root!, 'Find:Status'), 1);
      const r = await find(f('MailBoxSearchCriterion', f('Query', f('FreeText', 'budget'))), '16.0');
      assert.equal(r.status, 200);
      assert.equal(intOf(r.root!, 'Find:Status'), 137);
      assert.equal(child(r.root!, 'Find:Response'), undefined);
      const opts = await easOptions(app, ann.email, pw);
      assert.ok((opts.headers.get('ms-asprotocolcommands') ?? '').split(',').includes('Find'));
    });
  });
}
