// Drafts that a 16.1 phone sends whole, as MIME (AirSyncBase:Body Type 4 in a Sync Add/Change to Drafts,
// MS-ASAIRS 2.2.2.22.1): the stored draft is that message (headers, parts, attachment bytes) with the
// \Draft flag; Read and Flag in the same ApplicationData apply; ItemOperations Fetch as MIME gives it back;
// a second device gets IsDraft 1, the subject and the attachment. Bytes that are not a message get
// Status 6 and store nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { bytesOf, child, children, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { folderPhones } from './helpers/folder-phone.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');
const em = ns('Email');
const io = ns('ItemOperations');

const SUBJECT = 'Réunion à Zürich — 会議';
const PDF = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) % 256));

function composeMime(opts: { subject: string; messageId?: boolean }): Promise<Buffer> {
  const node = new MailComposer({
    from: 'Ann Example <ann@example.com>', to: 'Bob <bob@example.com>', subject: opts.subject,
    text: 'Draft body, written on the phone.',
    attachments: [{ filename: 'plan.pdf', content: PDF, contentType: 'application/pdf' }],
  }).compile();
  return node.build().then((b) => (opts.messageId === false ? Buffer.from(b.toString('latin1').replace(/^Message-ID:.*\r\n/im, ''), 'latin1') : b));
}

describe('EAS drafts sent as MIME (16.1)', () => {
  let app: TestApp;
  let ann: Account;
  let drafts: Folder;
  const pw = 'ann-password-1';
  const phones = folderPhones({ get baseUrl() { return app.baseUrl; } }, () => ({ email: ann.email, password: pw }), () => String(drafts.id));
  const { sync, start } = phones;
  const stored = (): Promise<Item[]> => app.store.mailbox.listItems(ann.id, drafts.id);
  const mimeOf = async (i: Item): Promise<ParsedMail> => simpleParser(Buffer.from((await app.store.blobs.get(i.blobId!))!));
  const responses = (coll: WbxmlElement, kind: 'Add' | 'Change') => children(child(coll, 'AirSync:Responses'), `AirSync:${kind}`);
  const mimeBody = (raw: Buffer) => asb('Body', asb('Type', 4), asb('Data', new Uint8Array(raw)));

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
    drafts = (await app.store.mailbox.getFolderByRole(ann.id, 'drafts'))!;
    await start('phoneA');
    await start('phoneB');
  });
  after(() => app.stop());

  let serverId = '';
  let messageId = '';

  test('an Add with a multipart MIME body stores that message, with Read and Flag applied', async () => {
    const raw = await composeMime({ subject: SUBJECT });
    const coll = await sync('phoneA', [as('Add', as('ClientId', 'm-1'), as('ApplicationData',
      mimeBody(raw), em('Read', 0), em('Flag', em('Status', 2), em('FlagType', 'Flag for follow up'))))]);
    const add = responses(coll, 'Add')[0]!;
    assert.equal(intOf(add, 'AirSync:Status'), 1);
    serverId = textOf(add, 'AirSync:ServerId')!;
    const [item] = await stored();
    assert.ok(item);
    assert.deepEqual([item.flags.draft, item.flags.seen, item.flags.flagged], [true, false, true]);
    const mime = await mimeOf(item);
    assert.equal(mime.subject, SUBJECT);
    assert.deepEqual(mime.to && !Array.isArray(mime.to) ? mime.to.value.map((v) => [v.name, v.address]) : [], [['Bob', 'bob@example.com']]);
    assert.equal(mime.text?.trim(), 'Draft body, written on the phone.', 'the body is the text part, not the MIME source');
    assert.deepEqual(mime.attachments.map((a) => a.filename), ['plan.pdf']);
    assert.ok(mime.attachments[0]!.content.equals(PDF));
    messageId = mime.messageId ?? '';
    assert.ok(messageId);
  });

  test('ItemOperations Fetch as MIME gives back the same subject, To and attachment bytes', async () => {
    const r = await easRequest(app, {
      cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'phoneA', version: '16.1',
      body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), as('CollectionId', String(drafts.id)), as('ServerId', serverId),
        io('Options', as('MIMESupport', 2), asb('BodyPreference', asb('Type', 4))))),
    });
    const fetched = child(child(r.root!, 'ItemOperations:Response'), 'ItemOperations:Fetch');
    assert.equal(intOf(fetched, 'ItemOperations:Status'), 1);
    const body = child(child(fetched, 'ItemOperations:Properties'), 'AirSyncBase:Body');
    assert.equal(intOf(body, 'AirSyncBase:Type'), 4);
    const mime = await simpleParser(Buffer.from(bytesOf(body, 'AirSyncBase:Data')!));
    assert.equal(mime.subject, SUBJECT);
    assert.deepEqual(mime.to && !Array.isArray(mime.to) ? mime.to.value.map((v) => v.address) : [], ['bob@example.com']);
    assert.ok(mime.attachments[0]?.content.equals(PDF), 'the attachment bytes survive');
  });

  test('a second 16.1 device receives it as a draft with its subject and attachment', async () => {
    const coll = await sync('phoneB');
    const add = children(child(coll, 'AirSync:Commands'), 'AirSync:Add')[0];
    assert.equal(textOf(add, 'AirSync:ServerId'), serverId);
    const data = child(add, 'AirSync:ApplicationData');
    assert.deepEqual([intOf(data, 'Email2:IsDraft'), textOf(data, 'Email:Subject'), intOf(data, 'Email:Read')], [1, SUBJECT, 0]);
    const atts = children(child(data, 'AirSyncBase:Attachments'), 'AirSyncBase:Attachment');
    assert.deepEqual(atts.map((a) => [textOf(a, 'AirSyncBase:DisplayName'), intOf(a, 'AirSyncBase:EstimatedDataSize')]), [['plan.pdf', PDF.length]]);
    assert.equal(intOf(child(data, 'Email:Flag'), 'Email:Status'), 2);
  });

  test('a Change with a new MIME replaces the draft and keeps its Message-ID when the new one has none', async () => {
    const raw = await composeMime({ subject: 'Réunion (v2)', messageId: false });
    const coll = await sync('phoneA', [as('Change', as('ServerId', serverId), as('ApplicationData', mimeBody(raw), em('Read', 1)))]);
    assert.equal(responses(coll, 'Change').length, 0, 'a successful Change has no response');
    const items = await stored();
    assert.equal(items.length, 1);
    const mime = await mimeOf(items[0]!);
    assert.equal(mime.subject, 'Réunion (v2)');
    assert.equal(mime.messageId, messageId, 'the draft keeps its identity');
    assert.equal(items[0]!.flags.seen, true);
    const other = await sync('phoneB');
    const change = children(child(other, 'AirSync:Commands'), 'AirSync:Change')[0] ?? children(child(other, 'AirSync:Commands'), 'AirSync:Add')[0];
    assert.equal(textOf(child(change, 'AirSync:ApplicationData'), 'Email:Subject'), 'Réunion (v2)');
  });

  test('a Type 4 body that is not a message gets Status 6 and stores or changes nothing', async () => {
    const before = await stored();
    const modseq = before[0]!.modseq;
    const coll = await sync('phoneA', [
      as('Add', as('ClientId', 'm-bad'), as('ApplicationData', mimeBody(Buffer.from('Just some text, no header at all.\r\nSecond line.')))),
      as('Add', as('ClientId', 'm-empty'), as('ApplicationData', mimeBody(Buffer.alloc(0)))),
      as('Change', as('ServerId', serverId), as('ApplicationData', mimeBody(Buffer.from('Hello: there\r\n\r\nbody')))),
    ]);
    assert.deepEqual(responses(coll, 'Add').map((a) => [textOf(a, 'AirSync:ClientId'), intOf(a, 'AirSync:Status')]), [['m-bad', 6], ['m-empty', 6]]);
    assert.deepEqual(responses(coll, 'Change').map((c) => intOf(c, 'AirSync:Status')), [6]);
    const after = await stored();
    assert.equal(after.length, 1);
    assert.equal(after[0]!.modseq, modseq, 'the draft is untouched');
  });

  test('a MIME draft without From or Date gets the account as sender', async () => {
    const raw = Buffer.from('To: bob@example.com\nSubject: bare\n\nLF-only body\n');
    const coll = await sync('phoneA', [as('Add', as('ClientId', 'm-2'), as('ApplicationData', mimeBody(raw)))]);
    const sid = textOf(responses(coll, 'Add')[0], 'AirSync:ServerId')!;
    const item = (await stored()).find((i) => `${i.folderId}:${i.id}` === sid)!;
    const text = Buffer.from((await app.store.blobs.get(item.blobId!))!).toString('latin1');
    assert.ok(!/[^\r]\n/.test(text), 'stored with CRLF line ends');
    const mime = await simpleParser(Buffer.from(text, 'latin1'));
    assert.equal(mime.from && !Array.isArray(mime.from) ? mime.from.value[0]?.address : '', 'ann@example.com');
    assert.ok(mime.date && mime.messageId);
    assert.equal(mime.text?.trim(), 'LF-only body');
  });
});
