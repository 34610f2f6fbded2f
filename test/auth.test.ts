// verify(): the mobile-password truth table, the verification cache and the brute-force brake,
// on a real store (SQLite) with a clock the test moves.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { StoreAuthenticator } from '../src/auth/authenticator.js';
import { DirectoryService } from '../src/auth/directory-service.js';
import { normalizeLogin } from '../src/auth/login.js';
import { LoginGuard } from '../src/auth/login-guard.js';
import type { Protocol } from '../src/auth/types.js';
import { ManualClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import type { Account } from '../src/store/types.js';
import { backends } from './helpers/stores.js';

const kdf = { log2N: 10, r: 8, p: 1 };
const limits = { maxFailuresPerAccount: 5, maxFailuresPerAddress: 20, lockoutMs: 60_000, failureDelayMs: 0, cacheTtlMs: 300_000 };
const nonEas: Protocol[] = ['webui', 'admin', 'imap', 'pop3', 'smtp', 'dav', 'mobileapp'];

describe('authentication', () => {
  let store: SqlStore;
  let cleanup: () => Promise<void>;
  let dir: DirectoryService;
  let auth: StoreAuthenticator;
  let clock: ManualClock;
  const logs: string[] = [];
  let n = 0;

  const freshAccount = async (): Promise<Account> =>
    dir.createAccount({ email: `user${++n}@auth.test`, password: 'account-pass-1' });
  const ok = async (login: string, secret: string, p: Protocol) => {
    const r = await auth.verify(login, secret, p, { remoteAddress: '127.0.0.9' });
    return r.ok;
  };

  before(async () => {
    const opened = await backends[0]!.open();
    store = opened.store;
    cleanup = opened.cleanup;
    await store.domains.create('auth.test');
    dir = new DirectoryService(store, { kdf, publicUrl: () => 'https://mail.auth.test' });
    clock = new ManualClock();
    const sink = new Writable({ write(c: Buffer, _e, cb) { logs.push(c.toString()); cb(); } });
    auth = new StoreAuthenticator({ store, config: { defaultDomain: 'auth.test', kdf, auth: limits }, log: createLogger('info', sink), clock });
  });
  after(() => cleanup());

  test('account password works everywhere while there is no mobile password', async () => {
    const a = await freshAccount();
    for (const p of ['eas', ...nonEas] as Protocol[]) assert.equal(await ok(a.email, 'account-pass-1', p), true, p);
  });

  test('an enabled mobile password makes EAS exclusive and works nowhere else', async () => {
    const a = await freshAccount();
    assert.equal(await ok(a.email, 'account-pass-1', 'eas'), true, 'before: account password accepted (and now cached)');
    const { secret } = await dir.addCredential(a, { label: 'iPhone' });
    const refused = await auth.verify(a.email, 'account-pass-1', 'eas');
    assert.deepEqual([refused.ok, !refused.ok && refused.reason], [false, 'mobile-password-required'], 'cache voided by the new credential');
    assert.equal(await ok(a.email, secret, 'eas'), true);
    for (const p of nonEas) {
      assert.equal(await ok(a.email, secret, p), false, `mobile password refused for ${p}`);
      assert.equal(await ok(a.email, 'account-pass-1', p), true, `account password still fine for ${p}`);
    }
  });

  test('a disabled or deleted mobile password is refused at once, cache or not', async () => {
    const a = await freshAccount();
    const { credential, secret } = await dir.addCredential(a, { password: 'phone-pass-123', services: ['EAS'] });
    assert.equal(await ok(a.email, secret, 'eas'), true);
    const again = await auth.verify(a.email, secret, 'eas');
    assert.equal(again.ok && again.cached, true, 'second check comes from the cache');
    await dir.updateCredential(a.id, credential.id, { enabled: false });
    assert.equal(await ok(a.email, secret, 'eas'), false);
    // With no enabled EAS credential left, the account password is good for EAS again.
    assert.equal(await ok(a.email, 'account-pass-1', 'eas'), true);
    await dir.updateCredential(a.id, credential.id, { enabled: true });
    assert.equal(await ok(a.email, secret, 'eas'), true);
    await store.credentials.delete(a.id, credential.id);
    assert.equal(await ok(a.email, secret, 'eas'), false);
  });

  test('a credential works only for the services it is bound to', async () => {
    const a = await freshAccount();
    const { secret } = await dir.addCredential(a, { services: ['SMTP', 'IMAP'] });
    assert.equal(await ok(a.email, secret, 'smtp'), true);
    assert.equal(await ok(a.email, secret, 'imap'), true);
    assert.equal(await ok(a.email, secret, 'pop3'), false);
    assert.equal(await ok(a.email, secret, 'eas'), false);
    assert.equal(await ok(a.email, 'account-pass-1', 'eas'), true, 'no EAS credential: account password still works for EAS');
  });

  test('password change, lock and close take effect at once even when cached', async () => {
    const a = await freshAccount();
    assert.equal(await ok(a.email, 'account-pass-1', 'imap'), true);
    await dir.setPassword(a.id, 'account-pass-2');
    assert.equal(await ok(a.email, 'account-pass-1', 'imap'), false);
    assert.equal(await ok(a.email, 'account-pass-2', 'imap'), true);
    await store.accounts.update(a.id, { status: 'locked' });
    const r = await auth.verify(a.email, 'account-pass-2', 'imap');
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'account-locked']);
    await store.accounts.update(a.id, { status: 'closed' });
    assert.equal(await ok(a.email, 'account-pass-2', 'imap'), false);
  });

  test('cache entries expire with the clock', async () => {
    const a = await freshAccount();
    await auth.verify(a.email, 'account-pass-1', 'imap');
    const hit = await auth.verify(a.email, 'account-pass-1', 'imap');
    assert.equal(hit.ok && hit.cached, true);
    clock.advance(limits.cacheTtlMs + 1);
    const miss = await auth.verify(a.email, 'account-pass-1', 'imap');
    assert.equal(miss.ok && miss.cached, false);
  });

  test('login forms: user@domain, DOMAIN\\user, bare user', async () => {
    const a = await freshAccount();
    const local = a.email.split('@')[0]!;
    assert.equal(await ok(a.email.toUpperCase(), 'account-pass-1', 'eas'), true);
    assert.equal(await ok(`AUTH\\${local}`, 'account-pass-1', 'eas'), true);
    assert.equal(await ok(`auth.test\\${local}`, 'account-pass-1', 'eas'), true);
    assert.equal(await ok(local, 'account-pass-1', 'eas'), true);
    assert.equal(normalizeLogin('x\\', 'd.test'), null);
    assert.equal(normalizeLogin('a@b@c', 'd.test'), null);
    assert.equal(normalizeLogin('', 'd.test'), null);
  });

  test('unknown accounts and malformed input fail without detail', async () => {
    const r = await auth.verify('nobody@auth.test', 'whatever-pass', 'eas');
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'unknown-account']);
    const m = await auth.verify('ok@auth.test', 'x'.repeat(5000), 'eas');
    assert.deepEqual([m.ok, !m.ok && m.reason], [false, 'malformed']);
  });

  test('brute force: failures lock the account for the window, then it opens again', async () => {
    const a = await freshAccount();
    for (let i = 0; i < limits.maxFailuresPerAccount; i++) assert.equal(await ok(a.email, `wrong-${i}`, 'imap'), false);
    const locked = await auth.verify(a.email, 'account-pass-1', 'imap');
    assert.deepEqual([locked.ok, !locked.ok && locked.reason], [false, 'account-throttled'], 'even the right password waits out the lockout');
    const fromThere = await auth.verify(a.email, 'account-pass-1', 'imap', { remoteAddress: '127.0.0.9' });
    assert.deepEqual([fromThere.ok, !fromThere.ok && fromThere.reason], [false, 'locked'], 'the failing address is locked out of the account');
    clock.advance(limits.lockoutMs + 1);
    assert.equal(await ok(a.email, 'account-pass-1', 'imap'), true);
    const left = await store.authGuard.list({ account: a.email }, clock.now(), limits.lockoutMs);
    assert.deepEqual(left, [], 'the window is over and a success clears this address');
  });

  test('brute force: one address trying many accounts is locked out too', async () => {
    const addr = { remoteAddress: '10.9.9.9' };
    for (let i = 0; i < limits.maxFailuresPerAddress; i++) await auth.verify(`spray${i}@auth.test`, 'nope-nope', 'smtp', addr);
    const a = await freshAccount();
    const r = await auth.verify(a.email, 'account-pass-1', 'smtp', addr);
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'address-blocked']);
    assert.equal(await ok(a.email, 'account-pass-1', 'smtp'), true, 'other addresses are not affected');
    clock.advance(limits.lockoutMs + 1);
  });

  test('growing delay per failure, capped at 5 s', async () => {
    const c = new ManualClock();
    const guard = new LoginGuard(store.authGuard, { ...limits, failureDelayMs: 250, maxFailuresPerAccount: 100 }, c, createLogger('silent'));
    const who = { namespace: 'protocol' as const, account: 'x@y.test', address: null, device: null };
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) delays.push(await guard.fail(who, null));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000]);
    assert.equal(await guard.check(who, true), null);
  });

  test('no secret ever reaches the log', () => {
    const text = logs.join('');
    assert.ok(text.includes('authentication failed'), 'failures are logged');
    for (const s of ['account-pass-1', 'account-pass-2', 'phone-pass-123', 'wrong-0', 'nope-nope']) assert.ok(!text.includes(s), s);
  });
});
