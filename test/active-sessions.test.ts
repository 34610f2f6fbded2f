// `GET /api/admin/sessions` and `carbonio mobile getActiveSessions [account <email>]`: a held Ping is
// listed with account, device, command, since and heartbeat while it waits, and no longer once it has
// answered; a delegated admin sees the accounts of his domains only; the output names the process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { deliver, Phone, plainMail } from './helpers/phone.js';

const ann = { email: 'ann@example.com', password: 'ann-password-1' };
const kai = { email: 'kai@corp.test', password: 'kai-password-1' };
const boss = { email: 'boss@corp.test', password: 'boss-pass-12' };

interface Session { account: string; device: string; command: string; since: string; heartbeat: number }

describe('getActiveSessions', () => {
  let app: TestApp;

  /** FolderSync, the Inbox synced to the end, then a Ping on it that the server holds; returns the pending answer (wrapped, so awaiting this does not await the Ping). */
  const holdPing = async (who: typeof ann, deviceId: string, heartbeat: number) => {
    const phone = await new Phone(app, who, deviceId).ready(['Inbox']);
    const held = phone.ping([phone.folder('Inbox')], heartbeat);
    await phone.held();
    return { held };
  };
  const wake = (to: string) => deliver(app, to, plainMail(to, 'wake'));
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
    assert.equal(s.since, new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z'), 'ISO time');
    assert.deepEqual(await sessions(`?account=${encodeURIComponent(ann.email)}`), list);

    const text = ok(await runCli(app, ['mobile', 'getActiveSessions']));
    assert.match(text[0] ?? '', new RegExp(`^server \\S+ pid ${process.pid} \\(held requests are per server process\\)$`));
    assert.deepEqual(text.slice(1), ['sessions', `    account ${ann.email}`, '    device phone1', '    command Ping', `    since ${s.since}`, '    heartbeat 120']);

    await wake(ann.email);
    assert.equal((await held).status, 200);
    assert.deepEqual(await sessions(), []);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getActiveSessions'])).slice(1), ['sessions', '    no sessions']);
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
    await wake(ann.email);
    await wake(kai.email);
    await Promise.all([annHeld, kaiHeld]);
    assert.deepEqual(await sessions(), []);
  });
});
