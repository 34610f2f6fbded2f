// Account loggers on the wire (issue 15 part 3, `carbonio mobile doAddAccountLogger`): a debug logger
// writes the decoded requests and responses of its account only (not another account's), with the mobile
// (recovery) password and the message bodies redacted and no Basic credentials; at trace the bodies are
// there; `window_size 1` makes that account's Sync return one item per window with MoreAvailable while
// another account gets its normal window; warn writes failures only; path refusals leave no file behind
// and never touch a file that is not a logger's; an expired logger stops writing and leaves the list;
// the CLI prints Carbonio's block; a delegated admin adds, sees and removes loggers of his domains only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { flushAccountLogs, listAccountLoggers } from '../src/devices/account-loggers.js';
import { HEADER } from '../src/devices/logger-files.js';
import { child, intOf, ns } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { basicAuth } from './helpers/eas-client.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { pgUrl } from './helpers/pg.js';
import { commandsOf, crlf, moreAvailable, Phone } from './helpers/phone.js';

const st = ns('Settings');
const as = ns('AirSync');
const cm = ns('ComposeMail');

const ann = { email: 'ann@a.test', password: 'ann-password-1' };
const bob = { email: 'bob@a.test', password: 'bob-password-1' };
const carl = { email: 'carl@b.test', password: 'carl-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };
const DEVICE_SECRET = 'Recovery-7Qz-SECRET';
const BODY_WORD = 'BODYWORD';

async function seedInbox(app: TestApp, account: Account, n: number): Promise<void> {
  const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
  for (let i = 0; i < n; i++) {
    const raw = Buffer.from(crlf(['From: zed@example.net', `To: ${account.email}`, `Subject: M${i}`, `Message-ID: <m${i}.${account.email}>`, 'Content-Type: text/plain', '', `${BODY_WORD}-${i} the text of the message.`]));
    await app.store.mailbox.addMessage(account.id, inbox.id, { raw, meta: await parseMessageMeta(raw) });
  }
}

/** Sync of the phone's Inbox asking for plain-text bodies and a window of 50; the Adds and MoreAvailable. */
async function syncInbox(phone: Phone): Promise<{ adds: number; more: boolean; status: number | undefined }> {
  const r = await phone.sync(phone.folder('Inbox'), { windowSize: 50, bodyPreference: { type: 1 } });
  assert.equal(r.status, 200);
  const c = child(child(r.root ?? undefined, 'AirSync:Collections'), 'AirSync:Collection');
  return { adds: commandsOf(r, 'Add').length, more: moreAvailable(r), status: intOf(c, 'AirSync:Status') };
}

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`account loggers (${backend})`, () => {
  let app: TestApp;
  let logDir: string;
  let annAccount: Account;
  const annLog = () => path.join(logDir, 'ann.log');
  const read = async (file: string): Promise<string> => {
    await flushAccountLogs(app.store);
    return fs.readFileSync(file, 'utf8');
  };
  const add = (body: Record<string, unknown>, who = app.admin) => adminCall(app, 'POST', '/mobile/loggers', body, who);

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    logDir = path.join(app.dataDir, 'logs');
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [ann, bob, carl, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@b.test/delegated-domains/b.test')).status, 200);
    annAccount = (await app.store.accounts.getByEmail(ann.email))!;
    await seedInbox(app, annAccount, 4);
    await seedInbox(app, (await app.store.accounts.getByEmail(bob.email))!, 4);
  });
  after(async () => {
    await app?.stop();
  });

  test('paths: relative, "..", outside the log directory, through a symlink, a missing directory, a foreign file, bad level and window are refused', async () => {
    fs.mkdirSync(logDir, { recursive: true });
    const outside = fs.mkdtempSync(path.join(app.dataDir, 'outside-'));
    fs.symlinkSync(outside, path.join(logDir, 'escape'));
    const foreign = path.join(logDir, 'foreign.log');
    fs.writeFileSync(foreign, 'not a logger file\n');
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ file: 'ann.log' }, 400, /absolute path/],
      [{ file: `${logDir}/../ann.log` }, 400, /normalized path/],
      [{ file: `${logDir}/./ann.log` }, 400, /normalized path/],
      [{ file: path.join(outside, 'ann.log') }, 400, /inside the log directory/],
      [{ file: logDir }, 400, /inside the log directory/],
      [{ file: path.join(logDir, 'escape', 'ann.log') }, 400, /leads out of the log directory/],
      [{ file: path.join(logDir, 'nodir', 'ann.log') }, 400, /does not exist/],
      [{ file: foreign }, 409, /not an account logger's file/],
      [{ file: annLog(), level: 'loud' }, 400, /expected one of trace, debug, info, warn, err, crit/],
      [{ file: annLog(), windowSize: 0 }, 400, /window_size/],
      [{ file: annLog(), windowSize: 513 }, 400, /window_size/],
    ];
    for (const [body, status, message] of cases) {
      const r = await add({ account: ann.email, level: 'debug', ...body });
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(String((r.json.error as { message: string }).message), message, JSON.stringify(body));
    }
    assert.equal(fs.readFileSync(foreign, 'utf8'), 'not a logger file\n', 'a foreign file is left as it was');
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing was created outside');
    assert.equal(fs.existsSync(annLog()), false, 'a refused add creates no file');
    assert.deepEqual(await listAccountLoggers(app.store), []);
    const cli = await runCli(app, ['mobile', 'doAddAccountLogger', ann.email, 'debug', foreign]);
    failed(cli, 1, /not an account logger's file/);
    failed(await runCli(app, ['mobile', 'doAddAccountLogger', ann.email, 'debug', annLog(), 'window_size', 'x']), 2, /window_size/);
  });

  test('debug: decoded exchanges of the account only, password and bodies redacted; window_size 1 forces one item per Sync', async () => {
    const out = ok(await runCli(app, ['mobile', 'doAddAccountLogger', ann.email, 'debug', annLog(), 'window_size', '1']));
    assert.match(out[0] ?? '', /^Added logger \d+: Logging account ann@a\.test using level debug, log file .*ann\.log, window_size 1 \(until /);

    const phone = new Phone(app, ann, 'LOGANN1');
    const set = await phone.request('Settings', st('Settings', st('DevicePassword', st('Set', st('Password', DEVICE_SECRET)))));
    assert.equal(set.status, 200);
    await phone.folderSync();
    const windows: Array<{ adds: number; more: boolean }> = [];
    for (let i = 0; i < 6; i++) {
      const w = await syncInbox(phone);
      if (i === 0) continue; // SyncKey 0: the key only
      windows.push(w);
      if (!w.more) break;
    }
    assert.deepEqual(windows.map((w) => w.adds), [1, 1, 1, 1], 'one item per window although the phone asked for 50');
    assert.deepEqual(windows.map((w) => w.more), [true, true, true, false]);

    // Another account of the same domain: its own window, and nothing in ann's log.
    const other = new Phone(app, bob, 'LOGBOB1');
    await other.folderSync();
    await syncInbox(other);
    const w = await syncInbox(other);
    assert.deepEqual([w.adds, w.more], [4, false]);

    // SendMail: the MIME in ComposeMail (14.x) and as the raw body (12.1) is content.
    const mime = crlf(['From: ann@a.test', 'To: bob@a.test', 'Subject: sent', '', `${BODY_WORD} sent from the phone`]);
    assert.equal((await phone.request('SendMail', cm('SendMail', cm('ClientId', 'send-1'), cm('Mime', Buffer.from(mime))))).status, 200);
    const old = new Phone(app, ann, 'LOGANN0', { version: '12.1' });
    assert.equal((await old.request('SendMail', undefined, { rawBody: Buffer.from(mime), query: { SaveInSent: 'F' }, headers: { 'content-type': 'message/rfc822' } })).status, 200);

    const log = await read(annLog());
    assert.ok(log.startsWith(HEADER), 'the file starts with the logger header');
    assert.match(log, new RegExp(`<Mime>\\[${Buffer.byteLength(mime)} bytes redacted\\]</Mime>`));
    assert.match(log, new RegExp(`cmd=SendMail version=12\\.1 .*\\n  request:\\n    \\[${Buffer.byteLength(mime)} bytes redacted\\]\\n  response:\\n    \\(empty body\\)\\n`));
    // DevicePassword without a recovery policy: 7 (denied by policy), a failure, so WARN and that Status.
    assert.match(log, /\n\S+Z WARN node=\S+ account=ann@a\.test device=LOGANN1 type=TestPhone ua="eas-test-client\/1\.0" cmd=Settings version=14\.1 ms=\d+ http=200 eas=7 bytesIn=\d+ bytesOut=\d+\n/);
    assert.match(log, /\n\S+Z INFO node=\S+ account=ann@a\.test .* cmd=FolderSync .* http=200 eas=1 /);
    assert.match(log, /<DevicePassword>\s*<Set>\s*<Password>\[redacted\]<\/Password>/);
    assert.match(log, /<MoreAvailable\/>/);
    assert.match(log, /<airsyncbase:Data>\[\d+ bytes redacted\]<\/airsyncbase:Data>/);
    assert.equal(log.includes(DEVICE_SECRET), false, 'the recovery password is never written');
    assert.equal(log.includes(BODY_WORD), false, 'bodies are redacted at debug');
    assert.equal(log.includes('bob@a.test'), false, 'another account is not logged');
    assert.equal(log.includes(ann.password), false);
    assert.equal(log.includes(basicAuth(ann.email, ann.password).slice(6)), false, 'no Basic credentials');
    assert.equal(log.match(/ account=ann@a\.test /g)?.length, 1 + 1 + 5 + 2, 'Settings, FolderSync, five Syncs and two SendMails');
  });

  test('renewing the same account and file keeps the id, changes the level and window; trace keeps bodies', async () => {
    const before = await listAccountLoggers(app.store);
    const r = await add({ account: ann.email, level: 'trace', file: annLog() });
    assert.equal(r.status, 200);
    assert.equal(r.json.renewed, true);
    const logger = r.json.logger as { id: number; level: string; windowSize: number | null };
    assert.equal(logger.id, before[0]?.id);
    assert.deepEqual([logger.level, logger.windowSize], ['TRACE', null]);

    const phone = new Phone(app, ann, 'LOGANN2');
    await phone.folderSync();
    await syncInbox(phone);
    const w = await syncInbox(phone);
    assert.deepEqual([w.adds, w.more], [4, false], 'the device\'s own window again');
    const log = await read(annLog());
    assert.match(log, new RegExp(`${BODY_WORD}-0 the text of the message`), 'trace writes bodies');
    assert.equal(log.includes(DEVICE_SECRET), false);
  });

  test('warn writes failed requests only', async () => {
    const file = path.join(logDir, 'bob.log');
    assert.equal((await add({ account: bob.email, level: 'warn', file })).status, 200);
    const phone = new Phone(app, bob, 'LOGBOB2');
    await phone.folderSync();
    const bad = await phone.request('Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', 'bogus-key'), as('CollectionId', phone.folder('Inbox'))))));
    assert.equal(bad.status, 200);
    const log = await read(file);
    const records = log.split('\n').filter((l) => / account=/.test(l));
    assert.equal(records.length, 1, log);
    assert.match(records[0] ?? '', /^\S+ WARN .* cmd=Sync .* http=200 eas=3 /);
  });

  test('getAccountLoggers prints Carbonio\'s block; an expired logger stops and leaves the list', async () => {
    const lines = ok(await runCli(app, ['mobile', 'getAccountLoggers']));
    const all = await listAccountLoggers(app.store);
    const annLogger = all.find((l) => l.accountEmail === ann.email)!;
    assert.equal(lines[0], 'loggers');
    const at = lines.indexOf(`    id              ${annLogger.id}`);
    assert.ok(at > 0, lines.join('\n'));
    assert.deepEqual(lines.slice(at, at + 6), [
      `    id              ${annLogger.id}`,
      '    level           TRACE',
      '    name            AccountLogger',
      `    description     Logging account ann@a.test using level trace, log file ${annLog()}`,
      `    expires         ${new Date(annLogger.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      `    remove command  carbonio mobile doRemoveLogger ${annLogger.id}`,
    ]);
    assert.ok(Math.abs(annLogger.expiresAt - annLogger.createdAt - 24 * 3_600_000) === 0);

    // Expire it in the database (as another node's clock would see it), and let this node's cache read it.
    assert.ok(app.store instanceof SqlStore);
    await app.store.db.updateTable('account_loggers').set({ expires_at: Date.now() + 300 }).where('id', '=', annLogger.id).execute();
    await listAccountLoggers(app.store);
    await new Promise((r) => setTimeout(r, 400));
    const sizeBefore = (await read(annLog())).length;
    const phone = new Phone(app, ann, 'LOGANN3');
    await phone.folderSync();
    assert.equal((await read(annLog())).length, sizeBefore, 'an expired logger writes nothing');
    assert.equal((await runCli(app, ['mobile', 'getAccountLoggers'])).stdout.includes('ann@a.test'), false);
    const rows = await app.store.db.selectFrom('account_loggers').select('id').where('id', '=', annLogger.id).execute();
    assert.deepEqual(rows, [], 'the expired row is deleted');
  });

  test('a delegated admin adds, sees and removes loggers of his domains only; doRemoveLogger keeps the file', async () => {
    const forbidden = await add({ account: ann.email, level: 'info', file: path.join(logDir, 'boss-ann.log') }, boss);
    assert.equal(forbidden.status, 403);
    assert.equal(fs.existsSync(path.join(logDir, 'boss-ann.log')), false);
    const carlFile = path.join(logDir, 'carl.log');
    ok(await runCli(app, ['mobile', 'doAddAccountLogger', carl.email, 'info', carlFile], { as: boss }));
    assert.equal((await add({ account: ann.email, level: 'info', file: carlFile })).status, 409, 'one file, one account');
    const annAgain = await add({ account: ann.email, level: 'info', file: annLog() });
    assert.equal(annAgain.status, 200);
    const annId = (annAgain.json.logger as { id: number }).id;

    const seen = ok(await runCli(app, ['mobile', 'getAccountLoggers'], { as: boss })).join('\n');
    assert.match(seen, /carl@b\.test/);
    assert.equal(seen.includes('ann@a.test') || seen.includes('bob@a.test'), false, seen);
    failed(await runCli(app, ['mobile', 'doRemoveLogger', String(annId)], { as: boss }), 1, /permission denied/);
    const carlId = (await listAccountLoggers(app.store)).find((l) => l.accountEmail === carl.email)?.id;
    assert.deepEqual(ok(await runCli(app, ['mobile', 'doRemoveLogger', 'all_loggers'], { as: boss })), [`Removed 1 logger: ${carlId}`]);
    const left = (await listAccountLoggers(app.store)).map((l) => l.accountEmail).sort();
    assert.deepEqual(left, ['ann@a.test', 'bob@a.test'], 'all_loggers of a delegated admin removes only his');

    assert.deepEqual(ok(await runCli(app, ['mobile', 'doRemoveLogger', String(annId)])), [`Removed 1 logger: ${annId}`]);
    assert.ok(fs.existsSync(annLog()), 'the file is kept');
    const size = (await read(annLog())).length;
    await new Phone(app, ann, 'LOGANN4').folderSync();
    assert.equal((await read(annLog())).length, size, 'a removed logger writes nothing');
    failed(await runCli(app, ['mobile', 'doRemoveLogger', '999999']), 1, /not found/);
    failed(await runCli(app, ['mobile', 'doRemoveLogger', 'x1']), 2, /all_loggers/);
  });
});
