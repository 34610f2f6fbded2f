// Inbound SMTP delivery over real sockets: byte-exact storage, RCPT policy (unknown user, relay
// denied, closed account), size limit, and a client vanishing mid-DATA storing nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { crlf } from './helpers/phone.js';
import { SmtpClient } from './helpers/smtp-client.js';
import { until } from './helpers/wait.js';
import type { Account, Item } from '../src/store/types.js';

async function inbox(app: TestApp, account: Account): Promise<Item[]> {
  const folder = await app.store.mailbox.getFolderByRole(account.id, 'inbox');
  assert.ok(folder);
  return app.store.mailbox.listItems(account.id, folder.id);
}

async function rawOf(app: TestApp, item: Item): Promise<Buffer> {
  assert.ok(item.blobId);
  const raw = await app.store.blobs.get(item.blobId);
  assert.ok(raw);
  return Buffer.from(raw);
}

/** Waits until the server logged `count` lines with this event (it logs after it has acted). */
async function waitForLog(app: TestApp, event: string, count: number): Promise<void> {
  await until(() => app.logs.filter((l) => l.includes(`"event":"${event}"`)).length >= count, `${count} "${event}" log lines`);
}


for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])]) {
  void describe(`smtp inbound (${backend})`, () => {
    let app: TestApp;
    let bob: Account;
    let carol: Account;

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres' });
      bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
      carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
    });
    after(async () => {
      await app.stop();
    });

    void test('EHLO advertises SIZE and enhanced codes, but neither AUTH nor STARTTLS', async () => {
      const c = await SmtpClient.connect(app.smtpPort);
      const ehlo = await c.ehlo();
      assert.equal(ehlo.code, 250);
      assert.ok(ehlo.lines.includes(`SIZE ${50 * 1024 * 1024}`));
      assert.ok(ehlo.lines.includes('ENHANCEDSTATUSCODES'));
      assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH') || l === 'STARTTLS'));
      assert.ok((await c.command('STARTTLS')).code >= 500, 'STARTTLS is refused');
      await c.quit();
    });

    void test('stored bytes equal sent bytes: dot lines, UTF-8, 8-bit, CRLF', async () => {
      const before = (await inbox(app, bob)).length;
      const body = Buffer.concat([
        Buffer.from(crlf([
          'From: Alice Example <alice@remote.test>',
          'To: bob@example.com',
          'Subject: =?UTF-8?B?w6l0w6kgZOKAmWFtb3Vy?=',
          'Message-ID: <dots-1@remote.test>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: 8bit',
          '',
          '.starts with a dot',
          '..two dots',
          '.',
          'Grüße, 日本語, emoji 🎉',
          '',
          '  trailing spaces kept  ',
        ]), 'utf8'),
        Buffer.from([0x4c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x3a, 0x20, 0xe9, 0xff, 0x0d, 0x0a]),
        Buffer.from('.\r\nlast line\r\n'),
      ]);
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const r = await c.send('alice@remote.test', ['bob@example.com'], body);
      assert.equal(r.data?.code, 250, r.data?.text);
      assert.equal(r.data?.enhanced, '2.6.0');
      await c.quit();
      const items = await inbox(app, bob);
      assert.equal(items.length, before + 1);
      const item = items.at(-1);
      assert.ok(item);
      assert.deepEqual(await rawOf(app, item), body);
      assert.equal(item.size, body.length);
      assert.equal(item.meta?.subject, 'été d’amour');
      assert.deepEqual(item.meta?.from, [{ name: 'Alice Example', address: 'alice@remote.test' }]);
      assert.equal(item.meta?.messageId, '<dots-1@remote.test>');
    });

    void test('headers are parsed into the message summary', async () => {
      const body = crlf([
        'From: "Dave D." <dave@remote.test>',
        'To: Bob <bob@example.com>, team: carol@example.com, eve@remote.test;',
        'Cc: frank@remote.test',
        'Reply-To: replies@remote.test',
        'Subject: Quarterly report',
        'Date: Tue, 1 Jul 2025 10:00:00 +0200',
        'Message-ID: <q3@remote.test>',
        'In-Reply-To: <q2@remote.test>',
        'References: <q1@remote.test> <q2@remote.test>',
        'X-Priority: 1 (Highest)',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Hello   Bob,',
        '',
        'the numbers are in.',
        '--b1',
        'Content-Type: application/pdf; name="q3.pdf"',
        'Content-Disposition: attachment; filename="q3.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0xLjQK',
        '--b1--',
      ]);
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const r = await c.send('dave@remote.test', ['bob@example.com'], body);
      assert.equal(r.data?.code, 250);
      await c.quit();
      const meta = (await inbox(app, bob)).at(-1)?.meta;
      assert.ok(meta);
      assert.equal(meta.subject, 'Quarterly report');
      assert.deepEqual(meta.from, [{ name: 'Dave D.', address: 'dave@remote.test' }]);
      assert.deepEqual(meta.to.map((a) => a.address), ['bob@example.com', 'carol@example.com', 'eve@remote.test']);
      assert.deepEqual(meta.cc, [{ name: '', address: 'frank@remote.test' }]);
      assert.deepEqual(meta.replyTo, [{ name: '', address: 'replies@remote.test' }]);
      assert.equal(meta.sentAt, Date.parse('2025-07-01T08:00:00Z'));
      assert.equal(meta.inReplyTo, '<q2@remote.test>');
      assert.deepEqual(meta.references, ['<q1@remote.test>', '<q2@remote.test>']);
      assert.equal(meta.importance, 2);
      assert.equal(meta.hasAttachments, true);
      assert.equal(meta.preview, 'Hello Bob, the numbers are in.');
    });

    void test('unknown local user: 550 5.1.1, the valid recipient still gets it', async () => {
      const before = (await inbox(app, bob)).length;
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const r = await c.send('x@remote.test', ['nobody@example.com', 'bob@example.com'], 'Subject: one\r\n\r\nhi\r\n');
      assert.equal(r.rcpt[0]?.code, 550);
      assert.equal(r.rcpt[0]?.enhanced, '5.1.1');
      assert.equal(r.rcpt[1]?.code, 250);
      assert.equal(r.data?.code, 250);
      await c.quit();
      assert.equal((await inbox(app, bob)).length, before + 1);
    });

    void test('a domain we do not host: 550 5.7.1 relay denied (not an open relay)', async () => {
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const r = await c.send('x@remote.test', ['someone@elsewhere.test'], 'Subject: relay?\r\n\r\nhi\r\n');
      assert.equal(r.rcpt[0]?.code, 550);
      assert.equal(r.rcpt[0]?.enhanced, '5.7.1');
      assert.match(r.rcpt[0]?.text ?? '', /relay access denied/i);
      assert.equal(r.data, null);
      assert.equal((await c.command('DATA')).code, 503);
      await c.quit();
    });

    void test('a closed account is refused at RCPT and receives nothing', async () => {
      const dan = await app.directory.createAccount({ email: 'dan@example.com', password: 'dan-password-1' });
      await app.store.accounts.update(dan.id, { status: 'closed' });
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const r = await c.send('x@remote.test', ['dan@example.com'], 'Subject: closed\r\n\r\nhi\r\n');
      assert.equal(r.rcpt[0]?.code, 550);
      assert.equal(r.rcpt[0]?.enhanced, '5.2.1');
      await c.quit();
      assert.equal((await inbox(app, dan)).length, 0);
    });

    void test('several recipients in one transaction each get a copy; RSET and a second transaction on the same connection', async () => {
      const [b0, c0] = [(await inbox(app, bob)).length, (await inbox(app, carol)).length];
      const c = await SmtpClient.connect(app.smtpPort);
      await c.ehlo();
      const body = 'Subject: to both\r\n\r\nfor Bob and Carol\r\n';
      const r = await c.send('x@remote.test', ['bob@example.com', 'CAROL@example.com', 'bob@example.com'], body);
      assert.equal(r.data?.code, 250);
      assert.equal((await c.command('RSET')).code, 250);
      const r2 = await c.send('x@remote.test', ['carol@example.com'], 'Subject: second\r\n\r\nagain\r\n');
      assert.equal(r2.data?.code, 250);
      await c.quit();
      const [bi, ci] = [await inbox(app, bob), await inbox(app, carol)];
      assert.equal(bi.length, b0 + 1);
      assert.equal(ci.length, c0 + 2);
      const bobCopy = bi.at(-1);
      const carolCopy = ci.at(-2);
      assert.ok(bobCopy && carolCopy);
      assert.deepEqual(await rawOf(app, bobCopy), Buffer.from(body));
      assert.deepEqual(await rawOf(app, carolCopy), Buffer.from(body));
      assert.equal(ci.at(-1)?.meta?.subject, 'second');
    });

    void test('a connection dropped mid-DATA stores nothing', async () => {
      const b0 = (await inbox(app, bob)).length;
      const aborted0 = app.logs.filter((l) => l.includes('"event":"smtp-aborted"')).length;

      // Half a message, then a reset.
      const c1 = await SmtpClient.connect(app.smtpPort);
      await c1.ehlo();
      assert.equal((await c1.command('MAIL FROM:<x@remote.test>')).code, 250);
      assert.equal((await c1.command('RCPT TO:<bob@example.com>')).code, 250);
      assert.equal((await c1.command('DATA')).code, 354);
      await c1.write('Subject: cut\r\n\r\nthe first half of a message\r\n');
      await c1.abort();
      await waitForLog(app, 'smtp-aborted', aborted0 + 1);

      // The whole message and a dot, but not the CRLF that makes it the terminator; then a clean FIN.
      const c2 = await SmtpClient.connect(app.smtpPort);
      await c2.ehlo();
      assert.equal((await c2.command('MAIL FROM:<x@remote.test>')).code, 250);
      assert.equal((await c2.command('RCPT TO:<bob@example.com>')).code, 250);
      assert.equal((await c2.command('DATA')).code, 354);
      await c2.write('Subject: almost\r\n\r\nall of it\r\n.');
      c2.socket.end();
      await c2.waitClosed();
      await waitForLog(app, 'smtp-aborted', aborted0 + 2);

      assert.equal((await inbox(app, bob)).length, b0);
      // And the server is fine afterwards.
      const c3 = await SmtpClient.connect(app.smtpPort);
      await c3.ehlo();
      assert.equal((await c3.send('x@remote.test', ['bob@example.com'], 'Subject: after\r\n\r\nok\r\n')).data?.code, 250);
      await c3.quit();
      assert.equal((await inbox(app, bob)).length, b0 + 1);
    });
  });
}

void describe('smtp inbound size limit', () => {
  const LIMIT = 4096;
  let app: TestApp;
  let bob: Account;

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_MAX_MESSAGE_BYTES: String(LIMIT) } });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
  });
  after(async () => {
    await app.stop();
  });

  void test('SIZE is advertised with the configured limit; a declared SIZE over it is refused at MAIL FROM', async () => {
    const c = await SmtpClient.connect(app.smtpPort);
    assert.ok((await c.ehlo()).lines.includes(`SIZE ${LIMIT}`));
    const r = await c.command(`MAIL FROM:<x@remote.test> SIZE=${LIMIT + 1}`);
    assert.equal(r.code, 552);
    assert.equal(r.enhanced, '5.3.4');
    assert.equal((await c.command(`MAIL FROM:<x@remote.test> SIZE=${LIMIT}`)).code, 250);
    await c.quit();
  });

  void test('a DATA stream over the limit is refused with 552 5.3.4 and nothing is stored; the connection stays usable', async () => {
    const c = await SmtpClient.connect(app.smtpPort);
    await c.ehlo();
    const big = `Subject: big\r\n\r\n${'x'.repeat(78)}\r\n`.repeat(Math.ceil((LIMIT * 3) / 80));
    const r = await c.send('x@remote.test', ['bob@example.com'], big);
    assert.equal(r.data?.code, 552);
    assert.equal(r.data?.enhanced, '5.3.4');
    assert.equal((await inbox(app, bob)).length, 0);
    // Exactly at the limit is fine.
    const head = 'Subject: fits\r\n\r\n';
    const exact = head + 'y'.repeat(LIMIT - head.length - 2) + '\r\n';
    assert.equal(Buffer.byteLength(exact), LIMIT);
    const ok = await c.send('x@remote.test', ['bob@example.com'], exact);
    assert.equal(ok.data?.code, 250, ok.data?.text);
    await c.quit();
    const items = await inbox(app, bob);
    assert.equal(items.length, 1);
    assert.equal(items[0]?.size, LIMIT);
  });
});
