// The admin API over HTTP on port 0: roles, credentials shown once, health, first-start bootstrap.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startApp } from '../src/app.js';
import { adminCredentialsFile } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { adminCall, basic, startTestApp, type TestApp } from './helpers/app.js';

describe('admin API', () => {
  let app: TestApp;
  const da = { email: 'boss@a.test', password: 'boss-pass-1' };
  const user = { email: 'joe@a.test', password: 'joe-pass-12' };

  before(async () => {
    app = await startTestApp();
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [da, user, { email: 'ann@b.test', password: 'ann-pass-12' }]) {
      assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    }
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@a.test/delegated-domains/a.test')).status, 200);
  });
  after(() => app.stop());

  test('GET /health answers with status, version and database', async () => {
    const res = await fetch(`${app.baseUrl}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual([body.status, body.database, typeof body.version], ['ok', 'sqlite', 'string']);
  });

  test('401 without or with wrong credentials, with a Basic challenge', async () => {
    const res = await fetch(`${app.baseUrl}/api/admin/domains`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal((await adminCall(app, 'GET', '/domains', undefined, { email: app.admin.email, password: 'wrong-one' })).status, 401);
  });

  test('a plain account gets 403 everywhere', async () => {
    for (const [m, p] of [['GET', '/domains'], ['GET', '/accounts'], ['GET', '/accounts/joe@a.test'], ['GET', '/accounts/joe@a.test/credentials']] as const) {
      assert.equal((await adminCall(app, m, p, undefined, user)).status, 403, `${m} ${p}`);
    }
  });

  test('a delegated admin manages his domain only', async () => {
    assert.equal((await adminCall(app, 'GET', '/accounts/joe@a.test', undefined, da)).status, 200);
    assert.equal((await adminCall(app, 'GET', '/accounts/ann@b.test', undefined, da)).status, 403);
    assert.equal((await adminCall(app, 'GET', '/accounts/nobody@b.test', undefined, da)).status, 403, 'no existence oracle outside his domains');
    assert.equal((await adminCall(app, 'PUT', '/accounts/ann@b.test/password', { password: 'hijacked-1' }, da)).status, 403);
    assert.equal((await adminCall(app, 'PATCH', '/accounts/ann@b.test', { status: 'locked' }, da)).status, 403);
    assert.equal((await adminCall(app, 'DELETE', '/accounts/ann@b.test', undefined, da)).status, 403);
    assert.equal((await adminCall(app, 'POST', '/accounts/ann@b.test/credentials', {}, da)).status, 403);
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'new@b.test', password: 'new-pass-12' }, da)).status, 403);
    assert.equal((await adminCall(app, 'GET', '/accounts?domain=b.test', undefined, da)).status, 403);
    const list = await adminCall(app, 'GET', '/accounts', undefined, da);
    assert.deepEqual((list.json.accounts as Array<{ email: string }>).map((a) => a.email), ['boss@a.test', 'joe@a.test']);
    assert.deepEqual(((await adminCall(app, 'GET', '/domains', undefined, da)).json.domains as Array<{ name: string }>).map((d) => d.name), ['a.test']);
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'c.test' }, da)).status, 403);
    assert.equal((await adminCall(app, 'PUT', '/accounts/joe@a.test/global-admin', { value: true }, da)).status, 403);
    assert.equal((await adminCall(app, 'PUT', '/accounts/joe@a.test/delegated-domains/a.test', undefined, da)).status, 403);
    // Within his domain he may act.
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'kim@a.test', password: 'kim-pass-12' }, da)).status, 201);
    assert.equal((await adminCall(app, 'PATCH', '/accounts/kim@a.test', { displayName: 'Kim' }, da)).status, 200);
    assert.equal((await adminCall(app, 'POST', '/accounts/kim@a.test/credentials', { label: 'phone' }, da)).status, 201);
    assert.equal((await adminCall(app, 'DELETE', '/accounts/kim@a.test', undefined, da)).status, 200);
  });

  test('a delegated admin cannot touch a global admin in his own domain', async () => {
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'root@a.test', password: 'root-pass-12' })).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/root@a.test/global-admin', { value: true })).status, 200);
    assert.equal((await adminCall(app, 'PUT', '/accounts/root@a.test/password', { password: 'hijacked-1' }, da)).status, 403);
    assert.equal((await adminCall(app, 'POST', '/accounts/root@a.test/credentials', { services: ['WebAdminUI'] }, da)).status, 403);
  });

  test('accounts: validation and errors map to HTTP statuses', async () => {
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'joe@a.test', password: 'joe-pass-12' })).status, 409);
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'x@nowhere.test', password: 'xxxxxxxx1' })).status, 404);
    assert.equal((await adminCall(app, 'POST', '/accounts', { email: 'y@a.test', password: 'short' })).status, 400);
    assert.equal((await adminCall(app, 'PATCH', '/accounts/joe@a.test', { status: 'weird' })).status, 400);
    assert.equal((await adminCall(app, 'DELETE', '/domains/a.test')).status, 409);
    const bad = await fetch(`${app.baseUrl}/api/admin/accounts`, {
      method: 'POST', headers: { authorization: basic(app.admin.email, app.admin.password), 'content-type': 'application/json' }, body: '{not json',
    });
    assert.equal(bad.status, 400);
  });

  test('accounts: bad local parts, long addresses and control characters are refused with a 400 naming the field', async () => {
    const create = (email: string, extra: Record<string, string> = {}) => adminCall(app, 'POST', '/accounts', { email, password: 'good-pass-12', ...extra });
    for (const email of ['a b@a.test', 'a..b@a.test', '.ab@a.test', 'ab.@a.test', 'a:b@a.test', '"a@b"@a.test', '"a:b"@a.test', 'a\r\nRCPT@a.test', 'a\u0000b@a.test', `${'x'.repeat(65)}@a.test`, `${'x'.repeat(60)}@${'d'.repeat(200)}.a.test`]) {
      const r = await create(email);
      assert.equal(r.status, 400, email);
      assert.match(String((r.json.error as { message: string }).message), /"email"/, email);
    }
    for (const email of ["o'brien+tag@a.test", `${'x'.repeat(64)}@a.test`, '"john doe"@a.test']) {
      assert.equal((await create(email)).status, 201, email);
    }
    const named = await create('named@a.test', { displayName: 'Evil\r\nX-Header: 1' });
    assert.equal(named.status, 400);
    assert.match(String((named.json.error as { message: string }).message), /"displayName"/);
    assert.equal((await create('long@a.test', { displayName: 'n'.repeat(257) })).status, 400);
    assert.equal((await adminCall(app, 'PATCH', '/accounts/joe@a.test', { displayName: 'Joe\u0007' })).status, 400);
    const title = await adminCall(app, 'PATCH', '/accounts/joe@a.test', { title: 't'.repeat(300) });
    assert.equal(title.status, 400);
    assert.match(String((title.json.error as { message: string }).message), /"title"/);
    assert.equal((await adminCall(app, 'PATCH', '/accounts/joe@a.test', { displayName: 'Joé Ünïcode 日本', title: 'Chef' })).status, 200);
  });

  test('credentials: clear text once at creation, never in lists, logs or database rows', async () => {
    const created = await adminCall(app, 'POST', '/accounts/joe@a.test/credentials', { label: 'Pixel', services: ['eas'] });
    assert.equal(created.status, 201);
    const text = created.json.text_data as { password: string; user: string };
    const cred = created.json.credential as { id: string; services: string[]; generated: boolean };
    assert.match(text.password, /^[a-z2-9]{20}$/);
    assert.deepEqual([text.user, cred.services, cred.generated], ['joe@a.test', ['EAS'], true]);
    const chosen = await adminCall(app, 'POST', '/accounts/joe@a.test/credentials', { password: 'my-own-phone-pw', label: 'iPad' });
    const qr = await adminCall(app, 'POST', '/accounts/joe@a.test/credentials', { qrcode: true, label: 'App' });
    const qrInfo = qr.json.qr as { payload: string; pngDataUrl: string };
    assert.match(qrInfo.pngDataUrl, /^data:image\/png;base64,/);
    const payload = JSON.parse(qrInfo.payload) as Record<string, string>;
    assert.deepEqual([payload.user, payload.server], ['joe@a.test', app.publicUrl]);
    assert.deepEqual((qr.json.credential as { services: string[] }).services, ['MobileApp']);

    const listed = await adminCall(app, 'GET', '/accounts/joe@a.test/credentials');
    const secrets = [text.password, 'my-own-phone-pw', (qr.json.text_data as { password: string }).password];
    const listText = JSON.stringify(listed.json);
    assert.equal((listed.json.credentials as unknown[]).length, 3);
    for (const s of secrets) {
      assert.ok(!listText.includes(s), 'not in the list');
      assert.ok(!app.logs.join('\n').includes(s), 'not in the log');
    }
    assert.ok(!listText.includes('scrypt$'), 'not even the hash is shown');
    const db = new Database(path.join(app.dataDir, 'carbonio.sqlite'), { readonly: true });
    try {
      const tables = (db.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name);
      const dump = tables.map((t) => JSON.stringify(db.prepare(`select * from "${t}"`).all())).join('\n');
      assert.ok(dump.includes(cred.id));
      for (const s of [...secrets, user.password]) assert.ok(!dump.includes(s), 'no clear text in any row');
    } finally {
      db.close();
    }
    assert.equal(chosen.status, 201);
    const upd = await adminCall(app, 'PATCH', `/accounts/joe@a.test/credentials/${cred.id}`, { enabled: false, label: 'Old Pixel' });
    assert.deepEqual([(upd.json.credential as { enabled: boolean }).enabled, JSON.stringify(upd.json).includes(text.password)], [false, false]);
    assert.equal((await adminCall(app, 'PATCH', `/accounts/joe@a.test/credentials/${cred.id}`, { services: ['nope'] })).status, 400);
    assert.equal((await adminCall(app, 'DELETE', `/accounts/joe@a.test/credentials/${cred.id}`)).status, 200);
    assert.equal((await adminCall(app, 'DELETE', `/accounts/joe@a.test/credentials/${cred.id}`)).status, 404);
  });

  test('password change through the API: the old one stops working at once', async () => {
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@a.test/password', { password: 'boss-pass-2' })).status, 200);
    assert.equal((await adminCall(app, 'GET', '/domains', undefined, da)).status, 401);
    assert.equal((await adminCall(app, 'GET', '/domains', undefined, { ...da, password: 'boss-pass-2' })).status, 200);
  });
});

describe('first start', () => {
  test('creates the default domain and a global admin with a generated password saved 0600', async () => {
    const dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'carbonio-boot-'));
    const env = { CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0', CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_DEFAULT_DOMAIN: 'boot.test', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1' };
    const app = await startApp(loadConfig(env), silentLogger());
    try {
      const file = adminCredentialsFile(dataDir);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const [email, password] = fs.readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(email, 'admin@boot.test');
      assert.equal(password, app.bootstrap.generatedPassword);
      const res = await fetch(`http://127.0.0.1:${app.httpPort}/api/admin/domains`, { headers: { authorization: basic(email ?? '', password ?? '') } });
      assert.deepEqual(((await res.json()) as { domains: Array<{ name: string }> }).domains.map((d) => d.name), ['boot.test']);
    } finally {
      await app.close();
    }
    // A second start on the same store creates nothing new.
    const again = await startApp(loadConfig(env), silentLogger());
    assert.equal(again.bootstrap.created, false);
    await again.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a bad environment value stops the start with a clear message', () => {
    assert.throws(() => loadConfig({ CARBONIO_HTTP_PORT: 'eighty' }), /CARBONIO_HTTP_PORT must be a whole number/);
    assert.throws(() => loadConfig({ CARBONIO_SMTP_PORT: '70000' }), /CARBONIO_SMTP_PORT must be between/);
    assert.throws(() => loadConfig({ CARBONIO_DB_URL: 'mysql://x' }), /CARBONIO_DB_URL must use/);
    assert.throws(() => loadConfig({ CARBONIO_DEFAULT_DOMAIN: 'not a domain' }), /CARBONIO_DEFAULT_DOMAIN/);
    assert.throws(() => loadConfig({ CARBONIO_ADMIN_PASSWORD: 'short' }), /at least 8/);
    assert.throws(() => loadConfig({ CARBONIO_RELAY_URL: 'http://relay' }), /CARBONIO_RELAY_URL must use smtp/);
  });
});
