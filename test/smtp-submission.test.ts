// Authenticated submission over real sockets: the mobile-password truth table on SMTP (ARCHITECTURE.md
// section 3), AUTH PLAIN and LOGIN, sender ownership, local delivery with a Sent copy, relaying
// through a sink, and no secret in any log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { SmtpClient, type Reply } from './helpers/smtp-client.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import type { Account, FolderRole, Item } from '../src/store/types.js';

async function folderItems(app: TestApp, account: Account, role: FolderRole): Promise<Item[]> {
  const folder = await app.store.mailbox.getFolderByRole(account.id, role);
  assert.ok(folder);
  return app.store.mailbox.listItems(account.id, folder.id);
}

async function rawOf(app: TestApp, item: Item | undefined): Promise<Buffer> {
  assert.ok(item?.blobId);
  const raw = await app.store.blobs.get(item.blobId);
  assert.ok(raw);
  return Buffer.from(raw);
}

/** A fresh connection, EHLO, and one AUTH attempt. */
async function login(app: TestApp, user: string, pass: string, how: 'PLAIN' | 'LOGIN' = 'PLAIN'): Promise<{ c: SmtpClient; r: Reply }> {
  const c = await SmtpClient.connect(app.submissionPort);
  await c.ehlo();
  const r = how === 'PLAIN' ? await c.authPlain(user, pass) : await c.authLogin(user, pass);
  return { c, r };
}

async function authCode(app: TestApp, user: string, pass: string, how: 'PLAIN' | 'LOGIN' = 'PLAIN'): Promise<Reply> {
  const { c, r } = await login(app, user, pass, how);
  await c.quit();
  return r;
}

const message = (subject: string, to: string): string =>
  `From: Alice <alice@example.com>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n.dotted\r\nbody ü\r\n`;

const ALICE_PW = 'alice-password-1';

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])]) {
  void describe(`smtp submission (${backend})`, () => {
    let app: TestApp;
    let sink: SmtpSink;
    let alice: Account;
    let bob: Account;
    /** Every clear-text secret used in this suite: none may show up in a log line. */
    const secrets: string[] = [ALICE_PW];

    before(async () => {
      sink = await startSmtpSink({ refuseRcpt: new Map([['nobody@remote.test', { code: 550, message: '5.1.1 no such user at remote' }]]) });
      app = await startTestApp({ postgres: backend === 'postgres', env: { CARBONIO_RELAY_URL: sink.url, CARBONIO_AUTH_MAX_FAILURES: '3' } });
      alice = await app.directory.createAccount({ email: 'alice@example.com', password: ALICE_PW });
      bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
      secrets.push('bob-password-1');
    });
    after(async () => {
      await app.stop();
      await sink.close();
    });

    void test('EHLO offers AUTH PLAIN LOGIN and SIZE; MAIL before AUTH is refused with 530', async () => {
      const c = await SmtpClient.connect(app.submissionPort);
      const ehlo = await c.ehlo();
      assert.ok(ehlo.lines.includes('AUTH PLAIN LOGIN'));
      assert.ok(ehlo.lines.some((l) => l.startsWith('SIZE ')));
      assert.ok(!ehlo.lines.includes('STARTTLS'));
      const r = await c.command('MAIL FROM:<alice@example.com>');
      assert.equal(r.code, 530);
      assert.equal(r.enhanced, '5.7.0');
      await c.quit();
    });

    void test('account password accepted with no mobile password, over AUTH PLAIN and AUTH LOGIN', async () => {
      assert.equal((await authCode(app, 'alice@example.com', ALICE_PW)).code, 235);
      assert.equal((await authCode(app, 'alice@example.com', ALICE_PW, 'LOGIN')).code, 235);
      // A bare login is in the default domain.
      assert.equal((await authCode(app, 'alice', ALICE_PW, 'LOGIN')).code, 235);
    });

    void test('a wrong password gets the generic 535 5.7.8', async () => {
      const r = await authCode(app, 'bob@example.com', 'not-the-password');
      secrets.push('not-the-password');
      assert.equal(r.code, 535);
      assert.equal(r.enhanced, '5.7.8');
      assert.match(r.text, /Authentication credentials invalid/);
    });

    void test('with a mobile password: the account password still works on SMTP, the mobile password does not', async () => {
      const { secret } = await app.directory.addCredential(alice, { label: 'phone', services: ['EAS'] });
      secrets.push(secret);
      assert.equal((await authCode(app, 'alice@example.com', ALICE_PW)).code, 235);
      assert.equal((await authCode(app, 'alice@example.com', ALICE_PW, 'LOGIN')).code, 235);
      const mobile = await authCode(app, 'alice@example.com', secret);
      assert.equal(mobile.code, 535);
      assert.equal(mobile.enhanced, '5.7.8');
      assert.equal((await authCode(app, 'alice@example.com', secret, 'LOGIN')).code, 535);
    });

    void test('a credential bound to SMTP works; disabled it is refused at once, even right after a cached success', async () => {
      const { credential, secret } = await app.directory.addCredential(alice, { label: 'mailer', services: ['SMTP'] });
      secrets.push(secret);
      assert.equal((await authCode(app, 'alice@example.com', secret)).code, 235);
      assert.equal((await authCode(app, 'alice@example.com', secret, 'LOGIN')).code, 235); // served from the cache
      await app.directory.updateCredential(alice.id, credential.id, { enabled: false });
      assert.equal((await authCode(app, 'alice@example.com', secret)).code, 535);
      await app.directory.updateCredential(alice.id, credential.id, { enabled: true });
      assert.equal((await authCode(app, 'alice@example.com', secret)).code, 235);
    });

    void test('a deleted credential is refused at once, cached or not', async () => {
      const a = await app.directory.addCredential(alice, { label: 'cached', services: ['SMTP'] });
      const b = await app.directory.addCredential(alice, { label: 'never-used', services: ['SMTP', 'IMAP'] });
      secrets.push(a.secret, b.secret);
      assert.equal((await authCode(app, 'alice@example.com', a.secret)).code, 235);
      await app.store.credentials.delete(alice.id, a.credential.id);
      await app.store.credentials.delete(alice.id, b.credential.id);
      assert.equal((await authCode(app, 'alice@example.com', a.secret)).code, 535);
      assert.equal((await authCode(app, 'alice@example.com', b.secret)).code, 535);
    });

    void test('an authorization identity other than the login is refused', async () => {
      const c = await SmtpClient.connect(app.submissionPort);
      await c.ehlo();
      assert.equal((await c.authPlain('alice@example.com', ALICE_PW, 'bob@example.com')).code, 535);
      await c.quit();
    });

    void test('after repeated failures the login is locked out with 454 4.7.0, even with the right password', async () => {
      const carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
      secrets.push('carol-password-1', 'wrong-carol-1');
      for (let i = 0; i < 3; i++) assert.equal((await authCode(app, carol.email, 'wrong-carol-1')).code, 535);
      const r = await authCode(app, carol.email, 'carol-password-1');
      assert.equal(r.code, 454);
      assert.equal(r.enhanced, '4.7.0');
    });

    void test('MAIL FROM must be the authenticated address (553 5.7.1), the null sender too', async () => {
      const { c, r } = await login(app, 'alice@example.com', ALICE_PW);
      assert.equal(r.code, 235);
      for (const from of ['bob@example.com', 'alice@elsewhere.test', '']) {
        const m = await c.command(`MAIL FROM:<${from}>`);
        assert.equal(m.code, 553, from);
        assert.equal(m.enhanced, '5.7.1');
      }
      assert.equal((await c.command('MAIL FROM:<Alice@Example.com>')).code, 250);
      await c.quit();
    });

    void test('the header From and Sender must be the authenticated account (553 5.7.1); nothing is delivered otherwise', async () => {
      const bob0 = (await folderItems(app, bob, 'inbox')).length;
      const sent0 = (await folderItems(app, alice, 'sent')).length;
      const { c } = await login(app, 'alice@example.com', ALICE_PW);
      const body = (head: string) => `${head}To: bob@example.com\r\nSubject: spoof\r\n\r\nhello\r\n`;
      for (const head of [
        'From: Bob <bob@example.com>\r\n',
        'From: "alice@example.com" <bob@example.com>\r\n',
        'From: Alice <alice@example.com>, Bob <bob@example.com>\r\n',
        'From: Alice <alice@example.com>\r\nSender: bob@example.com\r\n',
        'From: Team: bob@example.com;\r\n',
        'From: nobody\r\n',
        '',
      ]) {
        const r = await c.send('alice@example.com', ['bob@example.com'], body(head));
        assert.equal(r.data?.code, 553, head);
        assert.equal(r.data?.enhanced, '5.7.1', head);
      }
      const ok = await c.send('alice@example.com', ['bob@example.com'], body('From: "Alice" <ALICE@Example.COM>\r\nSender: alice@example.com\r\n'));
      assert.equal(ok.data?.code, 250, 'the account in another case is the account');
      await c.quit();
      assert.equal((await folderItems(app, bob, 'inbox')).length, bob0 + 1, 'only the honest message arrived');
      assert.equal((await folderItems(app, alice, 'sent')).length, sent0 + 1);
    });

    void test('local recipients delivered, the sender keeps a copy in Sent; bytes equal', async () => {
      const body = message('local delivery', 'bob@example.com');
      const [bob0, sent0] = [(await folderItems(app, bob, 'inbox')).length, (await folderItems(app, alice, 'sent')).length];
      const { c } = await login(app, 'alice@example.com', ALICE_PW, 'LOGIN');
      const r = await c.send('alice@example.com', ['bob@example.com', 'nobody@example.com'], body);
      assert.equal(r.rcpt[1]?.code, 550);
      assert.equal(r.rcpt[1]?.enhanced, '5.1.1');
      assert.equal(r.data?.code, 250, r.data?.text);
      await c.quit();
      const inbox = await folderItems(app, bob, 'inbox');
      const sent = await folderItems(app, alice, 'sent');
      assert.equal(inbox.length, bob0 + 1);
      assert.equal(sent.length, sent0 + 1);
      assert.deepEqual(await rawOf(app, inbox.at(-1)), Buffer.from(body));
      assert.deepEqual(await rawOf(app, sent.at(-1)), Buffer.from(body));
      assert.equal(sent.at(-1)?.flags.seen, true);
      assert.equal(inbox.at(-1)?.flags.seen, false);
      assert.equal(inbox.at(-1)?.meta?.subject, 'local delivery');
    });

    void test('external recipients are relayed with the envelope and the exact bytes', async () => {
      const body = message('relayed', 'ext@remote.test');
      const n0 = sink.messages.length;
      const { c } = await login(app, 'alice@example.com', ALICE_PW);
      const r = await c.send('alice@example.com', ['ext@remote.test', 'Other@Remote.test', 'bob@example.com'], body);
      assert.equal(r.data?.code, 250, r.data?.text);
      await c.quit();
      assert.equal(sink.messages.length, n0 + 1);
      const got = sink.messages.at(-1);
      assert.equal(got?.from, 'alice@example.com');
      assert.deepEqual(got?.to, ['ext@remote.test', 'other@remote.test']);
      assert.deepEqual(got?.raw, Buffer.from(body));
      assert.deepEqual(await rawOf(app, (await folderItems(app, bob, 'inbox')).at(-1)), Buffer.from(body));
      assert.equal((await folderItems(app, alice, 'sent')).at(-1)?.meta?.subject, 'relayed');
    });

    void test('a recipient the relay refuses: the others get it, the sender gets a non-delivery notice', async () => {
      const n0 = sink.messages.length;
      const inbox0 = (await folderItems(app, alice, 'inbox')).length;
      const { c } = await login(app, 'alice@example.com', ALICE_PW);
      const r = await c.send('alice@example.com', ['ext@remote.test', 'nobody@remote.test'], message('partly', 'ext@remote.test'));
      assert.equal(r.data?.code, 250, r.data?.text);
      await c.quit();
      assert.deepEqual(sink.messages.at(-1)?.to, ['ext@remote.test']);
      assert.equal(sink.messages.length, n0 + 1);
      const inbox = await folderItems(app, alice, 'inbox');
      assert.equal(inbox.length, inbox0 + 1);
      const notice = (await rawOf(app, inbox.at(-1))).toString('utf8');
      assert.match(notice, /nobody@remote\.test/);
      assert.equal(inbox.at(-1)?.meta?.subject, 'Undelivered Mail: partly');
    });

    void test('no clear-text secret appears in any log line', () => {
      assert.ok(app.logs.length > 0);
      for (const s of secrets) {
        const b64 = Buffer.from(s).toString('base64');
        for (const line of app.logs) {
          assert.ok(!line.includes(s), `secret found in log: ${line}`);
          assert.ok(!line.includes(b64), `base64 secret found in log: ${line}`);
        }
      }
      assert.ok(app.logs.some((l) => l.includes('"event":"smtp-delivered"') && l.includes('"port":"submission"')));
    });
  });
}

void describe('smtp submission without a relay', () => {
  let app: TestApp;
  let alice: Account;
  before(async () => {
    app = await startTestApp();
    alice = await app.directory.createAccount({ email: 'alice@example.com', password: ALICE_PW });
  });
  after(async () => {
    await app.stop();
  });

  void test('external recipients are refused with 550 5.7.1 saying no relay is configured; local ones still work', async () => {
    const { c } = await login(app, 'alice@example.com', ALICE_PW);
    const r = await c.send('alice@example.com', ['ext@remote.test', 'alice@example.com'], message('no relay', 'ext@remote.test'));
    assert.equal(r.rcpt[0]?.code, 550);
    assert.equal(r.rcpt[0]?.enhanced, '5.7.1');
    assert.match(r.rcpt[0]?.text ?? '', /no outbound relay is configured/);
    assert.equal(r.data?.code, 250);
    await c.quit();
    assert.equal((await folderItems(app, alice, 'inbox')).length, 1);
  });
});

void describe('smtp submission with a failing relay', () => {
  void test('a relay that refuses the message: 5xx to the client, nothing stored', async () => {
    const sink = await startSmtpSink({ refuseData: { code: 554, message: '5.7.1 message looks like spam' } });
    const app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
    try {
      const alice = await app.directory.createAccount({ email: 'alice@example.com', password: ALICE_PW });
      const { c } = await login(app, 'alice@example.com', ALICE_PW);
      const r = await c.send('alice@example.com', ['ext@remote.test', 'alice@example.com'], message('spam', 'ext@remote.test'));
      assert.equal(r.data?.code, 554);
      assert.equal(r.data?.enhanced, '5.7.1');
      assert.match(r.data?.text ?? '', /looks like spam/);
      await c.quit();
      assert.equal((await folderItems(app, alice, 'sent')).length, 0);
      assert.equal((await folderItems(app, alice, 'inbox')).length, 0);
    } finally {
      await app.stop();
      await sink.close();
    }
  });

  void test('an unreachable relay: 451 4.4.1 (try again later), nothing stored', async () => {
    // A port that was just free: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const app = await startTestApp({ env: { CARBONIO_RELAY_URL: `smtp://127.0.0.1:${port}` } });
    try {
      const alice = await app.directory.createAccount({ email: 'alice@example.com', password: ALICE_PW });
      const { c } = await login(app, 'alice@example.com', ALICE_PW);
      const r = await c.send('alice@example.com', ['ext@remote.test'], message('unreachable', 'ext@remote.test'));
      assert.equal(r.data?.code, 451);
      assert.equal(r.data?.enhanced, '4.4.1');
      await c.quit();
      assert.equal((await folderItems(app, alice, 'sent')).length, 0);
    } finally {
      await app.stop();
    }
  });
});
