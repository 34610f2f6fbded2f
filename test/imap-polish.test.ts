// Issue 18's IMAP gaps (task L): EXPUNGE through the store's batch delete, \Deleted waking other sessions'
// IDLE, stored subscriptions, aggregate STATUS, imap_expunged pruning, BINARY. Raw sockets, so the exact
// responses are checked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account, ChangeNotice } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { RawImap } from './helpers/imap-raw.js';
import { pgUrl } from './helpers/pg.js';
import { crlf, Phone, serverIds, moreAvailable } from './helpers/phone.js';

const mail = (to: string, subject: string): Buffer => Buffer.from(crlf(['From: zed@example.net', `To: ${to}`, `Subject: ${subject}`, '', `Body of ${subject}.`]));

for (const backend of ['sqlite', 'postgres'] as const) describe(`IMAP polish (${backend})`, { skip: backend === 'postgres' && !pgUrl ? 'CARBONIO_TEST_PG_URL is not set' : false }, () => {
  let app: TestApp;
  let n = 0;
  const pw = 'polish-password-1';

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
  });
  after(() => app.stop());

  /** A fresh account with `count` messages in its Inbox (added through the store: fast and exact). */
  async function account(count: number): Promise<Account> {
    const acct = await app.directory.createAccount({ email: `p${++n}@example.com`, password: pw });
    const inbox = (await app.store.mailbox.getFolderByRole(acct.id, 'inbox'))!;
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        const raw = mail(acct.email, `M${i}`);
        await tx.mailbox.addMessage(acct.id, inbox.id, { raw, meta: await parseMessageMeta(raw), receivedAt: 1_700_000_000_000 + i * 1000 });
      }
    });
    return acct;
  }

  test('EXPUNGE of 300 messages: one batch delete; the phone gets 300 Deletes, other sessions EXPUNGE and VANISHED', async () => {
    const acct = await account(300);
    const phone = new Phone(app, { email: acct.email, password: pw }, 'exp300');
    await phone.folderSync();
    const inbox = phone.folder('Inbox');
    assert.equal((await phone.drain(inbox)).added.length, 300);
    const a = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    const b = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    const q = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX', qresync: true });
    assert.match(await a.cmd('a1', 'STORE 1:* +FLAGS.SILENT (\\Deleted)'), /^a1 OK/m);
    const inboxId = (await app.store.mailbox.getFolderByRole(acct.id, 'inbox'))!.id;
    const notices: ChangeNotice[] = [];
    const stop = app.bus.subscribe(acct.id, (x) => notices.push(x));
    const exp = await a.cmd('a2', 'EXPUNGE');
    stop();
    assert.match(exp, /^a2 OK/m);
    assert.equal(notices.filter((x) => x.folderIds.includes(inboxId)).length, 1, 'one change notice for the 300 deletes');
    assert.equal([...exp.matchAll(/^\* \d+ EXPUNGE\r\n/gm)].length, 300, 'the expunging session is told of every message');
    const other = await b.cmd('b1', 'NOOP');
    assert.equal([...other.matchAll(/^\* \d+ EXPUNGE\r\n/gm)].length, 300);
    assert.match(await b.cmd('b2', 'STATUS INBOX (MESSAGES)'), /\* STATUS "?INBOX"? \(MESSAGES 0\)/);
    assert.match(await q.cmd('q1', 'NOOP'), /^\* VANISHED 1:300\r\n/m);
    const deletes: string[] = [];
    for (let round = 0; round < 10; round++) {
      const r = await phone.sync(inbox, { windowSize: 512 });
      deletes.push(...serverIds(r, 'Delete'));
      if (!moreAvailable(r)) break;
    }
    assert.equal(new Set(deletes).size, 300, 'the phone gets a Delete for each');
    for (const c of [a, b, q]) await c.logout();
  });

  test('\\Deleted set by one session wakes another one\'s IDLE; the notice is one EAS watches ignore', async () => {
    const acct = await account(3);
    const inbox = (await app.store.mailbox.getFolderByRole(acct.id, 'inbox'))!;
    const a = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    const b = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    a.write('i1 IDLE\r\n');
    await a.until(/^\+ .*\r\n/m);
    const notices: ChangeNotice[] = [];
    const stop = app.bus.subscribe(acct.id, (n) => notices.push(n));
    assert.match(await b.cmd('b1', 'STORE 2 +FLAGS.SILENT (\\Deleted)'), /^b1 OK/m);
    assert.match(await a.until(/^\* 2 FETCH \(.*\)\r\n/m), /^\* 2 FETCH \(UID \d+ FLAGS \(\\Deleted\)\)\r\n/m);
    stop();
    // A held Ping looks at folderIds alone: the folder is named only where IMAP sessions look.
    assert.deepEqual(notices.map((n) => [n.folderIds, n.imapFolderIds]), [[[], [inbox.id]]]);
    a.write('DONE\r\n');
    await a.until(/^i1 OK.*\r\n/m);
    for (const c of [a, b]) await c.logout();
  });

  test('SUBSCRIBE / UNSUBSCRIBE are stored: LSUB, LIST (SUBSCRIBED) and RETURN (SUBSCRIBED) answer from them', async () => {
    const acct = await account(0);
    const a = await RawImap.login(app.imapPort!, acct.email, pw);
    assert.match(await a.cmd('c1', 'CREATE Work'), /^c1 OK/m);
    // Every folder is subscribed by default, a new one too.
    const lsub0 = await a.cmd('c2', 'LSUB "" "*"');
    for (const n of ['INBOX', 'Sent', 'Work']) assert.match(lsub0, new RegExp(`^\\* LSUB \\(\\) "/" "?${n}"?\r\n`, 'm'));
    assert.match(await a.cmd('c3', 'UNSUBSCRIBE Work'), /^c3 OK/m);
    assert.match(await a.cmd('c4', 'SUBSCRIBE Later/Maybe'), /^c4 OK/m, 'a name without a folder can be subscribed');
    await a.logout();
    // Another session (the subscriptions are stored, not per connection).
    const b = await RawImap.login(app.imapPort!, acct.email, pw);
    const lsub = await b.cmd('d1', 'LSUB "" "*"');
    assert.doesNotMatch(lsub, /LSUB \([^)]*\) "\/" "?Work"?\r\n/);
    assert.match(lsub, /^\* LSUB \(\\Noselect\) "\/" "?Later\/Maybe"?\r\n/m);
    const sel = await b.cmd('d2', 'LIST (SUBSCRIBED) "" "*"');
    assert.match(sel, /^\* LIST \([^)]*\\Subscribed\) "\/" "?INBOX"?\r\n/m);
    assert.doesNotMatch(sel, /"?Work"?\r\n/);
    assert.match(sel, /^\* LIST \(\\NonExistent \\Subscribed\) "\/" "?Later\/Maybe"?\r\n/m);
    const ret = await b.cmd('d3', 'LIST "" "*" RETURN (SUBSCRIBED)');
    assert.match(ret, /^\* LIST \(\\HasNoChildren\) "\/" "?Work"?\r\n/m, 'listed, without \\Subscribed');
    assert.match(ret, /^\* LIST \([^)]*\\Subscribed\) "\/" "?Sent"?\r\n/m);
    // The subscription outlives the folder; a re-subscribed folder is listed again.
    assert.match(await b.cmd('d4', 'SUBSCRIBE Work'), /^d4 OK/m);
    assert.match(await b.cmd('d5', 'DELETE Work'), /^d5 OK/m);
    assert.match(await b.cmd('d6', 'LSUB "" "Work"'), /^\* LSUB \(\\Noselect\) "\/" "?Work"?\r\n/m);
    await b.logout();
  });

  test('STATUS MESSAGES, UNSEEN, DELETED and SIZE from aggregate queries agree with FETCH', async () => {
    const acct = await account(5);
    const a = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    await a.cmd('s1', 'STORE 1:2 +FLAGS.SILENT (\\Seen)');
    await a.cmd('s2', 'STORE 5 +FLAGS.SILENT (\\Deleted)');
    const sizes = [...(await a.cmd('s3', 'FETCH 1:* RFC822.SIZE')).matchAll(/RFC822\.SIZE (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(sizes.length, 5);
    const total = sizes.reduce((x, y) => x + y, 0);
    const st = await a.cmd('s4', 'STATUS INBOX (MESSAGES UNSEEN DELETED SIZE UIDNEXT)');
    assert.match(st, new RegExp(`^\\* STATUS "?INBOX"? \\(MESSAGES 5 UNSEEN 3 DELETED 1 SIZE ${total} UIDNEXT 6\\)\r\n`, 'm'));
    assert.match(await a.cmd('s5', 'STATUS Sent (MESSAGES UNSEEN DELETED SIZE)'), /^\* STATUS "?Sent"? \(MESSAGES 0 UNSEEN 0 DELETED 0 SIZE 0\)\r\n/m);
    await a.logout();
  });

  test('imap_expunged pruned: a QRESYNC from before the floor gets every absent UID it may know, a later one the exact list', async () => {
    const acct = await account(6);
    const inbox = (await app.store.mailbox.getFolderByRole(acct.id, 'inbox'))!;
    const q = await RawImap.login(app.imapPort!, acct.email, pw, { qresync: true });
    const sel = await q.cmd('q1', 'SELECT INBOX');
    const validity = /UIDVALIDITY (\d+)/.exec(sel)![1];
    const old = /HIGHESTMODSEQ (\d+)/.exec(sel)![1];
    await q.logout();
    const b = await RawImap.login(app.imapPort!, acct.email, pw, { select: 'INBOX' });
    await b.cmd('b1', 'UID STORE 2,4 +FLAGS.SILENT (\\Deleted)');
    assert.match(await b.cmd('b2', 'EXPUNGE'), /^b2 OK/m);
    // Before pruning: exact.
    const r1 = await RawImap.login(app.imapPort!, acct.email, pw, { qresync: true });
    assert.match(await r1.cmd('r1', `SELECT INBOX (QRESYNC (${validity} ${old}))`), /^\* VANISHED \(EARLIER\) 2,4\r\n/m);
    await r1.logout();
    assert.ok((await app.store.imap.pruneExpunged(Date.now() + 1)) >= 2);
    assert.deepEqual(await app.store.imap.vanishedSince(acct.id, inbox.id, 0), []);
    const floor = await app.store.imap.expungedFloor(acct.id, inbox.id);
    assert.ok(floor > Number(old));
    // A message expunged after the prune is recorded again (exact above the floor).
    await b.cmd('b3', 'UID STORE 6 +FLAGS.SILENT (\\Deleted)');
    assert.match(await b.cmd('b4', 'EXPUNGE'), /^b4 OK/m);
    const r2 = await RawImap.login(app.imapPort!, acct.email, pw, { qresync: true });
    // From before the floor: every UID below UIDNEXT not in the folder (2, 4, 6), within known UIDs when given.
    assert.match(await r2.cmd('r2', `SELECT INBOX (QRESYNC (${validity} ${old}))`), /^\* VANISHED \(EARLIER\) 2,4,6\r\n/m);
    assert.match(await r2.cmd('r3', `SELECT INBOX (QRESYNC (${validity} ${old} 1:3))`), /^\* VANISHED \(EARLIER\) 2\r\n/m);
    // From the floor on: the records, exact.
    const at = await r2.cmd('r4', `SELECT INBOX (QRESYNC (${validity} ${floor}))`);
    assert.match(at, /^\* VANISHED \(EARLIER\) 6\r\n/m);
    await r2.logout();
    await b.logout();
  });

  test('BINARY: announced; APPEND with literal8 stores NULs; FETCH BINARY / BINARY.SIZE decode, literal8 where NUL, UNKNOWN-CTE', async () => {
    const acct = await account(0);
    const a = await RawImap.login(app.imapPort!, acct.email, pw);
    assert.match(await a.cmd('c1', 'CAPABILITY'), /^\* CAPABILITY .* BINARY( |\r\n)/m);
    const payload = Buffer.from([0, 1, 2, 0, 255, 0x68, 0x69]);
    const msg = Buffer.concat([
      Buffer.from(crlf(['From: zed@example.net', `To: ${acct.email}`, 'Subject: binary', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
        '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', payload.toString('base64'),
        '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', ''])),
      Buffer.from([0x41, 0x42, 0, 0x43, 0x44]),
      Buffer.from(crlf(['', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: x-weird', '', 'x', '--b--'])),
    ]);
    // A synchronizing literal8: the server asks for the bytes with "+".
    a.write(`c2 APPEND INBOX (\\Seen) ~{${msg.length}}\r\n`);
    await a.until(/^\+ .*\r\n/m);
    a.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    assert.match(await a.until(/^c2 (OK|NO|BAD).*\r\n/m), /^c2 OK \[APPENDUID \d+ 1\]/m);
    await a.cmd('c3', 'SELECT INBOX');
    assert.equal((await a.cmd('c4', 'FETCH 1 RFC822.SIZE')).match(/RFC822\.SIZE (\d+)/)?.[1], String(msg.length), 'stored byte for byte');
    const b1 = await a.cmd('c5', 'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])');
    assert.ok(b1.includes(`BINARY[1] ~{${payload.length}}\r\n${payload.toString('latin1')}`), JSON.stringify(b1));
    assert.match(b1, new RegExp(`BINARY\\.SIZE\\[1\\] ${payload.length}`));
    const b2 = await a.cmd('c6', 'FETCH 1 BINARY.PEEK[2]<1.3>');
    assert.ok(b2.includes('BINARY[2]<1> ~{3}\r\nB\x00C'), JSON.stringify(b2));
    // Without NUL: a plain literal.
    const b3 = await a.cmd('c7', 'FETCH 1 BINARY.PEEK[1]<5.2>');
    assert.ok(b3.includes('BINARY[1]<5> {2}\r\nhi'), JSON.stringify(b3));
    assert.match(await a.cmd('c8', 'FETCH 1 BINARY.PEEK[3]'), /^c8 NO \[UNKNOWN-CTE\]/m);
    // literal8 is APPEND's only (RFC 3516 4.1): elsewhere a BAD, and the session goes on.
    // (the reader asks for the bytes before the command is parsed, as for any synchronizing literal).
    a.write('c9 SEARCH TEXT ~{3}\r\n');
    await a.until(/^\+ .*\r\n/m);
    a.write('a\x00b\r\n');
    assert.match(await a.until(/^c9 (OK|NO|BAD).*\r\n/m), /^c9 BAD .*literal8/m);
    assert.match(await a.cmd('c10', 'NOOP'), /^c10 OK/m);
    await a.logout();
  });

  test('UTF8=ACCEPT (RFC 6855): announced and ENABLEd; APPEND UTF8 (literal8) stores UTF-8 headers byte for byte; EAS reads them', async () => {
    const acct = await account(0);
    const a = await RawImap.login(app.imapPort!, acct.email, pw);
    assert.match(await a.cmd('u1', 'CAPABILITY'), /^\* CAPABILITY .* UTF8=ACCEPT( |\r\n)/m);
    assert.match(await a.cmd('u2', 'ENABLE UTF8=ACCEPT'), /^\* ENABLED UTF8=ACCEPT\r\n/m);
    const msg = Buffer.from(crlf(['From: Zo\u00eb <zed@example.net>', `To: ${acct.email}`, 'Subject: caf\u00e9 \u2615', '', 'Na\u00efve body.']), 'utf8');
    // A synchronizing literal8 inside UTF8 ( ... ): the server asks for the bytes, then reads the ")".
    a.write(`u3 APPEND INBOX UTF8 (~{${msg.length}}\r\n`);
    await a.until(/^\+ .*\r\n/m);
    a.write(Buffer.concat([msg, Buffer.from(')\r\n')]));
    assert.match(await a.until(/^u3 (OK|NO|BAD).*\r\n/m), /^u3 OK \[APPENDUID \d+ 1\]/m);
    await a.cmd('u4', 'SELECT INBOX');
    const got = await a.cmd('u5', 'FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.match(got, new RegExp(`RFC822\\.SIZE ${msg.length}`), 'stored byte for byte');
    assert.ok(got.includes(Buffer.from('Subject: caf\u00e9 \u2615\r\n', 'utf8').toString('latin1')), JSON.stringify(got));
    const inbox = (await app.store.mailbox.getFolderByRole(acct.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(acct.id, inbox.id);
    assert.equal(item?.meta?.subject, 'caf\u00e9 \u2615', 'the subject as ActiveSync shows it');
    await a.logout();
  });
});
