// Issue 12, part 3: a lockout that cannot be turned against users. Per-address blocks, per-account
// throttling of unfamiliar addresses and devices only, proxies never blocked (verify() called directly
// with several client addresses); admin logins counted apart from EAS, the admin API's lockout message,
// `carbonio auth lockout list|clear` (over real HTTP and the CLI); and two server processes on one
// PostgreSQL sharing the counters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreAuthenticator } from '../src/auth/authenticator.js';
import { DirectoryService } from '../src/auth/directory-service.js';
import type { VerifyContext } from '../src/auth/types.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { el } from '../src/eas/wbxml/index.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';
import { startNode, nodeAdminCall, type NodeProcess } from './helpers/node-process.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { backends } from './helpers/stores.js';

const kdf = { log2N: 10, r: 8, p: 1 };
const limits = { maxFailuresPerAccount: 10, maxFailuresPerAddress: 50, lockoutMs: 900_000, failureDelayMs: 0, cacheTtlMs: 300_000 };
const PW = 'right-pass-123';

describe('lockout: verify() from several client addresses', () => {
  let store: SqlStore;
  let cleanup: () => Promise<void>;
  let dir: DirectoryService;
  let auth: StoreAuthenticator;
  const clock = new ManualClock();
  let n = 0;
  const account = async (): Promise<string> => (await dir.createAccount({ email: `u${++n}@lock.test`, password: PW })).email;
  const reason = async (email: string, secret: string, ctx: VerifyContext): Promise<string> => {
    const r = await auth.verify(email, secret, 'eas', ctx);
    return r.ok ? 'ok' : r.reason;
  };

  before(async () => {
    ({ store, cleanup } = await backends[0]!.open());
    await store.domains.create('lock.test');
    dir = new DirectoryService(store, { kdf, publicUrl: () => 'https://mail.lock.test' });
    auth = new StoreAuthenticator({ store, config: { defaultDomain: 'lock.test', kdf, auth: limits }, log: silentLogger(), clock });
  });
  after(() => cleanup());

  test('60 bad logins from address A block A only: a familiar address B and other accounts elsewhere keep working', async () => {
    const ann = await account();
    const bob = await account();
    const A = { remoteAddress: '198.51.100.1' };
    const B = { remoteAddress: '198.51.100.2' };
    const C = { remoteAddress: '198.51.100.3' };
    assert.equal(await reason(ann, PW, B), 'ok', 'B logs in once: familiar');
    for (let i = 0; i < 60; i++) assert.notEqual(await reason(ann, `wrong-${i}`, A), 'ok');
    assert.equal(await reason(ann, PW, A), 'address-blocked', 'the 61st, with the right password, is refused');
    assert.equal(await reason(bob, PW, A), 'address-blocked', 'every account from A');
    assert.equal(await reason(ann, PW, B), 'ok', 'the familiar address B');
    assert.equal(await reason(bob, PW, C), 'ok', 'another account from a third address');
    const fresh = await auth.verify(ann, PW, 'eas', { remoteAddress: '198.51.100.4' });
    assert.deepEqual([fresh.ok, !fresh.ok && fresh.reason], [false, 'account-throttled'], 'an unfamiliar address is throttled for ann');
    assert.equal(!fresh.ok && fresh.lockedUntil, clock.now() + limits.lockoutMs, 'until the end of the lockout');
  });

  test('after MAX_FAILURES an unfamiliar address is throttled; a familiar address and a familiar DeviceId are not', async () => {
    const cid = await account();
    const home = { remoteAddress: '203.0.113.10' };
    assert.equal(await reason(cid, PW, home), 'ok');
    // The phone is seen only through a proxy here, so only its DeviceId becomes familiar.
    assert.equal(await reason(cid, PW, { remoteAddress: '192.0.2.1', addressIsProxy: true, deviceId: 'PHONE1' }), 'ok');
    for (let i = 0; i < limits.maxFailuresPerAccount; i++) {
      assert.equal(await reason(cid, `wrong-${i}`, { remoteAddress: `203.0.113.${100 + i}` }), 'bad-secret');
    }
    assert.equal(await reason(cid, PW, { remoteAddress: '203.0.113.200' }), 'account-throttled');
    assert.equal(await reason(cid, PW, { remoteAddress: '203.0.113.201', deviceId: 'OTHER' }), 'account-throttled', 'an unknown device');
    assert.equal(await reason(cid, PW, home), 'ok', 'the familiar address');
    assert.equal(await reason(cid, PW, { remoteAddress: '203.0.113.202', deviceId: 'PHONE1' }), 'ok', 'the familiar device from a new address');
    assert.equal(await reason(cid, 'wrong-again', home), 'bad-secret', 'a familiar address still has its secret checked');
    assert.equal(await reason(cid, PW, home), 'ok');
  });

  test('a proxy-marked address is never blocked, however many failures pass through it', async () => {
    const dan = await account();
    const proxy = { remoteAddress: '192.0.2.99', addressIsProxy: true };
    for (let i = 0; i < 3 * limits.maxFailuresPerAddress; i++) await reason(`spray${i % 20}@lock.test`, 'nope-nope', proxy);
    assert.equal(await reason(dan, PW, proxy), 'ok');
    const seen = await auth.lockouts.list({ address: '192.0.2.99' });
    assert.deepEqual(seen.counters, [], 'nothing counted per address for the proxy');
  });

  test('admin logins and protocol logins are counted apart', async () => {
    const eve = await account();
    const from = { remoteAddress: '198.51.100.50' };
    for (let i = 0; i < 20; i++) await reason(eve, `wrong-${i}`, from);
    assert.equal(await reason(eve, PW, from), 'locked');
    assert.equal((await auth.verify(eve, PW, 'admin', from)).ok, true, 'no admin-namespace counter was touched');
  });
});

describe('lockout over HTTP: admin separation, the API message, carbonio auth lockout', () => {
  let app: TestApp;
  const ann = { email: 'ann@example.com', password: 'ann-password-1' };
  const boss = { email: 'boss@example.com', password: 'boss-password-1' };
  const eas = (user: string, password: string) =>
    easRequest(app, { cmd: 'FolderSync', user, password, deviceId: 'LOCKTEST1', version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });

  before(async () => {
    app = await startTestApp();
    for (const a of [ann, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', a)).status, 201);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${boss.email}/global-admin`, { value: true })).status, 200);
  });
  after(() => app.stop());

  test('20 wrong EAS passwords for the admin account do not lock the admin out of the CLI', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await eas(app.admin.email, `wrong-${i}`)).status, 401);
    assert.equal((await eas(app.admin.email, app.admin.password)).status, 401, 'EAS from this address is locked for the admin');
    assert.ok(ok(await runCli(app, ['prov', 'getAllDomains'])).includes('example.com'));
    const listed = ok(await runCli(app, ['auth', 'lockout', 'list', 'account', app.admin.email]));
    assert.ok(listed.includes(`    key protocol/pair/${app.admin.email},127.0.0.1`), listed.join('\n'));
    assert.ok(listed.some((l) => /^ {4}lockedUntil \d{4}-\d\d-\d\dT/.test(l)), listed.join('\n'));
  });

  test('60 bad EAS logins over HTTP block the address; list shows it, clear lets the account in again', async () => {
    assert.equal((await eas(ann.email, ann.password)).status, 200);
    for (let i = 0; i < 60; i++) assert.equal((await eas(ann.email, `wrong-${i}`)).status, 401);
    assert.equal((await eas(ann.email, ann.password)).status, 401, 'the 61st, right password, refused');
    const line = app.logs.find((l) => l.includes('"event":"auth-failure"') && l.includes('"reason":"address-blocked"'));
    assert.ok(line?.includes('"remote":"127.0.0.1"'), line);
    const listed = ok(await runCli(app, ['auth', 'lockout', 'list', 'address', '127.0.0.1']));
    assert.ok(listed.includes('    key protocol/address/127.0.0.1'), listed.join('\n'));
    const json = JSON.parse((await runCli(app, ['auth', 'lockout', 'list', '--json'])).stdout) as { lockouts: Array<{ key: string; lockedUntil: string | null }> };
    assert.ok(json.lockouts.some((c) => c.key === 'protocol/address/127.0.0.1' && c.lockedUntil !== null));
    assert.match(ok(await runCli(app, ['auth', 'lockout', 'clear', 'address', '127.0.0.1'])).join('\n'), /^Cleared [1-9]\d* counter\(s\) of address 127\.0\.0\.1$/);
    ok(await runCli(app, ['auth', 'lockout', 'clear', 'account', ann.email]));
    assert.equal((await eas(ann.email, ann.password)).status, 200, 'ann logs in again');
    const after = ok(await runCli(app, ['auth', 'lockout', 'list', 'account', ann.email]));
    assert.deepEqual(after.slice(0, 2), ['lockouts', '    no lockouts'], after.join('\n'));
    for (const l of ['familiar', '    value 127.0.0.1', '    value LOCKTEST1']) assert.ok(after.includes(l), after.join('\n'));
  });

  test('an admin-namespace lockout: the API says when to retry, the CLI prints it, clear lets the admin in', async () => {
    for (let i = 0; i < limits.maxFailuresPerAccount; i++) {
      assert.equal((await adminCall(app, 'GET', '/domains', undefined, { email: boss.email, password: `wrong-${i}` })).status, 401);
    }
    const r = await adminCall(app, 'GET', '/domains', undefined, boss);
    assert.equal(r.status, 401);
    assert.match(JSON.stringify(r.json), /too many failed logins, retry after \d{4}-\d\d-\d\dT[\d:.]+Z/);
    failed(await runCli(app, ['prov', 'getAllDomains'], { as: boss }), 1, /too many failed logins, retry after/);
    ok(await runCli(app, ['auth', 'lockout', 'clear', 'account', boss.email]));
    ok(await runCli(app, ['prov', 'getAllDomains'], { as: boss }));
  });

  test('usage errors and role checks', async () => {
    failed(await runCli(app, ['auth', 'lockout', 'clear', 'device', 'x']), 2, /account or address/);
    assert.equal((await adminCall(app, 'GET', '/auth/lockouts', undefined, ann)).status, 403, 'a plain account');
  });
});

describe('lockout across two server processes on one PostgreSQL', { skip: pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set' }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let nodes: NodeProcess[] = [];
  const env = { CARBONIO_AUTH_MAX_FAILURES: '6', CARBONIO_AUTH_MAX_FAILURES_PER_ADDRESS: '1000' };
  const login = (node: NodeProcess, user: string, password: string) =>
    easRequest(node, { cmd: 'FolderSync', user, password, deviceId: 'MULTI1', version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });

  before(async () => {
    db = await createTempPgDatabase();
    const first = await startNode({ name: 'lock1', dbUrl: db.url, env });
    nodes = [first, await startNode({ name: 'lock2', dbUrl: db.url, env })];
    for (const u of ['ann', 'bob']) assert.equal((await nodeAdminCall(first, 'POST', '/accounts', { email: `${u}@example.com`, password: PW })).status, 201);
  });
  after(async () => {
    for (const n of nodes) await n.stop();
    await db?.drop();
  });

  test('failures split across both processes reach the limit at the same total as on one', async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    for (let i = 0; i < 5; i++) assert.equal((await login(i % 2 ? n2 : n1, 'bob@example.com', `wrong-${i}`)).status, 401);
    assert.equal((await login(n2, 'bob@example.com', PW)).status, 200, 'one failure short of the limit: still in');
    for (let i = 0; i < 6; i++) assert.equal((await login(i % 2 ? n2 : n1, 'ann@example.com', `wrong-${i}`)).status, 401);
    assert.equal((await login(n1, 'ann@example.com', PW)).status, 401, 'at the limit (3 + 3): locked on node 1');
    assert.equal((await login(n2, 'ann@example.com', PW)).status, 401, 'and on node 2');
    // The other process's log reaches us through a pipe: wait for the line rather than read it at once.
    await n2.waitForLog(/"event":"auth-failure"[^\n]*"reason":"(locked|account-throttled)"/, 5000);
  });
});
