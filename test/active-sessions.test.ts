// `GET /api/admin/sessions` and `carbonio mobile getActiveSessions [account <email>]`: a held Ping is
// listed with account, device, command, since and heartbeat while it waits, and no longer once it has
// answered; a delegated admin sees the accounts of his domains only; the output names the process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { easRequest, pingBody } from './helpers/eas-client.js';
import { SmtpClient } from './helpers/smtp-client.js';

const as = ns('AirSync');
const ann = { email: 'ann@example.com', password: 'ann-password-1' };
const kai = { email: 'kai@corp.test', password: 'kai-password-1' };
const boss = { email: 'boss@corp.test', password: 'boss-pass-12' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Session { account: string; device: string; command: string; since: string; heartbeat: number }

describe('getActiveSessions', () => {
  let app: TestApp;

  const req = (who: typeof ann, deviceId: string, cmd: string, body?: WbxmlElement) =>
    easRequest(app, { cmd, user: who.email, password: who.password, deviceId, version: '14.1', ...(body ? { body } : {}) });
  /** FolderSync, the Inbox synced to the end, then a Ping on it that waits; returns the pending answer (wrapped, so awaiting this does not await the Ping). */
  const holdPing = async (who: typeof ann, deviceId: string, heartbeat: number) => {
    const fs = await req(who, deviceId, 'FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    const inbox = children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')
      .find((a) => textOf(a, 'FolderHierarchy:DisplayName') === 'Inbox');
    const id = textOf(inbox, 'FolderHierarchy:ServerId')!;
    const sync = (key: string) => req(who, deviceId, 'Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', id), as('WindowSize', 512)))));
    let r = await sync('0');
    for (let i = 0; i < 20 && r.raw.length > 0; i++) r = await sync(textOf(child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
    const held = req(who, deviceId, 'Ping', pingBody(heartbeat, [id]));
    await sleep(200);
    return { held };
  };
  const deliver = async (to: string) => {
    const c = await SmtpClient.connect(app.smtpPort);
    await c.ehlo();
    assert.equal((await c.send('zed@example.net', [to], `From: zed@example.net\r\nTo: ${to}\r\nSubject: wake\r\n\r\nHi.\r\n`)).data?.code, 250);
    await c.quit();
  };
  const sessions = async (query = '', who = app.admin): Promise<Session[]> => {
    const r = await adminCall(app, 'GET', `/sessions${query}`, undefined, who);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json.server as { pid: number }).pid, process.pid, 'names the server process');
    return r.json.sessions as Session[];
  };

  before(async () => {
    app = await startTestApp();
    await app.directory.createAccount(ann);
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'corp.test' })).status, 201);
    for (const a of [kai, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', a)).status, 201);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${boss.email}/delegated-domains/corp.test`)).status, 200);
  });
  after(() => app.stop());

  test('a held Ping is listed with its heartbeat while it waits, and not after it answered', async () => {
    assert.deepEqual(await sessions(), []);
    const before = Date.now();
    const { held } = await holdPing(ann, 'phone1', 120);
    const list = await sessions();
    assert.equal(list.length, 1);
    const s = list[0]!;
    assert.deepEqual([s.account, s.device, s.command, s.heartbeat], [ann.email, 'phone1', 'Ping', 120]);
    const since = Date.parse(s.since);
    assert.ok(since >= before - 1000 && since <= Date.now(), s.since);
    assert.equal(s.since, new Date(since).toISOString(), 'ISO time');
    assert.deepEqual(await sessions(`?account=${encodeURIComponent(ann.email)}`), list);

    const text = ok(await runCli(app, ['mobile', 'getActiveSessions']));
    assert.match(text[0] ?? '', new RegExp(`^server \\S+ pid ${process.pid} \\(held requests are per server process\\)$`));
    assert.deepEqual(text.slice(1), ['sessions', `    account ${ann.email}`, '    device phone1', '    command Ping', `    since ${s.since}`, '    heartbeat 120']);

    await deliver(ann.email);
    assert.equal((await held).status, 200);
    assert.deepEqual(await sessions(), []);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getActiveSessions'])).slice(1), ['sessions none']);
  });

  test('a delegated admin sees the held requests of his domains only', async () => {
    const { held: annHeld } = await holdPing(ann, 'phone2', 300);
    const { held: kaiHeld } = await holdPing(kai, 'tab1', 600);
    assert.deepEqual((await sessions()).map((s) => s.account).sort(), [ann.email, kai.email]);
    assert.deepEqual((await sessions('', boss)).map((s) => [s.account, s.device, s.heartbeat]), [[kai.email, 'tab1', 600]]);
    assert.equal((await adminCall(app, 'GET', `/sessions?account=${encodeURIComponent(ann.email)}`, undefined, boss)).status, 403);
    const cli = ok(await runCli(app, ['mobile', 'getActiveSessions', 'account', kai.email], { as: boss }));
    assert.deepEqual(cli.slice(1, 4), ['sessions', `    account ${kai.email}`, '    device tab1']);
    failed(await runCli(app, ['mobile', 'getActiveSessions', 'account', ann.email], { as: boss }), 1, /permission denied/);
    const json = JSON.parse(ok(await runCli(app, ['mobile', 'getActiveSessions', '--json'])).join('\n')) as { sessions: Session[] };
    assert.equal(json.sessions.length, 2);
    await deliver(ann.email);
    await deliver(kai.email);
    await Promise.all([annHeld, kaiHeld]);
    assert.deepEqual(await sessions(), []);
  });
});
