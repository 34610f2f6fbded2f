// SmartReply and SmartForward (MS-ASCMD 2.2.1.19 / 2.2.1.20) over HTTP: 14.1 ComposeMail with Source and
// 12.1 raw MIME with the query; the original quoted or forwarded with its attachments intact, threading
// headers, the local and the relayed copies, LastVerbExecuted in the next Sync, ReplaceMime, ClientId
// memory (118), and 150 for an original that is not in the caller's mailbox.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { itemServerId } from '../src/eas/sync/collection-state.js';
import { child, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { itemsIn, newestIn } from './helpers/mailbox.js';
import { commandsOf, crlf, Phone } from './helpers/phone.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const cm = ns('ComposeMail');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PDF = randomBytes(48 * 1024);
const PNG = randomBytes(2 * 1024);

function originalMessage(n: number): Buffer {
  const mixed = `mixed-${n}`;
  const related = `related-${n}`;
  return Buffer.from(crlf([
    'From: Carol Outside <carol@outside.test>', 'To: Ann Example <ann@example.com>', 'Cc: dave@outside.test',
    `Subject: Quarterly report ${n}`, `Message-ID: <orig-${n}@outside.test>`, 'References: <root@outside.test>',
    'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${mixed}"`, '',
    `--${mixed}`, `Content-Type: multipart/related; boundary="${related}"`, '',
    `--${related}`, 'Content-Type: text/html; charset=utf-8', '',
    `<html><body><p>The figures for quarter ${n} are attached.</p><img src="cid:logo-${n}@outside.test"></body></html>`,
    `--${related}`, 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', `Content-ID: <logo-${n}@outside.test>`, 'Content-Disposition: inline', '',
    PNG.toString('base64').replace(/.{76}/g, '$&\r\n'),
    `--${related}--`,
    `--${mixed}`, 'Content-Type: application/pdf; name="report.pdf"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="report.pdf"', '',
    PDF.toString('base64').replace(/.{76}/g, '$&\r\n'),
    `--${mixed}--`, '',
  ]));
}

describe('EAS SmartReply and SmartForward', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let ann: Account;
  let bob: Account;
  const pw = 'ann-password-1';
  let n = 0;

  const folderItems = (a: Account, role: 'inbox' | 'sent'): Promise<Item[]> => itemsIn(app, a, role);
  const lastIn = (a: Account, role: 'inbox' | 'sent'): Promise<ParsedMail> => newestIn(app, a, role);
  /** A new original in Ann's inbox; its ServerId as a device sees it. */
  const deliverOriginal = async (): Promise<{ item: Item; serverId: string; folder: string }> => {
    const raw = originalMessage(++n);
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const item = await app.store.mailbox.addMessage(ann.id, inbox.id, { raw, meta: await parseMessageMeta(raw) });
    return { item, serverId: itemServerId(inbox.id, item.id), folder: String(inbox.id) };
  };
  const reply = (text: string, to = 'Bob <bob@example.com>, ext@outside.test') => Buffer.from(crlf([
    `To: ${to}`, `Subject: Re: the report`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', text,
  ]));
  const smart = (cmd: 'SmartReply' | 'SmartForward', clientId: string, source: Record<string, string>, mime: Buffer, extra: { replaceMime?: boolean; user?: string; password?: string } = {}) => easRequest(app, {
    cmd, user: extra.user ?? ann.email, password: extra.password ?? pw, deviceId: 'smart1', version: '14.1',
    body: cm(cmd, cm('ClientId', clientId), cm('SaveInSentItems'),
      cm('Source', Object.entries(source).map(([k, v]) => cm(k as 'FolderId', v))),
      extra.replaceMime === true && cm('ReplaceMime'), cm('Mime', new Uint8Array(mime))),
  });

  before(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  test('14.1 SmartForward: the original text and every attachment arrive intact, locally and through the relay', async () => {
    const o = await deliverOriginal();
    const sinkBefore = sink.messages.length;
    const r = await smart('SmartForward', 'fwd-1', { FolderId: o.folder, ItemId: o.serverId }, reply('Bob, see below.'));
    assert.equal(r.status, 200);
    assert.equal(r.raw.length, 0);
    for (const got of [await lastIn(bob, 'inbox'), await simpleParser(sink.messages[sinkBefore]!.raw), await lastIn(ann, 'sent')]) {
      assert.match(got.text ?? '', /^Bob, see below\./);
      assert.match(got.text ?? '', /Forwarded message[\s\S]*From: "?Carol Outside"? <carol@outside\.test>[\s\S]*Subject: Quarterly report/);
      assert.match(got.text ?? '', new RegExp(`The figures for quarter ${n} are attached`));
      assert.match(String(got.html), /The figures for quarter/);
      const pdf = got.attachments.find((a) => a.filename === 'report.pdf');
      assert.ok(pdf, 'the forwarded attachment is there');
      assert.equal(sha(pdf.content), sha(PDF));
      assert.equal(pdf.contentType, 'application/pdf');
      const png = got.attachments.find((a) => a.contentType === 'image/png');
      assert.equal(png && sha(png.content), sha(PNG), 'the inline image too');
      assert.equal(got.inReplyTo, `<orig-${n}@outside.test>`);
      assert.equal(got.from?.text, '"Ann Example" <ann@example.com>');
    }
    assert.equal(sink.messages.length, sinkBefore + 1);
    assert.deepEqual(sink.messages[sinkBefore]!.to, ['ext@outside.test']);
    assert.equal((await app.store.mailbox.getItem(ann.id, o.item.id))!.flags.forwarded, true);
  });

  test('14.1 SmartReply: quoted text, threading headers, no file attachment, the original marked answered (LastVerbExecuted 1 in the next Sync)', async () => {
    // A device that has the inbox synced sees the change of the original.
    const phone = new Phone(app, { email: ann.email, password: pw }, 'smart1');
    await phone.folderSync();
    const o = await deliverOriginal();
    await phone.sync(o.folder, { windowSize: 200 });
    await phone.sync(o.folder, { getChanges: true, windowSize: 200 });

    const r = await smart('SmartReply', 'rep-1', { FolderId: o.folder, ItemId: o.serverId }, reply('Thanks, Carol!'));
    assert.equal(r.status, 200);
    const got = await lastIn(bob, 'inbox');
    assert.match(got.text ?? '', /^Thanks, Carol!/);
    assert.match(got.text ?? '', /wrote:\r?\n> The figures for quarter/);
    assert.match(String(got.html), /<blockquote type="cite"[^>]*>.*The figures for quarter/s);
    assert.equal(got.inReplyTo, `<orig-${n}@outside.test>`);
    assert.deepEqual(got.references, ['<root@outside.test>', `<orig-${n}@outside.test>`]);
    assert.equal(got.attachments.some((a) => a.filename === 'report.pdf'), false, 'a reply does not carry the file');
    assert.ok(got.attachments.some((a) => a.contentType === 'image/png'), 'but the quoted inline image comes along');

    const next = await phone.sync(o.folder, { getChanges: true, windowSize: 200 });
    const change = commandsOf(next, 'Change').find((c) => textOf(c, 'AirSync:ServerId') === o.serverId);
    assert.ok(change, 'the original is changed in the next Sync');
    assert.equal(intOf(child(change, 'AirSync:ApplicationData'), 'Email2:LastVerbExecuted'), 1);
  });

  test('ReplaceMime: the phone\'s message goes as written (no quote), with the threading headers added', async () => {
    const o = await deliverOriginal();
    const r = await smart('SmartReply', 'rep-replace', { LongId: o.serverId }, reply('My own full text.', 'bob@example.com'), { replaceMime: true });
    assert.equal(r.status, 200);
    const got = await lastIn(bob, 'inbox');
    assert.equal(got.text?.trim(), 'My own full text.');
    assert.equal(got.inReplyTo, `<orig-${n}@outside.test>`);
  });

  test('12.1: SmartReply and SmartForward with the raw MIME body and the ItemId / CollectionId query', async () => {
    const o = await deliverOriginal();
    const sentBefore = (await folderItems(ann, 'sent')).length;
    const old = (cmd: string, body: Buffer) => easRequest(app, {
      cmd, user: ann.email, password: pw, deviceId: 'oldphone', version: '12.1', rawBody: body,
      query: { ItemId: o.serverId, CollectionId: o.folder, SaveInSent: 'T' }, headers: { 'content-type': 'message/rfc822' },
    });
    assert.equal((await old('SmartForward', reply('Old phone forward.', 'bob@example.com'))).status, 200);
    const fwd = await lastIn(bob, 'inbox');
    assert.match(fwd.text ?? '', /^Old phone forward\.[\s\S]*Forwarded message/);
    assert.equal(sha(fwd.attachments.find((a) => a.filename === 'report.pdf')!.content), sha(PDF));
    assert.equal((await old('SmartReply', reply('Old phone reply.', 'bob@example.com'))).status, 200);
    assert.match((await lastIn(bob, 'inbox')).text ?? '', /^Old phone reply\.[\s\S]*> The figures/);
    assert.equal((await folderItems(ann, 'sent')).length, sentBefore + 2);
    const flags = (await app.store.mailbox.getItem(ann.id, o.item.id))!.flags;
    assert.deepEqual([flags.answered, flags.forwarded], [true, true]);
  });

  test('the same ClientId twice gives 118 and one message; an original that is not the caller\'s gives 150 and sends nothing', async () => {
    const o = await deliverOriginal();
    assert.equal((await smart('SmartReply', 'rep-dup', { ItemId: o.serverId, FolderId: o.folder }, reply('Once.', 'bob@example.com'))).status, 200);
    const count = (await folderItems(bob, 'inbox')).length;
    const again = await smart('SmartReply', 'rep-dup', { ItemId: o.serverId, FolderId: o.folder }, reply('Once.', 'bob@example.com'));
    assert.equal(intOf(again.root ?? undefined, 'ComposeMail:Status'), 118);

    // Bob names Ann's message: it is not in his mailbox.
    const stolen = await smart('SmartForward', 'steal', { ItemId: o.serverId, FolderId: o.folder }, reply('Mine now.', 'bob@example.com'), { user: bob.email, password: 'bob-password-1' });
    assert.equal(intOf(stolen.root ?? undefined, 'ComposeMail:Status'), 150);
    const missing = await smart('SmartReply', 'rep-missing', { ItemId: `${o.folder}:999999`, FolderId: o.folder }, reply('Nobody.', 'bob@example.com'));
    assert.equal(intOf(missing.root ?? undefined, 'ComposeMail:Status'), 150);
    const wrongFolder = await smart('SmartReply', 'rep-wrong', { ItemId: o.serverId, FolderId: '999' }, reply('Nobody.', 'bob@example.com'));
    assert.equal(intOf(wrongFolder.root ?? undefined, 'ComposeMail:Status'), 150);
    assert.equal((await folderItems(bob, 'inbox')).length, count);
  });
});
