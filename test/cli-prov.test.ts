// `carbonio prov ...` against a real server: domains, accounts, passwords, roles, --json, and the
// exit codes (1 refused, 2 usage, 3 unreachable) with their one-line errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../src/version.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { closedPort, failed, ok, runCli, spawnCli } from './helpers/cli.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  if (app) await app.stop();
});

const accountOf = async (email: string): Promise<Record<string, unknown>> => {
  const r = await adminCall(app, 'GET', `/accounts/${encodeURIComponent(email)}`);
  assert.equal(r.status, 200);
  return r.json.account as Record<string, unknown>;
};

void describe('carbonio help and --version', () => {
  void it('prints the usage with every command, and the version', async () => {
    const bare = await runCli(app, []);
    assert.equal(bare.code, 2, 'a bare carbonio is a usage error');
    assert.equal(bare.stderr, ok(await runCli(app, ['help'])).join('\n') + '\n', 'that shows the help on stderr');
    for (const args of [['help'], ['--help']]) {
      const out = ok(await runCli(app, args)).join('\n');
      for (const c of ['serve', 'prov createDomain', 'prov getAllDomains', 'prov deleteDomain', 'prov createAccount', 'prov getAccount',
        'prov getAllAccounts', 'prov setPassword', 'prov modifyAccount', 'prov deleteAccount', 'prov grantDelegatedAdmin',
        'prov revokeDelegatedAdmin', 'prov setGlobalAdmin', 'auth credential add', 'auth credential list',
        'auth credential update', 'auth credential delete']) {
        assert.ok(out.includes(`carbonio ${c}`), `help lists ${c}`);
      }
    }
    // The real binary, once for success: bin/carbonio.js reaches the same run().
    assert.deepEqual(ok(await spawnCli(app, ['--version'])), [VERSION]);
    const provHelp = ok(await runCli(app, ['prov', 'help'])).join('\n');
    assert.ok(provHelp.includes('carbonio prov setPassword') && !provHelp.includes('carbonio auth credential'));
    assert.deepEqual(ok(await runCli(app, ['prov', 'ca', '--help'])), [
      'Usage: carbonio prov createAccount <email> <password> [displayName <name>]', '    create an account; prints its id',
    ]);
    failed(await runCli(app, ['serve', 'now']), 2, /serve takes no arguments/);
  });
});

void describe('carbonio prov: domains', () => {
  void it('createDomain prints the id, getAllDomains lists it, deleteDomain removes it', async () => {
    const [id, ...more] = ok(await runCli(app, ['prov', 'createDomain', 'Dom1.Test']));
    assert.deepEqual(more, []);
    assert.match(id ?? '', /^\S+$/);
    const all = ok(await runCli(app, ['prov', 'getAllDomains']));
    assert.ok(all.includes('dom1.test') && all.includes('example.com'), all.join(','));
    assert.deepEqual(ok(await runCli(app, ['prov', 'deleteDomain', 'dom1.test'])), ['Domain dom1.test deleted']);
    assert.ok(!ok(await runCli(app, ['prov', 'gad'])).includes('dom1.test'));
  });

  void it('accepts the zmprov aliases', async () => {
    ok(await runCli(app, ['prov', 'cd', 'alias.test']));
    assert.ok(ok(await runCli(app, ['prov', 'gad'])).includes('alias.test'));
    ok(await runCli(app, ['prov', 'dd', 'alias.test']));
  });
});

void describe('carbonio prov: accounts', () => {
  before(async () => {
    ok(await runCli(app, ['prov', 'createDomain', 'acct.test']));
  });

  void it('createAccount prints the id; getAccount shows the fields; getAllAccounts lists emails', async () => {
    const [id] = ok(await runCli(app, ['prov', 'createAccount', 'john@acct.test', 'first-pass-1', 'displayName', 'John Doe']));
    const shown = ok(await runCli(app, ['prov', 'getAccount', 'john@acct.test']));
    assert.deepEqual(shown, [
      `id ${id}`, 'email john@acct.test', 'domain acct.test', 'displayName John Doe', 'status active', 'mobileSyncEnabled true',
      'isGlobalAdmin false', 'delegatedDomains', `createdAt ${String((await accountOf('john@acct.test')).createdAt)}`,
    ]);
    ok(await runCli(app, ['prov', 'ca', 'mary@acct.test', 'first-pass-2']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'getAllAccounts', 'acct.test'])).sort(), ['john@acct.test', 'mary@acct.test']);
    const all = ok(await runCli(app, ['prov', 'gaa']));
    assert.ok(all.includes(app.admin.email) && all.includes('john@acct.test'));
  });

  void it('setPassword: the new password works, the old one no longer does', async () => {
    ok(await runCli(app, ['prov', 'createAccount', 'pw@acct.test', 'old-pass-123']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'setPassword', 'pw@acct.test', 'new-pass-456'])), ['Password of pw@acct.test changed']);
    // A plain account: a right password gets 403 (not an admin), a wrong one 401.
    assert.equal((await adminCall(app, 'GET', '/domains', undefined, { email: 'pw@acct.test', password: 'old-pass-123' })).status, 401);
    assert.equal((await adminCall(app, 'GET', '/domains', undefined, { email: 'pw@acct.test', password: 'new-pass-456' })).status, 403);
  });

  void it('modifyAccount changes status, displayName and mobileSyncEnabled', async () => {
    ok(await runCli(app, ['prov', 'createAccount', 'mod@acct.test', 'mod-pass-123']));
    const r = ok(await runCli(app, ['prov', 'modifyAccount', 'mod@acct.test', 'status', 'locked', 'displayName', 'Mo D', 'mobileSyncEnabled', 'false']));
    assert.deepEqual(r, ['Account mod@acct.test modified']);
    const a = await accountOf('mod@acct.test');
    assert.equal(a.status, 'locked');
    assert.equal(a.displayName, 'Mo D');
    assert.equal(a.mobileSyncEnabled, false);
    ok(await runCli(app, ['prov', 'ma', 'mod@acct.test', 'status', 'closed']));
    assert.equal((await accountOf('mod@acct.test')).status, 'closed');
    ok(await runCli(app, ['prov', 'ma', 'mod@acct.test', 'status', 'active', 'mobileSyncEnabled', 'true']));
    const b = await accountOf('mod@acct.test');
    assert.equal(b.status, 'active');
    assert.equal(b.mobileSyncEnabled, true);
  });

  void it('deleteAccount removes the account', async () => {
    ok(await runCli(app, ['prov', 'createAccount', 'gone@acct.test', 'gone-pass-1']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'deleteAccount', 'gone@acct.test'])), ['Account gone@acct.test deleted']);
    assert.equal((await adminCall(app, 'GET', '/accounts/gone%40acct.test')).status, 404);
    failed(await runCli(app, ['prov', 'getAccount', 'gone@acct.test']), 1, /not found/);
  });

  void it('grantDelegatedAdmin and revokeDelegatedAdmin change the delegated domains', async () => {
    ok(await runCli(app, ['prov', 'createAccount', 'boss@acct.test', 'boss-pass-1']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'grantDelegatedAdmin', 'boss@acct.test', 'acct.test'])), ['Delegated admin of acct.test granted to boss@acct.test']);
    assert.deepEqual((await accountOf('boss@acct.test')).delegatedDomains, ['acct.test']);
    assert.ok(ok(await runCli(app, ['prov', 'ga', 'boss@acct.test'])).includes('delegatedDomains acct.test'));
    // Now an admin of acct.test: he may list its accounts.
    const boss = { email: 'boss@acct.test', password: 'boss-pass-1' };
    assert.ok(ok(await runCli(app, ['prov', 'gaa'], { as: boss })).includes('john@acct.test'));
    assert.deepEqual(ok(await runCli(app, ['prov', 'revokeDelegatedAdmin', 'boss@acct.test', 'acct.test'])), ['Delegated admin of acct.test revoked from boss@acct.test']);
    assert.deepEqual((await accountOf('boss@acct.test')).delegatedDomains, []);
    failed(await runCli(app, ['prov', 'gaa'], { as: boss }), 1, /^ERROR: permission denied: boss@acct\.test is not an administrator$/);
  });

  void it('setGlobalAdmin grants and revokes the role', async () => {
    ok(await runCli(app, ['prov', 'createAccount', 'root@acct.test', 'root-pass-1']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'setGlobalAdmin', 'root@acct.test', 'true'])), ['Global admin of root@acct.test set to true']);
    assert.equal((await accountOf('root@acct.test')).isGlobalAdmin, true);
    ok(await runCli(app, ['prov', 'setGlobalAdmin', 'root@acct.test', 'false']));
    assert.equal((await accountOf('root@acct.test')).isGlobalAdmin, false);
  });

  void it('--json prints the API answer, wherever the flag is', async () => {
    const one = JSON.parse(ok(await runCli(app, ['prov', 'getAccount', 'john@acct.test', '--json'])).join('\n')) as { account: Record<string, unknown> };
    assert.equal(one.account.email, 'john@acct.test');
    assert.equal(one.account.displayName, 'John Doe');
    const r = await runCli(app, ['--json', 'prov', 'gaa', 'acct.test']);
    assert.match(r.stdout, /^\{\n {2}"accounts": \[/);
    const all = JSON.parse(r.stdout) as { accounts: { email: string }[] };
    assert.ok(all.accounts.some((a) => a.email === 'mary@acct.test'));
    const created = JSON.parse((await runCli(app, ['prov', '--json', 'ca', 'json@acct.test', 'json-pass-1'])).stdout) as { account: { id: string } };
    assert.equal(created.account.id, (await accountOf('json@acct.test')).id);
    // The address-book (GAL) fields: set with modifyAccount, shown as a profile, removed with "".
    ok(await runCli(app, ['prov', 'ma', 'json@acct.test', 'title', 'Engineer', 'phone', '+39 06 555']));
    const withProfile = JSON.parse(ok(await runCli(app, ['--json', 'prov', 'ga', 'json@acct.test'])).join('\n')) as { account: { profile?: Record<string, string> } };
    assert.deepEqual(withProfile.account.profile, { title: 'Engineer', phone: '+39 06 555' });
    ok(await runCli(app, ['prov', 'ma', 'json@acct.test', 'title', '']));
    assert.deepEqual((await accountOf('json@acct.test')).profile, { phone: '+39 06 555' });
  });
});

void describe('carbonio prov: errors and exit codes', () => {
  void it('usage errors exit 2 with the error and a one-line usage', async () => {
    const noServer = { url: `http://127.0.0.1:${await closedPort()}` };
    // The binary's exit status for a usage error; the rest in-process.
    failed(await spawnCli(app, ['prov', 'createAccount', 'x@acct.test'], noServer), 2, /missing <password>/);
    failed(await runCli(app, ['prov', 'getAccount'], noServer), 2, /missing <email>/);
    failed(await runCli(app, ['prov', 'createAccount', 'x@acct.test', 'pw-123456', 'displayname', 'X'], noServer), 2, /unknown key "displayname"/);
    failed(await runCli(app, ['prov', 'createAccount', 'x@acct.test', 'pw-123456', 'displayName'], noServer), 2, /missing value/);
    failed(await runCli(app, ['prov', 'modifyAccount', 'x@acct.test'], noServer), 2);
    failed(await runCli(app, ['prov', 'modifyAccount', 'x@acct.test', 'status', 'frozen'], noServer), 2, /status must be one of/);
    failed(await runCli(app, ['prov', 'modifyAccount', 'x@acct.test', 'mobileSyncEnabled', 'yes'], noServer), 2, /true or false/);
    failed(await runCli(app, ['prov', 'setGlobalAdmin', 'x@acct.test', 'maybe'], noServer), 2, /true or false/);
    failed(await runCli(app, ['prov', 'getAccount', 'a@b.c', 'extra'], noServer), 2, /unknown attribute "extra"/);
    failed(await runCli(app, ['prov', 'noSuchCommand'], noServer), 2, /unknown prov command "noSuchCommand"/);
    const missing = await runCli(app, ['prov'], noServer);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^ERROR: missing command for prov\nUsage: carbonio prov <command> .*\nprov commands:\n {2}carbonio prov createDomain <domain>\n/);
    failed(await runCli(app, ['nomodule', 'x'], noServer), 2, /unknown command "nomodule"/);
    failed(await runCli(app, ['prov', 'gaa', '--jsno'], noServer), 2, /unknown option "--jsno"/);
  });

  void it('server errors exit 1 with one line', async () => {
    failed(await runCli(app, ['prov', 'getAccount', 'nobody@acct.test']), 1, /^ERROR: account nobody@acct.test not found$/);
    failed(await runCli(app, ['prov', 'createDomain', 'acct.test']), 1);
    failed(await runCli(app, ['prov', 'createAccount', 'short@acct.test', 'x']), 1, /password/);
    failed(await runCli(app, ['prov', 'deleteDomain', 'nosuch.test']), 1, /not found/);
    failed(await runCli(app, ['prov', 'gad'], { as: { email: app.admin.email, password: 'wrong-password' } }), 1, /authentication failed/);
  });

  void it('an unreachable server exits 3 naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const line = failed(await spawnCli(app, ['prov', 'gad'], { url }), 3);
    assert.ok(line.includes(url), line);
  });

  void it('reads the admin login from <CARBONIO_DATA_DIR>/admin-credentials', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-cli-'));
    try {
      const env = { CARBONIO_DATA_DIR: dir };
      const missing = failed(await runCli(app, ['prov', 'gad'], { as: null, env }), 1, /no admin credentials/);
      assert.ok(missing.includes(path.join(dir, 'admin-credentials')), missing);
      fs.writeFileSync(path.join(dir, 'admin-credentials'), `${app.admin.email}\n${app.admin.password}\n`, { mode: 0o600 });
      assert.ok(ok(await runCli(app, ['prov', 'gad'], { as: null, env })).includes('example.com'));
      // The environment wins over the file.
      failed(await runCli(app, ['prov', 'gad'], { as: { email: app.admin.email, password: 'not-the-password' }, env }), 1, /authentication failed/);
      failed(await runCli(app, ['prov', 'gad'], { as: null, env: { ...env, CARBONIO_ADMIN_USER: app.admin.email } }), 1, /CARBONIO_ADMIN_PASSWORD/);
      fs.writeFileSync(path.join(dir, 'admin-credentials'), `${app.admin.email}\n`);
      failed(await runCli(app, ['prov', 'gad'], { as: null, env }), 1, /two lines/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
