// The Email class (MS-ASEMAIL, MS-ASAIRS): fields, bodies and their preferences, version differences.
// Every tree is checked as a device would receive it: encoded to WBXML and decoded again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderEmail, type EmailOptions } from '../src/eas/classes/email.js';
import { mimeTruncationBytes, truncationBytes } from '../src/eas/classes/email-body.js';
import { bytesOf, child, children, elements, intOf, path, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { fixture, itemFor, RECEIVED_AT, wire, type ItemOverrides } from './fixtures/mail/load.js';

const opts = (o: Partial<EmailOptions> = {}): EmailOptions =>
  ({ bodyPreferences: [{ type: 2 }], mimeSupport: 0, version: 141, serverId: '5:42', ...o });

async function render(name: string, o: Partial<EmailOptions> = {}, item: ItemOverrides = {}): Promise<WbxmlElement> {
  const raw = fixture(name);
  return wire(await renderEmail(await itemFor(raw, item), raw, opts(o)));
}

const body = (app: WbxmlElement): WbxmlElement => {
  const b = child(app, 'AirSyncBase:Body');
  assert.ok(b, 'airsyncbase:Body present');
  return b;
};
const dataOf = (app: WbxmlElement): string | undefined => textOf(body(app), 'AirSyncBase:Data');
const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

void test('headers: address lists quoted per RFC 5322, DisplayTo, ThreadTopic, DateReceived, importance', async () => {
  const app = await render('plain.eml');
  assert.equal(textOf(app, 'Email:To'), '"Doe, Jane" <jane@example.org>, bob@example.net');
  assert.equal(textOf(app, 'Email:Cc'), '"Carol" <carol@example.org>');
  assert.equal(textOf(app, 'Email:From'), '"Doe, John \\"JD\\"" <john@example.com>');
  assert.equal(textOf(app, 'Email:ReplyTo'), 'replies@example.com');
  assert.equal(textOf(app, 'Email:DisplayTo'), 'Doe, Jane; bob@example.net');
  assert.equal(textOf(app, 'Email:Subject'), 'Re: Fwd: Quarterly report');
  assert.equal(textOf(app, 'Email:ThreadTopic'), 'Quarterly report');
  assert.equal(textOf(app, 'Email:DateReceived'), '2025-07-01T10:00:00.000Z');
  assert.match(textOf(app, 'Email:DateReceived') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  assert.equal(intOf(app, 'Email:Importance'), 2);
  assert.equal(intOf(app, 'Email:Read'), 0);
  assert.equal(textOf(app, 'Email:MessageClass'), 'IPM.Note');
  assert.equal(textOf(app, 'Email:InternetCPID'), '65001');
  assert.equal(textOf(app, 'Email:ContentClass'), 'urn:content-classes:message');
});

void test('encoded-word subject and names, ISO-8859-1 body: decoded to UTF-8', async () => {
  const u = await render('utf8-subject.eml', { bodyPreferences: [{ type: 1 }] });
  assert.equal(textOf(u, 'Email:Subject'), 'Übersicht 📈 日本');
  assert.equal(textOf(u, 'Email:From'), '"Renée Müller" <renee@example.de>');
  assert.equal(textOf(u, 'Email:DisplayTo'), '山田太郎');
  const l = await render('latin1.eml', { bodyPreferences: [{ type: 1 }] });
  assert.equal(textOf(l, 'Email:Subject'), 'Café crème');
  assert.equal(textOf(l, 'Email:From'), '"François" <francois@example.fr>');
  assert.match(dataOf(l) ?? '', /Un café crème à la française, s'il vous plaît\./);
});

void test('flags and categories: Read, Flag (empty when not flagged), Categories, LastVerbExecuted', async () => {
  const plain = await render('plain.eml');
  const flag = child(plain, 'Email:Flag');
  assert.ok(flag);
  assert.equal(elements(flag).length, 0);
  assert.equal(child(plain, 'Email:Categories'), undefined);
  assert.equal(child(plain, 'Email2:LastVerbExecuted'), undefined);
  const set = await render('plain.eml', {}, { flags: { seen: true, flagged: true, forwarded: true }, categories: ['Work', 'Red', 'Work', ' '] });
  assert.equal(intOf(set, 'Email:Read'), 1);
  assert.equal(intOf(child(set, 'Email:Flag'), 'Email:Status'), 2);
  assert.equal(textOf(child(set, 'Email:Flag'), 'Email:FlagType'), 'Flag for follow up');
  assert.deepEqual(children(child(set, 'Email:Categories'), 'Email:Category').map(text), ['Work', 'Red']);
  assert.equal(intOf(set, 'Email2:LastVerbExecuted'), 3);
  const replied = await render('plain.eml', {}, { flags: { answered: true, forwarded: true } });
  assert.equal(intOf(replied, 'Email2:LastVerbExecuted'), 1);
});

void test('ConversationId groups a thread by its root Message-ID; ConversationIndex is 5 bytes', async () => {
  const reply = await render('plain.eml');
  const id = bytesOf(reply, 'Email2:ConversationId');
  assert.equal(id?.byteLength, 16);
  // A message whose own Message-ID is the thread root gets the same id.
  const root = Buffer.from('Message-ID: <root@example.com>\r\nSubject: Quarterly report\r\n\r\nroot\r\n');
  const rootApp = wire(await renderEmail(await itemFor(root), root, opts()));
  assert.deepEqual(bytesOf(rootApp, 'Email2:ConversationId'), id);
  const other = await render('html-only.eml');
  assert.notDeepEqual(bytesOf(other, 'Email2:ConversationId'), id);
  const index = bytesOf(reply, 'Email2:ConversationIndex');
  assert.equal(index?.byteLength, 5);
  // The header is the top 40 bits of the FILETIME of the Date header (2025-07-01T07:30:00Z).
  const filetime = (BigInt(Date.UTC(2025, 6, 1, 7, 30)) + 11644473600000n) * 10000n;
  assert.equal(Buffer.from(index ?? []).readUIntBE(0, 5), Number(filetime >> 24n));
});

void test('Type 1 and 2 whole: plain text, HTML, conversions both ways, NativeBodyType', async () => {
  const plain1 = await render('plain.eml', { bodyPreferences: [{ type: 1 }] });
  assert.equal(intOf(body(plain1), 'AirSyncBase:Type'), 1);
  assert.match(dataOf(plain1) ?? '', /^Hello Jane,\r?\n\r?\nthe quarterly figures/);
  assert.equal(intOf(body(plain1), 'AirSyncBase:EstimatedDataSize'), utf8Len(dataOf(plain1) ?? ''));
  assert.equal(intOf(body(plain1), 'AirSyncBase:Truncated'), 0);
  assert.equal(intOf(plain1, 'AirSyncBase:NativeBodyType'), 1);
  // Plain text as HTML: escaped and wrapped.
  const plain2 = await render('plain.eml', { bodyPreferences: [{ type: 2 }] });
  assert.match(dataOf(plain2) ?? '', /^<html>.*Numbers: 1 &lt; 2 &amp; 3 &gt; 2\.<br>/s);
  // HTML as plain text: markup, style, script and comments gone, entities decoded, links kept.
  const html1 = await render('html-only.eml', { bodyPreferences: [{ type: 1 }] });
  assert.equal(dataOf(html1), 'Top stories\n\nFirst item & more: café €5\n\n- One\n- Two\n\nRead more here <https://example.com/more>.');
  assert.equal(intOf(html1, 'AirSyncBase:NativeBodyType'), 2);
  const html2 = await render('html-only.eml', { bodyPreferences: [{ type: 2 }] });
  assert.match(dataOf(html2) ?? '', /<h1>Top stories<\/h1>/);
  assert.equal(intOf(await render('alternative-attachment.eml'), 'AirSyncBase:NativeBodyType'), 2);
});

void test('TruncationSize cuts in UTF-8 bytes at a character boundary; EstimatedDataSize is the whole', async () => {
  const whole = dataOf(await render('utf8-subject.eml', { bodyPreferences: [{ type: 1 }] })) ?? '';
  assert.ok(utf8Len(whole) > 2000);
  for (const size of [1, 2, 3, 5, 101, 1000, 1001, 1002, 1003]) {
    const app = await render('utf8-subject.eml', { bodyPreferences: [{ type: 1, truncationSize: size }] });
    const data = dataOf(app) ?? '';
    assert.equal(intOf(body(app), 'AirSyncBase:Truncated'), 1);
    assert.equal(intOf(body(app), 'AirSyncBase:EstimatedDataSize'), utf8Len(whole));
    assert.ok(utf8Len(data) <= size && utf8Len(data) > size - 4, `size ${size}: ${utf8Len(data)} bytes`);
    assert.ok(whole.startsWith(data), 'a prefix of the whole text');
    assert.ok(!data.includes('\ufffd'), 'no broken character');
  }
  const html = await render('alternative-attachment.eml', { bodyPreferences: [{ type: 2, truncationSize: 30 }] });
  assert.equal(dataOf(html), '<html><body><p>Hi Jane, the re');
  const fits = await render('plain.eml', { bodyPreferences: [{ type: 1, truncationSize: 100000 }] });
  assert.equal(intOf(body(fits), 'AirSyncBase:Truncated'), 0);
});

void test('AllOrNone: a body that does not fit goes to the next preference, else nothing is sent', async () => {
  const next = await render('alternative-attachment.eml', {
    bodyPreferences: [{ type: 2, truncationSize: 50, allOrNone: true }, { type: 1, truncationSize: 1000, allOrNone: true }],
  });
  assert.equal(intOf(body(next), 'AirSyncBase:Type'), 1);
  assert.equal(dataOf(next), 'Hi Jane, the report is attached. [logo]');
  const none = await render('alternative-attachment.eml', { bodyPreferences: [{ type: 2, truncationSize: 50, allOrNone: true }] });
  assert.equal(intOf(body(none), 'AirSyncBase:Type'), 2);
  assert.equal(intOf(body(none), 'AirSyncBase:Truncated'), 1);
  assert.equal(child(body(none), 'AirSyncBase:Data'), undefined);
  assert.ok((intOf(body(none), 'AirSyncBase:EstimatedDataSize') ?? 0) > 50);
  const fits = await render('alternative-attachment.eml', { bodyPreferences: [{ type: 2, truncationSize: 5000, allOrNone: true }] });
  assert.equal(intOf(body(fits), 'AirSyncBase:Truncated'), 0);
  assert.ok(dataOf(fits));
});

void test('Preview (14.0+): plain text of at most N characters; not beside plain text Data', async () => {
  const app = await render('html-only.eml', { bodyPreferences: [{ type: 2, truncationSize: 10, preview: 20 }] });
  assert.equal(textOf(body(app), 'AirSyncBase:Preview'), 'Top stories First it');
  const long = await render('utf8-subject.eml', { bodyPreferences: [{ type: 2, preview: 255 }] });
  const preview = textOf(body(long), 'AirSyncBase:Preview') ?? '';
  assert.equal(Array.from(preview).length, 255);
  assert.equal(child(body(await render('plain.eml', { bodyPreferences: [{ type: 1, preview: 50 }] })), 'AirSyncBase:Preview'), undefined);
  assert.equal(child(body(await render('plain.eml', { version: 121, bodyPreferences: [{ type: 2, preview: 50 }] })), 'AirSyncBase:Preview'), undefined);
});

void test('Type 4 MIME: the raw message as OPAQUE with MIMESupport 2, truncated in bytes', async () => {
  const raw = fixture('alternative-attachment.eml');
  const app = await render('alternative-attachment.eml', { mimeSupport: 2, bodyPreferences: [{ type: 4 }] });
  assert.equal(intOf(body(app), 'AirSyncBase:Type'), 4);
  const data = body(app) && child(body(app), 'AirSyncBase:Data');
  assert.ok(data?.children[0] instanceof Uint8Array, 'sent as OPAQUE');
  assert.deepEqual(Buffer.from(bytesOf(body(app), 'AirSyncBase:Data') ?? []), raw);
  assert.equal(intOf(body(app), 'AirSyncBase:EstimatedDataSize'), raw.byteLength);
  const cut = await render('alternative-attachment.eml', { mimeSupport: 2, bodyPreferences: [{ type: 4, truncationSize: 100 }] });
  assert.deepEqual(Buffer.from(bytesOf(body(cut), 'AirSyncBase:Data') ?? []), raw.subarray(0, 100));
  assert.equal(intOf(body(cut), 'AirSyncBase:Truncated'), 1);
  const text = await render('plain.eml', { mimeSupport: 2, bodyPreferences: [{ type: 4 }], mimeAsText: true });
  assert.equal(dataOf(text), fixture('plain.eml').toString('utf8'));
});

void test('body choice: MIMESupport gates MIME, RTF falls through, empty preferences use 2.5-style options', async () => {
  const type = async (o: Partial<EmailOptions>, name = 'plain.eml'): Promise<number | undefined> =>
    intOf(body(await render(name, o)), 'AirSyncBase:Type');
  assert.equal(await type({ mimeSupport: 0, bodyPreferences: [{ type: 4 }, { type: 2 }] }), 2);
  assert.equal(await type({ mimeSupport: 2, bodyPreferences: [{ type: 4 }, { type: 2 }] }), 4);
  assert.equal(await type({ mimeSupport: 2, bodyPreferences: [{ type: 2 }, { type: 4 }] }), 2);
  // A client that listed only MIME gets MIME whatever MIMESupport says.
  assert.equal(await type({ mimeSupport: 0, bodyPreferences: [{ type: 4 }] }), 4);
  assert.equal(await type({ bodyPreferences: [{ type: 3 }] }), 1);
  assert.equal(await type({ bodyPreferences: [{ type: 3 }, { type: 2 }] }), 2);
  // S/MIME goes as MIME once MIMESupport allows it, even when Type 4 was not listed.
  assert.equal(await type({ mimeSupport: 1, bodyPreferences: [{ type: 2 }] }, 'smime-signed.eml'), 4);
  assert.equal(await type({ mimeSupport: 1, bodyPreferences: [{ type: 2 }] }), 2);
  const defaults = await render('plain.eml', { version: 121, bodyPreferences: [], truncation: truncationBytes(1) });
  assert.equal(intOf(body(defaults), 'AirSyncBase:Type'), 1);
  assert.equal(intOf(body(defaults), 'AirSyncBase:Truncated'), 0);
  const mimeDefault = await render('plain.eml', { version: 121, bodyPreferences: [], mimeSupport: 2, mimeTruncation: 50 });
  assert.equal(intOf(body(mimeDefault), 'AirSyncBase:Type'), 4);
  assert.equal(bytesOf(body(mimeDefault), 'AirSyncBase:Data')?.byteLength, 50);
  assert.equal(truncationBytes(9), undefined);
  assert.equal(truncationBytes(4), 5120);
  assert.equal(mimeTruncationBytes(8), undefined);
  assert.equal(mimeTruncationBytes(1), 4096);
});

void test('S/MIME message classes', async () => {
  assert.equal(textOf(await render('smime-signed.eml'), 'Email:MessageClass'), 'IPM.Note.SMIME.MultipartSigned');
  const enc = Buffer.from('Subject: x\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\r\n');
  const app = wire(await renderEmail(await itemFor(enc), enc, opts({ mimeSupport: 1, bodyPreferences: [{ type: 4 }] })));
  assert.equal(textOf(app, 'Email:MessageClass'), 'IPM.Note.SMIME');
  assert.deepEqual(Buffer.from(bytesOf(body(app), 'AirSyncBase:Data') ?? []), enc);
});

void test('version 2.5: email:Body with BodyTruncated and BodySize, MIMEData, no AirSyncBase or 12.0+ fields', async () => {
  const app = await render('utf8-subject.eml', { version: 25, bodyPreferences: [], truncation: truncationBytes(1) });
  assert.equal(child(app, 'AirSyncBase:Body'), undefined);
  assert.equal(child(app, 'AirSyncBase:NativeBodyType'), undefined);
  assert.equal(child(app, 'Email:Flag'), undefined);
  assert.equal(child(app, 'Email:ContentClass'), undefined);
  assert.equal(child(app, 'Email2:ConversationId'), undefined);
  assert.ok(utf8Len(textOf(app, 'Email:Body') ?? '') <= 512);
  assert.equal(intOf(app, 'Email:BodyTruncated'), 1);
  assert.ok((intOf(app, 'Email:BodySize') ?? 0) > 2000);
  assert.equal(textOf(app, 'Email:InternetCPID'), '65001');
  const whole = await render('plain.eml', { version: 25, bodyPreferences: [] });
  assert.equal(intOf(whole, 'Email:BodyTruncated'), 0);
  assert.equal(child(whole, 'Email:BodySize'), undefined);
  const mime = await render('plain.eml', { version: 25, bodyPreferences: [], mimeSupport: 2 });
  assert.deepEqual(Buffer.from(bytesOf(mime, 'Email:MIMEData') ?? []), fixture('plain.eml'));
  assert.equal(intOf(mime, 'Email:MIMETruncated'), 0);
  assert.equal(child(mime, 'Email:Body'), undefined);
  const cut = await render('plain.eml', { version: 25, bodyPreferences: [], mimeSupport: 2, mimeTruncation: mimeTruncationBytes(0) });
  assert.equal(intOf(cut, 'Email:MIMETruncated'), 1);
  assert.equal(intOf(cut, 'Email:MIMESize'), fixture('plain.eml').byteLength);
});

void test('versions 12.1, 14.1, 16.1: what each adds', async () => {
  const items = { flags: { draft: true, answered: true }, categories: ['Work'] };
  const v121 = await render('plain.eml', { version: 121 }, items);
  assert.ok(child(v121, 'Email:Flag'));
  assert.ok(child(v121, 'AirSyncBase:NativeBodyType'));
  assert.equal(child(v121, 'Email:Categories'), undefined);
  assert.equal(child(v121, 'Email2:ConversationId'), undefined);
  assert.equal(child(v121, 'Email2:LastVerbExecuted'), undefined);
  const v141 = await render('plain.eml', { version: 141 }, items);
  assert.ok(child(v141, 'Email:Categories'));
  assert.ok(child(v141, 'Email2:ConversationIndex'));
  assert.equal(child(v141, 'Email2:IsDraft'), undefined);
  const v161 = await render('plain.eml', { version: 161 }, items);
  assert.equal(intOf(v161, 'Email2:IsDraft'), 1);
  assert.equal(path(v161, 'AirSyncBase:Body', 'AirSyncBase:Type') !== undefined, true);
});

void test('an item without stored meta is rendered from the message headers', async () => {
  const app = await render('plain.eml', {}, { withoutMeta: true, receivedAt: RECEIVED_AT });
  assert.equal(textOf(app, 'Email:To'), '"Doe, Jane" <jane@example.org>, bob@example.net');
  assert.equal(textOf(app, 'Email:Subject'), 'Re: Fwd: Quarterly report');
  assert.equal(intOf(app, 'Email:Importance'), 2);
});
