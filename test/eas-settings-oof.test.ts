// Out-of-office set over EAS Settings and honoured by inbound SMTP delivery (RFC 3834): one automatic
// reply per sender per day, none to bulk, list, automatic or bounce mail, a fresh start when the
// settings change, the audience's message, and the external reply relayed to the smarthost.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../src/core/logger.js';
import { child, el, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { LocalDelivery } from '../src/mail/delivery.js';
import { Relay } from '../src/mail/relay.js';
import type { Account, Item } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { crlf, deliver } from './helpers/phone.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { until } from './helpers/wait.js';

const s = ns('Settings');
const BOB_PASSWORD = 'bob-password-1';

describe('out-of-office replies', () => {
  let app: TestApp;
  let bob: Account;
  const senders = new Map<string, Account>();

  const setOof = async (...content: WbxmlElement[]): Promise<void> => {
    const r = await easRequest(app, {
      cmd: 'Settings', user: bob.email, password: BOB_PASSWORD, deviceId: 'bobphone', version: '14.1',
      body: el('Settings:Settings', s('Oof', s('Set', ...content))),
    });
    assert.equal(r.status, 200);
    assert.equal(textOf(child(r.root ?? undefined, 'Settings:Oof'), 'Settings:Status'), '1');
  };
  const messages = [
    s('OofMessage', s('AppliesToInternal'), s('Enabled', 1), s('ReplyMessage', 'Bob is away (internal note).'), s('BodyType', 'Text')),
    s('OofMessage', s('AppliesToExternalUnknown'), s('Enabled', 1), s('ReplyMessage', '<p>Bob is <b>away</b>.</p>'), s('BodyType', 'HTML')),
  ];

  /** One message over inbound SMTP, with the given extra header lines. */
  const send = (from: string, subject: string, extra: string[] = [], envelopeFrom = from): Promise<void> => {
    const id = `<${subject.replace(/\W+/g, '-')}.${Math.random().toString(36).slice(2)}@example.net>`;
    return deliver(app, bob.email, crlf([`From: ${from}`, `To: ${bob.email}`, `Subject: ${subject}`, `Message-ID: ${id}`, ...extra, '', 'Hello Bob.']), { from: envelopeFrom });
  };
  const inbox = async (a: Account): Promise<Item[]> => {
    const folder = await app.store.mailbox.getFolderByRole(a.id, 'inbox');
    assert.ok(folder);
    return app.store.mailbox.listItems(a.id, folder.id);
  };
  const replies = async (a: Account): Promise<Item[]> => (await inbox(a)).filter((i) => i.meta?.subject.startsWith('Automatic reply'));
  const rawOf = async (i: Item): Promise<string> => Buffer.from((await app.store.blobs.get(i.blobId!))!).toString('utf8');
  const sender = async (local: string): Promise<Account> => {
    const a = await app.directory.createAccount({ email: `${local}@example.com`, password: `${local}-password-1` });
    senders.set(local, a);
    return a;
  };

  before(async () => {
    app = await startTestApp();
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: BOB_PASSWORD, displayName: 'Bob Builder' });
    await setOof(s('OofState', 1), ...messages);
  });
  after(() => app.stop());

  test('a local sender writing twice the same day gets exactly one automatic reply', async () => {
    const alice = await sender('alice');
    await send(alice.email, 'Lunch?');
    await send(alice.email, 'Lunch tomorrow then?');
    const got = await replies(alice);
    assert.equal(got.length, 1);
    const item = got[0]!;
    assert.equal(item.meta?.subject, 'Automatic reply: Lunch?');
    assert.deepEqual(item.meta?.from.map((f) => f.address), ['bob@example.com']);
    const first = (await inbox(bob)).find((i) => i.meta?.subject === 'Lunch?');
    assert.ok(first?.meta?.messageId);
    assert.equal(item.meta?.inReplyTo, first.meta.messageId);
    const raw = await rawOf(item);
    assert.match(raw, /^Auto-Submitted: auto-replied\r$/m);
    assert.match(raw, /^References: <Lunch-/m);
    assert.match(raw, /Bob is away \(internal note\)\./);
    // Both originals reached Bob: the reply never stands in for delivery.
    assert.equal((await inbox(bob)).filter((i) => i.meta?.subject.startsWith('Lunch')).length, 2);
  });

  test('no reply to bulk, list, automatic, bounce, robot or own mail', async () => {
    const cases: Array<[string, string[], string?]> = [
      ['bulky', ['Precedence: bulk']],
      ['listy', ['List-Id: <news.example.com>']],
      ['unsub', ['List-Unsubscribe: <mailto:leave@example.com>']],
      ['autogen', ['Auto-Submitted: auto-generated']],
      ['autorep', ['Auto-Submitted: auto-replied']],
      ['suppressed', ['X-Auto-Response-Suppress: OOF, AutoReply']],
      // A bounce is known by its empty envelope sender (a Return-Path header arriving over SMTP is not trusted).
      ['bounced', [], ''],
      ['noreply', []],
    ];
    for (const [local, extra, envelope] of cases) {
      const email = (await sender(local)).email;
      await send(email, `Case ${local}`, extra, envelope ?? email);
    }
    const postmaster = await sender('postmaster');
    await send(postmaster.email, 'Delivery report', [], '');
    for (const local of [...cases.map((c) => c[0]), 'postmaster']) {
      assert.equal((await replies(senders.get(local)!)).length, 0, `no reply for ${local}`);
    }
    // Bob writing to himself does not answer himself.
    await send(bob.email, 'Note to self');
    assert.equal((await replies(bob)).length, 0);
    // "Auto-Submitted: no" is an ordinary message.
    const human = await sender('human');
    await send(human.email, 'Plain', ['Auto-Submitted: no']);
    assert.equal((await replies(human)).length, 1);
  });

  test('changing the settings starts afresh; a time window in the past sends nothing', async () => {
    const alice = senders.get('alice')!;
    await setOof(s('OofState', 1), ...messages);
    await send(alice.email, 'After the change');
    assert.equal((await replies(alice)).length, 2);

    await setOof(s('OofState', 2), s('StartTime', '2020-01-01T00:00:00.000Z'), s('EndTime', '2020-01-10T00:00:00.000Z'));
    const late = await sender('late');
    await send(late.email, 'Are you back?');
    assert.equal((await replies(late)).length, 0);
    const now = Date.now();
    await setOof(s('OofState', 2), s('StartTime', new Date(now - 3600_000).toISOString()), s('EndTime', new Date(now + 3600_000).toISOString()));
    await send(late.email, 'Are you back now?');
    assert.equal((await replies(late)).length, 1);
  });

  test('a sender of another domain hosted here gets the external message', async () => {
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'other.test' })).status, 201);
    const zed = await app.directory.createAccount({ email: 'zed@other.test', password: 'zed-password-1' });
    await send(zed.email, 'Hi from the other domain');
    const got = await replies(zed);
    assert.equal(got.length, 1);
    const raw = await rawOf(got[0]!);
    assert.match(raw, /<p>Bob is <b>away<\/b>\.<\/p>/);
    assert.doesNotMatch(raw, /internal note/);
  });

  describe('with a relay', () => {
    let sink: SmtpSink;
    let relay: Relay;
    before(async () => {
      sink = await startSmtpSink();
      relay = new Relay(sink.url);
    });
    after(async () => {
      relay.close();
      await sink.close();
    });

    test('the reply to an external sender is relayed once, from the null sender', async () => {
      // The delivery path the SMTP front end uses, given the relay it is configured with.
      const delivery = new LocalDelivery(app.store, { relay, log: silentLogger() });
      const msg = (subject: string): Buffer => Buffer.from(crlf([
        'From: Erin <erin@outside.test>', `To: ${bob.email}`, `Subject: ${subject}`, `Message-ID: <${subject}@outside.test>`, '', 'Hi.',
      ]));
      await delivery.deliver([bob], msg('first'));
      await delivery.deliver([bob], msg('second'));
      await delivery.autoReplies.settled();
      assert.equal(sink.messages.length, 1);
      const m = sink.messages[0]!;
      assert.equal(m.from, '', 'MAIL FROM:<> (RFC 3834 section 3.3)');
      assert.deepEqual(m.to, ['erin@outside.test']);
      const raw = m.raw.toString('utf8');
      assert.match(raw, /^Subject: Automatic reply: first\r$/m);
      assert.match(raw, /^Auto-Submitted: auto-replied\r$/m);
      assert.match(raw, /^In-Reply-To: <first@outside.test>\r$/m);
      assert.match(raw, /<p>Bob is <b>away<\/b>\.<\/p>/);
    });
  });
});

describe('out-of-office replies on the live SMTP path', () => {
  test('an external sender writing over inbound SMTP gets one reply through the configured relay', async () => {
    const sink = await startSmtpSink();
    const app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
    try {
      const carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
      const r = await easRequest(app, {
        cmd: 'Settings', user: carol.email, password: 'carol-password-1', deviceId: 'carolphone', version: '14.1',
        body: el('Settings:Settings', s('Oof', s('Set', s('OofState', 1),
          s('OofMessage', s('AppliesToExternalUnknown'), s('Enabled', 1), s('ReplyMessage', 'Carol is away.'), s('BodyType', 'Text'))))),
      });
      assert.equal(textOf(child(r.root ?? undefined, 'Settings:Oof'), 'Settings:Status'), '1');
      for (const subject of ['one', 'two']) {
        await deliver(app, carol.email, crlf(['From: erin@outside.test', `To: ${carol.email}`, `Subject: ${subject}`, `Message-ID: <${subject}@outside.test>`, '', 'Hi.']), { from: 'erin@outside.test' });
      }
      // Both deliveries have been answered 250, so both reply decisions are made (the second one: already
      // replied); the first reply goes to the relay in the background and is logged once the relay took it.
      await until(() => sink.messages.length > 0 && app.logs.some((l) => l.includes('"event":"oof-replied"')), 'the relayed reply');
      assert.equal(sink.messages.length, 1, 'one reply for two messages');
      assert.deepEqual([sink.messages[0]!.from, sink.messages[0]!.to], ['', ['erin@outside.test']]);
      assert.match(sink.messages[0]!.raw.toString('utf8'), /Carol is away\./);
    } finally {
      await app.stop();
      await sink.close();
    }
  });
});
