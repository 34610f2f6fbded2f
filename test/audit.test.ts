// The audit trail (issue 17 part 3): every changing call of the admin API (and so of the CLI) and of the
// user page's self-service API leaves one entry with actor, client address (X-Forwarded-For from a
// trusted proxy), action, target and outcome, refusals included, and never a secret; a delegated admin
// sees his domains' entries and his own; the filters; the CLI; the retention prune on both stores.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fastify from 'fastify';
import { adminApi } from '../src/admin/api.js';
import { SCHEMA_AJV_OPTIONS } from '../src/admin/route-schemas.js';
import { auditActions } from '../src/admin/audit-actions.js';
import { pruneAudit } from '../src/admin/audit-retention.js';
import { selfApi } from '../src/admin/routes-self.js';
import { WebSessions } from '../src/auth/web-sessions.js';
import { loadConfig } from '../src/config.js';
import { parseTimeSpec } from '../src/core/time-spec.js';
import { createLogger } from '../src/core/logger.js';
import { el } from '../src/eas/wbxml/index.js';
import type { NewAuditEntry } from '../src/store/audit-types.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { ADMIN_PASSWORD, basic, startTestApp, type TestApp } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';
import { backends } from './helpers/stores.js';
import { until } from './helpers/wait.js';

type Json = Record<string, unknown>;
type Who = { email: string; password: string };

const ann = { email: 'ann@a.test', password: 'ann-first-pass-1' };
const annNewPassword = 'ann-second-pass-2';
const bob = { email: 'bob@b.test', password: 'bob-pass-secret-3' };
const del = { email: 'del@a.test', password: 'del-pass-secret-4' };
const tmp = { email: 'tmp@a.test', password: 'tmp-pass-secret-5' };
const chosenCredential = 'chosen-cred-secret-6';

/** Each actor calls from its own address, through the trusted proxy (127.0.0.1). */
const ADDRESS: Record<string, string> = { [ann.email]: '203.0.113.2', [bob.email]: '203.0.113.3', [del.email]: '203.0.113.4' };

const VCARD = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zed Zulu\r\nN:Zulu;Zed;;;\r\nEMAIL:zed@example.org\r\nEND:VCARD\r\n';
const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:audit-1@t\r\nDTSTAMP:20261201T100000Z\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

describe('audit trail', () => {
  let app: TestApp;
  /** Every secret the test used: none may appear in an entry. */
  const secrets = new Set<string>([ADMIN_PASSWORD, ann.password, annNewPassword, bob.password, del.password, tmp.password, chosenCredential]);

  /** Changing calls made so far (each should leave one entry when its caller is identified). */
  let changing = 0;
  const call = async (api: 'admin' | 'self', method: string, path: string, body?: unknown, as: Who = app.admin, headers: Record<string, string> = {}) => {
    if (method !== 'GET') changing += 1;
    const res = await fetch(`${app.baseUrl}/api/${api}${path}`, {
      method,
      headers: {
        authorization: basic(as.email, as.password), 'x-forwarded-for': ADDRESS[as.email] ?? '198.51.100.99',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
  };
  const admin = (method: string, path: string, body?: unknown, as?: Who) => call('admin', method, path, body, as);
  const self = (method: string, path: string, body?: unknown, as: Who = bob) => call('self', method, path, body, as);
  const audit = async (query = '', as: Who = app.admin): Promise<Json[]> => {
    const r = await admin('GET', `/audit${query}`, undefined, as);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.entries as Json[];
  };
  const rows = async () => (app.store as SqlStore).db.selectFrom('audit_log').selectAll().execute();
  /** The entries are written after the answer: wait until `n` more are there. */
  const settle = async (count: number) => until(async () => (await rows()).length >= count, `${count} audit rows`);
  const folderSync = async (who: Who, deviceId: string) => {
    const r = await easRequest(app, { cmd: 'FolderSync', user: who.email, password: who.password, deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    assert.equal(r.status, 200);
  };

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_TRUSTED_PROXIES: '127.0.0.1' } });
    ADDRESS[app.admin.email] = '203.0.113.1';
  });
  after(() => app.stop());

  test('every changing route of both APIs has an action in the table (compared with Fastify\'s route table)', async () => {
    const routes: string[] = [];
    const f = fastify({ ajv: { customOptions: { ...SCHEMA_AJV_OPTIONS } } });
    f.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) routes.push(`${m} ${r.url}`);
    });
    const deps = {
      sessions: app.sessions, store: app.store, auth: app.auth, directory: app.directory, log: createLogger('silent'), config: app.config,
      webSessions: new WebSessions(app.store, app.auth, { idleMs: 60_000, maxAgeMs: 60_000 }),
      simulateSync: () => Promise.reject(new Error('not used')),
    };
    await f.register(adminApi(deps), { prefix: '/api/admin' });
    await f.register(selfApi(deps), { prefix: '/api/self' });
    await f.ready();
    await f.close();
    assert.ok(routes.length > 50, `${routes.length} changing routes found`);
    const missing = routes.filter((r) => !auditActions.has(r));
    assert.deepEqual(missing, [], 'changing routes without an audit action');
    const stale = [...auditActions.keys()].filter((k) => !routes.includes(k));
    assert.deepEqual(stale, [], 'audit actions of routes that do not exist');
  });

  test('each admin and self-service action type is recorded with actor, address, target and outcome, and no secret', async () => {
    const ok = (r: { status: number; json: Json }, what: string) => assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
    for (const name of ['a.test', 'b.test', 'gone.test']) ok(await admin('POST', '/domains', { name }), `domain ${name}`);
    ok(await admin('DELETE', '/domains/gone.test'), 'delete domain');
    for (const a of [ann, bob, del, tmp]) ok(await admin('POST', '/accounts', { email: a.email, password: a.password, displayName: a.email.slice(0, 3) }), `account ${a.email}`);
    ok(await admin('PATCH', `/accounts/${ann.email}`, { displayName: 'Ann A', status: 'active' }), 'modify');
    ok(await admin('PUT', `/accounts/${ann.email}/password`, { password: annNewPassword }), 'password');
    ann.password = annNewPassword;
    ok(await admin('PUT', `/accounts/${del.email}/delegated-domains/a.test`), 'grant');
    ok(await admin('PUT', `/accounts/${tmp.email}/delegated-domains/a.test`), 'grant tmp');
    ok(await admin('DELETE', `/accounts/${tmp.email}/delegated-domains/a.test`), 'revoke');
    ok(await admin('PUT', `/accounts/${tmp.email}/global-admin`, { value: false }), 'global admin');

    // Devices (before ann has a mobile password: EAS takes her account password until then).
    await folderSync(ann, 'ANNPHONE');
    const dev = `/accounts/${ann.email}/devices`;
    ok(await admin('POST', `${dev}/ANNPHONE/suspend`), 'suspend');
    ok(await admin('POST', `${dev}/ANNPHONE/resume`), 'resume');
    ok(await admin('POST', `${dev}/resume`), 'resume all');
    ok(await admin('POST', `${dev}/ANNPHONE/reset`), 'reset');
    ok(await admin('POST', `${dev}/reset`), 'reset all');
    ok(await admin('POST', `${dev}/ANNPHONE/wipe`, { confirm: true }), 'wipe');
    ok(await admin('DELETE', `${dev}/ANNPHONE/wipe`), 'cancel wipe');
    ok(await admin('DELETE', `${dev}/ANNPHONE`), 'remove');
    ok(await admin('POST', '/devices/purge', { retentionPeriod: 3650 }), 'purge');
    ok(await admin('POST', '/backup', { file: 'audit-test.sqlite' }), 'backup');

    // Credentials: a generated one and a chosen one; both secrets must stay out of the trail.
    const gen = await admin('POST', `/accounts/${ann.email}/credentials`, { label: 'phone', services: ['EAS'] });
    ok(gen, 'credential');
    secrets.add(String((gen.json.text_data as Json).password));
    const chosen = await admin('POST', `/accounts/${ann.email}/credentials`, { label: 'tablet', password: chosenCredential });
    ok(chosen, 'chosen credential');
    const credId = String((chosen.json.credential as Json).id);
    ok(await admin('PATCH', `/accounts/${ann.email}/credentials/${credId}`, { enabled: false }), 'disable credential');
    ok(await admin('DELETE', `/accounts/${ann.email}/credentials/${credId}`), 'revoke credential');
    ok(await admin('DELETE', `/auth/lockouts/accounts/${ann.email}`), 'clear lockout');
    ok(await admin('DELETE', '/auth/lockouts/addresses/198.51.100.9'), 'clear address lockout');

    // Policies and settings.
    ok(await admin('PUT', '/provisioning/domain/a.test', { key: 'AllowCamera', value: '0' }), 'policy');
    ok(await admin('PUT', '/config/global', { key: 'maxPingHeartbeat', value: 600 }), 'config');
    ok(await admin('PUT', '/config/domain/a.test', { key: 'abqMode', value: 'Permissive' }), 'abq mode');
    const f1 = await admin('POST', '/eas-filters', { type: 'contains', parameter: 'oldphone', mode: 'fixed', versions: '14.0,14.1' });
    ok(f1, 'filter');
    ok(await admin('POST', '/eas-filters', { type: 'contains', parameter: 'newphone', mode: 'fixed', versions: '14.0' }), 'filter 2');
    ok(await admin('POST', '/eas-filters/move', { from: 1, to: 0 }), 'move filter');
    ok(await admin('DELETE', `/eas-filters/${String((f1.json.filter as Json).id)}`), 'delete filter');
    ok(await admin('POST', '/mobile/services/autodiscover/restart'), 'service');
    ok(await admin('DELETE', '/antidos/jails'), 'jails');
    ok(await admin('DELETE', `/antidos/jails/${ann.email}`), 'jails of ann');
    ok(await admin('DELETE', `/antidos/jails/${ann.email}/ANNPHONE`), 'jail of a device');
    const logger = await admin('POST', '/mobile/loggers', { account: ann.email, level: 'info', file: `${app.config.logDir}/ann.log` });
    ok(logger, 'logger');
    ok(await admin('DELETE', `/mobile/loggers/${String((logger.json.logger as Json).id)}`), 'remove logger');
    const inbox = ((await admin('GET', `/accounts/${ann.email}/folders`)).json.folders as Json[]).find((x) => x.role === 'inbox');
    const folderSyncRefused = await admin('PUT', `/accounts/${ann.email}/folders/${String(inbox?.id)}/sync`, { enabled: false });
    assert.equal(folderSyncRefused.status, 403, 'a system folder cannot be excluded: the refusal is recorded too');
    ok(await admin('PUT', '/abq/devices/ANNPHONE', { status: 'Allowed', account: ann.email }), 'abq device');
    ok(await admin('DELETE', `/abq/devices/ANNPHONE?account=${ann.email}`), 'abq remove');
    ok(await admin('POST', '/abq/import', { status: 'Blocked', lines: ['BADPHONE', `OTHER/${ann.email}`] }), 'abq import');
    ok(await admin('PUT', '/abq/rules', { regex: '^Evil', status: 'Blocked', order: '1', domain: 'a.test' }), 'abq rule');
    ok(await admin('DELETE', '/abq/rules?regex=%5EEvil&domain=a.test'), 'abq rule delete');
    ok(await admin('PUT', '/abq/notification-interval', { interval: '6h' }), 'abq interval');
    ok(await admin('PUT', '/abq/messages', { kind: 'blocked', locale: 'default', domain: 'a.test', subject: 'Blocked phone' }), 'abq message');
    ok(await admin('POST', '/abq/messages/duplicate', { kind: 'blocked', from: 'default', to: 'de', domain: 'a.test' }), 'abq duplicate');
    ok(await admin('DELETE', '/abq/messages?kind=blocked&locale=de&domain=a.test'), 'abq message delete');
    ok(await admin('POST', `/accounts/${ann.email}/contacts/import`, { data: VCARD }), 'contacts import');
    ok(await admin('POST', `/accounts/${ann.email}/calendar/import`, { data: ICS }), 'calendar import');
    ok(await admin('POST', `/accounts/${ann.email}/mail/import`, { folder: ['Imported'], messages: [{ raw: Buffer.from('Subject: old\r\n\r\nhi\r\n').toString('base64'), flags: { seen: true } }] }), 'mail import');
    ok(await admin('DELETE', `/accounts/${tmp.email}`), 'delete account');

    // The user page: bob on his own phone and mobile passwords.
    await folderSync(bob, 'BOBPHONE');
    ok(await self('POST', '/devices/BOBPHONE/suspend'), 'self suspend');
    ok(await self('POST', '/devices/BOBPHONE/resume'), 'self resume');
    ok(await self('POST', '/devices/resume'), 'self resume all');
    ok(await self('POST', '/devices/BOBPHONE/reset'), 'self reset');
    ok(await self('POST', '/devices/reset'), 'self reset all');
    ok(await self('POST', '/devices/BOBPHONE/wipe', { confirm: true }), 'self wipe');
    ok(await self('DELETE', '/devices/BOBPHONE/wipe'), 'self cancel wipe');
    ok(await self('DELETE', '/devices/BOBPHONE'), 'self remove');
    const mine = await self('POST', '/credentials', { label: 'my phone' });
    ok(mine, 'self credential');
    secrets.add(String((mine.json.text_data as Json).password));
    const mineId = String((mine.json.credential as Json).id);
    ok(await self('PATCH', `/credentials/${mineId}`, { enabled: false }), 'self disable');
    ok(await self('DELETE', `/credentials/${mineId}`), 'self revoke');
    ok(await self('PUT', '/oof', { state: 1, internal: 'Away' }), 'oof');

    // The web console: its session token and CSRF token are secrets too; a forged change is refused and recorded.
    const login = await fetch(`${app.baseUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: app.admin.email, password: ADMIN_PASSWORD, scope: 'admin' }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const csrf = String(((await login.json()) as Json).csrfToken);
    secrets.add(cookie.slice(cookie.indexOf('=') + 1));
    secrets.add(csrf);
    const viaPage = (token: string) => fetch(`${app.baseUrl}/api/admin/accounts/${ann.email}`, {
      method: 'PATCH', headers: { cookie, 'x-csrf-token': token, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50' }, body: JSON.stringify({ displayName: 'Ann Page' }),
    });
    assert.equal((await viaPage(csrf)).status, 200);
    assert.equal((await viaPage('forged')).status, 403);

    const total = changing + 2;
    await settle(total);
    const entries = await audit('?limit=1000');
    assert.equal(entries.length, total, 'one entry per changing call');

    // Every action of the table appears (service.* as the one called).
    const expected = new Set([...auditActions.values()].flatMap((a) => (a === null ? [] : [typeof a.action === 'string' ? a.action : 'service.restart'])));
    const seen = new Set(entries.map((e) => e.action));
    assert.deepEqual([...expected].filter((a) => !seen.has(a)), [], 'actions never recorded');
    for (const e of entries) {
      assert.match(String(e.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(e.actor === app.admin.email || e.actor === bob.email, `actor ${String(e.actor)}`);
      if (e.address !== '203.0.113.50') assert.equal(e.address, ADDRESS[String(e.actor)], `address of ${String(e.action)}: the client behind the proxy`);
      assert.ok(typeof e.target === 'string');
    }
    const one = (action: string, target: string) => entries.find((e) => e.action === action && e.target === target);
    assert.deepEqual(
      { ...one('account.create', ann.email), id: 0, time: '' },
      { id: 0, time: '', actor: app.admin.email, address: '203.0.113.1', via: 'admin', action: 'account.create', target: ann.email, account: ann.email, domain: 'a.test', status: 201, outcome: 'ok', detail: { displayName: 'ann' } },
    );
    assert.deepEqual(one('account.setPassword', ann.email)?.detail, {}, 'a password change says so, and nothing of the password');
    assert.equal(one('device.wipe', 'ANNPHONE')?.account, ann.email);
    assert.deepEqual(one('device.wipe', 'ANNPHONE')?.detail, { confirm: true });
    assert.deepEqual(one('credential.revoke', credId)?.account, ann.email);
    assert.equal(one('config.set', 'maxPingHeartbeat')?.domain, null);
    assert.deepEqual(one('config.set', 'maxPingHeartbeat')?.detail, { key: 'maxPingHeartbeat', value: 600 });
    assert.equal(one('policy.set', 'a.test')?.domain, 'a.test');
    assert.equal(one('role.grantDelegatedAdmin', del.email)?.domain, 'a.test');
    assert.equal(one('mailbox.importContacts', ann.email)?.outcome, 'ok');
    const refused = one('folderSync.set', String(inbox?.id));
    assert.equal(refused?.status, 403);
    assert.equal(refused?.outcome, 'forbidden');
    const selfWipe = entries.find((e) => e.action === 'device.wipe' && e.via === 'self');
    assert.deepEqual([selfWipe?.actor, selfWipe?.target, selfWipe?.account, selfWipe?.domain], [bob.email, 'BOBPHONE', bob.email, 'b.test']);
    const selfCred = entries.find((e) => e.action === 'credential.create' && e.via === 'self');
    assert.equal((selfCred?.detail as Json).credentialId, mineId, 'the new credential is named, its secret is not');
    const page = entries.filter((e) => e.address === '203.0.113.50');
    assert.deepEqual(page.map((e) => [e.actor, e.outcome]), [[app.admin.email, 'csrf'], [app.admin.email, 'ok']], 'newest first: the forged call refused');

    // No secret anywhere: the API's answer, and the table itself.
    const everything = JSON.stringify(entries) + JSON.stringify(await rows());
    for (const s of secrets) {
      assert.ok(s.length >= 8, 'a real secret');
      assert.ok(!everything.includes(s), `a secret (${s.slice(0, 3)}...) reached the audit trail`);
    }
  });

  test('refusals are recorded; calls of nobody identified are not', async () => {
    const before = (await rows()).length;
    assert.equal((await admin('PATCH', `/accounts/${bob.email}`, { displayName: 'x' }, del)).status, 403, "a delegated admin outside his domains");
    assert.equal((await admin('POST', '/domains', { name: 'c.test' }, del)).status, 403, 'a delegated admin: no domains');
    assert.equal((await admin('POST', '/accounts', { email: 'eve@b.test', password: 'eve-pass-1234' }, bob)).status, 403, 'a plain account');
    assert.equal((await admin('POST', '/domains', { name: 'evil.test' }, { email: app.admin.email, password: 'wrong-password' })).status, 401);
    assert.equal((await admin('DELETE', '/nothing/here')).status, 404);
    await settle(before + 3);
    const latest = await audit('?limit=3');
    assert.deepEqual(latest.map((e) => [e.actor, e.address, e.action, e.target, e.status, e.outcome]), [
      [bob.email, '203.0.113.3', 'account.create', 'eve@b.test', 403, 'forbidden'],
      [del.email, '203.0.113.4', 'domain.create', 'c.test', 403, 'forbidden'],
      [del.email, '203.0.113.4', 'account.modify', bob.email, 403, 'forbidden'],
    ]);
    // A moment for a wrongly written row to land, then none for the 401 and the 404.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await rows()).length, before + 3);
  });

  test('a delegated admin sees the entries of his domains and his own actions, nothing else', async () => {
    // A global admin's account in his domain is not his to manage, nor to watch.
    const boss = { email: 'boss@a.test', password: 'boss-pass-secret-7' };
    assert.equal((await admin('POST', '/accounts', boss)).status, 201);
    assert.equal((await admin('PUT', `/accounts/${boss.email}/global-admin`, { value: true })).status, 200);
    assert.equal((await admin('PATCH', `/accounts/${del.email}`, { displayName: 'Del' })).status, 200);
    assert.equal((await admin('PATCH', `/accounts/${ann.email}`, { displayName: 'Ann D' }, del)).status, 200);
    await until(async () => (await audit(`?actor=${del.email}`)).length === 3, 'his third entry');
    const all = await audit('?limit=1000');
    const mine = await audit('?limit=1000', del);
    const visible = all.filter((e) => (e.domain === 'a.test' && e.account !== boss.email) || e.actor === del.email);
    assert.ok(all.some((e) => e.account === boss.email) && !mine.some((e) => e.account === boss.email), "entries about a global admin's account stay hidden");
    assert.ok(mine.some((e) => e.account === del.email && e.actor === app.admin.email), 'entries about himself');
    assert.deepEqual(mine.map((e) => e.id), visible.map((e) => e.id));
    assert.ok(mine.some((e) => e.actor === app.admin.email && e.account === ann.email), "the global admin's changes to his accounts");
    assert.ok(mine.some((e) => e.target === bob.email && e.actor === del.email), 'his own refused call on another domain');
    assert.ok(!mine.some((e) => e.actor !== del.email && (e.domain === 'b.test' || e.domain === null)), 'nothing of b.test or of the installation by others');
    assert.deepEqual((await audit(`?account=${bob.email}`, del)).map((e) => e.actor), [del.email]);
    assert.equal((await admin('GET', '/audit', undefined, bob)).status, 403, 'a plain account sees nothing');
  });

  test('filters: account, actor, since (ISO or relative), limit with paging; bad values are 400', async () => {
    const annEntries = await audit(`?account=${ann.email}&limit=1000`);
    assert.ok(annEntries.length > 20 && annEntries.every((e) => e.account === ann.email));
    const byBob = await audit(`?actor=${bob.email}`);
    assert.ok(byBob.length > 5 && byBob.every((e) => e.actor === bob.email));
    assert.equal((await audit('?since=2999-01-01')).length, 0);
    assert.equal((await audit('?since=1h&limit=1000')).length, (await audit('?limit=1000')).length);
    const past = new Date(Date.now() - 86_400_000).toISOString();
    assert.ok((await audit(`?since=${encodeURIComponent(past)}`)).length > 0);
    const two = await audit('?limit=2');
    assert.equal(two.length, 2);
    assert.ok(Number(two[0]?.id) > Number(two[1]?.id), 'newest first');
    const next = await audit(`?limit=2&before=${String(two[1]?.id)}`);
    assert.ok(Number(next[0]?.id) < Number(two[1]?.id));
    for (const q of ['?since=yesterday', '?limit=0', '?limit=5000', '?before=x']) {
      const r = await admin('GET', `/audit${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.json.error as Json).code, 'invalid');
    }
  });

  test('carbonio audit list: Carbonio-style text, --json, filters, usage errors', async () => {
    const text = await runCli(app, ['audit', 'list', 'account', ann.email, 'actor', app.admin.email, 'since', '7d', 'limit', '2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^entries\n {4}time \d{4}-\d{2}-\d{2}T[\d:.]+Z\n {4}actor admin@example\.com\n {4}address 203\.0\.113\.\d+\n {4}via admin\n {4}action /);
    assert.equal(text.stdout.match(/^ {4}time /gm)?.length, 2);
    const json = await runCli(app, ['--json', 'audit', 'list', 'actor', bob.email, 'limit', '3']);
    assert.equal(json.code, 0, json.stderr);
    const entries = (JSON.parse(json.stdout) as { entries: Json[] }).entries;
    assert.equal(entries.length, 3);
    assert.ok(entries.every((e) => e.actor === bob.email));
    const none = await runCli(app, ['audit', 'list', 'since', '2999-01-01T00:00:00Z']);
    assert.deepEqual([none.code, none.stdout], [0, 'no audit entries\n']);
    const bad = await runCli(app, ['audit', 'list', 'since', 'last-week']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /since must be an ISO 8601 date/);
    const delegated = await runCli(app, ['--json', 'audit', 'list', 'limit', '1000'], { as: del });
    assert.ok((JSON.parse(delegated.stdout) as { entries: Json[] }).entries.every((e) => e.domain === 'a.test' || e.actor === del.email));
  });

  test('a failed audit write does not fail the request; it is logged', async () => {
    const repo = app.store.audit as { insert: (e: NewAuditEntry) => Promise<void> };
    const original = repo.insert;
    repo.insert = () => Promise.reject(new Error('disk full'));
    try {
      assert.equal((await admin('PATCH', `/accounts/${ann.email}`, { displayName: 'Ann W' })).status, 200);
      await until(() => app.logs.some((l) => l.includes('writing the audit entry failed') && l.includes('account.modify')), 'the log line');
    } finally {
      repo.insert = original;
    }
  });
});

describe('audit since: ISO 8601 or a span back from now', () => {
  test('forms read, and what is refused', () => {
    const now = Date.UTC(2026, 11, 2, 12);
    const iso = (t: string) => { const v = parseTimeSpec(t, now); return v === null ? null : new Date(v).toISOString(); };
    assert.equal(iso('2026-12-01'), '2026-12-01T00:00:00.000Z');
    assert.equal(iso('2026-12-01T21:29:03Z'), '2026-12-01T21:29:03.000Z');
    assert.equal(iso('2026-12-01T21:29'), '2026-12-01T21:29:00.000Z', 'no zone: UTC, not the local time');
    assert.equal(iso('2026-12-01 21:29:03'), '2026-12-01T21:29:03.000Z');
    assert.equal(iso('2026-12-01T21:29:03+02:00'), '2026-12-01T19:29:03.000Z');
    assert.equal(iso('7d'), '2026-11-25T12:00:00.000Z');
    assert.equal(iso('24h'), '2026-12-01T12:00:00.000Z');
    assert.equal(iso('30m'), '2026-12-02T11:30:00.000Z');
    assert.equal(iso('2w'), '2026-11-18T12:00:00.000Z');
    for (const bad of ['', 'yesterday', '7 days', '-1d', '2026-13-01', '2026-12-01T25:00Z', '1y']) assert.equal(iso(bad), null, bad);
  });
});

describe('audit retention', () => {
  test('CARBONIO_AUDIT_DAYS: 365 by default, a whole number of days', () => {
    assert.equal(loadConfig({ CARBONIO_DATA_DIR: '/tmp/x' }).auditDays, 365);
    assert.equal(loadConfig({ CARBONIO_DATA_DIR: '/tmp/x', CARBONIO_AUDIT_DAYS: '30' }).auditDays, 30);
    assert.throws(() => loadConfig({ CARBONIO_DATA_DIR: '/tmp/x', CARBONIO_AUDIT_DAYS: '0' }), /CARBONIO_AUDIT_DAYS/);
    assert.throws(() => loadConfig({ CARBONIO_DATA_DIR: '/tmp/x', CARBONIO_AUDIT_DAYS: 'ever' }), /CARBONIO_AUDIT_DAYS/);
  });

  for (const b of backends) {
    test(`prune deletes what is older than the retention, idempotently, and the visibility filter (${b.name})`, async () => {
      const { store, cleanup } = await b.open();
      try {
        const now = Date.UTC(2026, 11, 2);
        const entry = (daysAgo: number, domain: string | null, actor = 'admin@example.com'): NewAuditEntry => ({
          at: now - daysAgo * 86_400_000, actor, actorId: null, address: '192.0.2.1', via: 'admin', action: 'account.modify',
          target: `${daysAgo}`, targetAccount: domain ? `u@${domain}` : null, targetDomain: domain, status: 200, outcome: 'ok', detail: { n: daysAgo },
        });
        for (const [d, dom, actor] of [[400, 'a.test'], [366, 'b.test'], [364, 'a.test'], [10, 'b.test', 'del@a.test'], [1, null]] as const) {
          await store.audit.insert(entry(d, dom, actor));
        }
        const targets = async () => (await store.audit.list({ limit: 100 })).map((e) => e.target);
        assert.deepEqual(await targets(), ['1', '10', '364', '366', '400'], 'newest first');
        assert.deepEqual((await store.audit.list({ limit: 100, visibleTo: { domains: ['a.test'], ownActor: 'del@a.test' } })).map((e) => e.target), ['10', '364', '400']);
        assert.deepEqual((await store.audit.list({ limit: 100, visibleTo: { domains: [], ownActor: 'del@a.test' } })).map((e) => e.target), ['10']);
        assert.deepEqual((await store.audit.list({ limit: 100, since: now - 11 * 86_400_000 })).map((e) => e.detail), [{ n: 1 }, { n: 10 }]);
        assert.equal(await pruneAudit(store, 365, now), 2);
        assert.equal(await pruneAudit(store, 365, now), 0, 'a second run (another process) finds nothing');
        assert.deepEqual(await targets(), ['1', '10', '364']);
        assert.equal(await pruneAudit(store, 5, now), 2);
        assert.deepEqual(await targets(), ['1']);
      } finally {
        await cleanup();
      }
    });
  }
});
