// The IMAP server against an independent real client, Debian's mbsync (isync), as a desktop user would
// run it (issue 18): a Maildir mirror of every folder over plaintext LOGIN from loopback. The first sync
// pulls every folder and message (counts and bytes checked against the store, with the CRLF -> LF that
// mbsync does for Maildir); flags set in the Maildir reach the store (Read, Flagged, what phones see); a
// message deleted on the server (a phone's Delete) leaves the Maildir; a file put in the Maildir's Sent is
// APPENDed; a sync with nothing changed transfers nothing and exits 0. Skipped when mbsync is not
// installed (.ci/run installs it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/cli/main.js';
import { parseMessage } from '../src/mail/parse.js';
import type { Account, Folder, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runTool, which, type RunResult } from './helpers/external.js';
import { crlf, deliver, plainMail } from './helpers/phone.js';

const MBSYNC = which('mbsync');

const pick = (f: { seen: boolean; flagged: boolean }) => ({ seen: f.seen, flagged: f.flagged });

/** The Maildir files of one folder (cur and new), name -> bytes. */
function maildirFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of ['cur', 'new']) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) out.set(path.join(sub, f), fs.readFileSync(path.join(d, f)));
  }
  return out;
}

const lf = (b: Buffer | Uint8Array): string => Buffer.from(b).toString('latin1').replace(/\r\n/g, '\n');
/**
 * A Maildir file as the server's message: mbsync writes LF line ends and adds an X-TUID header to every
 * message it copies (its own marker to find the copy again, isync's documented behaviour), so that
 * header line is taken out before comparing.
 */
const unTuid = (b: Buffer): string => lf(b).replace(/^X-TUID: [^\n]*\n/m, '');

void describe('IMAP interop: mbsync', { skip: MBSYNC ? false : 'mbsync (isync) is not installed: apt-get install isync' }, () => {
  let app: TestApp;
  let ann: Account;
  let dir: string;
  let rc: string;
  const pw = 'ann-mbsync-password-1';
  const mail = () => path.join(dir, 'mail');

  /**
   * One `mbsync -a` with its network trace (-Dn): it must exit 0 and see no tagged NO or BAD (mbsync
   * carries on past some of them, so the exit code alone would hide them); returns the commands it sent.
   */
  const sync = async (): Promise<{ run: RunResult; sent: string[] }> => {
    const run = await runTool(MBSYNC!, ['-c', rc, '-Dn', '-a']);
    const out = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, `mbsync failed:\n${out}`);
    assert.doesNotMatch(out, /^\d+ (NO|BAD) /m, `a command refused:\n${out}`);
    assert.doesNotMatch(out, /^\*\* |Error|error:/m, `mbsync complained:\n${out}`);
    const sent = out.split('\n').filter((l) => l.startsWith('>>> ')).map((l) => l.replace(/^>>> \d+ /, ''));
    return { run, sent };
  };

  /** Every mail folder with its items, by IMAP name. */
  const serverState = async (): Promise<Map<string, { folder: Folder; items: Item[] }>> => {
    const folders = await app.store.mailbox.listFolders(ann.id);
    const out = new Map<string, { folder: Folder; items: Item[] }>();
    for (const f of folders) {
      if (f.kind !== 'mail') continue;
      const name = f.role === 'inbox' ? 'INBOX' : f.parentId && folders.find((p) => p.id === f.parentId)?.kind === 'mail' ? `${folders.find((p) => p.id === f.parentId)!.name}/${f.name}` : f.name;
      out.set(name, { folder: f, items: await app.store.mailbox.listItems(ann.id, f.id) });
    }
    return out;
  };

  /** The Maildir folder of an IMAP name (mbsync's SubFolders Verbatim: "A/B" is the directory A/B). */
  const localDir = (name: string): string => path.join(mail(), name);

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-mbsync-'));
    fs.mkdirSync(mail());
    rc = path.join(dir, 'mbsyncrc');
    fs.writeFileSync(rc, [
      'IMAPAccount carbonio',
      'Host 127.0.0.1',
      `Port ${app.imapPort!}`,
      'User ann@example.com',
      `Pass ${pw}`,
      'AuthMechs LOGIN',
      'SSLType None',
      '',
      'IMAPStore remote',
      'Account carbonio',
      '',
      'MaildirStore local',
      `Path ${mail()}/`,
      `Inbox ${mail()}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel everything',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Both',
      'Expunge Both',
      'SyncState *',
      '',
    ].join('\n'));
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('first sync pulls every folder and message; flags, deletes and an APPEND to Sent go both ways; an idle sync transfers nothing', async () => {
    // A mailbox with mail in the Inbox, a user folder with a sub-folder, and Sent.
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const work = await app.store.mailbox.createFolder(ann.id, { parentId: null, name: 'Work', kind: 'mail' });
    const y2024 = await app.store.mailbox.createFolder(ann.id, { parentId: work.id, name: '2024', kind: 'mail' });
    for (let i = 1; i <= 3; i++) await deliver(app, ann.email, plainMail(ann.email, `inbox ${i}`, { body: `body ${i}\r\n.dot line\r\nend` }));
    const add = async (folder: Folder, subject: string) => {
      const raw = Buffer.from(plainMail(ann.email, subject, { body: crlf(['filed', 'x'.repeat(200)]) }));
      const parsed = await parseMessage(raw);
      return app.store.mailbox.addMessage(ann.id, folder.id, { raw, meta: parsed.meta, text: parsed.text });
    };
    await add(work, 'work a');
    await add(work, 'work b');
    await add(y2024, 'old report');
    await app.store.mailbox.updateItem(ann.id, (await add(inbox, "already read")).id, { flags: { seen: true } });

    const first = await sync();
    assert.ok(first.sent.some((c) => /^LOGIN /.test(c)), 'plaintext LOGIN from loopback');
    const server = await serverState();
    for (const [name, { items }] of server) {
      const files = maildirFiles(localDir(name));
      assert.equal(files.size, items.length, `${name}: ${files.size} files for ${items.length} messages`);
      const local = [...files.values()].map(unTuid).sort();
      const remote = (await Promise.all(items.map(async (it) => lf(Buffer.from((await app.store.blobs.get(it.blobId!))!))))).sort();
      assert.deepEqual(local, remote, `${name}: the same bytes`);
    }
    // The message read before the sync carries S in its Maildir name, the others nothing.
    const inboxFiles = [...maildirFiles(localDir('INBOX'))];
    const flagsOf = (name: string) => /:2,([A-Z]*)$/.exec(name)?.[1] ?? '';
    const readOne = inboxFiles.find(([, b]) => b.toString('latin1').includes('Subject: already read'))!;
    assert.equal(flagsOf(readOne[0]), 'S');
    assert.equal(inboxFiles.filter(([n]) => flagsOf(n) === '').length, 3);

    // Flags set on the Maildir side (a mail reader marks one read, flags another) reach the server.
    const subjectOf = (b: Buffer) => /^Subject: (.*)$/m.exec(b.toString('latin1'))?.[1];
    const setLocalFlags = (folder: string, subject: string, flags: string) => {
      const [name] = [...maildirFiles(localDir(folder))].find(([, b]) => subjectOf(b) === subject)!;
      const base = path.basename(name).replace(/:2,[A-Z]*$/, '');
      fs.renameSync(path.join(localDir(folder), name), path.join(localDir(folder), 'cur', `${base}:2,${flags}`));
    };
    setLocalFlags('INBOX', 'inbox 1', 'S');
    setLocalFlags('INBOX', 'inbox 2', 'F');
    setLocalFlags('Work', 'work a', 'FS');
    const second = await sync();
    assert.ok(second.sent.some((c) => /^UID STORE \d+ \+FLAGS\.SILENT \(\\Seen\)/.test(c)), second.sent.join('\n'));
    const bySubject = async (folder: Folder, subject: string) => {
      const items = await app.store.mailbox.listItems(ann.id, folder.id);
      return items.find((it) => it.meta?.subject === subject)!;
    };
    assert.deepEqual(pick((await bySubject(inbox, 'inbox 1')).flags), { seen: true, flagged: false });
    assert.deepEqual(pick((await bySubject(inbox, 'inbox 2')).flags), { seen: false, flagged: true });
    assert.deepEqual(pick((await bySubject(inbox, 'inbox 3')).flags), { seen: false, flagged: false });
    assert.deepEqual(pick((await bySubject(work, 'work a')).flags), { seen: true, flagged: true });

    // A message deleted on the server (a phone's Delete) leaves the Maildir at the next sync; a message
    // written into the Maildir's Sent (a desktop client saving what it sent) is APPENDed.
    const gone = await bySubject(work, 'work b');
    await app.store.mailbox.deleteItem(ann.id, gone.id);
    const sent = (await app.store.mailbox.getFolderByRole(ann.id, 'sent'))!;
    const outgoing = crlf(['From: ann@example.com', 'To: bob@example.net', 'Subject: sent from the desktop', 'Date: Wed, 02 Dec 2026 10:00:00 +0000', 'Message-ID: <desk-1@example.com>', '', 'Hello Bob.', '.', 'Ann']).replace(/\r\n/g, '\n');
    fs.writeFileSync(path.join(localDir('Sent'), 'cur', '1764669600.1_1.desktop:2,S'), outgoing);
    const third = await sync();
    assert.ok(third.sent.some((c) => c.startsWith('APPEND "Sent"')), third.sent.join('\n'));
    assert.deepEqual([...maildirFiles(localDir('Work'))].map(([, b]) => subjectOf(b)), ['work a']);
    const sentItems = await app.store.mailbox.listItems(ann.id, sent.id);
    assert.equal(sentItems.length, 1, 'the APPEND reached Sent');
    assert.equal(sentItems[0]!.flags.seen, true);
    const stored = unTuid(Buffer.from((await app.store.blobs.get(sentItems[0]!.blobId!))!));
    assert.equal(stored, outgoing, 'the server has the message as written (CRLF on the wire)');

    // Nothing changed since: the sync transfers nothing and ends cleanly.
    const idle = await sync();
    const writes = idle.sent.filter((c) => /^(APPEND|UID STORE|STORE|EXPUNGE|UID EXPUNGE|CREATE|DELETE|RENAME|UID MOVE|UID COPY)\b/.test(c) || /BODY/.test(c));
    assert.deepEqual(writes, [], 'an idle sync fetches only UIDs and flags and changes nothing');
    assert.equal(idle.sent.filter((c) => c.startsWith('SELECT')).length, 8, 'every folder looked at');
  });
});

void describe('IMAP interop: mbsync over TLS (STARTTLS, IMAPS) with SASL PLAIN', { skip: MBSYNC ? false : 'mbsync (isync) is not installed: apt-get install isync' }, () => {
  let app: TestApp;
  let dir: string;
  let cat: Account;
  const pw = 'cat-mbsync-password-1';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-mbsync-tls-'));
    const code = await run(['tls', 'selfSigned', 'localhost', dir, 'force', 'true', '--json'], { env: {}, stdout: () => undefined, stderr: () => undefined });
    assert.equal(code, 0);
    app = await startTestApp({ env: { CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    cat = await app.directory.createAccount({ email: 'cat@example.com', password: pw });
    await deliver(app, cat.email, plainMail(cat.email, 'over tls', { body: crlf(['.dot', 'secret body']) }));
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // The certificate is the self-signed one for "localhost": mbsync checks it against CertificateFile and
  // the Host name, so it connects to "localhost" (the app listens on 127.0.0.1; Tunnel is not needed).
  for (const mode of ['STARTTLS', 'IMAPS'] as const) {
    test(`${mode}: AUTHENTICATE PLAIN after the handshake, the Inbox mirrored byte for byte`, async () => {
      const mail = path.join(dir, `mail-${mode}`);
      fs.mkdirSync(mail);
      const rc = path.join(dir, `rc-${mode}`);
      fs.writeFileSync(rc, [
        'IMAPAccount carbonio',
        'Host localhost',
        `Port ${mode === 'STARTTLS' ? app.imapPort! : app.imapsPort!}`,
        `User ${cat.email}`,
        `Pass ${pw}`,
        'AuthMechs PLAIN',
        `SSLType ${mode}`,
        `CertificateFile ${path.join(dir, 'cert.pem')}`,
        '',
        'IMAPStore remote',
        'Account carbonio',
        '',
        'MaildirStore local',
        `Path ${mail}/`,
        `Inbox ${mail}/INBOX`,
        '',
        'Channel inbox',
        'Far :remote:INBOX',
        'Near :local:INBOX',
        'Create Near',
        'SyncState *',
        '',
      ].join('\n'));
      const r = await runTool(MBSYNC!, ['-c', rc, '-Dn', '-a']);
      const out = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 0, out);
      assert.match(out, /^>>> \d+ AUTHENTICATE PLAIN/m, out);
      if (mode === 'STARTTLS') assert.match(out, /^>>> \d+ STARTTLS/m, out);
      assert.doesNotMatch(out, /Password is being sent in the clear/);
      const files = [...maildirFiles(path.join(mail, 'INBOX')).values()];
      assert.equal(files.length, 1);
      const [item] = await app.store.mailbox.listItems(cat.id, (await app.store.mailbox.getFolderByRole(cat.id, 'inbox'))!.id);
      assert.equal(unTuid(files[0]!), lf(Buffer.from((await app.store.blobs.get(item!.blobId!))!)));
    });
  }
});

const MUTT = which('mutt');
const SCRIPT = which('script');

void describe('IMAP interop: mutt', { skip: MUTT && SCRIPT ? false : 'mutt or script (util-linux) is not installed: apt-get install mutt' }, () => {
  let app: TestApp;
  let dan: Account;
  let dir: string;
  const pw = 'dan-mutt-password-1';

  before(async () => {
    app = await startTestApp();
    dan = await app.directory.createAccount({ email: 'dan@example.com', password: pw });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-mutt-'));
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // mutt is a terminal program: it runs under script(1) for a pseudo-terminal, its keystrokes pushed with
  // -e 'push ...' (tag by subject, flag, save to another folder, sync, exit), its IMAP trace in
  // ~/.muttdebug0 (-d 2). A folder with a non-ASCII name checks the UTF-8 names mutt ENABLEs (UTF8=ACCEPT).
  test('flag and save to a folder with a UTF-8 name: \\Flagged and the move reach the store; no NO or BAD', async () => {
    for (const n of [0, 1, 2]) await deliver(app, dan.email, plainMail(dan.email, `mutt ${n}`));
    const cafe = await app.store.mailbox.createFolder(dan.id, { parentId: null, name: 'Café', kind: 'mail' });
    const rc = path.join(dir, 'muttrc');
    fs.writeFileSync(rc, [
      `set folder="imap://127.0.0.1:${app.imapPort!}/"`,
      'set spoolfile="+INBOX"',
      `set imap_user="${dan.email}"`,
      `set imap_pass="${pw}"`,
      // Plaintext from loopback is allowed (no certificate here); nothing may stop on a question.
      'set ssl_starttls=no', 'set ssl_force_tls=no', 'set delete=yes', 'set move=no', 'set confirmappend=no', 'set confirmcreate=no',
      'set header_cache=""', 'set timeout=1', 'set mail_check=1',
      '',
    ].join('\n'));
    const keys = '<tag-pattern>~s mutt.1<enter><tag-prefix><set-flag>!<untag-pattern>~A<enter>'
      + '<tag-pattern>~s mutt.2<enter><tag-prefix><save-message>=Café<enter><sync-mailbox><exit>';
    const cmd = `mutt -n -F ${rc} -d 2 -e 'push "${keys}"'`;
    const r = await runTool(SCRIPT!, ['-qec', cmd, '/dev/null'], { env: { TERM: 'vt100', HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeoutMs: 30_000 });
    const trace = fs.existsSync(path.join(dir, '.muttdebug0')) ? fs.readFileSync(path.join(dir, '.muttdebug0'), 'utf8') : '';
    assert.equal(r.code, 0, `mutt did not finish (a prompt?):\n${r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' ').slice(-800)}`);
    assert.doesNotMatch(trace, /^\[[^\]]+\] \d< a\d+ (NO|BAD) /m, trace);
    const subjects = async (folderId: Folder['id']) => (await app.store.mailbox.listItems(dan.id, folderId)).map((i) => [i.meta?.subject, i.flags.flagged]);
    const inbox = (await app.store.mailbox.getFolderByRole(dan.id, 'inbox'))!;
    assert.deepEqual(await subjects(inbox.id), [['mutt 0', false], ['mutt 1', true]]);
    assert.deepEqual(await subjects(cafe.id), [['mutt 2', false]]);
    assert.match(trace, /"Café"/, 'the folder named in UTF-8 (mutt enabled UTF8=ACCEPT)');
  });
});
