// Search (MS-ASCMD 2.2.1.16) over HTTP with real WBXML, on SQLite and (when configured) PostgreSQL:
// Store Mailbox finds messages by words of their body, subject and sender across folders, by prefix,
// within a folder with or without its subfolders, within dates; pages with Range and says Total; forgets
// deleted messages; never shows another account's mail; a result's LongId can be fetched with
// ItemOperations and replied to with SmartReply. Store GAL finds the accounts of the caller's domain.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { asItemId } from '../src/core/ids.js';
import { parseMessage } from '../src/mail/parse.js';
import type { Account, Folder } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { pgUrl } from './helpers/pg.js';
import { crlf } from './helpers/phone.js';
import { SmtpClient } from './helpers/smtp-client.js';

const s = ns('Search');
const as = ns('AirSync');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) {
  describe(`EAS Search (${backend})`, () => {
    let app: TestApp;
    let ann: Account;
    let bob: Account;
    let projects: Folder;
    let inbox: Folder;
    const pw = 'ann-password-1';

    const message = (subject: string, from: string, body: string, date: string) => Buffer.from(crlf([
      `From: ${from}`, 'To: Ann Example <ann@example.com>', `Subject: ${subject}`, `Date: ${date}`, 'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8', '', body,
    ]));
    const put = async (account: Account, folder: Folder, raw: Buffer, receivedAt: number) => {
      const p = await parseMessage(raw);
      return app.store.mailbox.addMessage(account.id, folder.id, { raw, meta: p.meta, text: p.text, receivedAt });
    };
    const search = (query: WbxmlElement[], options: WbxmlElement[] = [], user = ann.email, password = pw) => easRequest(app, {
      cmd: 'Search', user, password, deviceId: 'searcher', version: '14.1',
      body: s('Search', s('Store', s('Name', 'Mailbox'), s('Query', s('And', query)), s('Options', options))),
    });
    const storeOf = (r: { root: WbxmlElement | null }) => child(child(r.root!, 'Search:Response'), 'Search:Store')!;
    const subjects = (r: { root: WbxmlElement | null }) => children(storeOf(r), 'Search:Result')
      .map((x) => textOf(child(x, 'Search:Properties'), 'Email:Subject')).filter((x) => x !== undefined);

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres' });
      ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
      bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1', displayName: 'Bob Builder' });
      await app.directory.createAccount({ email: 'bea@example.com', password: 'bea-password-1', displayName: 'Béatrice Dupont' });
      await app.store.domains.create('other.test');
      await app.directory.createAccount({ email: 'boris@other.test', password: 'boris-password-1', displayName: 'Boris Other' });
      inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
      projects = await app.store.mailbox.createFolder(ann.id, { parentId: inbox.id, name: 'Projects', kind: 'mail' });
      const sent = (await app.store.mailbox.getFolderByRole(ann.id, 'sent'))!;
      await put(ann, inbox, message('Quarterly numbers', 'Carol <carol@outside.test>', 'The revenue grew nicely.', 'Mon, 02 Nov 2026 10:00:00 +0000'), Date.UTC(2026, 10, 2));
      await put(ann, projects, message('Kickoff', 'Dave <dave@outside.test>', 'Agenda: the quarterly planning and the budget.', 'Tue, 10 Nov 2026 10:00:00 +0000'), Date.UTC(2026, 10, 10));
      await put(ann, sent, message('Re: budget', 'Ann Example <ann@example.com>', 'See the QUARTERLY figures attached, Crème brûlée.', 'Fri, 20 Nov 2026 10:00:00 +0000'), Date.UTC(2026, 10, 20));
      await put(ann, inbox, message('Lunch', 'Carol <carol@outside.test>', 'Pizza on Friday?', 'Sat, 21 Nov 2026 10:00:00 +0000'), Date.UTC(2026, 10, 21));
      // Bob's mail with the same words must never show up in Ann's results.
      const bobInbox = (await app.store.mailbox.getFolderByRole(bob.id, 'inbox'))!;
      await put(bob, bobInbox, message('Quarterly secrets', 'Carol <carol@outside.test>', 'quarterly quarterly', 'Sat, 21 Nov 2026 11:00:00 +0000'), Date.UTC(2026, 10, 21));
    });
    after(() => app.stop());

    test('words of the body and subject, across folders, newest first, by prefix and without accents or case', async () => {
      const r = await search([s('FreeText', 'quarterly')]);
      assert.equal(r.status, 200);
      assert.equal(intOf(r.root!, 'Search:Status'), 1);
      assert.equal(intOf(storeOf(r), 'Search:Status'), 1);
      assert.deepEqual(subjects(r), ['Re: budget', 'Kickoff', 'Quarterly numbers']);
      assert.equal(intOf(storeOf(r), 'Search:Total'), 3);
      assert.deepEqual(subjects(await search([s('FreeText', 'quart')])), ['Re: budget', 'Kickoff', 'Quarterly numbers']);
      assert.deepEqual(subjects(await search([s('FreeText', 'creme BRULEE')])), ['Re: budget']);
      assert.deepEqual(subjects(await search([s('FreeText', 'carol')])), ['Lunch', 'Quarterly numbers'], 'the sender is searchable');
      assert.deepEqual(subjects(await search([s('FreeText', 'quarterly revenue')])), ['Quarterly numbers'], 'every word must match');
    });

    test('a folder with or without its subfolders, and a DateReceived range', async () => {
      const inInbox = await search([as('Class', 'Email'), as('CollectionId', String(inbox.id)), s('FreeText', 'quarterly')]);
      assert.deepEqual(subjects(inInbox), ['Quarterly numbers']);
      const deep = await search([as('CollectionId', String(inbox.id)), s('FreeText', 'quarterly')], [s('DeepTraversal')]);
      assert.deepEqual(subjects(deep), ['Kickoff', 'Quarterly numbers']);
      const dated = await search([s('FreeText', 'quarterly'), s('GreaterThan', el('Email:DateReceived'), s('Value', '2026-11-05T00:00:00.000Z')),
        s('LessThan', el('Email:DateReceived'), s('Value', '2026-11-15T00:00:00.000Z'))]);
      assert.deepEqual(subjects(dated), ['Kickoff']);
      const unknown = await search([as('CollectionId', '999999'), s('FreeText', 'quarterly')]);
      assert.equal(intOf(storeOf(unknown), 'Search:Status'), 11);
    });

    test('a DateReceived range without FreeText: exactly the messages strictly inside it, newest first; no criterion at all is Status 2', async () => {
      const range = (after: string, before: string) => [s('GreaterThan', el('Email:DateReceived'), s('Value', after)), s('LessThan', el('Email:DateReceived'), s('Value', before))];
      // The bounds are the exact arrival instants of "Quarterly numbers" (Nov 2) and "Lunch" (Nov 21): both left out.
      const strict = await search([as('Class', 'Email'), ...range('2026-11-02T00:00:00.000Z', '2026-11-21T00:00:00.000Z')], [s('Range', '0-9')]);
      assert.equal(intOf(storeOf(strict), 'Search:Status'), 1);
      assert.deepEqual(subjects(strict), ['Re: budget', 'Kickoff']);
      assert.equal(intOf(storeOf(strict), 'Search:Total'), 2);
      assert.equal(textOf(storeOf(strict), 'Search:Range'), '0-1');
      const wider = await search([as('Class', 'Email'), ...range('2026-11-01T23:59:59.999Z', '2026-11-21T00:00:00.001Z')]);
      assert.deepEqual(subjects(wider), ['Lunch', 'Re: budget', 'Kickoff', 'Quarterly numbers']);
      const inInbox = await search([as('Class', 'Email'), as('CollectionId', String(inbox.id)), ...range('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')], [s('Range', '1-5')]);
      assert.deepEqual(subjects(inInbox), ['Quarterly numbers'], 'the second page of the inbox');
      assert.equal(intOf(storeOf(inInbox), 'Search:Total'), 2);
      const onlyAfter = await search([as('Class', 'Email'), s('GreaterThan', el('Email:DateReceived'), s('Value', '2026-11-20T12:00:00.000Z'))]);
      assert.deepEqual(subjects(onlyAfter), ['Lunch']);
      const nothing = await search([as('Class', 'Email'), as('CollectionId', String(inbox.id))]);
      assert.equal(intOf(storeOf(nothing), 'Search:Status'), 2, 'neither FreeText nor a date: refused');
    });

    test('Range pages the results and Total counts them all; no match is one empty Result', async () => {
      const first = await search([s('FreeText', 'quarterly')], [s('Range', '0-1')]);
      assert.deepEqual(subjects(first), ['Re: budget', 'Kickoff']);
      assert.equal(textOf(storeOf(first), 'Search:Range'), '0-1');
      assert.equal(intOf(storeOf(first), 'Search:Total'), 3);
      const second = await search([s('FreeText', 'quarterly')], [s('Range', '2-3')]);
      assert.deepEqual(subjects(second), ['Quarterly numbers']);
      assert.equal(textOf(storeOf(second), 'Search:Range'), '2-2');
      const none = await search([s('FreeText', 'zebra')]);
      const results = children(storeOf(none), 'Search:Result');
      assert.equal(results.length, 1);
      assert.equal(results[0]!.children.length, 0);
      assert.equal(intOf(storeOf(none), 'Search:Total'), 0);
      const bad = await search([s('FreeText', 'quarterly')], [s('Range', '5-2')]);
      assert.equal(intOf(bad.root!, 'Search:Status'), 2);
    });

    test('a result is fetched and replied to by its LongId; a deleted message is no longer found', async () => {
      const r = await search([s('FreeText', 'pizza')], [el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))]);
      const result = children(storeOf(r), 'Search:Result')[0]!;
      const longId = textOf(result, 'Search:LongId')!;
      assert.equal(textOf(result, 'AirSync:CollectionId'), String(inbox.id));
      assert.match(textOf(child(child(result, 'Search:Properties'), 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Pizza on Friday/);
      const io = ns('ItemOperations');
      const fetched = await easRequest(app, {
        cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'searcher', version: '14.1',
        body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), s('LongId', longId), io('Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))))),
      });
      const f = child(child(fetched.root!, 'ItemOperations:Response'), 'ItemOperations:Fetch')!;
      assert.equal(intOf(f, 'ItemOperations:Status'), 1);
      assert.equal(textOf(child(f, 'ItemOperations:Properties'), 'Email:Subject'), 'Lunch');
      const cm = ns('ComposeMail');
      const reply = Buffer.from(crlf(['To: bob@example.com', 'Subject: Re: Lunch', '', 'Yes, pizza!']));
      const sent = await easRequest(app, {
        cmd: 'SmartReply', user: ann.email, password: pw, deviceId: 'searcher', version: '14.1',
        body: cm('SmartReply', cm('ClientId', `search-reply-${backend}`), cm('Source', cm('LongId', longId)), cm('Mime', new Uint8Array(reply))),
      });
      assert.equal(sent.status, 200);
      assert.equal(sent.raw.length, 0);
      const bobInbox = await app.store.mailbox.listItems(bob.id, (await app.store.mailbox.getFolderByRole(bob.id, 'inbox'))!.id);
      assert.ok(bobInbox.some((i) => i.meta?.subject === 'Re: Lunch'), 'Bob got the reply');

      await app.store.mailbox.deleteItem(ann.id, asItemId(Number(longId.split(':')[1])));
      assert.deepEqual(subjects(await search([s('FreeText', 'pizza')])), []);
    });

    test('mail delivered over SMTP is searchable at once; another account\'s mail never is', async () => {
      const smtp = await SmtpClient.connect(app.smtpPort);
      await smtp.command('EHLO test.local');
      const r = await smtp.send('zoe@outside.test', ['ann@example.com'], crlf(['From: Zoe <zoe@outside.test>', 'To: ann@example.com', 'Subject: Xylophone lessons', '', 'Tuesdays at five.']));
      assert.equal(r.data?.code, 250);
      await smtp.quit();
      assert.deepEqual(subjects(await search([s('FreeText', 'tuesdays')])), ['Xylophone lessons']);
      assert.deepEqual(subjects(await search([s('FreeText', 'secrets')])), [], 'Bob\'s subject is not visible to Ann');
      const bobs = await search([s('FreeText', 'quarterly')], [], bob.email, 'bob-password-1');
      assert.deepEqual(subjects(bobs), ['Quarterly secrets']);
    });

    test('GAL: the accounts of the caller\'s domain by name or address prefix, with Range, Total and Picture', async () => {
      const gal = (q: string, options: WbxmlElement[] = []) => easRequest(app, {
        cmd: 'Search', user: ann.email, password: pw, deviceId: 'searcher', version: '14.1',
        body: s('Search', s('Store', s('Name', 'GAL'), s('Query', q), s('Options', options))),
      });
      const names = (r: { root: WbxmlElement | null }) => children(storeOf(r), 'Search:Result').map((x) => textOf(child(x, 'Search:Properties'), 'GAL:EmailAddress'));
      assert.deepEqual(names(await gal('b')), ['bea@example.com', 'bob@example.com'], 'Boris is in another domain');
      assert.deepEqual(names(await gal('dupo')), ['bea@example.com']);
      assert.deepEqual(names(await gal('beatrice')), ['bea@example.com'], 'accents are ignored');
      const paged = await gal('b', [s('Range', '1-1'), s('Picture', s('MaxSize', 1024))]);
      assert.deepEqual(names(paged), ['bob@example.com']);
      assert.equal(intOf(storeOf(paged), 'Search:Total'), 2);
      const props = child(children(storeOf(paged), 'Search:Result')[0], 'Search:Properties')!;
      assert.deepEqual([textOf(props, 'GAL:DisplayName'), textOf(props, 'GAL:FirstName'), textOf(props, 'GAL:LastName'), textOf(props, 'GAL:Alias')], ['Bob Builder', 'Bob', 'Builder', 'bob']);
      assert.equal(intOf(child(props, 'GAL:Picture'), 'GAL:Status'), 173);
      // The address-book fields an admin sets show up, first and last name included.
      await app.store.accounts.update(bob.id, { profile: { title: 'Site manager', company: 'Builders & Co', phone: '+39 06 1234', mobilePhone: '+39 333 1234', firstName: 'Robert' } });
      const rich = child(children(storeOf(await gal('bob')), 'Search:Result')[0], 'Search:Properties')!;
      assert.deepEqual(['Title', 'Company', 'Phone', 'MobilePhone', 'FirstName', 'LastName'].map((f) => textOf(rich, `GAL:${f}` as 'GAL:Title')),
        ['Site manager', 'Builders & Co', '+39 06 1234', '+39 333 1234', 'Robert', 'Builder']);
      await app.store.accounts.update(bob.id, { profile: { title: '' } });
      assert.equal((await app.store.accounts.getById(bob.id))!.profile.title, undefined, 'an empty value removes the field');
      assert.equal(text(child(props, 'GAL:EmailAddress')!), 'bob@example.com');
    });
  });
}
