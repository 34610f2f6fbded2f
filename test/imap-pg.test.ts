// IMAP on PostgreSQL with two servers on one database (issue 18 part 1): IDLE on one is woken by a
// delivery through the other (the bus is LISTEN/NOTIFY), UIDs handed out by both never collide, and
// a flag set through one is reported by the other at its next command.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { deliver, plainMail } from './helpers/phone.js';

const skip = pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set';
const USER = 'ann@example.com';
const PW = 'ann-password-1';

const client = (app: TestApp): ImapFlow =>
  new ImapFlow({ host: '127.0.0.1', port: app.imapPort!, secure: false, auth: { user: USER, pass: PW }, logger: false, disableAutoIdle: true });

describe('IMAP on two servers sharing one PostgreSQL database', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let a: TestApp;
  let b: TestApp;

  before(async () => {
    db = await createTempPgDatabase();
    a = await startTestApp({ env: { CARBONIO_DB_URL: db.url } });
    b = await startTestApp({ env: { CARBONIO_DB_URL: db.url } });
    await a.directory.createAccount({ email: USER, password: PW });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  test('IDLE on one server wakes on a delivery through the other; UIDs from both ascend without a gap or a clash', async () => {
    const ca = client(a);
    const cb = client(b);
    await ca.connect();
    await cb.connect();
    await ca.mailboxOpen('INBOX');
    await cb.mailboxOpen('INBOX');
    const woke = new Promise<number>((resolve) => ca.on('exists', (d: { count: number }) => resolve(d.count)));
    const idle = ca.idle();
    await deliver(b, USER, plainMail(USER, 'Across servers'));
    assert.equal(await woke, 1);
    await ca.noop();
    await idle;
    // Deliveries through both while both sessions poll: every message gets one UID.
    const polls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 10; i++) {
      polls.push(deliver(i % 2 ? a : b, USER, plainMail(USER, `m${i}`)));
      polls.push(ca.noop(), cb.noop());
    }
    await Promise.all(polls);
    await ca.noop();
    await cb.noop();
    const ua = await ca.search({ all: true }, { uid: true });
    const ub = await cb.search({ all: true }, { uid: true });
    assert.ok(ua && ub);
    assert.deepEqual(ua, Array.from({ length: 11 }, (_, i) => i + 1));
    assert.deepEqual(ub, ua);
    // A flag set through one server is reported by the other at its next command.
    const flagged = new Promise<unknown>((resolve) => cb.on('flags', resolve));
    await ca.messageFlagsAdd('3', ['\\Flagged'], { uid: true });
    await cb.noop();
    await flagged;
    const msg = await cb.fetchOne('3', { flags: true }, { uid: true });
    assert.ok(msg && msg.flags?.has('\\Flagged'));
    await ca.logout();
    await cb.logout();
  });
});
