// LocalDelivery (protocol-neutral), recipient classification, and the relay's error mapping.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from './helpers/app.js';
import { pgUrl } from './helpers/pg.js';
import { LocalDelivery } from '../src/mail/delivery.js';
import { classifyRecipient } from '../src/mail/recipients.js';
import { relayError } from '../src/mail/relay.js';
import type { Account, FolderRole } from '../src/store/types.js';

const raw = Buffer.from('From: a@remote.test\r\nSubject: delivery\r\n\r\nbody\r\n');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])]) {
  void describe(`mail delivery (${backend})`, () => {
    let app: TestApp;
    let delivery: LocalDelivery;
    let bob: Account;
    let carol: Account;
    const count = async (a: Account, role: FolderRole): Promise<number> => {
      const f = await app.store.mailbox.getFolderByRole(a.id, role);
      assert.ok(f);
      return app.store.mailbox.countItems(a.id, f.id);
    };

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres' });
      delivery = new LocalDelivery(app.store);
      bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
      carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
    });
    after(async () => {
      await app.stop();
    });

    void test('one copy per account (by object or address, duplicates folded); unknown and inactive skipped', async () => {
      const dan = await app.directory.createAccount({ email: 'dan@example.com', password: 'dan-password-1' });
      const locked = await app.store.accounts.update(dan.id, { status: 'locked' });
      const res = await delivery.deliver([bob, 'CAROL@example.com', 'bob@example.com', 'ghost@example.com', locked], raw);
      assert.equal(res.stored.length, 2);
      assert.deepEqual(res.skipped.map((s) => s.reason).sort(), ['inactive', 'unknown']);
      assert.equal(res.meta.subject, 'delivery');
      assert.equal(await count(bob, 'inbox'), 1);
      assert.equal(await count(carol, 'inbox'), 1);
      assert.equal(await count(dan, 'inbox'), 0);
      const copy = res.stored.find((s) => s.accountId === bob.id);
      assert.ok(copy);
      const item = await app.store.mailbox.getItem(bob.id, copy.itemId);
      assert.ok(item?.blobId);
      assert.equal(item.flags.seen, false);
      assert.deepEqual(Buffer.from((await app.store.blobs.get(item.blobId)) ?? []), raw);
    });

    void test("a sender's copy goes to Sent, already read; mixed targets in one call", async () => {
      const res = await delivery.deliverTo([{ recipient: carol, folder: 'inbox' }, { recipient: bob, folder: 'sent' }], raw);
      assert.equal(res.stored.length, 2);
      const sent = res.stored.find((s) => s.folder === 'sent');
      assert.ok(sent);
      const item = await app.store.mailbox.getItem(bob.id, sent.itemId);
      assert.equal(item?.flags.seen, true);
      assert.equal(await count(bob, 'sent'), 1);
    });

    void test('recipient classification', async () => {
      assert.equal((await classifyRecipient(app.store, ' Bob@Example.COM ')).kind, 'local');
      assert.equal((await classifyRecipient(app.store, 'nobody@example.com')).kind, 'unknown');
      assert.equal((await classifyRecipient(app.store, 'someone@remote.test')).kind, 'foreign');
      assert.equal((await classifyRecipient(app.store, 'no-domain')).kind, 'invalid');
      assert.equal((await classifyRecipient(app.store, 'dan@example.com')).kind, 'disabled');
    });
  });
}

void test('relay failures map to a reply for the submitting client', () => {
  const refused = relayError(Object.assign(new Error('x'), { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 spam detected' }));
  assert.deepEqual([refused.responseCode, refused.enhancedCode, refused.permanent], [554, '5.7.1', true]);
  assert.match(refused.message, /spam detected/);
  const allRcpt = relayError(Object.assign(new Error('x'), {
    code: 'EENVELOPE', rejectedErrors: [{ responseCode: 550, response: '550 5.1.1 <a@b>: no such user' }],
  }));
  assert.deepEqual([allRcpt.responseCode, allRcpt.enhancedCode], [550, '5.1.1']);
  const deferred = relayError(Object.assign(new Error('x'), { responseCode: 421, response: '421 4.3.2 busy' }));
  assert.deepEqual([deferred.responseCode, deferred.enhancedCode, deferred.permanent], [451, '4.3.2', false]);
  const down = relayError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' }));
  assert.deepEqual([down.responseCode, down.enhancedCode], [451, '4.4.1']);
  const auth = relayError(Object.assign(new Error('x'), { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad creds' }));
  assert.deepEqual([auth.responseCode, auth.enhancedCode], [451, '4.7.0']);
  const odd = relayError(Object.assign(new Error('x'), { responseCode: 500, response: '500 what\r\nInjected: header' }));
  assert.equal(odd.responseCode, 554);
  assert.ok(!/[\r\n]/.test(odd.message));
  assert.equal(relayError('not even an error').responseCode, 451);
});
