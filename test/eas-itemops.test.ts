// ItemOperations on the wire (MS-ASCMD 2.2.1.10): Fetch of a message by ServerId and LongId with body
// preferences and MIME, of an attachment by FileReference (whole, by Range, and in a multipart answer
// parsed part by part), isolation between accounts, EmptyFolderContents with and without
// DeleteSubFolders, and the Move of a conversation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeMultipart, MULTIPART_TYPE } from '../src/eas/sync/multipart.js';
import { bytesOf, child, children, decode, el, elements, encode, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { basicAuth, easRequest, WBXML_TYPE } from './helpers/eas-client.js';
import { crlf } from './helpers/phone.js';

const io = ns('ItemOperations');
const asb = ns('AirSyncBase');
/** 300 bytes with every byte value: what goes in must come out. */
const BLOB = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));

const plain = (subject: string, headers: string[] = [], body = 'Hello there, this is the body.'): Buffer => Buffer.from(crlf([
  'From: Zed <zed@example.net>', 'To: ann@example.com', `Subject: ${subject}`, ...headers, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', '', body]));

const withAttachment = (): Buffer => Buffer.from(crlf([
  'From: Zed <zed@example.net>', 'To: ann@example.com', 'Subject: Report', 'Message-ID: <report@example.net>',
  'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
  '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'See the attached file.', '',
  '--b1', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64', '', ...(BLOB.toString('base64').match(/.{1,76}/g) ?? []), '',
  '--b1--']));

describe('EAS ItemOperations', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  const bobPw = 'bob-password-1';
  let inbox: Folder;
  let sent: Folder;
  let note: Item;
  let report: Item;
  let htmlMsg: Item;

  const add = async (folder: Folder, raw: Buffer): Promise<Item> =>
    app.store.mailbox.addMessage(ann.id, folder.id, { raw, meta: await parseMessageMeta(raw) });
  const itemOps = async (ops: WbxmlElement[], opts: { user?: string; pw?: string; headers?: Record<string, string> } = {}) => {
    const r = await easRequest(app, {
      cmd: 'ItemOperations', user: opts.user ?? ann.email, password: opts.pw ?? pw, deviceId: 'phoneIO', version: '14.1',
      body: io('ItemOperations', ops), ...(opts.headers ? { headers: opts.headers } : {}),
    });
    assert.equal(r.status, 200);
    assert.equal(intOf(r.root ?? undefined, 'ItemOperations:Status'), 1);
    const response = child(r.root ?? undefined, 'ItemOperations:Response');
    assert.ok(response);
    // One answer per operation, in request order.
    return elements(response);
  };
  const fetchOp = (...content: Array<WbxmlElement | false>): WbxmlElement => io('Fetch', io('Store', 'Mailbox'), ...content);
  const sid = (item: Item): string => `${item.folderId}:${item.id}`;
  const props = (f: WbxmlElement | undefined): WbxmlElement | undefined => child(f, 'ItemOperations:Properties');
  const fileRef = async (item: Item): Promise<string> => {
    const [f] = await itemOps([fetchOp(el('AirSync:CollectionId', String(item.folderId)), el('AirSync:ServerId', sid(item)))]);
    const ref = textOf(child(child(props(f), 'AirSyncBase:Attachments'), 'AirSyncBase:Attachment'), 'AirSyncBase:FileReference');
    assert.ok(ref, 'the message lists its attachment with a FileReference');
    return ref;
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    await app.directory.createAccount({ email: 'bob@example.com', password: bobPw });
    inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    sent = (await app.store.mailbox.getFolderByRole(ann.id, 'sent'))!;
    note = await add(inbox, plain('Note', ['Message-ID: <note@example.net>']));
    report = await add(inbox, withAttachment());
    htmlMsg = await add(inbox, Buffer.from(crlf([
      'From: Zed <zed@example.net>', 'To: ann@example.com', 'Subject: Styled', 'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8', '', '<p>Hello <b>bold</b> world</p>'])));
  });
  after(() => app.stop());

  test('Fetch by ServerId and by LongId, with body preferences; MIME byte for byte', async () => {
    const [byId, byLong, mime] = await itemOps([
      fetchOp(el('AirSync:CollectionId', String(inbox.id)), el('AirSync:ServerId', sid(note)),
        io('Options', asb('BodyPreference', asb('Type', 1), asb('TruncationSize', 5)))),
      fetchOp(el('Search:LongId', sid(htmlMsg)), io('Options', asb('BodyPreference', asb('Type', 2)))),
      fetchOp(el('AirSync:ServerId', sid(note)), io('Options', el('AirSync:MIMESupport', 2), asb('BodyPreference', asb('Type', 4)))),
    ]);
    assert.equal(intOf(byId, 'ItemOperations:Status'), 1);
    assert.equal(textOf(byId, 'AirSync:CollectionId'), String(inbox.id));
    assert.equal(textOf(byId, 'AirSync:ServerId'), sid(note));
    assert.equal(textOf(byId, 'AirSync:Class'), 'Email');
    assert.equal(textOf(props(byId), 'Email:Subject'), 'Note');
    const body = child(props(byId), 'AirSyncBase:Body');
    assert.deepEqual([intOf(body, 'AirSyncBase:Type'), intOf(body, 'AirSyncBase:Truncated'), textOf(body, 'AirSyncBase:Data')], [1, 1, 'Hello']);

    assert.equal(intOf(byLong, 'ItemOperations:Status'), 1);
    assert.equal(textOf(byLong, 'Search:LongId'), sid(htmlMsg));
    const html = child(props(byLong), 'AirSyncBase:Body');
    assert.equal(intOf(html, 'AirSyncBase:Type'), 2);
    assert.match(textOf(html, 'AirSyncBase:Data') ?? '', /<b>bold<\/b>/);

    assert.equal(textOf(mime, 'AirSync:CollectionId'), String(inbox.id), 'CollectionId echoed even when only ServerId was sent');
    const mimeBody = child(props(mime), 'AirSyncBase:Body');
    assert.equal(intOf(mimeBody, 'AirSyncBase:Type'), 4);
    const raw = await app.store.blobs.get(note.blobId!);
    assert.deepEqual(Buffer.from(bytesOf(mimeBody, 'AirSyncBase:Data')!), Buffer.from(raw!));
  });

  test('Fetch by FileReference: the attachment bytes intact, and a Range with Total', async () => {
    const ref = await fileRef(report);
    const [whole, part, beyond, badRef] = await itemOps([
      fetchOp(asb('FileReference', ref)),
      fetchOp(asb('FileReference', ref), io('Options', io('Range', '10-19'))),
      fetchOp(asb('FileReference', ref), io('Options', io('Range', '5000-5009'))),
      fetchOp(asb('FileReference', 'nonsense')),
    ]);
    assert.equal(intOf(whole, 'ItemOperations:Status'), 1);
    assert.equal(textOf(whole, 'AirSyncBase:FileReference'), ref);
    assert.equal(textOf(props(whole), 'AirSyncBase:ContentType'), 'application/octet-stream');
    assert.deepEqual(Buffer.from(textOf(props(whole), 'ItemOperations:Data')!, 'base64'), BLOB);
    assert.equal(textOf(props(part), 'ItemOperations:Range'), '10-19');
    assert.equal(intOf(props(part), 'ItemOperations:Total'), BLOB.length);
    assert.deepEqual(Buffer.from(textOf(props(part), 'ItemOperations:Data')!, 'base64'), BLOB.subarray(10, 20));
    assert.equal(intOf(beyond, 'ItemOperations:Status'), 8, 'a range past the end');
    assert.equal(intOf(badRef, 'ItemOperations:Status'), 15, 'a reference we never handed out');
  });

  test('multipart (base64 query option bit): WBXML first, then the bytes the Part elements name', async () => {
    const ref = await fileRef(report);
    const deviceId = Buffer.from('phoneMP');
    const deviceType = Buffer.from('TestPhone');
    const query = Buffer.concat([
      Buffer.from([161, 19, 0x09, 0x04, deviceId.length]), deviceId, Buffer.from([0, deviceType.length]), deviceType,
      Buffer.from([7, 1, 0x02]), // Options: AcceptMultiPart
    ]).toString('base64');
    const body = io('ItemOperations',
      fetchOp(asb('FileReference', ref)),
      fetchOp(el('AirSync:ServerId', sid(note)), io('Options', el('AirSync:MIMESupport', 2), asb('BodyPreference', asb('Type', 4)))));
    const res = await fetch(`${app.baseUrl}/Microsoft-Server-ActiveSync?${encodeURIComponent(query)}`, {
      method: 'POST', headers: { authorization: basicAuth(ann.email, pw), 'content-type': WBXML_TYPE }, body: new Uint8Array(encode(body)),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), MULTIPART_TYPE);
    const parts = decodeMultipart(Buffer.from(await res.arrayBuffer()));
    assert.equal(parts.length, 3);
    const root = decode(parts[0]!);
    const [att, msg] = children(child(root, 'ItemOperations:Response'), 'ItemOperations:Fetch');
    assert.equal(textOf(props(att), 'ItemOperations:Data'), undefined, 'no Data beside a Part');
    const attPart = intOf(props(att), 'ItemOperations:Part')!;
    assert.deepEqual(parts[attPart], BLOB);
    const msgBody = child(props(msg), 'AirSyncBase:Body');
    assert.equal(child(msgBody, 'AirSyncBase:Data'), undefined);
    const raw = await app.store.blobs.get(note.blobId!);
    assert.deepEqual(parts[intOf(msgBody, 'ItemOperations:Part')!], Buffer.from(raw!));
  });

  test('multipart asked for with the MS-ASAcceptMultiPart header', async () => {
    const ref = await fileRef(report);
    const res = await easRequest(app, {
      cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'phoneIO', version: '14.1',
      headers: { 'MS-ASAcceptMultiPart': 'T' }, body: io('ItemOperations', fetchOp(asb('FileReference', ref))),
    });
    assert.equal(res.headers.get('content-type'), MULTIPART_TYPE);
    const parts = decodeMultipart(res.raw);
    assert.deepEqual(parts[1], BLOB);
  });

  test("another account's ServerId, LongId and FileReference name nothing; other stores and bad Fetches", async () => {
    const ref = await fileRef(report);
    const bob = { user: 'bob@example.com', pw: bobPw };
    const [a, b, c] = await itemOps([
      fetchOp(el('AirSync:CollectionId', String(inbox.id)), el('AirSync:ServerId', sid(note))),
      fetchOp(el('Search:LongId', sid(note))),
      fetchOp(asb('FileReference', ref)),
    ], bob);
    assert.deepEqual([a, b, c].map((f) => intOf(f, 'ItemOperations:Status')), [6, 6, 6]);
    assert.equal(textOf(props(a), 'Email:Subject'), undefined);
    const [wrongFolder, docLib, nothing, gone] = await itemOps([
      fetchOp(el('AirSync:CollectionId', String(sent.id)), el('AirSync:ServerId', sid(note))),
      io('Fetch', io('Store', 'DocumentLibrary'), el('Search:LongId', 'file://x')),
      fetchOp(io('Options', asb('BodyPreference', asb('Type', 1)))),
      fetchOp(el('AirSync:ServerId', `${inbox.id}:999999`)),
    ]);
    assert.deepEqual([wrongFolder, docLib, nothing, gone].map((f) => intOf(f, 'ItemOperations:Status')), [6, 9, 2, 6]);
    const garbage = await easRequest(app, { cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'phoneIO', version: '14.1', body: io('ItemOperations') });
    assert.equal(intOf(garbage.root ?? undefined, 'ItemOperations:Status'), 2);
  });

  test('EmptyFolderContents: the items go; sub-folders stay unless DeleteSubFolders', async () => {
    const projects = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Projects', kind: 'mail' });
    const old = await app.store.mailbox.createFolder(ann.id, { parentId: projects.id, name: 'Old', kind: 'mail' });
    for (let i = 0; i < 3; i++) await add(projects, plain(`P${i}`));
    await add(old, plain('O1'));
    const [first] = await itemOps([io('EmptyFolderContents', el('AirSync:CollectionId', String(projects.id)))]);
    assert.equal(intOf(first, 'ItemOperations:Status'), 1);
    assert.equal(textOf(first, 'AirSync:CollectionId'), String(projects.id));
    assert.equal(await app.store.mailbox.countItems(ann.id, projects.id), 0);
    assert.equal(await app.store.mailbox.countItems(ann.id, old.id), 1, 'the sub-folder keeps its items');
    await add(projects, plain('P9'));
    const [second] = await itemOps([io('EmptyFolderContents', el('AirSync:CollectionId', String(projects.id)), io('Options', io('DeleteSubFolders')))]);
    assert.equal(intOf(second, 'ItemOperations:Status'), 1);
    assert.equal(await app.store.mailbox.countItems(ann.id, projects.id), 0);
    assert.equal(await app.store.mailbox.getFolder(ann.id, old.id), null, 'the sub-folder is gone');
    assert.ok(await app.store.mailbox.getFolder(ann.id, projects.id), 'the folder itself stays');
    const [unknown] = await itemOps([io('EmptyFolderContents', el('AirSync:CollectionId', '999999'))]);
    assert.equal(intOf(unknown, 'ItemOperations:Status'), 6);
  });

  test('Move of a conversation: every message of the thread but the ones in Sent; MoveAlways required', async () => {
    const archive = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Archive', kind: 'mail' });
    const junk = (await app.store.mailbox.getFolderByRole(ann.id, 'junk'))!;
    const root = await add(inbox, plain('Trip', ['Message-ID: <trip@example.net>']));
    const reply = await add(junk, plain('Re: Trip', ['Message-ID: <trip2@example.net>', 'In-Reply-To: <trip@example.net>', 'References: <trip@example.net>']));
    const mine = await add(sent, plain('Re: Trip', ['Message-ID: <trip3@example.com>', 'References: <trip@example.net>']));
    const other = await add(inbox, plain('Other', ['Message-ID: <other@example.net>']));
    const [f] = await itemOps([fetchOp(el('AirSync:ServerId', sid(root)))]);
    const conv = bytesOf(props(f), 'Email2:ConversationId');
    assert.equal(conv?.byteLength, 16);

    const [noAlways] = await itemOps([io('Move', io('ConversationId', conv), io('DstFldId', String(archive.id)))]);
    assert.equal(intOf(noAlways, 'ItemOperations:Status'), 155);
    const [moved] = await itemOps([io('Move', io('ConversationId', conv), io('DstFldId', String(archive.id)), io('Options', io('MoveAlways')))]);
    assert.equal(intOf(moved, 'ItemOperations:Status'), 1);
    assert.deepEqual(Buffer.from(bytesOf(moved, 'ItemOperations:ConversationId')!), Buffer.from(conv));
    const where = async (i: Item) => (await app.store.mailbox.getItem(ann.id, i.id))!.folderId;
    assert.deepEqual([await where(root), await where(reply), await where(mine), await where(other)], [archive.id, archive.id, sent.id, inbox.id]);
    const [none] = await itemOps([io('Move', io('ConversationId', new Uint8Array(16)), io('DstFldId', String(archive.id)), io('Options', io('MoveAlways')))]);
    assert.equal(intOf(none, 'ItemOperations:Status'), 6);
    const [badDst] = await itemOps([io('Move', io('ConversationId', conv), io('DstFldId', '999999'), io('Options', io('MoveAlways')))]);
    assert.equal(intOf(badDst, 'ItemOperations:Status'), 6);
  });
});
