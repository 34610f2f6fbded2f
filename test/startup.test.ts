// Issue 17 part 8, start and upgrade: each migration step is logged, a store migrated by a newer release
// stops the start, and a taken port or an unreachable database is named in one line with a non-zero exit
// (the real server process, as test/serve.test.ts starts it); CARBONIO_LOG_FORMAT=pretty.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../src/core/logger.js';
import { prettyLine } from '../src/core/log-pretty.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import pg from 'pg';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { spawnServer as start } from './helpers/node-process.js';
import { until } from './helpers/wait.js';

const ports0 = { CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0', CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1' };


function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-startup-'));
}

/** A TCP port that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('startup: every migration is logged as it starts and when done, with its duration; a second open applies none', async () => {
  const dir = tempDir();
  try {
    let lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)); done(); } });
    const log = createLogger('info', sink);
    const file = path.join(dir, 'db.sqlite');
    await (await SqlStore.open({ kind: 'sqlite', file }, log)).close();
    const applying = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('applying migration ')).map((l) => l.migration);
    assert.equal(applying[0], '001_initial');
    assert.ok(applying.includes('016_message_content'));
    const step = lines.find((l) => l.msg === 'applying migration 016_message_content ...');
    assert.ok(step, 'the step names the migration in its message');
    const done = lines.filter((l) => typeof l.msg === 'string' && / done$/.test(l.msg));
    assert.deepEqual(done.map((l) => l.migration), applying, 'each applied migration has its done line, in order');
    for (const d of done) assert.ok(typeof d.ms === 'number' && d.ms >= 0, `ms on ${String(d.migration)}`);
    assert.equal(lines.find((l) => l.msg === 'database migrations to apply')?.pending, applying.length);
    // Up to date: nothing to apply, nothing logged.
    lines = [];
    await (await SqlStore.open({ kind: 'sqlite', file }, log)).close();
    assert.deepEqual(lines, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('startup: a store migrated by a newer release is refused, by the store and by the server process (exit 1, one line)', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'carbonio.sqlite');
    await (await SqlStore.open({ kind: 'sqlite', file })).close();
    const sqlite = new Database(file);
    sqlite.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999_from_the_future', new Date().toISOString());
    sqlite.close();
    const message = 'the database was migrated by a newer carbonio-mobile (migration 999_from_the_future); upgrade the code or restore a backup';
    await assert.rejects(SqlStore.open({ kind: 'sqlite', file }), { message });
    const p = start({ ...ports0, CARBONIO_DATA_DIR: dir });
    assert.equal(await p.exited, 1);
    assert.equal(p.err().trim(), `carbonio: could not start: ${message}`);
    // The schema was left alone: the future row is still there, nothing was dropped.
    const check = new Database(file, { readonly: true });
    const names = check.prepare('select name from kysely_migration').all() as Array<{ name: string }>;
    check.close();
    assert.ok(names.some((r) => r.name === '999_from_the_future'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('startup: a PostgreSQL store migrated by a newer release is refused too', { skip: !pgUrl }, async () => {
  const temp = await createTempPgDatabase();
  try {
    const client = new pg.Client({ connectionString: temp.url });
    await client.connect();
    await client.query('insert into kysely_migration (name, timestamp) values ($1, $2)', ['999_from_the_future', new Date().toISOString()]);
    await client.end();
    await assert.rejects(SqlStore.open({ kind: 'postgres', url: temp.url }), {
      message: 'the database was migrated by a newer carbonio-mobile (migration 999_from_the_future); upgrade the code or restore a backup',
    });
  } finally {
    await temp.drop();
  }
});

for (const variable of ['CARBONIO_SMTP_PORT', 'CARBONIO_HTTP_PORT', 'CARBONIO_SUBMISSION_PORT', 'CARBONIO_POP3_PORT']) {
  test(`startup: a taken port names ${variable} in one line and exits 1`, async () => {
    const dir = tempDir();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const p = start({ ...ports0, CARBONIO_DATA_DIR: dir, [variable]: String(port) });
      assert.equal(await p.exited, 1);
      assert.equal(p.err().trim(), `carbonio: could not start: port 127.0.0.1:${port} is already in use by another process; set ${variable} to a free port`);
    } finally {
      holder.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('startup: an unreachable PostgreSQL is named in one line with its password hidden, exit 1', async () => {
  const port = await closedPort();
  const dir = tempDir();
  try {
    const p = start({ ...ports0, CARBONIO_DATA_DIR: dir, CARBONIO_DB_URL: `postgres://carbonio:s3cretpw@127.0.0.1:${port}/mobile` });
    assert.equal(await p.exited, 1);
    const err = p.err().trim();
    assert.equal(err.split('\n').length, 1, err);
    assert.match(err, new RegExp(`^carbonio: could not start: cannot reach the database at postgres://carbonio:\\*\\*\\*@127\\.0\\.0\\.1:${port}/mobile: .*ECONNREFUSED`));
    assert.ok(!p.err().includes('s3cretpw') && !p.out().includes('s3cretpw'), 'the password is in no output');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('startup: prettyLine turns a pino record into "time level svc msg key=value"', () => {
  const time = Date.UTC(2026, 11, 2, 13, 7, 41, 123);
  assert.equal(
    prettyLine(JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', app: 'carbonio-mobile', svc: 'store', msg: 'applying migration 016_message_content ...', migration: '016_message_content' })),
    '2026-12-02T13:07:41.123Z INFO  store applying migration 016_message_content ... migration=016_message_content',
  );
  assert.equal(
    prettyLine(JSON.stringify({ level: 50, time, msg: 'failed\nat x', err: { message: 'boom' }, note: 'two words', n: 3 })),
    '2026-12-02T13:07:41.123Z ERROR - failed\\nat x err={"message":"boom"} note="two words" n=3',
  );
  assert.equal(prettyLine('not json'), 'not json');
});

test('startup: CARBONIO_LOG_FORMAT=pretty makes the server write readable lines; a bad value is a configuration error', async () => {
  const dir = tempDir();
  const p = start({ ...ports0, CARBONIO_DATA_DIR: dir, CARBONIO_LOG_FORMAT: 'pretty' });
  try {
    await until(() => /carbonio-mobile listening/.test(p.out()) || p.child.exitCode !== null, 'the start line', 60_000);
    assert.match(p.out(), /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}store applying migration 001_initial \.\.\. migration=001_initial$/m);
    assert.match(p.out(), /^\S+Z INFO {2}- carbonio-mobile listening httpPort=\d+ /m);
    assert.doesNotMatch(p.out(), /^\{/m, 'no JSON line');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    p.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bad = start({ CARBONIO_LOG_FORMAT: 'xml' });
  assert.equal(await bad.exited, 2);
  assert.equal(bad.err().trim(), 'carbonio: configuration error: CARBONIO_LOG_FORMAT must be json or pretty; got "xml"');
});

test('startup: SIGTERM while the server starts (on its "starting" line) waits for the start, then stops cleanly (exit 0)', async () => {
  const dir = tempDir();
  const p = start({ ...ports0, CARBONIO_DATA_DIR: dir });
  try {
    await until(() => /"msg":"starting"/.test(p.out()) || p.child.exitCode !== null, 'the starting line', 60_000);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.err());
    const out = p.out();
    assert.match(out, /"msg":"carbonio-mobile listening"/, 'the start went through');
    assert.match(out, /"signal":"SIGTERM".*"msg":"shutting down"/);
    assert.match(out, /"msg":"stopped"/);
  } finally {
    p.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
