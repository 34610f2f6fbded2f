// The CLI from anywhere (issue 17 part 4) and its usage/error conventions (part 5): `carbonio login`
// then commands run by the real binary from another directory, CARBONIO_ADMIN_PASSWORD alone, the
// sources named when no login is found, `carbonio <module> [<group>]` listing commands (exit 2),
// and `--json` errors as `{"error": {code, message}}` on stdout with the usual exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { closedPort, failed, fields, lines, ok, runCli, spawnCli } from './helpers/cli.js';
import { provisionFully } from './helpers/eas-provision-client.js';
import { PassThrough } from 'node:stream';
import { Interrupted, readPassword } from '../src/cli/prompt.js';

let app: TestApp;
let elsewhere: string;
let config: string;
const delegate = { email: 'dele@other.test', password: 'dele-pass-12345' };

before(async () => {
  app = await startTestApp();
  elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-elsewhere-'));
  config = path.join(elsewhere, 'config');
  assert.equal((await adminCall(app, 'POST', '/domains', { name: 'other.test' })).status, 201);
  assert.equal((await adminCall(app, 'POST', '/domains', { name: 'managed.test' })).status, 201);
  assert.equal((await adminCall(app, 'POST', '/accounts', { email: delegate.email, password: delegate.password })).status, 201);
  assert.equal((await adminCall(app, 'PUT', `/accounts/${encodeURIComponent(delegate.email)}/delegated-domains/managed.test`)).status, 200);
});
after(async () => {
  if (app) await app.stop();
  if (elsewhere) fs.rmSync(elsewhere, { recursive: true, force: true });
});

/** The real binary, from a directory with no data folder, with no CARBONIO_ADMIN_* variables and its own config home. */
const fromElsewhere = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  spawnCli(null, args, { as: null, cwd: elsewhere, env: { XDG_CONFIG_HOME: config, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) });

const savedFile = (): string => path.join(config, 'carbonio', 'cli.json');
const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

const credentialsOf = async (email: string): Promise<{ id: string; label: string; services: string[] }[]> =>
  (await adminCall(app, 'GET', `/accounts/${encodeURIComponent(email)}/credentials`)).json.credentials as { id: string; label: string; services: string[] }[];

void describe('carbonio login / logout', () => {
  void it('login saves a WebAdminUI credential (0600 in a 0700 folder); commands then work from another directory; logout revokes it', async () => {
    const out = ok(await fromElsewhere(['login', `${app.baseUrl}/`, app.admin.email], { input: `${app.admin.password}\n` }));
    assert.equal(out[0], `Logged in to ${app.baseUrl} as ${app.admin.email}`);
    assert.equal(mode(savedFile()), '600');
    assert.equal(mode(path.dirname(savedFile())), '700');
    const saved = JSON.parse(fs.readFileSync(savedFile(), 'utf8')) as { url: string; user: string; kind: string; credentialId: string; secret: string };
    assert.equal(saved.url, app.baseUrl);
    assert.equal(saved.kind, 'credential');
    assert.notEqual(saved.secret, app.admin.password, 'the admin password itself is not saved');
    const cred = (await credentialsOf(app.admin.email)).find((c) => c.id === saved.credentialId);
    assert.deepEqual(cred?.services, ['WebAdminUI']);
    assert.match(cred?.label ?? '', /^carbonio CLI on /);

    // No CARBONIO_ADMIN_URL, no admin-credentials file in reach: the saved login gives both.
    assert.ok(ok(await fromElsewhere(['prov', 'getAllDomains'])).includes('other.test'));
    // Another server named by CARBONIO_ADMIN_URL never gets the saved secret.
    const other = `http://127.0.0.1:${await closedPort()}`;
    const refused = failed(await fromElsewhere(['prov', 'gad'], { env: { CARBONIO_ADMIN_URL: other } }), 1, /no admin credentials/);
    assert.ok(refused.includes(`saved for ${app.baseUrl}, not CARBONIO_ADMIN_URL ${other}`), refused);

    // Logging in again replaces the earlier credential rather than piling them up.
    ok(await fromElsewhere(['login', app.baseUrl, app.admin.email], { input: `${app.admin.password}\n` }));
    const again = JSON.parse(fs.readFileSync(savedFile(), 'utf8')) as { credentialId: string; secret: string };
    const ids = (await credentialsOf(app.admin.email)).map((c) => c.id);
    assert.ok(ids.includes(again.credentialId) && !ids.includes(saved.credentialId), ids.join(','));

    const bye = ok(await fromElsewhere(['logout']));
    assert.equal(bye[0], `Logged out of ${app.baseUrl} (${app.admin.email})`);
    assert.ok(!fs.existsSync(savedFile()));
    assert.ok(!(await credentialsOf(app.admin.email)).some((c) => c.id === again.credentialId), 'the credential is revoked');
    const gone = await adminCall(app, 'GET', '/domains', undefined, { email: app.admin.email, password: again.secret });
    assert.equal(gone.status, 401);
    assert.deepEqual(ok(await fromElsewhere(['logout'])), [`Not logged in (no ${savedFile()})`]);
  });

  void it('a wrong password saves nothing; a missing password is a usage error', async () => {
    failed(await fromElsewhere(['login', app.baseUrl, app.admin.email], { input: 'not-the-password\n' }), 1, /authentication failed/);
    assert.ok(!fs.existsSync(savedFile()));
    failed(await fromElsewhere(['login', app.baseUrl, app.admin.email], { input: '' }), 2, /no password given/);
    failed(await fromElsewhere(['login', 'ftp://x', app.admin.email], { input: 'x\n' }), 1, /the URL must be an http or https URL/);
  });

  void it('a delegated admin outside his own domain gets his password saved, with a note', async () => {
    const r = await fromElsewhere(['login', app.baseUrl, delegate.email, '--json'], { input: `${delegate.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^NOTE: the server refused a credential for the CLI/);
    const body = JSON.parse(r.stdout) as { loggedIn: { kind: string; user: string } };
    assert.deepEqual([body.loggedIn.kind, body.loggedIn.user], ['password', delegate.email]);
    assert.deepEqual(ok(await fromElsewhere(['prov', 'gad'])), ['managed.test']);
    ok(await fromElsewhere(['logout']));
  });
});

void describe('the password prompt on a terminal', () => {
  /** A stand-in terminal: raw mode recorded, what is typed pushed in. */
  const terminal = () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[], setRawMode(v: boolean) { stdin.raw.push(v); return stdin; } });
    let shown = '';
    const stderr = { write: (t: string) => { shown += t; return true; } };
    return { stdin, stderr, shown: () => shown };
  };

  void it('asks on stderr, echoes nothing, honours backspace, leaves raw mode; Ctrl-C interrupts', async () => {
    const t = terminal();
    const asked = readPassword('Password: ', t.stdin as unknown as NodeJS.ReadStream, t.stderr as unknown as NodeJS.WriteStream);
    t.stdin.write('se\u007fecret\r');
    assert.equal(await asked, 'secret');
    assert.equal(t.shown(), 'Password: \n', 'the characters typed are not shown');
    assert.deepEqual(t.stdin.raw, [true, false]);

    const c = terminal();
    const stopped = readPassword('Password: ', c.stdin as unknown as NodeJS.ReadStream, c.stderr as unknown as NodeJS.WriteStream);
    c.stdin.write('abc\u0003');
    await assert.rejects(stopped, Interrupted);
    assert.deepEqual(c.stdin.raw, [true, false]);
  });
});

void describe('CARBONIO_ADMIN_PASSWORD alone, and no login at all', () => {
  void it('CARBONIO_ADMIN_PASSWORD alone logs in as admin@<default domain>', async () => {
    const env = { CARBONIO_ADMIN_URL: app.baseUrl, CARBONIO_ADMIN_PASSWORD: app.admin.password };
    assert.ok(ok(await fromElsewhere(['prov', 'gad'], { env })).includes('example.com'));
    // CARBONIO_DEFAULT_DOMAIN changes who that admin is: admin@other.test does not exist.
    const line = failed(await fromElsewhere(['prov', 'gad'], { env: { ...env, CARBONIO_DEFAULT_DOMAIN: 'other.test' } }), 1, /authentication failed/);
    assert.ok(line.includes('as admin@other.test, from CARBONIO_ADMIN_PASSWORD (the default admin)'), line);
  });

  void it('with no login anywhere, the error names every source tried', async () => {
    const line = failed(await fromElsewhere(['prov', 'gad'], { env: { CARBONIO_ADMIN_URL: app.baseUrl } }), 1, /no admin credentials/);
    for (const s of ['CARBONIO_ADMIN_USER/CARBONIO_ADMIN_PASSWORD', savedFile(), path.join(elsewhere, 'data', 'admin-credentials'), 'carbonio login']) {
      assert.ok(line.includes(s), `${s} in ${line}`);
    }
  });
});

void describe('missing commands and --json errors', () => {
  const noServer = { url: 'http://127.0.0.1:9', as: null };

  void it('carbonio <module> and <module> <group> list their commands on stderr, exit 2; a bare carbonio prints the help, exit 2', async () => {
    const abq = await runCli(null, ['mobile', 'ABQ'], noServer);
    assert.equal(abq.code, 2);
    assert.equal(abq.stdout, '');
    const err = lines(abq.stderr);
    assert.deepEqual(err.slice(0, 3), ['ERROR: missing command for mobile ABQ', 'Usage: carbonio mobile ABQ <command> ... (see: carbonio help mobile)', 'mobile ABQ commands:']);
    const listed = err.filter((l) => l.startsWith('  carbonio '));
    assert.ok(listed.length >= 3 && listed.every((l) => l.startsWith('  carbonio mobile ABQ ')), err.join('\n'));

    const mobile = await runCli(null, ['mobile'], noServer);
    assert.equal(mobile.code, 2);
    assert.match(mobile.stderr, /^ERROR: missing command for mobile\n/);
    assert.ok(mobile.stderr.includes('  carbonio mobile getDeviceInfo ') && mobile.stderr.includes('  carbonio mobile ABQ '));
    assert.ok(!mobile.stderr.includes('carbonio prov'));

    const bare = await spawnCli(null, [], noServer);
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^Usage: carbonio <module> <command>/);
    assert.ok(bare.stderr.includes('carbonio login <url> <email>'));
  });

  void it('--json errors are {"error": {code, message}} on stdout with the same exit codes', async () => {
    const parse = (r: { stdout: string; stderr: string }) => {
      assert.equal(r.stderr, '');
      return (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    };
    const usage = await runCli(app, ['prov', 'getAccount', '--json'], noServer);
    assert.equal(usage.code, 2);
    assert.deepEqual(parse(usage), { code: 'usage', message: 'missing <email>', usage: 'carbonio prov getAccount <email> [<attr>...]' });
    const badOption = await runCli(app, ['prov', 'gad', '--json', '--jsno']);
    assert.equal(badOption.code, 2);
    assert.equal(parse(badOption).code, 'usage');

    const notFound = await runCli(app, ['--json', 'prov', 'getAccount', 'nobody@other.test']);
    assert.equal(notFound.code, 1);
    assert.deepEqual(parse(notFound), { code: 'not-found', message: 'account nobody@other.test not found', status: 404 });

    const unreachable = await spawnCli(app, ['prov', 'gad', '--json'], { url: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(unreachable.code, 3);
    assert.equal(parse(unreachable).code, 'unreachable');

    const noLogin = await fromElsewhere(['prov', 'gad', '--json'], { env: { CARBONIO_ADMIN_URL: app.baseUrl } });
    assert.equal(noLogin.code, 1);
    assert.equal(parse(noLogin).code, 'config');
  });
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

void describe('CLI/API consistency (issue 17 part 5)', () => {
  void it('every timestamp of getDeviceInfo, getAllDevices, getAccount, credential list and doWipeDevice is ISO 8601 UTC; Carbonio\'s seconds stay under ...Epoch', async () => {
    const email = 'tim@other.test';
    const account = await app.directory.createAccount({ email, password: 'tim-main-pass-1' });
    const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
    const ph = { user: email, password: secret, deviceId: 'TIMPHONE1', version: '14.1', deviceType: 'TestPhone' };
    await provisionFully(app, ph);

    const info = ok(await runCli(app, ['mobile', 'getDeviceInfo', email, ph.deviceId]));
    const f = fields(info);
    for (const k of ['firstReqReceived', 'lastUsedDate']) assert.match(f.get(k) ?? '', ISO, `${k} in ${info.join('\n')}`);
    const json = JSON.parse((await runCli(app, ['mobile', 'getDeviceInfo', email, ph.deviceId, '--json'])).stdout) as { device: Record<string, unknown> };
    assert.match(String(json.device.firstReqReceived), ISO);
    assert.equal(typeof json.device.firstReqReceivedEpoch, 'number');
    assert.equal(Date.parse(String(json.device.firstReqReceived)), (json.device.firstReqReceivedEpoch as number) * 1000);
    const verbose = ok(await runCli(app, ['mobile', 'getDeviceInfo', email, ph.deviceId, 'verbose', 'true']));
    const times = verbose.filter((x) => /^\s+(firstSeen|lastSync) /.test(x));
    assert.ok(times.some((l) => l.includes('firstSeen')), verbose.join('\n'));
    for (const l of times) assert.match(l.trim().split(' ')[1] ?? '', ISO, l);

    const all = ok(await runCli(app, ['mobile', 'getAllDevices', 'domains', 'other.test', 'verbose', 'true']));
    assert.match(fields(all).get('firstReqReceived') ?? '', ISO, all.join('\n'));

    const wipe = ok(await runCli(app, ['mobile', 'doWipeDevice', email, ph.deviceId, 'confirm', 'true']));
    assert.match(fields(wipe).get('wipeRequestedAt') ?? '', ISO, wipe.join('\n'));
    const wiped = JSON.parse((await runCli(app, ['mobile', 'getDeviceInfo', email, ph.deviceId, '--json'])).stdout) as { device: Record<string, unknown> };
    assert.match(String(wiped.device.remoteWipeReqTime), ISO);
    assert.equal(typeof wiped.device.remoteWipeReqTimeEpoch, 'number');
    assert.match(fields(ok(await runCli(app, ['mobile', 'getDeviceInfo', email, ph.deviceId]))).get('remoteWipeReqTime') ?? '', ISO);
    ok(await runCli(app, ['mobile', 'doCancelWipeDevice', email, ph.deviceId]));

    assert.match(fields(ok(await runCli(app, ['prov', 'getAccount', email])), '').get('createdAt') ?? '', ISO);
    const creds = ok(await runCli(app, ['auth', 'credential', 'list', email]));
    assert.match(fields(creds).get('createdAt') ?? '', ISO, creds.join('\n'));
    assert.match(fields(creds).get('lastUsedAt') ?? '', ISO, 'the EAS credential was used');
  });

  void it('empty lists say so under their header', async () => {
    ok(await runCli(app, ['prov', 'createDomain', 'empty.test']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'getAllAccounts', 'empty.test'])), ['no accounts']);
    assert.deepEqual(ok(await runCli(app, ['auth', 'credential', 'list', delegate.email])).slice(0, 2), ['list', '    no credentials']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getDeviceList', delegate.email])), ['devices', '    no devices']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getAllDevices', 'domains', 'empty.test'])), ['devices', '    no devices']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'getAccountLoggers'])), ['loggers', '    no loggers']);
    assert.deepEqual(ok(await runCli(app, ['mobile', 'ABQ', 'listRules'])), ['rules', '    no rules']);
  });

  void it('errors give reasons: a delegated admin outside his domains, a global-only action, not an email address', async () => {
    const asDelegate = { as: delegate };
    failed(await runCli(app, ['prov', 'getAccount', 'tim@other.test'], asDelegate), 1,
      /^ERROR: permission denied: dele@other\.test is a delegated admin of managed\.test, not of other\.test$/);
    failed(await runCli(app, ['prov', 'createAccount', 'x@example.com', 'x-pass-12345'], asDelegate), 1, /not of example\.com$/);
    failed(await runCli(app, ['prov', 'createDomain', 'new.test'], asDelegate), 1, /^ERROR: permission denied: dele@other\.test is a delegated admin; only a global admin may do this$/);
    failed(await runCli(app, ['prov', 'createAccount', 'notanemail', 'x-pass-12345']), 1, /not an email address/);
  });

  void it('getAccount <email> <attr>... prints the attributes asked for, under zmprov names too; modifyAccount takes those names', async () => {
    const email = 'zm@other.test';
    ok(await runCli(app, ['prov', 'createAccount', email, 'zm-pass-12345', 'displayName', 'Zed M']));
    assert.deepEqual(ok(await runCli(app, ['prov', 'modifyAccount', email, 'givenName', 'Zed', 'sn', 'Miller', 'zimbraAccountStatus', 'locked'])), [`Account ${email} modified`]);
    assert.deepEqual(ok(await runCli(app, ['prov', 'ga', email, 'zimbraAccountStatus', 'givenName', 'sn', 'displayName', 'status', 'title'])), [
      'zimbraAccountStatus locked', 'givenName Zed', 'sn Miller', 'displayName Zed M', 'status locked',
    ]);
    const json = JSON.parse((await runCli(app, ['prov', 'ga', email, 'lastName', 'createdAt', '--json'])).stdout) as { account: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.account), ['email', 'lastName', 'createdAt']);
    assert.equal(json.account.lastName, 'Miller');
    failed(await runCli(app, ['prov', 'ga', email, 'zimbraNoSuchAttr']), 2, /unknown attribute "zimbraNoSuchAttr"/);
    failed(await runCli(app, ['prov', 'ma', email, 'sn', 'A', 'lastName', 'B']), 2, /lastName given twice/);
  });
});
