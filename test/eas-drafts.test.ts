// Drafts from a 16.1 device over HTTP with real WBXML (MS-ASCMD Sync Add/Change in Drafts, MS-ASEMAIL
// IsDraft/Bcc/Send, MS-ASAIRS Attachments Add/Delete): a draft is created with an attachment, seen by a
// second device, changed (subject, an attachment added, one deleted by FileReference), then sent: the
// recipients get it without the Bcc, Sent has a copy, Drafts no longer has it and the device is told.
// A draft whose recipient does not exist gets Status 183 and stays a draft.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { child, children, intOf, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { folderPhones } from './helpers/folder-phone.js';
import { newestIn } from './helpers/mailbox.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');
const em = ns('Email');
const em2 = ns('Email2');

describe('EAS drafts (16.1)', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let ann: Account;
  let bob: Account;
  let drafts: Folder;
  const pw = 'ann-password-1';
  const phones = folderPhones({ get baseUrl() { return app.baseUrl; } }, () => ({ email: ann.email, password: pw }), () => String(drafts.id));
  const sync = phones.sync;
  const start = async (deviceId: string) => {
    const fs = await phones.start(deviceId);
    const d = children(child(fs, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === 3)!;
    assert.equal(textOf(d, 'FolderHierarchy:ServerId'), String(drafts.id));
  };

  const stored = async (): Promise<Item[]> => app.store.mailbox.listItems(ann.id, drafts.id);
  const mimeOf = async (i: Item): Promise<ParsedMail> => simpleParser(Buffer.from((await app.store.blobs.get(i.blobId!))!));
  const lastIn = (a: Account, role: 'inbox' | 'sent'): Promise<ParsedMail> => newestIn(app, a, role);
  const attachment = (clientId: string, name: string, bytes: Buffer) =>
    asb('Add', asb('ClientId', clientId), asb('ContentType', 'text/plain'), asb('Content', new Uint8Array(bytes)), asb('DisplayName', name), asb('Method', 1));
  const commands = (coll: WbxmlElement, kind: string) => children(child(coll, 'AirSync:Commands'), `AirSync:${kind}` as 'AirSync:Add');
  const response = (coll: WbxmlElement, kind: string) => children(child(coll, 'AirSync:Responses'), `AirSync:${kind}` as 'AirSync:Add');

  before(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    drafts = (await app.store.mailbox.getFolderByRole(ann.id, 'drafts'))!;
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  let serverId = '';
  let firstRef = '';

  test('a draft with an attachment is created, answered with its FileReference, and reaches a second device', async () => {
    await start('phoneA');
    await start('phoneB');
    const coll = await sync('phoneA', [as('Add', as('ClientId', 'd-1'), as('ApplicationData',
      em('To', 'Bob <bob@example.com>'), em2('Bcc', 'secret@outside.test'), em('Subject', 'Plan (draft)'), em('Importance', 2),
      asb('Body', asb('Type', 1), asb('Data', 'First version of the plan.')),
      asb('Attachments', attachment('att-1', 'first.txt', Buffer.from('first attachment'))),
    ))]);
    const add = response(coll, 'Add')[0]!;
    assert.equal(intOf(add, 'AirSync:Status'), 1);
    serverId = textOf(add, 'AirSync:ServerId')!;
    const att = child(child(child(add, 'AirSync:ApplicationData'), 'AirSyncBase:Attachments'), 'AirSyncBase:Attachment')!;
    assert.equal(textOf(att, 'AirSyncBase:ClientId'), 'att-1');
    firstRef = textOf(att, 'AirSyncBase:FileReference')!;
    assert.match(firstRef, new RegExp(`^${serverId}:\\d+$`));

    const [item] = await stored();
    assert.equal(item!.flags.draft, true);
    const mime = await mimeOf(item!);
    assert.equal(mime.subject, 'Plan (draft)');
    assert.deepEqual(mime.to && !Array.isArray(mime.to) ? mime.to.value.map((v) => [v.name, v.address]) : [], [['Bob', 'bob@example.com']]);
    assert.equal(mime.bcc && !Array.isArray(mime.bcc) ? mime.bcc.text : '', 'secret@outside.test', 'the stored draft keeps its Bcc');
    assert.equal(mime.from && !Array.isArray(mime.from) ? mime.from.text : '', '"Ann Example" <ann@example.com>');
    assert.equal(mime.attachments[0]?.content.toString(), 'first attachment');

    const other = await sync('phoneB');
    const seen = commands(other, 'Add')[0]!;
    const data = child(seen, 'AirSync:ApplicationData')!;
    assert.equal(textOf(seen, 'AirSync:ServerId'), serverId);
    assert.deepEqual([textOf(data, 'Email:Subject'), intOf(data, 'Email2:IsDraft'), textOf(data, 'Email2:Bcc'), intOf(data, 'Email:Importance')], ['Plan (draft)', 1, 'secret@outside.test', 2]);
    assert.equal(textOf(child(data, 'AirSyncBase:Body'), 'AirSyncBase:Data')?.trim(), 'First version of the plan.');
    assert.equal(children(child(data, 'AirSyncBase:Attachments'), 'AirSyncBase:Attachment').length, 1);
  });

  test('a change edits the subject, adds an attachment and deletes one; the other device gets the new draft', async () => {
    const coll = await sync('phoneA', [as('Change', as('ServerId', serverId), as('ApplicationData',
      em('Subject', 'Plan (final)'),
      asb('Attachments', asb('Delete', asb('FileReference', firstRef)), attachment('att-2', 'second.txt', Buffer.from('second attachment'))),
    ))]);
    assert.equal(response(coll, 'Change').length, 0, 'a successful Change has no response');
    const [item] = await stored();
    assert.equal(String(item!.id), serverId.split(':')[1], 'the same draft');
    const mime = await mimeOf(item!);
    assert.equal(mime.subject, 'Plan (final)');
    assert.deepEqual(mime.to && !Array.isArray(mime.to) ? mime.to.value.map((v) => v.address) : [], ['bob@example.com'], 'what the change did not name is kept');
    assert.deepEqual(mime.attachments.map((a) => [a.filename, a.content.toString()]), [['second.txt', 'second attachment']]);
    assert.match(mime.text ?? '', /First version of the plan/);

    const other = await sync('phoneB');
    const change = commands(other, 'Change')[0]!;
    assert.equal(textOf(child(change, 'AirSync:ApplicationData'), 'Email:Subject'), 'Plan (final)');
    assert.equal(commands(await sync('phoneA'), 'Change').length, 0, 'the editing device is not sent its own change');
  });

  test('Send: the recipients get it without the Bcc, a copy is in Sent, the draft leaves Drafts and the device is told', async () => {
    const sinkBefore = sink.messages.length;
    const coll = await sync('phoneA', [as('Change', as('ServerId', serverId), em2('Send'), as('ApplicationData', asb('Body', asb('Type', 1), asb('Data', 'Final version.'))))]);
    const resp = response(coll, 'Change')[0];
    assert.equal(resp && intOf(resp, 'AirSync:Status'), 1);
    const got = await lastIn(bob, 'inbox');
    assert.equal(got.subject, 'Plan (final)');
    assert.equal(got.text?.trim(), 'Final version.');
    assert.equal(got.bcc, undefined);
    assert.equal(got.attachments[0]?.content.toString(), 'second attachment');
    assert.equal(sink.messages.length, sinkBefore + 1);
    assert.deepEqual(sink.messages[sinkBefore]!.to, ['secret@outside.test']);
    assert.doesNotMatch(sink.messages[sinkBefore]!.raw.toString(), /^Bcc:/m);
    assert.equal((await lastIn(ann, 'sent')).subject, 'Plan (final)');
    assert.equal((await stored()).length, 0);
    const next = await sync('phoneA');
    assert.deepEqual(commands(next, 'Delete').map((d) => textOf(d, 'AirSync:ServerId')), [serverId]);
  });

  test('a draft sent to a recipient that does not exist: Status 183, and it stays a draft', async () => {
    const coll = await sync('phoneA', [as('Add', as('ClientId', 'd-2'), em2('Send'), as('ApplicationData',
      em('To', 'nobody@example.com'), em('Subject', 'Lost'), asb('Body', asb('Type', 1), asb('Data', 'Hello?'))))]);
    const add = response(coll, 'Add')[0]!;
    assert.equal(intOf(add, 'AirSync:Status'), 183);
    const left = await stored();
    assert.equal(left.length, 1);
    assert.equal(left[0]!.meta?.subject, 'Lost');
    assert.equal(text(child(add, 'AirSync:ServerId')!), `${drafts.id}:${left[0]!.id}`);
  });

  test('a Sync that adds and sends a draft, resent with the same key, answers the same and sends once', async () => {
    const key = phones.key('phoneA')!;
    const body = as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(drafts.id)),
      as('Commands', as('Add', as('ClientId', 'd-3'), em2('Send'), as('ApplicationData', em('To', 'bob@example.com'), em('Subject', 'Only once'),
        asb('Body', asb('Type', 1), asb('Data', 'Once.'))))))));
    const send = () => easRequest(app, { cmd: 'Sync', user: ann.email, password: pw, deviceId: 'phoneA', version: '16.1', body });
    const first = await send();
    const again = await send();
    const addOf = (r: { root: WbxmlElement | null }) => child(child(child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:Responses'), 'AirSync:Add')!;
    assert.equal(intOf(addOf(first), 'AirSync:Status'), 1);
    assert.equal(textOf(addOf(again), 'AirSync:ServerId'), textOf(addOf(first), 'AirSync:ServerId'));
    const inbox = await app.store.mailbox.listItems(bob.id, (await app.store.mailbox.getFolderByRole(bob.id, 'inbox'))!.id);
    assert.equal(inbox.filter((i) => i.meta?.subject === 'Only once').length, 1);
  });
});
