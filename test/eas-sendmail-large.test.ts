// SendMail (MS-ASCMD 2.2.1.17) of a message with a 3 MiB attachment, the path issue 16 part 5 made copy-free:
// the header block is rewritten and the body travels as the phone sent it, so the relay (streamed from
// the parts over a connection of its own), the recipient's Inbox and the Sent copy (stored in 256 KiB
// rows) must all hold exactly the rewritten header followed by the phone's body bytes; the Sent copy
// keeps the Bcc, the others do not; the same with the Mime as an inline string instead of OPAQUE, and as
// a 12.1 raw MIME body: the request body is kept in the chunks it arrived in and the message travels as
// views of them (src/eas/request-body.ts, src/eas/wbxml/parts.ts). A relay that refuses the large
// message: 120 and nothing stored. A client that goes away mid-body, and a body over the limit (by
// Content-Length or, chunked, by count): nothing relayed or stored, no blob parts left. On SQLite, and on
// PostgreSQL when CARBONIO_TEST_PG_URL is set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { itemServerId } from '../src/eas/sync/collection-state.js';
import { encode, intOf, ns } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { basicAuth, easRequest } from './helpers/eas-client.js';
import { itemsIn } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const cm = ns('ComposeMail');

/** A message whose body (from the blank line on) is about 4 MiB of base64, with dots at line starts to be stuffed on the wire. */
function bigMessage(subject: string): { raw: Buffer; body: Buffer } {
  const b = 'large-boundary';
  const att = randomBytes(3 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n(.)/g, (m, c: string, at: number) => (at % 7 === 0 ? `\r\n.${c}` : m));
  const head = ['From: someone@else.test', 'To: bob@example.com, ext@outside.test', 'Bcc: hidden@outside.test', `Subject: ${subject}`, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${b}"`].join('\r\n');
  const body = Buffer.from(['', '', `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'The file.', `--${b}`,
    'Content-Type: application/octet-stream; name="big.bin"', 'Content-Transfer-Encoding: base64', '', att, `--${b}--`, ''].join('\r\n'));
  return { raw: Buffer.concat([Buffer.from(head), body]), body };
}

/** The header block (up to the blank line) and the rest of a message. */
function split(raw: Buffer): { header: string; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  return { header: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end) };
}

for (const postgres of pgUrl ? [false, true] : [false]) {
  describe(`EAS SendMail of a large message (${postgres ? 'postgres' : 'sqlite'})`, () => {
    let app: TestApp;
    let sink: SmtpSink;
    let refusing: SmtpSink;
    let ann: Account;
    let bob: Account;
    const pw = 'ann-password-1';
    const send = (clientId: string, raw: Buffer) => easRequest(app, {
      cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'bigsender', version: '14.1',
      body: cm('SendMail', cm('ClientId', clientId), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))),
    });

    before(async () => {
      sink = await startSmtpSink();
      refusing = await startSmtpSink({ refuseData: { code: 552, message: '5.3.4 Message too big for us' } });
      app = await startTestApp({ postgres, env: { CARBONIO_RELAY_URL: sink.url } });
      ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
      bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    });
    after(async () => {
      await app.stop();
      await sink.close();
      await refusing.close();
    });

    test('relayed, delivered and saved byte for byte: the rewritten header, then the phone\'s body', async () => {
      const { raw, body } = bigMessage('Big one');
      const r = await send('big-1', raw);
      assert.equal(r.status, 200);
      assert.equal(r.raw.length, 0);

      assert.equal(sink.messages.length, 1);
      const relayed = sink.messages[0]!;
      assert.deepEqual([...relayed.to].sort(), ['ext@outside.test', 'hidden@outside.test']);
      const wire = split(relayed.raw);
      assert.match(wire.header, /^From: "Ann Example" <ann@example\.com>$/m);
      assert.doesNotMatch(wire.header, /^Bcc:|someone@else/m);
      assert.ok(wire.body.equals(body), 'the relay got the phone\'s body unchanged (dots unstuffed again)');

      const [inboxItem] = await itemsIn(app, bob, 'inbox');
      const inbox = Buffer.from((await app.store.blobs.get(inboxItem!.blobId!))!);
      assert.ok(inbox.equals(relayed.raw), 'the Inbox copy is what travelled');
      assert.equal(inboxItem!.size, inbox.length);
      assert.ok(inboxItem!.meta?.hasAttachments, 'the summary was read from the parts');

      const [sentItem] = await itemsIn(app, ann, 'sent');
      const sent = split(Buffer.from((await app.store.blobs.get(sentItem!.blobId!))!));
      assert.match(sent.header, /^Bcc: hidden@outside\.test$/m, 'the sender keeps the Bcc');
      assert.equal(sent.header.replace(/\r\nBcc: hidden@outside\.test/, ''), wire.header);
      assert.ok(sent.body.equals(body));
    });

    /** The relay, the Inbox and the Sent copy all hold the phone's body after the rewritten header. */
    async function assertDelivered(raw: Buffer, body: Buffer, relayedBefore: number): Promise<void> {
      assert.equal(sink.messages.length, relayedBefore + 1);
      const relayed = sink.messages[relayedBefore]!;
      const wire = split(relayed.raw);
      assert.ok(wire.body.equals(body), 'the relay got the phone\'s body unchanged');
      const inbox = await itemsIn(app, bob, 'inbox');
      assert.ok(Buffer.from((await app.store.blobs.get(inbox[inbox.length - 1]!.blobId!))!).equals(relayed.raw), 'the Inbox copy is what travelled');
      const sentItems = await itemsIn(app, ann, 'sent');
      const sent = split(Buffer.from((await app.store.blobs.get(sentItems[sentItems.length - 1]!.blobId!))!));
      assert.equal(sent.header.replace(/\r\nBcc: hidden@outside\.test/, ''), wire.header);
      assert.ok(sent.body.equals(body), `the Sent copy holds the phone's body (${raw.length} bytes sent)`);
    }

    test('the Mime as an inline string (STR_I) rather than OPAQUE: the same bytes everywhere', async () => {
      const { raw, body } = bigMessage('Inline');
      const before = sink.messages.length;
      // The message is ASCII, so its UTF-8 string is its bytes.
      const r = await easRequest(app, {
        cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'bigsender', version: '14.1',
        body: cm('SendMail', cm('ClientId', 'big-inline'), cm('SaveInSentItems'), cm('Mime', raw.toString('latin1'))),
      });
      assert.equal(r.status, 200);
      await assertDelivered(raw, body, before);
    });

    test('12.1: a large raw MIME body with SaveInSent=T', async () => {
      const { raw, body } = bigMessage('Old phone');
      const before = sink.messages.length;
      const r = await easRequest(app, {
        cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'oldphone', version: '12.1', rawBody: raw,
        query: { SaveInSent: 'T' }, headers: { 'content-type': 'message/rfc822' },
      });
      assert.equal(r.status, 200);
      await assertDelivered(raw, body, before);
    });

    test('SmartForward with ReplaceMime of a large message: the same bytes everywhere, the original marked', async () => {
      const original = Buffer.from('From: bob@example.com\r\nTo: ann@example.com\r\nSubject: orig\r\nMessage-ID: <orig-1@example.com>\r\n\r\nHello.\r\n');
      const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
      const item = await app.store.mailbox.addMessage(ann.id, inbox.id, { raw: original, meta: await parseMessageMeta(original) });
      const { raw, body } = bigMessage('Fwd: orig');
      const before = sink.messages.length;
      const r = await easRequest(app, {
        cmd: 'SmartForward', user: ann.email, password: pw, deviceId: 'bigsender', version: '14.1',
        body: cm('SmartForward', cm('ClientId', 'big-fwd'), cm('SaveInSentItems'), cm('ReplaceMime'),
          cm('Source', cm('FolderId', String(inbox.id)), cm('ItemId', itemServerId(inbox.id, item.id))), cm('Mime', new Uint8Array(raw))),
      });
      assert.equal(r.status, 200);
      await assertDelivered(raw, body, before);
      assert.match(split(sink.messages[before]!.raw).header, /^In-Reply-To: <orig-1@example\.com>$/m);
      assert.equal((await app.store.mailbox.getItem(ann.id, item.id))?.flags.forwarded, true);
    });

    /** What a refused or abandoned request must not change. */
    async function snapshot(): Promise<{ relayed: number; sent: number; inbox: number; blobs: number; parts: number }> {
      const { db } = app.store as SqlStore;
      return {
        relayed: sink.messages.length,
        sent: (await itemsIn(app, ann, 'sent')).length,
        inbox: (await itemsIn(app, bob, 'inbox')).length,
        blobs: (await db.selectFrom('blobs').select('id').execute()).length,
        parts: (await db.selectFrom('blob_parts').select('seq').execute()).length,
      };
    }

    /** Resolves once the server logged a body it did not read, after the `from`th log line. */
    async function bodyUnread(from: number): Promise<Record<string, unknown>> {
      for (;;) {
        const line = app.logs.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'eas-body-unread');
        if (line) return line;
        await new Promise((r) => setImmediate(r));
      }
    }

    test('a client that goes away mid-body: nothing relayed or stored, no blob parts left', async () => {
      const { raw } = bigMessage('Abandoned');
      const wbxml = encode(cm('SendMail', cm('ClientId', 'big-gone'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))));
      const before = await snapshot();
      const logsFrom = app.logs.length;
      const url = new URL(app.baseUrl);
      const socket = net.connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => undefined);
      socket.write([
        `POST /Microsoft-Server-ActiveSync?Cmd=SendMail&User=${ann.email}&DeviceId=bigsender&DeviceType=TestPhone HTTP/1.1`,
        `Host: ${url.host}`, `Authorization: ${basicAuth(ann.email, pw)}`, 'MS-ASProtocolVersion: 14.1',
        'Content-Type: application/vnd.ms-sync.wbxml', `Content-Length: ${wbxml.length}`, '', '',
      ].join('\r\n'));
      // Half of the body, written out, then the connection drops.
      await new Promise<void>((resolve) => socket.write(wbxml.subarray(0, wbxml.length >> 1), () => resolve()));
      socket.destroy();
      const line = await bodyUnread(logsFrom);
      assert.match(String(line.reason), /went away|could not be read/);
      assert.deepEqual(await snapshot(), before);
    });

    test('a relay that refuses it: Status 120, nothing stored', async () => {
      const refusingApp = await startTestApp({ postgres, env: { CARBONIO_RELAY_URL: refusing.url } });
      try {
        const carl = await refusingApp.directory.createAccount({ email: 'carl@example.com', password: pw });
        await refusingApp.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
        const { raw } = bigMessage('Refused');
        const r = await easRequest(refusingApp, {
          cmd: 'SendMail', user: carl.email, password: pw, deviceId: 'bigsender', version: '14.1',
          body: cm('SendMail', cm('ClientId', 'big-2'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))),
        });
        assert.equal(intOf(r.root ?? undefined, 'ComposeMail:Status'), 120);
        assert.equal((await itemsIn(refusingApp, carl, 'sent')).length, 0);
      } finally {
        await refusingApp.stop();
      }
    });
  });
}

describe('EAS SendMail over the size limit', () => {
  test('refused with 413 by Content-Length and, chunked, by count: nothing relayed or stored', async () => {
    const sink = await startSmtpSink();
    const app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url, CARBONIO_EAS_MAX_REQUEST_BYTES: String(1024 * 1024) } });
    try {
      const pw = 'ann-password-1';
      const ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
      await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
      const { raw } = bigMessage('Too big');
      const wbxml = encode(cm('SendMail', cm('ClientId', 'too-big'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))));
      const r = await easRequest(app, { cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'bigsender', version: '14.1', rawBody: wbxml });
      assert.equal(r.status, 413);
      // No Content-Length (chunked): the count stops it.
      const chunked = await fetch(`${app.baseUrl}/Microsoft-Server-ActiveSync?Cmd=SendMail&User=${ann.email}&DeviceId=bigsender&DeviceType=TestPhone`, {
        method: 'POST',
        headers: { authorization: basicAuth(ann.email, pw), 'ms-asprotocolversion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml' },
        body: new ReadableStream<Uint8Array>({
          start(c) {
            for (let at = 0; at < wbxml.length; at += 256 * 1024) c.enqueue(new Uint8Array(wbxml.subarray(at, at + 256 * 1024)));
            c.close();
          },
        }),
        duplex: 'half',
      }).catch((err: unknown) => err);
      // The server answers 413 and may close before the upload ends: either is a refusal.
      if (chunked instanceof Response) assert.equal(chunked.status, 413);
      assert.equal(sink.messages.length, 0);
      assert.equal((await itemsIn(app, ann, 'sent')).length, 0);
      assert.equal((await (app.store as SqlStore).db.selectFrom('blob_parts').select('seq').execute()).length, 0);
    } finally {
      await app.stop();
      await sink.close();
    }
  });
});
