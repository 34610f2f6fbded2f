// ItemOperations Fetch with Options/Schema (MS-ASCMD 2.2.3.158) on the wire: a Schema naming only
// AirSyncBase:Body answers a message, a contact, an event, a task and a note with their Body alone; a Schema of
// two Email properties answers exactly those two, in schema order; a listed container keeps its
// subtree (Calendar:Attendees, AirSyncBase:Attachments also when asked for as the 2.5 Email:Attachments);
// no Schema or an empty one answers everything; the Schema does not touch an attachment Fetch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, elements, intOf, ns, qnameOf, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import { importCalendar } from '../src/pim/transfer-calendar.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { crlf } from './helpers/phone.js';

const io = ns('ItemOperations');
const asb = ns('AirSyncBase');

const mail = Buffer.from(crlf([
  'From: Zed <zed@example.net>', 'To: ann@example.com', 'Subject: Quarterly figures', 'Message-ID: <q@example.net>',
  'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
  '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'The figures are attached.', '',
  '--b1', 'Content-Type: application/octet-stream; name="q.bin"', 'Content-Disposition: attachment; filename="q.bin"', '',
  'ABCDEFGHIJ', '--b1--']));

const ics = crlf([
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
  'BEGIN:VEVENT', 'UID:schema-event@example.net', 'DTSTAMP:20261101T090000Z', 'DTSTART:20261201T090000Z', 'DTEND:20261201T100000Z',
  'SUMMARY:Planning', 'LOCATION:Room 4', 'DESCRIPTION:Agenda: the budget', 'ORGANIZER;CN=Ann:mailto:ann@example.com',
  'ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:bob@example.com', 'END:VEVENT',
  'BEGIN:VTODO', 'UID:schema-task@example.net', 'DTSTAMP:20261101T090000Z', 'SUMMARY:File the report', 'DESCRIPTION:Before Friday',
  'PRIORITY:1', 'END:VTODO',
  'END:VCALENDAR']);

describe('EAS ItemOperations Fetch with Schema', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  let message: Item;
  let contact: Item;
  let event: Item;
  let task: Item;
  let note: Item;

  const sid = (item: Item): string => `${item.folderId}:${item.id}`;
  /** One Fetch of this item with these Options children; its Status, Class and Properties. */
  const fetchWith = async (item: Item, options: WbxmlElement[]): Promise<{ status: number | undefined; cls: string | undefined; props: WbxmlElement[] }> => {
    const r = await easRequest(app, {
      cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'schemaphone', version: '14.1',
      body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), el('AirSync:CollectionId', String(item.folderId)), el('AirSync:ServerId', sid(item)),
        options.length > 0 && io('Options', options))),
    });
    assert.equal(r.status, 200);
    const f = child(child(r.root ?? undefined, 'ItemOperations:Response'), 'ItemOperations:Fetch');
    const props = child(f, 'ItemOperations:Properties');
    return { status: intOf(f, 'ItemOperations:Status'), cls: textOf(f, 'AirSync:Class'), props: props ? elements(props) : [] };
  };
  const names = (props: WbxmlElement[]): string[] => props.map(qnameOf);
  const plainBody = asb('BodyPreference', asb('Type', 1));
  const folder = async (role: 'contacts' | 'calendar' | 'tasks' | 'notes' | 'inbox'): Promise<Folder> => (await app.store.mailbox.getFolderByRole(ann.id, role))!;
  const only = async (f: Folder): Promise<Item> => {
    const items = await app.store.mailbox.listItems(ann.id, f.id);
    assert.equal(items.length, 1);
    return items[0]!;
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    message = await app.store.mailbox.addMessage(ann.id, (await folder('inbox')).id, { raw: mail, meta: await parseMessageMeta(mail) });
    contact = await app.store.mailbox.addItem(ann.id, (await folder('contacts')).id, {
      kind: 'contact', data: { firstName: 'Olga', lastName: 'Old', fileAs: 'Old, Olga', email1Address: 'olga@example.net', body: 'Met at the fair', bodyType: 1 },
    });
    const imported = await importCalendar(app.store, ann, ics);
    assert.equal(imported.imported, 2, JSON.stringify(imported.skipped));
    event = await only(await folder('calendar'));
    task = await only(await folder('tasks'));
    note = await app.store.mailbox.addItem(ann.id, (await folder('notes')).id, {
      kind: 'note', data: { subject: 'Groceries', body: 'Milk, bread', bodyType: 1, messageClass: 'IPM.StickyNote', lastModified: Date.now() },
    });
  });
  after(() => app.stop());

  test('Schema{AirSyncBase:Body}: a message, a contact, an event and a task come back with their Body only', async () => {
    const expected: Array<[Item, string, string]> = [
      [message, 'Email', 'The figures are attached.'], [contact, 'Contacts', 'Met at the fair'],
      [event, 'Calendar', 'Agenda: the budget'], [task, 'Tasks', 'Before Friday'], [note, 'Notes', 'Milk, bread'],
    ];
    for (const [item, cls, text] of expected) {
      const all = await fetchWith(item, [plainBody]);
      assert.ok(all.props.length > 2, `${cls}: without a Schema every property is there (${names(all.props).join(' ')})`);
      const r = await fetchWith(item, [io('Schema', asb('Body')), plainBody]);
      assert.equal(r.status, 1);
      assert.equal(r.cls, cls);
      assert.deepEqual(names(r.props), ['AirSyncBase:Body'], cls);
      assert.equal(intOf(r.props[0], 'AirSyncBase:Type'), 1);
      assert.match(textOf(r.props[0], 'AirSyncBase:Data') ?? '', new RegExp(text), cls);
    }
  });

  test('a Schema of two properties gives exactly those two, in the order of the class schema', async () => {
    const r = await fetchWith(message, [io('Schema', el('Email:Subject'), el('Email:From')), plainBody]);
    assert.equal(r.status, 1);
    assert.deepEqual(names(r.props), ['Email:From', 'Email:Subject']);
    assert.deepEqual(r.props.map(text), ['"Zed" <zed@example.net>', 'Quarterly figures']);

    const c = await fetchWith(contact, [io('Schema', el('Contacts:Email1Address'), el('Contacts:FileAs'))]);
    assert.deepEqual(names(c.props), ['Contacts:Email1Address', 'Contacts:FileAs']);
    const t = await fetchWith(note, [io('Schema', el('Notes:Subject'))]);
    assert.deepEqual(t.props.map(text), ['Groceries']);
  });

  test('a listed container keeps its subtree; Email:Attachments names the AirSyncBase attachments', async () => {
    const ev = await fetchWith(event, [io('Schema', el('Calendar:Attendees'), el('Calendar:Subject'))]);
    assert.deepEqual(names(ev.props), ['Calendar:Subject', 'Calendar:Attendees']);
    const attendee = child(ev.props[1], 'Calendar:Attendee');
    assert.equal(textOf(attendee, 'Calendar:Email'), 'bob@example.com');
    assert.equal(textOf(attendee, 'Calendar:Name'), 'Bob');

    for (const asked of [el('Email:Attachments'), asb('Attachments')]) {
      const r = await fetchWith(message, [io('Schema', asked)]);
      assert.deepEqual(names(r.props), ['AirSyncBase:Attachments']);
      const att = children(r.props[0], 'AirSyncBase:Attachment');
      assert.equal(att.length, 1);
      assert.equal(textOf(att[0], 'AirSyncBase:DisplayName'), 'q.bin');
    }
  });

  test('an empty Schema is everything; a Schema beside a FileReference does not narrow the attachment', async () => {
    const all = await fetchWith(message, [plainBody]);
    const empty = await fetchWith(message, [io('Schema'), plainBody]);
    assert.deepEqual(names(empty.props), names(all.props));
    assert.ok(names(all.props).includes('Email:Subject') && names(all.props).includes('AirSyncBase:Body'));

    const attachments = all.props.find((p) => qnameOf(p) === 'AirSyncBase:Attachments');
    const ref = textOf(child(attachments, 'AirSyncBase:Attachment'), 'AirSyncBase:FileReference');
    assert.ok(ref);
    const r = await easRequest(app, {
      cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'schemaphone', version: '14.1',
      body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), asb('FileReference', ref), io('Options', io('Schema', asb('Body'))))),
    });
    const f = child(child(r.root ?? undefined, 'ItemOperations:Response'), 'ItemOperations:Fetch');
    assert.equal(intOf(f, 'ItemOperations:Status'), 1);
    const props = child(f, 'ItemOperations:Properties');
    assert.equal(textOf(props, 'AirSyncBase:ContentType'), 'application/octet-stream');
    assert.equal(Buffer.from(textOf(props, 'ItemOperations:Data') ?? '', 'base64').toString(), 'ABCDEFGHIJ');
  });
});
