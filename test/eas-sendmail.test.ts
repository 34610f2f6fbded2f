// SendMail from a phone (MS-ASCMD 2.2.1.17) over HTTP: 14.1 and 16.1 ComposeMail to a local and an external
// recipient (an SMTP sink as the relay), the Sent copy, Bcc kept out of what travels, From set to the
// account, the same ClientId twice gives 118 and one message; 12.1 raw MIME with SaveInSent; failures.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { intOf, ns } from '../src/eas/wbxml/index.js';
import type { Account, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { itemsIn, rawText } from './helpers/mailbox.js';
import { crlf } from './helpers/phone.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const cm = ns('ComposeMail');

describe('EAS SendMail', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let ann: Account;
  let bob: Account;
  const pw = 'ann-password-1';

  const mime = (subject: string, extra: string[] = []) => Buffer.from(crlf([
    'From: Mallory <boss@example.com>', `To: Bob <bob@example.com>, ext@outside.test`, 'Bcc: hidden@outside.test', `Subject: ${subject}`,
    ...extra, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Body of ${subject}.`,
  ]));
  const send = (version: string, clientId: string, raw: Buffer, save = true) => easRequest(app, {
    cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'sender1', version,
    body: cm('SendMail', cm('ClientId', clientId), save && cm('SaveInSentItems'), cm('Mime', new Uint8Array(raw))),
  });
  const folderItems = (a: Account, role: 'inbox' | 'sent'): Promise<Item[]> => itemsIn(app, a, role);
  const rawOf = (i: Item): Promise<string> => rawText(app, i);

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

  for (const version of ['14.1', '16.1']) {
    test(`${version}: local and external recipients get it, a copy in Sent, From is the account, Bcc does not travel`, async () => {
      const before = { bob: (await folderItems(bob, 'inbox')).length, sent: (await folderItems(ann, 'sent')).length, sink: sink.messages.length };
      const r = await send(version, `cid-${version}`, mime(`Hello ${version}`));
      assert.equal(r.status, 200);
      assert.equal(r.raw.length, 0, 'success is an empty 200');
      const inbox = await folderItems(bob, 'inbox');
      assert.equal(inbox.length, before.bob + 1);
      const delivered = await rawOf(inbox[inbox.length - 1]!);
      assert.match(delivered, /^From: "Ann Example" <ann@example\.com>\r$/m);
      assert.doesNotMatch(delivered, /Mallory|^Bcc:/m);
      assert.match(delivered, /^Message-ID: </m);
      assert.equal((await folderItems(ann, 'sent')).length, before.sent + 1);
      const relayed = sink.messages.slice(before.sink);
      assert.equal(relayed.length, 1);
      assert.equal(relayed[0]!.from, 'ann@example.com');
      assert.deepEqual([...relayed[0]!.to].sort(), ['ext@outside.test', 'hidden@outside.test']);
      assert.doesNotMatch(relayed[0]!.raw.toString('utf8'), /^Bcc:/m);
    });
  }

  test('the same ClientId twice: 118, and the message goes out once', async () => {
    const first = await send('14.1', 'dup-1', mime('Once'));
    assert.equal(first.status, 200);
    const count = { bob: (await folderItems(bob, 'inbox')).length, sink: sink.messages.length };
    const again = await send('14.1', 'dup-1', mime('Once'));
    assert.equal(intOf(again.root ?? undefined, 'ComposeMail:Status'), 118);
    assert.equal((await folderItems(bob, 'inbox')).length, count.bob);
    assert.equal(sink.messages.length, count.sink);
  });

  test('12.1: the raw MIME body, with SaveInSent=T', async () => {
    const before = { bob: (await folderItems(bob, 'inbox')).length, sent: (await folderItems(ann, 'sent')).length };
    const raw = Buffer.from(crlf(['To: bob@example.com', 'Subject: From an old phone', '', 'Hi Bob.']));
    const r = await easRequest(app, { cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'oldphone', version: '12.1', rawBody: raw, query: { SaveInSent: 'T' }, headers: { 'content-type': 'message/rfc822' } });
    assert.equal(r.status, 200);
    assert.equal((await folderItems(bob, 'inbox')).length, before.bob + 1);
    assert.equal((await folderItems(ann, 'sent')).length, before.sent + 1);
  });

  test('failures: no recipient 119, unknown local recipient 116, bad request', async () => {
    const none = await send('14.1', 'f-1', Buffer.from(crlf(['Subject: nobody', '', 'x'])));
    assert.equal(intOf(none.root ?? undefined, 'ComposeMail:Status'), 119);
    const unknown = await send('14.1', 'f-2', Buffer.from(crlf(['To: nobody@example.com', 'Subject: x', '', 'x'])));
    assert.equal(intOf(unknown.root ?? undefined, 'ComposeMail:Status'), 116);
    const noMime = await easRequest(app, { cmd: 'SendMail', user: ann.email, password: pw, deviceId: 'sender1', version: '14.1', body: cm('SendMail', cm('ClientId', 'f-3')) });
    assert.equal(intOf(noMime.root ?? undefined, 'ComposeMail:Status'), 107);
    const afterFail = await send('14.1', 'f-2', mime('Retry after a failure'));
    assert.equal(afterFail.status, 200, 'a failed ClientId is not remembered as sent');
  });
});

describe('EAS SendMail without a relay', () => {
  test('an external recipient is refused with 120 and nothing is stored', async () => {
    const app = await startTestApp();
    try {
      const ann = await app.directory.createAccount({ email: 'ann@example.com', password: 'ann-password-1' });
      const r = await easRequest(app, {
        cmd: 'SendMail', user: ann.email, password: 'ann-password-1', deviceId: 'p', version: '14.1',
        body: cm('SendMail', cm('ClientId', 'x'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(Buffer.from(crlf(['To: ext@outside.test', 'Subject: x', '', 'x']))))),
      });
      assert.equal(intOf(r.root ?? undefined, 'ComposeMail:Status'), 120);
      const sent = (await app.store.mailbox.getFolderByRole(ann.id, 'sent'))!;
      assert.equal(await app.store.mailbox.countItems(ann.id, sent.id), 0);
    } finally {
      await app.stop();
    }
  });
});
