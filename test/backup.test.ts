// Backup and restore (issue 17 part 1) on the wire: a phone syncs and mail arrives by SMTP while
// `carbonio backup create` copies the live SQLite store; the backup is verified, restored into a fresh
// data directory, a second server starts on it, and the phone continues with its SyncKey (no Status 3,
// no full resync) and every message, body included, is there. Then the refusals: paths outside
// CARBONIO_BACKUP_DIR, an existing file, a delegated admin, a running server, a non-empty store without
// `force true`, a damaged or newer backup, and PostgreSQL (pointer to pg_dump).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { run } from '../src/cli/main.js';
import { textOf } from '../src/eas/wbxml/index.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, NewMessage } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, fields, lines, ok, runCli, spawnCli } from './helpers/cli.js';
import { addMessages, itemsIn, rawText } from './helpers/mailbox.js';
import type { EasResponse } from './helpers/eas-client.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { collection, deliver, Phone, plainMail, serverIds } from './helpers/phone.js';

const ann = { email: 'ann@example.com', password: 'ann-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };
/**
 * Enough data for the copy to outlast a few deliveries and Syncs: 1,500 messages of ~48 KB (~72 MB) in a
 * folder the phone does not sync (the backup is the whole database), and a small Inbox the phone syncs.
 */
const ARCHIVE = 1500;
const INBOX = 20;

const tmpDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

async function fixture(count: number, prefix: string, bodyBytes: number): Promise<NewMessage[]> {
  const out: NewMessage[] = [];
  const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(bodyBytes / 27));
  for (let i = 0; i < count; i++) {
    // Every body differs: blobs are stored once per content.
    const raw = Buffer.from(plainMail(ann.email, `${prefix} ${i}`, { body: `${prefix} ${i} ${filler}` }));
    out.push({ raw, meta: await parseMessageMeta(raw), receivedAt: Date.now() - (count - i) * 1000 });
  }
  return out;
}

/** A Sync's collection Status; an empty answer (nothing new, MS-ASCMD 2.2.1.21) counts as 1: the key was accepted. */
const syncStatus = (r: EasResponse): string | undefined => (r.raw.length === 0 ? '1' : textOf(collection(r), 'AirSync:Status'));

interface Job { id: string; state: string; pagesDone: number; pagesTotal: number; file: string }

describe('backup and restore (sqlite)', () => {
  let app: TestApp;
  let account: Account;
  let inbox: string;
  let phone: Phone;
  /** The Inbox ServerIds the phone got before the backup. */
  let initial: string[] = [];
  let backupFile: string;
  const extraDirs: string[] = [];

  before(async () => {
    // Small steps: the copy spans many requests of the loop below however fast the machine is.
    app = await startTestApp({ env: { CARBONIO_BACKUP_STEP_PAGES: '8' } });
    account = await app.directory.createAccount({ email: ann.email, password: ann.password });
    const folder = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
    inbox = String(folder.id);
    await addMessages(app, account.id, folder.id, await fixture(INBOX, 'old', 2000));
    const archive = await app.store.mailbox.createFolder(account.id, { parentId: null, name: 'Archive', kind: 'mail' });
    await addMessages(app, account.id, archive.id, await fixture(ARCHIVE, 'archived', 48_000), 250);
    assert.equal((await adminCall(app, 'POST', '/domains', { name: 'b.test' })).status, 201);
    assert.equal((await adminCall(app, 'POST', '/accounts', boss)).status, 201);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${boss.email}/delegated-domains/b.test`)).status, 200);
    phone = new Phone(app, ann, 'BACKUP1');
    await phone.folderSync();
    initial = (await phone.drain(inbox)).added;
    assert.equal(initial.length, INBOX);
  });
  after(async () => {
    await app.stop();
    for (const d of extraDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('a backup taken while the phone syncs and mail arrives restores into a fresh data dir; the phone continues from its SyncKey', async () => {
    const known = new Set<string>(initial);
    const delivered: string[] = [];
    // The last point known to be inside the backup: everything committed before a poll that saw the copy
    // unfinished (or not started) is in it, since the copy is consistent as of its last step.
    let safe = { key: phone.key(inbox), delivered: 0, known: new Set(known) };
    let overlapped = 0;
    const cli = runCli(app, ['backup', 'create', 'live.sqlite']);
    for (let i = 0; ; i++) {
      assert.ok(i < 500, 'the backup never finished');
      const subject = `live ${i}`;
      // Mail arrives while the phone syncs (it gets that message now or at its next Sync).
      const [, r] = await Promise.all([deliver(app, ann.email, plainMail(ann.email, subject)), phone.sync(inbox)]);
      delivered.push(subject);
      assert.equal(syncStatus(r), '1');
      if (r.raw.length > 0) for (const id of serverIds(r, 'Add')) known.add(id);
      const jobs = (await adminCall(app, 'GET', '/backup')).json.backups as Job[];
      const job = jobs[jobs.length - 1];
      if (job && job.state !== 'running') break;
      // Pages still to copy (or none counted yet): the last step has not run.
      if (job && !(job.pagesTotal === 0 || job.pagesDone < job.pagesTotal)) continue;
      if (job) overlapped++;
      safe = { key: phone.key(inbox), delivered: delivered.length, known: new Set(known) };
    }
    const created = await cli;
    assert.equal(created.code, 0, created.stderr);
    // The progress goes to stderr (one line per tenth when it is no terminal), the result to stdout.
    const out = lines(created.stdout);
    backupFile = path.join(app.dataDir, 'backups', 'live.sqlite');
    assert.equal(out[0], `backup ${backupFile}`);
    assert.match(created.stderr, /^backup: (\d+)\/\1 pages \(100%\)$/m, created.stderr);
    assert.ok(overlapped >= 1, 'no Sync and delivery ran while the backup was running');
    // A self-contained file: no -wal beside it, nothing partial left.
    assert.deepEqual(fs.readdirSync(path.dirname(backupFile)), ['live.sqlite']);
    assert.equal(fs.statSync(backupFile).mode & 0o777, 0o600);

    const verified = ok(await runCli(null, ['backup', 'verify', backupFile]));
    const v = fields(verified);
    assert.equal(v.get('integrity'), 'ok');
    assert.match(v.get('schema') ?? '', /\(current; this version: /);
    assert.equal(v.get('accounts'), '3');
    assert.equal(v.get('devices'), '1');
    const messages = Number(v.get('messages'));
    const fixed = INBOX + ARCHIVE;
    assert.ok(messages >= fixed + safe.delivered && messages <= fixed + delivered.length, `${messages} messages in the backup`);

    const fresh = tmpDir('carbonio-restored-');
    extraDirs.push(fresh);
    const restored = ok(await runCli(null, ['backup', 'restore', backupFile], { env: { CARBONIO_DATA_DIR: fresh } }));
    assert.equal(restored[0], `restored ${backupFile} into ${path.join(fresh, 'carbonio.sqlite')}`);
    assert.deepEqual(fs.readdirSync(fresh), ['carbonio.sqlite']);

    const app2 = await startTestApp({ env: { CARBONIO_DATA_DIR: fresh } });
    try {
      const phone2 = new Phone(app2, ann, 'BACKUP1');
      phone2.keys.set(inbox, safe.key);
      const first = await phone2.sync(inbox, { windowSize: 512 });
      // Status 1, not 3 (invalid SyncKey): the device state came along; what it gets are the messages
      // that arrived after its key, not the mailbox again.
      assert.equal(syncStatus(first), '1');
      const adds = first.raw.length > 0 ? serverIds(first, 'Add') : [];
      adds.push(...(await phone2.drain(inbox)).added);
      assert.ok(adds.length <= delivered.length, `${adds.length} Adds after the restore: a full resync`);
      const everything = new Set([...safe.known, ...adds]);

      // A new device sees exactly what the old one now has.
      const other = new Phone(app2, ann, 'BACKUP2');
      await other.folderSync();
      const all = (await other.drain(inbox)).added;
      assert.equal(all.length, messages - ARCHIVE);
      assert.deepEqual(new Set(all), everything);

      // Bodies too: they are blobs in the same database.
      const restoredAccount = (await app2.store.accounts.getByEmail(ann.email))!;
      const texts = await Promise.all((await itemsIn(app2, restoredAccount, 'inbox')).map((it) => rawText(app2, it)));
      for (const s of delivered.slice(0, safe.delivered)) assert.ok(texts.some((t) => t.includes(`Subject: ${s}\r\n`)), `${s} missing`);
      assert.ok(texts.some((t) => t.includes(`old ${INBOX - 1} lorem ipsum`)));
      const archive = (await app2.store.mailbox.listFolders(restoredAccount.id)).find((f) => f.name === 'Archive')!;
      const archived = await app2.store.mailbox.listItems(restoredAccount.id, archive.id);
      assert.equal(archived.length, ARCHIVE);
      assert.match(await rawText(app2, archived[ARCHIVE - 1]!), new RegExp(`archived ${ARCHIVE - 1} lorem ipsum`));
    } finally {
      await app2.stop();
    }
  });

  test('create: paths outside CARBONIO_BACKUP_DIR, an existing file, a delegated admin and a missing file name are refused', async () => {
    const dir = path.join(app.dataDir, 'backups');
    failed(await runCli(app, ['backup', 'create', '../escape.sqlite']), 1, /a file name or an absolute path inside/);
    failed(await runCli(app, ['backup', 'create', `${dir}/../escape.sqlite`]), 1, /normalized path/);
    failed(await runCli(app, ['backup', 'create', '/tmp/elsewhere.sqlite']), 1, /inside the backup directory/);
    failed(await runCli(app, ['backup', 'create', path.join(dir, 'no-such-dir', 'x.sqlite')]), 1, /does not exist/);
    failed(await runCli(app, ['backup', 'create', 'live.sqlite']), 1, /exists/);
    fs.symlinkSync(os.tmpdir(), path.join(dir, 'out'));
    failed(await runCli(app, ['backup', 'create', path.join(dir, 'out', 'x.sqlite')]), 1, /leads out/);
    assert.equal((await adminCall(app, 'POST', '/backup', { file: 'boss.sqlite' }, boss)).status, 403);
    assert.equal((await adminCall(app, 'GET', '/backup', undefined, boss)).status, 403);
    assert.equal((await adminCall(app, 'POST', '/backup', {})).status, 400);
    assert.equal((await adminCall(app, 'GET', '/backup/nope')).status, 404);
    failed(await runCli(app, ['backup', 'create']), 2, /missing <file>/);
    // An absolute path inside the directory works as well as a bare name; on a terminal the progress is
    // one line redrawn in place (carriage return, erase line), ended by one newline.
    let stderr = '';
    let stdout = '';
    const env = { CARBONIO_ADMIN_URL: app.baseUrl, CARBONIO_ADMIN_USER: app.admin.email, CARBONIO_ADMIN_PASSWORD: app.admin.password };
    const code = await run(['backup', 'create', path.join(dir, 'second.sqlite')], { env, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: true });
    assert.equal(code, 0, stderr);
    assert.equal(lines(stdout)[0], `backup ${path.join(dir, 'second.sqlite')}`);
    assert.match(stderr, /^(\r\x1b\[2Kbackup: \d+\/\d+ pages \(\d+%\))+\n$/);
    assert.match(stderr, /\r\x1b\[2Kbackup: (\d+)\/\1 pages \(100%\)\n$/);
    assert.ok(fs.existsSync(path.join(dir, 'second.sqlite')));

    // One backup at a time; the job is polled until done (the ~70 MB copy outlasts the second request).
    const first = await adminCall(app, 'POST', '/backup', { file: 'third.sqlite' });
    assert.equal(first.status, 202);
    const second = await adminCall(app, 'POST', '/backup', { file: 'fourth.sqlite' });
    assert.equal(second.status, 409);
    assert.match(JSON.stringify(second.json), /a backup is already running/);
    const id = (first.json.backup as Job).id;
    let job = first.json.backup as Job;
    while (job.state === 'running') job = (await adminCall(app, 'GET', `/backup/${id}`)).json.backup as Job;
    assert.equal(job.state, 'done');
    assert.equal(job.pagesDone, job.pagesTotal);
    assert.equal(fs.existsSync(path.join(dir, 'fourth.sqlite')), false);
  });

  test('restore: refused while the server runs, and over a non-empty store without force true; force keeps the old store as .bak', async () => {
    failed(await runCli(null, ['backup', 'restore', backupFile], { env: { CARBONIO_DATA_DIR: app.dataDir } }), 1, /in use: a carbonio-mobile server is running/);
    const dir = tmpDir('carbonio-restore-twice-');
    extraDirs.push(dir);
    const env = { CARBONIO_DATA_DIR: dir };
    ok(await runCli(null, ['backup', 'restore', backupFile], { env }));
    // Something only the current store has, to find it in the .bak afterwards.
    const store = path.join(dir, 'carbonio.sqlite');
    const db = new Database(store);
    db.pragma('journal_mode = WAL');
    db.prepare("insert into settings (scope, key, value) values ('test', 'backup-test-marker', '1')").run();
    failed(await runCli(null, ['backup', 'restore', backupFile], { env }), 1, /in use/);
    db.close();
    failed(await runCli(null, ['backup', 'restore', backupFile], { env }), 1, /not empty: add "force true"/);
    failed(await runCli(null, ['backup', 'restore', backupFile, 'force', 'maybe'], { env }), 2, /true or false/);
    const out = ok(await runCli(null, ['backup', 'restore', backupFile, 'force', 'true'], { env }));
    const bak = fs.readdirSync(dir).filter((f) => f.endsWith('.bak'));
    assert.equal(bak.length, 1);
    assert.match(bak[0]!, /^carbonio\.sqlite\.\d{8}T\d{6}Z\.bak$/);
    assert.equal(out[1], `    previous store kept as ${path.join(dir, bak[0]!)}`);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['carbonio.sqlite', bak[0]!].sort());
    const marker = (file: string): number => {
      const d = new Database(file, { readonly: true });
      try {
        return d.prepare<[], { n: number }>("select count(*) as n from settings where key = 'backup-test-marker'").get()!.n;
      } finally {
        d.close();
      }
    };
    assert.equal(marker(path.join(dir, bak[0]!)), 1);
    assert.equal(marker(store), 0);
  });

  test('verify and restore refuse a damaged file, a newer schema, a missing file; restore points PostgreSQL to pg_dump', async () => {
    const dir = tmpDir('carbonio-bad-backups-');
    extraDirs.push(dir);
    failed(await runCli(null, ['backup', 'verify', path.join(dir, 'none.sqlite')]), 1, /no such file/);
    const text = path.join(dir, 'text.sqlite');
    fs.writeFileSync(text, 'not a database at all, just text\n'.repeat(200));
    failed(await runCli(null, ['backup', 'verify', text]), 1, /not a readable SQLite database/);

    const newer = path.join(dir, 'newer.sqlite');
    fs.copyFileSync(backupFile, newer);
    const db = new Database(newer);
    db.prepare("insert into kysely_migration (name, timestamp) values ('999_from_the_future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    failed(await runCli(null, ['backup', 'verify', newer]), 1, /made by a newer version/);
    failed(await runCli(null, ['backup', 'restore', newer], { env: { CARBONIO_DATA_DIR: path.join(dir, 'data') } }), 1, /newer carbonio-mobile/);
    assert.equal(fs.existsSync(path.join(dir, 'data', 'carbonio.sqlite')), false);

    // A page of the items table overwritten: SQLite's integrity check finds it.
    const damaged = path.join(dir, 'damaged.sqlite');
    fs.copyFileSync(backupFile, damaged);
    const size = fs.statSync(damaged).size;
    const fd = fs.openSync(damaged, 'r+');
    for (let off = 8 * 4096; off < size; off += 64 * 4096) fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, off);
    fs.closeSync(fd);
    const bad = await runCli(null, ['backup', 'verify', damaged]);
    failed(bad, 1, /failed verification: integrity check|not a readable SQLite database/);

    failed(await runCli(null, ['backup', 'restore', backupFile], { env: { CARBONIO_DB_URL: 'postgres://carbonio@127.0.0.1/carbonio' } }), 1, /pg_dump -Fc .*pg_restore/);

    // The installed binary (bin/carbonio.js) finds the local half too; --json gives the report as data.
    const spawned = await spawnCli(null, ['backup', 'verify', backupFile, '--json']);
    assert.equal(spawned.code, 0, spawned.stderr);
    const report = (JSON.parse(spawned.stdout) as { backup: { integrity: string[]; schema: { status: string }; counts: Record<string, number> } }).backup;
    assert.deepEqual(report.integrity, ['ok']);
    assert.equal(report.schema.status, 'current');
    assert.equal(report.counts.accounts, 3);
  });
});

/** pg_dump and pg_restore come with PostgreSQL's client package; in CI (which runs PostgreSQL) their absence fails the test. */
const hasPgTools = (): boolean => ['pg_dump', 'pg_restore'].every((t) => spawnSync(t, ['--version']).status === 0);

if (pgUrl) describe('backup (postgres)', () => {
  let app: TestApp;
  before(async () => { app = await startTestApp({ postgres: true }); });
  after(() => app.stop());
  test('create is refused with the pointer to pg_dump', async () => {
    failed(await runCli(app, ['backup', 'create', 'x.sqlite']), 1, /PostgreSQL: back it up with pg_dump -Fc/);
    assert.equal((await adminCall(app, 'POST', '/backup', { file: 'x.sqlite' })).status, 409);
  });

  // The README's procedure, as written: pg_dump -Fc while the server runs, pg_restore into an empty database,
  // a server started on it; the phone continues from its SyncKey and the mail is there.
  test('the README procedure: pg_dump -Fc online, pg_restore into an empty database, the phone continues', { skip: !hasPgTools() && process.env.CI !== 'true' && 'pg_dump/pg_restore not installed' }, async () => {
    const account = await app.directory.createAccount({ email: ann.email, password: ann.password });
    const inboxId = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!.id;
    await addMessages(app, account.id, inboxId, await fixture(30, 'pg', 500));
    const pgPhone = new Phone(app, ann, 'PGBACKUP1');
    await pgPhone.folderSync();
    const inboxKey = String(inboxId);
    const before = (await pgPhone.drain(inboxKey)).added;
    await deliver(app, ann.email, plainMail(ann.email, 'after the first sync'));
    const dir = tmpDir('carbonio-pgdump-');
    const target = await createTempPgDatabase({ empty: true });
    let app2: TestApp | null = null;
    try {
      const dump = path.join(dir, 'carbonio.dump');
      const url = app.config.db.kind === 'postgres' ? app.config.db.url : '';
      const d = spawnSync('pg_dump', ['-Fc', '-f', dump, url], { encoding: 'utf8' });
      assert.equal(d.status, 0, d.stderr);
      assert.equal(spawnSync('pg_restore', ['--list', dump]).status, 0);
      const r = spawnSync('pg_restore', ['--no-owner', '-d', target.url, dump], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      app2 = await startTestApp({ env: { CARBONIO_DB_URL: target.url } });
      const phone2 = new Phone(app2, ann, 'PGBACKUP1');
      phone2.keys.set(inboxKey, pgPhone.key(inboxKey));
      const first = await phone2.sync(inboxKey);
      assert.equal(syncStatus(first), '1');
      const adds = serverIds(first, 'Add');
      assert.equal(adds.length, 1, 'only the message that arrived after the phone\'s last Sync');
      assert.ok(!before.includes(adds[0]!));
      const restored = (await app2.store.accounts.getByEmail(ann.email))!;
      assert.equal((await itemsIn(app2, restored, 'inbox')).length, 31);
    } finally {
      await app2?.stop();
      await target.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
