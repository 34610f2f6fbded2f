// Web console sign-in over HTTP on port 0 (issue 14): the session cookie's flags, the CSRF token on
// every change, the password rules (a mobile password never opens the web console), the session
// standing in for Basic on /api/self and /api/admin, and the ways a session ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSessions } from '../src/auth/web-sessions.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { easOptions } from './helpers/eas-client.js';

interface Signed {
  cookie: string;
  csrf: string;
  setCookie: string;
}

const WEB = { 'x-requested-with': 'carbonio-web' };

async function signIn(app: TestApp, email: string, password: string, scope: 'user' | 'admin' = 'user'): Promise<{ status: number; body: Record<string, unknown>; signed: Signed | null }> {
  const res = await fetch(`${app.baseUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...WEB }, body: JSON.stringify({ email, password, scope }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  const setCookie = res.headers.get('set-cookie') ?? '';
  const signed = res.status === 200 ? { cookie: setCookie.split(';')[0]!, csrf: String(body.csrfToken), setCookie } : null;
  return { status: res.status, body, signed };
}

async function call(app: TestApp, s: Signed, method: string, path: string, opts: { body?: unknown; csrf?: string | null } = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const csrf = opts.csrf === undefined ? s.csrf : opts.csrf;
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: {
      cookie: s.cookie, ...WEB,
      ...(csrf !== null && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
}

describe('web console sessions', () => {
  let app: TestApp;
  const joe = { email: 'joe@web.test', password: 'joe-pass-12' };
  const boss = { email: 'boss@web.test', password: 'boss-pass-1' };

  before(async () => {
    app = await startTestApp();
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'web.test' })).status, 201);
    for (const a of [joe, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', a)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@web.test/delegated-domains/web.test')).status, 200);
  });
  after(() => app.stop());

  test('sign-in sets an HttpOnly, SameSite=Strict cookie limited to /api; the password never reaches the log', async () => {
    const r = await signIn(app, joe.email, joe.password);
    assert.equal(r.status, 200);
    const flags = r.signed!.setCookie.split(';').map((s) => s.trim().toLowerCase());
    assert.ok(flags.includes('httponly'));
    assert.ok(flags.includes('samesite=strict'));
    assert.ok(flags.includes('path=/api'));
    assert.ok(!flags.includes('secure'), 'plain HTTP: no Secure flag (HTTPS sets it: tls.test.ts)');
    assert.match(r.signed!.cookie, /^carbonio_session=[A-Za-z0-9_-]{43}$/);
    assert.equal((r.body.account as Record<string, unknown>).email, joe.email);
    assert.equal(app.logs.some((l) => l.includes(joe.password)), false);
    // The session is now what /api/self sees.
    const me = await call(app, r.signed!, 'GET', '/api/self/devices');
    assert.equal(me.status, 200);
    assert.equal(me.json.account, joe.email);
  });

  test('a wrong password and a mobile password are refused; the account password is refused for EAS once a mobile password exists', async () => {
    assert.equal((await signIn(app, joe.email, 'wrong-password')).status, 401);
    const r = await signIn(app, joe.email, joe.password);
    const created = await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: 'My phone' } });
    assert.equal(created.status, 201);
    const secret = (created.json.text_data as Record<string, string>).password!;
    assert.deepEqual((created.json.credential as Record<string, unknown>).services, ['EAS']);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const refused = await signIn(app, joe.email, secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.signed, null);
    assert.equal((await easOptions(app, joe.email, secret)).status, 200);
    assert.equal((await easOptions(app, joe.email, joe.password)).status, 401);
    // Listing never shows the secret.
    const list = await call(app, r.signed!, 'GET', '/api/self/credentials');
    assert.equal(JSON.stringify(list.json).includes(secret), false);
    // Disabled: the next EAS request with it gets 401; enabled again: 200.
    const id = String((created.json.credential as Record<string, unknown>).id);
    assert.equal((await call(app, r.signed!, 'PATCH', `/api/self/credentials/${id}`, { body: { enabled: false } })).status, 200);
    assert.equal((await easOptions(app, joe.email, secret)).status, 401);
    assert.equal((await call(app, r.signed!, 'PATCH', `/api/self/credentials/${id}`, { body: { enabled: true } })).status, 200);
    assert.equal((await easOptions(app, joe.email, secret)).status, 200);
    assert.equal((await call(app, r.signed!, 'DELETE', `/api/self/credentials/${id}`)).status, 200);
    assert.equal((await easOptions(app, joe.email, secret)).status, 401);
    assert.equal((await easOptions(app, joe.email, joe.password)).status, 200);
  });

  test('a user cannot choose the password nor mint a web-console password', async () => {
    const r = await signIn(app, joe.email, joe.password);
    assert.equal((await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: 'x', password: 'chosen-pass-1' } })).status, 400);
    assert.equal((await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: 'x', services: ['WebUI'] } })).status, 400);
    assert.equal((await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: '' } })).status, 400);
    const app1 = await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: 'Thunderbird', services: ['IMAP', 'SMTP'] } });
    assert.equal(app1.status, 201);
    const qr = await call(app, r.signed!, 'POST', '/api/self/credentials', { body: { label: 'Carbonio app', qrcode: true } });
    assert.equal(qr.status, 201);
    assert.match(String((qr.json.qr as Record<string, unknown>).pngDataUrl), /^data:image\/png;base64,/);
    for (const c of [app1, qr]) {
      assert.equal((await call(app, r.signed!, 'DELETE', `/api/self/credentials/${String((c.json.credential as Record<string, unknown>).id)}`)).status, 200);
    }
  });

  test('a change without the CSRF token, or with another session\'s token, is refused with 403; reads need none', async () => {
    const a = (await signIn(app, joe.email, joe.password)).signed!;
    const b = (await signIn(app, joe.email, joe.password)).signed!;
    const none = await call(app, a, 'POST', '/api/self/credentials', { body: { label: 'no token' }, csrf: null });
    assert.equal(none.status, 403);
    assert.equal((none.json.error as Record<string, unknown>).code, 'csrf');
    assert.equal((await call(app, a, 'POST', '/api/self/credentials', { body: { label: 'wrong token' }, csrf: b.csrf })).status, 403);
    assert.equal((await call(app, a, 'POST', '/api/self/credentials', { body: { label: 'bad token' }, csrf: 'x'.repeat(40) })).status, 403);
    assert.equal((await call(app, a, 'GET', '/api/self/credentials')).status, 200);
    const list = await call(app, a, 'GET', '/api/self/credentials');
    assert.equal((list.json.credentials as unknown[]).length, 0, 'nothing was created by the refused requests');
  });

  test('the web pages\' calls get no Basic challenge on 401; API clients still do', async () => {
    const web = await fetch(`${app.baseUrl}/api/self/devices`, { headers: WEB });
    assert.equal(web.status, 401);
    assert.equal(web.headers.get('www-authenticate'), null);
    const cli = await fetch(`${app.baseUrl}/api/self/devices`);
    assert.equal(cli.status, 401);
    assert.match(cli.headers.get('www-authenticate') ?? '', /^Basic /);
  });

  test('admin scope: a plain user is refused, a delegated admin gets in and the session works on /api/admin; scopes do not mix', async () => {
    const plain = await signIn(app, joe.email, joe.password, 'admin');
    assert.equal(plain.status, 403);
    const r = await signIn(app, boss.email, boss.password, 'admin');
    assert.equal(r.status, 200);
    assert.match(r.signed!.cookie, /^carbonio_admin_session=/);
    const accounts = await call(app, r.signed!, 'GET', '/api/admin/accounts?domain=web.test');
    assert.equal(accounts.status, 200);
    // A delegated admin's session reaches only what his role allows.
    assert.equal((await call(app, r.signed!, 'GET', '/api/admin/domains/' + encodeURIComponent('example.test'))).status === 200, false);
    // The admin cookie is not a user session, and a user cookie is not an admin session.
    assert.equal((await call(app, r.signed!, 'GET', '/api/self/devices')).status, 401);
    const u = (await signIn(app, joe.email, joe.password)).signed!;
    assert.equal((await call(app, u, 'GET', '/api/admin/accounts')).status, 401);
  });

  test('sign-out ends the session (CSRF-checked); a password change ends every session of the account', async () => {
    const s = (await signIn(app, joe.email, joe.password)).signed!;
    assert.equal((await call(app, s, 'DELETE', '/api/session?scope=user', { csrf: null })).status, 403);
    const out = await call(app, s, 'DELETE', '/api/session?scope=user');
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /carbonio_session=;.*Max-Age=0/i);
    assert.equal((await call(app, s, 'GET', '/api/session?scope=user')).status, 401);

    const t = (await signIn(app, joe.email, joe.password)).signed!;
    assert.equal((await call(app, t, 'GET', '/api/session?scope=user')).status, 200);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${joe.email}/password`, { password: 'joe-new-pass-34' })).status, 200);
    assert.equal((await call(app, t, 'GET', '/api/session?scope=user')).status, 401);
    joe.password = 'joe-new-pass-34';
  });

  test('a locked or closed account loses its session at once', async () => {
    const s = (await signIn(app, joe.email, joe.password)).signed!;
    assert.equal((await adminCall(app, 'PATCH', `/accounts/${joe.email}`, { status: 'locked' })).status, 200);
    assert.equal((await call(app, s, 'GET', '/api/self/devices')).status, 401);
    assert.equal((await adminCall(app, 'PATCH', `/accounts/${joe.email}`, { status: 'active' })).status, 200);
    assert.equal((await call(app, s, 'GET', '/api/self/devices')).status, 401, 'the session was deleted, not suspended');
  });

  test('idle time and maximum age end a session (clock injected)', async () => {
    let now = Date.now();
    const sessions = new WebSessions(app.store, app.auth, { idleMs: 60_000, maxAgeMs: 3_600_000 }, () => now);
    const login = await sessions.login(joe.email, joe.password, 'user', { remoteAddress: '127.0.0.1' });
    assert.ok(login.ok);
    const token = login.token;
    now += 59_000;
    assert.ok(await sessions.resolve(token, 'user'));
    now += 59_000;
    assert.ok(await sessions.resolve(token, 'user'), 'activity restarted the idle clock');
    assert.equal(await sessions.resolve(token, 'admin'), null, 'another scope');
    now += 61_000;
    assert.equal(await sessions.resolve(token, 'user'), null, 'idle too long');
    const again = await sessions.login(joe.email, joe.password, 'user', {});
    assert.ok(again.ok);
    for (let i = 0; i < 62; i++) {
      now += 59_000;
      const alive = await sessions.resolve(again.token, 'user');
      if (i < 60) assert.ok(alive, `still within the maximum age at step ${i}`);
      else if (!alive) return;
    }
    assert.fail('the session outlived its maximum age');
  });

  test('self-service wipe: confirmation required, account-only needs 16.1, cancel; another account\'s device is not found', async () => {
    const s = (await signIn(app, boss.email, boss.password)).signed!;
    const { easRequest } = await import('./helpers/eas-client.js');
    const { el } = await import('../src/eas/wbxml/index.js');
    for (const [id, version] of [['OLDPHONE', '14.1'], ['NEWPHONE', '16.1']] as const) {
      const r = await easRequest(app, { cmd: 'FolderSync', user: boss.email, password: boss.password, deviceId: id, version, body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
      assert.equal(r.status, 200);
    }
    // The page tells "needs provisioning" from "syncing without a policy" by whether a policy is enforced.
    assert.equal((await call(app, s, 'GET', '/api/self/devices')).json.policyEnforced, false);
    const policy = (value: string | null) => adminCall(app, 'PUT', `/provisioning/account/${boss.email}`, { key: 'MobileDeviceManagement', value });
    assert.equal((await policy('true')).status, 200);
    assert.equal((await call(app, s, 'GET', '/api/self/devices')).json.policyEnforced, true);
    assert.equal((await policy(null)).status, 200);
    const unconfirmed = await call(app, s, 'POST', '/api/self/devices/NEWPHONE/wipe', { body: { accountOnly: true } });
    assert.equal(unconfirmed.status, 400);
    assert.equal((unconfirmed.json.error as Record<string, unknown>).code, 'confirmation-required');
    assert.equal((await call(app, s, 'POST', '/api/self/devices/OLDPHONE/wipe', { body: { accountOnly: true, confirm: true } })).status, 409);
    const ok = await call(app, s, 'POST', '/api/self/devices/NEWPHONE/wipe', { body: { accountOnly: true, confirm: true } });
    assert.equal(ok.status, 200);
    assert.equal((ok.json.wipe as Record<string, unknown>).accountOnly, true);
    assert.ok(app.logs.some((l) => l.includes('"event":"device-wipe-requested"') && l.includes('"via":"self"')));
    assert.equal((await call(app, s, 'DELETE', '/api/self/devices/NEWPHONE/wipe')).status, 200);
    assert.equal((await call(app, s, 'DELETE', '/api/self/devices/NEWPHONE/wipe')).status, 409, 'nothing pending any more');
    const j = (await signIn(app, joe.email, joe.password)).signed!;
    assert.equal((await call(app, j, 'POST', '/api/self/devices/NEWPHONE/wipe', { body: { confirm: true } })).status, 404, 'not his device');
    assert.equal((await call(app, s, 'POST', '/api/self/devices/NEWPHONE/wipe', { body: { confirm: true }, csrf: null })).status, 403);
  });

  test('self-service out-of-office: validated, stored where EAS reads it', async () => {
    const s = (await signIn(app, joe.email, joe.password)).signed!;
    assert.deepEqual((await call(app, s, 'GET', '/api/self/oof')).json.oof, { state: 0, start: null, end: null, internal: null, external: null });
    assert.equal((await call(app, s, 'PUT', '/api/self/oof', { body: { state: 3 } })).status, 400);
    assert.equal((await call(app, s, 'PUT', '/api/self/oof', { body: { state: 1 } })).status, 400, 'on, but no reply');
    assert.equal((await call(app, s, 'PUT', '/api/self/oof', { body: { state: 2, start: '2026-12-10T08:00:00Z', end: '2026-12-01T08:00:00Z', internal: 'x' } })).status, 400);
    const put = await call(app, s, 'PUT', '/api/self/oof', { body: { state: 2, start: '2026-12-10T08:00:00Z', end: '2026-12-20T08:00:00Z', internal: 'Away.', external: 'Away (external).' } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json.oof, { state: 2, start: '2026-12-10T08:00:00.000Z', end: '2026-12-20T08:00:00.000Z', internal: 'Away.', external: 'Away (external).' });
    const { loadOof } = await import('../src/mail/oof.js');
    const stored = await loadOof(app.store, (await app.store.accounts.getByEmail(joe.email))!.id);
    assert.equal(stored.state, 2);
    assert.equal(stored.messages.externalUnknown?.reply, 'Away (external).');
    assert.equal((await call(app, s, 'PUT', '/api/self/oof', { body: { state: 0 } })).status, 200);
  });

  test('malformed sign-in bodies get 400, unknown scope 400', async () => {
    const post = (body: string) => fetch(`${app.baseUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post('{"email":"x"}')).status, 400);
    assert.equal((await post('[1]')).status, 400);
    assert.equal((await post(JSON.stringify({ email: joe.email, password: joe.password, scope: 'root' }))).status, 400);
  });
});
