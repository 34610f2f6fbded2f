// SendMail (MS-ASCMD 2.2.1.17) of a message with a 3 MiB attachment, the path issue 16 part 5 made copy-free:
// the header block is rewritten and the body travels as the phone sent it, so the relay (streamed from
// the parts over a connection of its own), the recipient's Inbox and the Sent copy (stored in 256 KiB
// rows) must all hold exactly the rewritten header followed by the phone's body bytes; the Sent copy
// keeps the Bcc, the others do not. A relay that refuses the large message: 120 and nothing stored. On
// SQLite, and on PostgreSQL when CARBONIO_TEST_PG_URL is set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { intOf, ns } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
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
