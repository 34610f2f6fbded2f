// The IMAP server over the real store (issue 18 part 1), with a real client library (imapflow) over real
// sockets: logins under the mobile-password rules, the mailbox seen by phones and desktop alike (flags,
// deletes, moves, folders, APPEND to Sent), IDLE woken by the bus, QRESYNC resync.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Account } from '../src/store/types.js';
import { child, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { run } from '../src/cli/main.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { commandsOf, crlf, deliver, Phone, plainMail, serverIds } from './helpers/phone.js';
import { RawImap as Raw } from './helpers/imap-raw.js';
import { until } from './helpers/wait.js';

const as = ns('AirSync');
const fh = ns('FolderHierarchy');
const mv = ns('Move');

function client(app: TestApp, user: string, pass: string, opts: { qresync?: boolean } = {}): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: app.imapPort!, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true, ...(opts.qresync ? { qresync: true } : {}) });
}


describe('IMAP server', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(() => app.stop());

  test('LOGIN: the account password works, a mobile password does not, an IMAP credential does (and not for EAS)', async () => {
    const bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    const c1 = client(app, bob.email, 'bob-password-1');
    await c1.connect();
    await c1.logout();
    const { secret: mobile } = await app.directory.addCredential(bob, { label: 'phone' });
    const c2 = client(app, bob.email, mobile);
    await assert.rejects(c2.connect());
    const { secret: imap } = await app.directory.addCredential(bob, { label: 'desktop', services: ['IMAP'] });
    const c3 = client(app, bob.email, imap);
    await c3.connect();
    await c3.logout();
    const phone = new Phone(app, { email: bob.email, password: imap }, 'imapcred');
    const r = await phone.request('FolderSync');
    assert.equal(r.status, 401, 'the IMAP credential is refused for EAS');
    // The account password still works for IMAP with a mobile password present.
    const c4 = client(app, bob.email, 'bob-password-1');
    await c4.connect();
    await c4.logout();
  });

  test('LIST shows the mail folders with SPECIAL-USE; SMTP delivery is seen by IDLE and FETCH', async () => {
    const c = client(app, ann.email, pw);
    await c.connect();
    const boxes = await c.list();
    const byPath = new Map(boxes.map((b) => [b.path, b]));
    assert.ok(byPath.has('INBOX'));
    assert.equal(byPath.get('Sent')?.specialUse, '\\Sent');
    assert.equal(byPath.get('Trash')?.specialUse, '\\Trash');
    assert.equal(byPath.get('Drafts')?.specialUse, '\\Drafts');
    assert.equal(byPath.get('Junk')?.specialUse, '\\Junk');
    assert.ok(!byPath.has('Contacts'), 'only mail folders');
    const box = await c.mailboxOpen('INBOX');
    assert.equal(box.exists, 0);
    const seen = new Promise<number>((resolve) => c.on('exists', (d: { count: number }) => resolve(d.count)));
    const idle = c.idle();
    await deliver(app, ann.email, plainMail(ann.email, 'Hello IMAP', { body: 'the body text' }));
    assert.equal(await seen, 1);
    await c.noop(); // ends IDLE
    await idle;
    const msg = await c.fetchOne('*', { envelope: true, flags: true, uid: true, source: true, bodyStructure: true, size: true, internalDate: true });
    assert.ok(msg);
    assert.equal(msg.envelope?.subject, 'Hello IMAP');
    assert.equal(msg.uid, 1);
    assert.ok(!msg.flags?.has('\\Seen'));
    assert.ok(msg.source?.toString().includes('the body text'));
    await c.logout();
  });

  test('\\Seen in IMAP is Read at the phone; a phone Delete is an EXPUNGE in IMAP', async () => {
    const phone = await new Phone(app, { email: ann.email, password: pw }, 'seen1').ready(['Inbox']);
    const inbox = phone.folder('Inbox');
    await deliver(app, ann.email, plainMail(ann.email, 'Read me'));
    const added = serverIds(await phone.sync(inbox), 'Add');
    assert.equal(added.length, 1);
    const c = client(app, ann.email, pw);
    await c.connect();
    await c.mailboxOpen('INBOX');
    const last = await c.fetchOne('*', { uid: true, envelope: true });
    assert.ok(last);
    assert.equal(last.envelope?.subject, 'Read me');
    await c.messageFlagsAdd(String(last.uid), ['\\Seen'], { uid: true });
    const changes = commandsOf(await phone.sync(inbox), 'Change');
    assert.equal(changes.length, 1);
    assert.equal(textOf(changes[0], 'AirSync:ServerId'), added[0]);
    assert.equal(intOf(child(changes[0], 'AirSync:ApplicationData'), 'Email:Read'), 1);
    // The phone deletes it: the IMAP client is told at its next NOOP.
    const expunged = new Promise<number>((resolve) => c.on('expunge', (d: { seq: number }) => resolve(d.seq)));
    const before = c.mailbox ? c.mailbox.exists : 0;
    await phone.sync(inbox, { commands: [as('Delete', as('ServerId', added[0]))] });
    await c.noop();
    assert.equal(await expunged, before);
    const st = await c.status('INBOX', { messages: true });
    assert.equal(st && st.messages, before - 1);
    await c.logout();
  });

  test('SMTP delivery wakes an IDLE client and a held Ping alike', async () => {
    const phone = await new Phone(app, { email: ann.email, password: pw }, 'idle1').ready(['Inbox']);
    const c = client(app, ann.email, pw);
    await c.connect();
    const count = (await c.mailboxOpen('INBOX')).exists;
    const exists = new Promise<number>((resolve) => c.on('exists', (d: { count: number }) => resolve(d.count)));
    const idle = c.idle();
    const ping = phone.ping([phone.folder('Inbox')], 300);
    await phone.held();
    await deliver(app, ann.email, plainMail(ann.email, 'Both see it'));
    assert.equal(await exists, count + 1);
    assert.equal(intOf((await ping).root ?? undefined, 'Ping:Status'), 2);
    await c.noop();
    await idle;
    await c.logout();
  });

  test('folders: a phone FolderCreate appears in LIST; an IMAP RENAME and DELETE reach the phone', async () => {
    const phone = new Phone(app, { email: ann.email, password: pw }, 'fold1');
    const fs0 = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', '0')));
    const key = textOf(fs0.root ?? undefined, 'FolderHierarchy:SyncKey')!;
    const made = await phone.request('FolderCreate', fh('FolderCreate', fh('SyncKey', key), fh('ParentId', '0'), fh('DisplayName', 'Projects'), fh('Type', 12)));
    assert.equal(intOf(made.root ?? undefined, 'FolderHierarchy:Status'), 1);
    const key2 = textOf(made.root ?? undefined, 'FolderHierarchy:SyncKey')!;
    const c = client(app, ann.email, pw);
    await c.connect();
    assert.ok((await c.list()).some((b) => b.path === 'Projects'));
    await c.mailboxRename('Projects', 'Work/Projects 2026');
    assert.ok((await c.list()).some((b) => b.path === 'Work/Projects 2026'));
    const fs1 = await phone.request('FolderSync', fh('FolderSync', fh('SyncKey', key2)));
    const text = JSON.stringify(fs1.root);
    assert.ok(text.includes('Projects 2026') && text.includes('Work'), 'the phone sees the rename and the new parent');
    await c.mailboxCreate('Scratch');
    await c.mailboxDelete('Scratch');
    await assert.rejects(c.mailboxDelete('INBOX'));
    await c.logout();
  });

  test('a selected folder deleted elsewhere: the session says BYE (as Dovecot does) and ends', async () => {
    const folder = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Doomed', kind: 'mail' });
    const r = await Raw.open(app.imapPort!);
    await r.cmd('d1', `LOGIN ${ann.email} ${pw}`);
    await r.cmd('d2', 'SELECT Doomed');
    await app.store.mailbox.deleteFolder(ann.id, folder.id);
    r.write('d3 NOOP\r\n');
    assert.match(await r.until(/^\* BYE.*\r\n/m), /deleted/);
    await r.closed();
  });

  test('APPEND to Sent reaches the phone; MOVE in IMAP is a move at the phone, and a phone move is seen in IMAP', async () => {
    const phone = await new Phone(app, { email: ann.email, password: pw }, 'move1').ready(['Inbox', 'Sent', 'Trash']);
    const c = client(app, ann.email, pw);
    await c.connect();
    const appended = await c.append('Sent', Buffer.from(crlf(['From: ann@example.com', 'To: x@example.org', 'Subject: Saved by the desktop', '', 'Sent text'])), ['\\Seen']);
    assert.ok(appended && appended.uid && appended.uidValidity);
    const sentAdds = commandsOf(await phone.sync(phone.folder('Sent')), 'Add');
    assert.equal(sentAdds.length, 1);
    assert.ok(JSON.stringify(sentAdds[0]).includes('Saved by the desktop'));
    // IMAP MOVE Sent -> Trash: the phone sees a Delete in Sent and an Add in Trash.
    await c.mailboxOpen('Sent');
    const moved = await c.messageMove(String(appended.uid), 'Trash', { uid: true });
    assert.ok(moved && moved.uidMap && moved.uidMap.size === 1);
    assert.equal(serverIds(await phone.sync(phone.folder('Sent')), 'Delete').length, 1);
    const trashAdds = serverIds(await phone.sync(phone.folder('Trash')), 'Add');
    assert.equal(trashAdds.length, 1);
    // The phone moves it back to the Inbox: IMAP sees it leave Trash and arrive in INBOX.
    const box = await c.mailboxOpen('Trash');
    assert.ok(box.exists >= 1);
    const r = await easRequest(app, {
      cmd: 'MoveItems', user: ann.email, password: pw, deviceId: 'move1', version: '14.1',
      body: mv('MoveItems', mv('Move', mv('SrcMsgId', trashAdds[0]), mv('SrcFldId', phone.folder('Trash')), mv('DstFldId', phone.folder('Inbox')))),
    });
    assert.equal(intOf(child(r.root ?? undefined, 'Move:Response'), 'Move:Status'), 3);
    const gone = new Promise<void>((resolve) => c.on('expunge', () => resolve()));
    await c.noop();
    await gone;
    const inbox = await c.mailboxOpen('INBOX');
    const last = await c.fetchOne(String(inbox.exists), { envelope: true, flags: true });
    assert.ok(last);
    assert.equal(last.envelope?.subject, 'Saved by the desktop');
    assert.ok(last.flags?.has('\\Seen'));
    await c.logout();
  });

  test('QRESYNC: a resync returns only what changed (VANISHED (EARLIER) and changed flags)', async () => {
    for (let i = 0; i < 5; i++) await deliver(app, ann.email, plainMail(ann.email, `Q${i}`));
    const r = await Raw.open(app.imapPort!);
    await r.cmd('a1', `LOGIN ${ann.email} ${pw}`);
    await r.cmd('a2', 'ENABLE QRESYNC');
    const sel = await r.cmd('a3', 'SELECT INBOX');
    const validity = /UIDVALIDITY (\d+)/.exec(sel)![1];
    const highest = /HIGHESTMODSEQ (\d+)/.exec(sel)![1];
    assert.match(await r.cmd('a4', 'UID SEARCH ALL'), /^\* SEARCH( \d+){5,}\r\n/m, 'an IMAP4rev1 client gets SEARCH, not ESEARCH');
    await r.cmd('a5', 'LOGOUT');
    r.close();
    // Elsewhere: one message read, one deleted.
    const c = client(app, ann.email, pw);
    await c.connect();
    await c.mailboxOpen('INBOX');
    const all = await c.search({ all: true }, { uid: true });
    assert.ok(all && all.length >= 5);
    const [read, dead] = [all.at(-1)!, all.at(-2)!];
    await c.messageFlagsAdd(String(read), ['\\Seen'], { uid: true });
    await c.messageFlagsAdd(String(dead), ['\\Deleted'], { uid: true });
    await c.messageDelete(String(dead), { uid: true });
    await c.logout();
    const r2 = await Raw.open(app.imapPort!);
    await r2.cmd('b1', `LOGIN ${ann.email} ${pw}`);
    await r2.cmd('b2', 'ENABLE QRESYNC');
    const resync = await r2.cmd('b3', `SELECT INBOX (QRESYNC (${validity} ${highest}))`);
    assert.match(resync, new RegExp(`\\* VANISHED \\(EARLIER\\) ${dead}\\r\\n`));
    const fetches = [...resync.matchAll(/\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)/g)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(fetches, [[read, '\\Seen']], 'only the changed message');
    await r2.cmd('b4', 'LOGOUT');
    r2.close();
  });

  test('bad input: a 100 MB literal, a 1 MB line, unknown commands, wrong state: tagged answers, and the server keeps serving', async () => {
    const r = await Raw.open(app.imapPort!);
    assert.match(await r.cmd('x1', 'FETCH 1 FLAGS'), /^x1 BAD/m);
    assert.match(await r.cmd('x2', 'FROBNICATE'), /^x2 BAD/m);
    assert.match(await r.cmd('x3', `LOGIN ${ann.email} wrong-password`), /^x3 NO \[AUTHENTICATIONFAILED\]/m);
    assert.match(await r.cmd('x4', `LOGIN ${ann.email} ${pw}`), /^x4 OK/m);
    assert.match(await r.cmd('x5', 'EXPUNGE'), /^x5 BAD/m, 'EXPUNGE without a selected mailbox');
    assert.match(await r.cmd('x6', `APPEND INBOX {${100 * 1024 * 1024}}`), /^x6 NO \[TOOBIG\]/m);
    // The same announced as LITERAL+ (sent without waiting): BAD [TOOBIG], the bytes skipped, the session goes on.
    r.write(`x6b APPEND INBOX {${60 * 1024 * 1024}+}\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 60; i++) r.write(chunk);
    r.write('\r\n');
    assert.match(await r.until(/^x6b (OK|NO|BAD).*\r\n/m), /^x6b BAD \[TOOBIG\]/m);
    assert.match(await r.cmd('x6c', 'NOOP'), /^x6c OK/m);
    // A megabyte without CRLF, then the line's end.
    r.write(`x7 NOOP ${'a'.repeat(1024 * 1024)}`);
    r.write('\r\n');
    assert.match(await r.until(/^(x7|\*) BAD.*\r\n/m), /BAD/);
    assert.match(await r.cmd('x8', 'SELECT INBOX'), /^x8 OK \[READ-WRITE\]/m);
    assert.match(await r.cmd('x9', 'FETCH 999999 FLAGS'), /^x9 BAD/m);
    assert.match(await r.cmd('x10', 'UID FETCH 999999 FLAGS'), /^x10 OK/m);
    assert.match(await r.cmd('x11', 'LOGIN a b'), /^x11 BAD/m, 'LOGIN once logged in');
    assert.match(await r.cmd('x12', 'NOOP'), /^x12 OK/m);
    r.close();
  });

  test('Python imaplib: login, select, search, fetch, store, logout', async () => {
    const script = `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', ${app.imapPort})
m.login('${ann.email}', '${pw}')
typ, data = m.select('INBOX')
assert typ == 'OK', data
typ, data = m.search(None, 'ALL')
assert typ == 'OK', data
ids = data[0].split()
typ, data = m.fetch(ids[-1], '(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] FLAGS)')
assert typ == 'OK', data
assert b'Subject:' in data[0][1], data
typ, data = m.store(ids[-1], '+FLAGS', '(\\\\Flagged)')
assert typ == 'OK' and b'\\\\Flagged' in data[0], data
typ, data = m.list()
assert typ == 'OK' and any(b'\\\\Sent' in l for l in data), data
m.logout()
print('ok')
`;
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) => execFile('python3', ['-c', script], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))));
    assert.equal(out.trim(), 'ok');
  });

  test('CONDSTORE: FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE with [MODIFIED], MODSEQ in SEARCH', async () => {
    await deliver(app, ann.email, plainMail(ann.email, 'Cond 1'));
    await deliver(app, ann.email, plainMail(ann.email, 'Cond 2'));
    const r = await Raw.open(app.imapPort!);
    await r.cmd('c1', `LOGIN ${ann.email} ${pw}`);
    const sel = await r.cmd('c2', 'SELECT INBOX (CONDSTORE)');
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(sel)![1]);
    const exists = Number(/\* (\d+) EXISTS/.exec(sel)![1]);
    const all = await r.cmd('c3', `FETCH ${exists - 1}:${exists} (UID MODSEQ)`);
    const rows = [...all.matchAll(/\* (\d+) FETCH \(UID (\d+) MODSEQ \((\d+)\)\)/g)].map((m) => ({ seq: Number(m[1]), uid: Number(m[2]), modseq: Number(m[3]) }));
    assert.equal(rows.length, 2);
    assert.ok(rows.every((x) => x.modseq <= highest));
    const [a, b] = rows as [typeof rows[0], typeof rows[0]];
    // Someone else changes b.
    const other = await Raw.open(app.imapPort!);
    await other.cmd('o1', `LOGIN ${ann.email} ${pw}`);
    await other.cmd('o2', 'SELECT INBOX');
    await other.cmd('o3', `UID STORE ${b.uid} +FLAGS.SILENT (\\Flagged)`);
    other.close();
    // Our conditional store: a goes through, b was modified meanwhile.
    const st = await r.cmd('c4', `UID STORE ${a.uid},${b.uid} (UNCHANGEDSINCE ${highest}) +FLAGS (\\Answered)`);
    assert.match(st, new RegExp(`^c4 OK \\[MODIFIED ${b.uid}\\]`, 'm'));
    assert.match(st, new RegExp(`FETCH \\(UID ${a.uid} FLAGS \\(\\\\Answered\\) MODSEQ \\(\\d+\\)\\)`));
    const changed = await r.cmd('c5', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`);
    const uids = [...changed.matchAll(/FETCH \(UID (\d+)/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
    assert.deepEqual(uids, [a.uid, b.uid]);
    assert.match(await r.cmd('c6', `SEARCH MODSEQ ${highest + 1}`), /^\* SEARCH \d+ \d+ \(MODSEQ \d+\)\r\n/m);
    r.close();
  });

  test('STORE .SILENT is not echoed back by the next update (mbsync); a change by another session still is; CHECK answers as CHECK', async () => {
    await deliver(app, ann.email, plainMail(ann.email, 'Silent 1'));
    const r = await Raw.open(app.imapPort!);
    await r.cmd('s1', `LOGIN ${ann.email} ${pw}`);
    const sel = await r.cmd('s2', 'SELECT INBOX');
    const uidNext = Number(/UIDNEXT (\d+)/.exec(sel)![1]);
    const uid = uidNext - 1;
    // mbsync's way: a silent store, then CHECK; neither may carry a FETCH of the message just changed.
    const st = await r.cmd('s3', `UID STORE ${uid} +FLAGS.SILENT (\\Seen)`);
    assert.doesNotMatch(st, /FETCH/, st);
    const check = await r.cmd('s4', 'CHECK');
    assert.doesNotMatch(check, /FETCH/, check);
    assert.match(check, /^s4 OK CHECK completed\r\n/m);
    // Another session's change to the same message is reported (RFC 9051 7.5.2).
    const other = await Raw.open(app.imapPort!);
    await other.cmd('o1', `LOGIN ${ann.email} ${pw}`);
    await other.cmd('o2', 'SELECT INBOX');
    await other.cmd('o3', `UID STORE ${uid} +FLAGS.SILENT (\\Flagged)`);
    other.close();
    assert.match(await r.cmd('s5', 'NOOP'), new RegExp(`FETCH \\(UID ${uid} FLAGS \\(\\\\Seen \\\\Flagged\\)\\)`));
    r.close();
  });

  test('limits: the per-account maximum answers NO [LIMIT]; an idle connection is logged out', async () => {
    const carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
    const max = app.config.mailAccess.maxPerAccount;
    const open: Raw[] = [];
    for (let i = 0; i < max; i++) {
      const c = await Raw.open(app.imapPort!);
      assert.match(await c.cmd('l1', `LOGIN ${carol.email} carol-password-1`), /^l1 OK/m);
      open.push(c);
    }
    const extra = await Raw.open(app.imapPort!);
    assert.match(await extra.cmd('l2', `LOGIN ${carol.email} carol-password-1`), /^l2 NO \[LIMIT\]/m);
    for (const c of open) c.close();
    // The autologout (30 minutes by default) shortened for this connection.
    const saved = app.config.mailAccess.imapIdleMs;
    app.config.mailAccess.imapIdleMs = 200;
    try {
      const idle = await Raw.open(app.imapPort!);
      await idle.closed();
      assert.match(await idle.until(/^\* BYE.*\r\n/m), /Autologout/);
    } finally {
      app.config.mailAccess.imapIdleMs = saved;
    }
    await until(() => app.mailAccess.limits.count('account', carol.id) === 0, 'connections released');
    const again = await Raw.open(app.imapPort!);
    assert.match(await again.cmd('l3', `LOGIN ${carol.email} carol-password-1`), /^l3 OK/m);
    again.close();
  });
});

describe('IMAP with TLS: STARTTLS, implicit TLS, LOGINDISABLED from a non-loopback address', () => {
  let app: TestApp;
  let dir: string;
  const user = 'dora@example.com';
  const pass = 'dora-password-1';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-imap-tls-'));
    const code = await run(['tls', 'selfSigned', 'localhost', dir, 'force', 'true', '--json'], { env: {}, stdout: () => undefined, stderr: () => undefined });
    assert.equal(code, 0);
    app = await startTestApp({ env: { CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    await app.directory.createAccount({ email: user, password: pass });
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('from 127.0.0.2: LOGINDISABLED and STARTTLS announced, LOGIN refused; after STARTTLS the login works', async () => {
    const r = await Raw.open(app.imapPort!, { localAddress: '127.0.0.2' });
    assert.match(r.greeting, /LOGINDISABLED/);
    assert.match(r.greeting, /STARTTLS/);
    assert.doesNotMatch(r.greeting, /AUTH=PLAIN/);
    assert.match(await r.cmd('t1', `LOGIN ${user} ${pass}`), /^t1 NO \[PRIVACYREQUIRED\]/m);
    assert.match(await r.cmd('t2', 'AUTHENTICATE PLAIN'), /^t2 NO \[PRIVACYREQUIRED\]/m);
    // A command pipelined in clear after STARTTLS must not run over TLS (CVE-2011-0411).
    r.write('t3 STARTTLS\r\nt4 NOOP\r\n');
    await r.until(/^t3 OK.*\r\n/m);
    r.sock.removeAllListeners('data');
    r.sock.removeAllListeners('close');
    const secure = tls.connect({ socket: r.sock, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => { secure.once('secureConnect', () => resolve()); secure.once('error', reject); });
    secure.setEncoding('latin1');
    let got = '';
    secure.on('data', (d: string) => { got += d; });
    secure.write(`t5 CAPABILITY\r\nt6 LOGIN ${user} ${pass}\r\n`);
    await until(() => /^t6 (OK|NO|BAD).*\r\n/m.test(got), 'the login answer over TLS');
    assert.doesNotMatch(got, /t4 /, 'the pipelined clear-text command was dropped');
    assert.doesNotMatch(got, /LOGINDISABLED|STARTTLS/);
    assert.match(got, /AUTH=PLAIN/);
    assert.match(got, /^t6 OK/m);
    secure.destroy();
  });

  test('imapflow over implicit TLS (IMAPS)', async () => {
    assert.ok(app.imapsPort);
    const c = new ImapFlow({ host: '127.0.0.1', port: app.imapsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass }, logger: false });
    await c.connect();
    assert.ok((await c.list()).some((b) => b.path === 'INBOX'));
    await c.logout();
  });
});
