// The POP3 server against an independent real client, Debian's fetchmail, as a desktop user would run it
// (issue 18): USER/PASS over plaintext from loopback, delivery into an MDA that writes each message to a
// file. With --keep and client-side UIDL tracking (--uidl) the messages stay on the server and a second
// run fetches nothing new, a newly delivered one only that one; the files are the stored messages byte for
// byte after the CR stripping fetchmail does for an MDA; without --keep (and with --all) the fetched
// messages leave the Inbox, for phones too. Skipped when fetchmail is not installed (.ci/run installs it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/cli/main.js';
import { parseMessage } from '../src/mail/parse.js';
import type { BlobId } from '../src/core/ids.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runTool, which, type RunResult } from './helpers/external.js';
import { itemsIn } from './helpers/mailbox.js';
import { crlf, deliver, plainMail } from './helpers/phone.js';

const FETCHMAIL = which('fetchmail');

void describe('POP3 interop: fetchmail', { skip: FETCHMAIL ? false : 'fetchmail is not installed: apt-get install fetchmail' }, () => {
  let app: TestApp;
  let alice: Account;
  let dir: string;
  let rc: string;
  const pw = 'alice-fetchmail-password 1';
  const out = () => path.join(dir, 'delivered');

  /**
   * One fetchmail run (verbose twice: the POP3 dialogue is in the output). Exit code 0 is "mail
   * retrieved", 1 "no new mail" (fetchmail(1) EXIT CODES); anything else fails the test.
   */
  const fetch = async (...args: string[]): Promise<RunResult & { trace: string }> => {
    const run = await runTool(FETCHMAIL!, ['-f', rc, '-v', '-v', '--nosyslog', '--invisible', '--idfile', path.join(dir, 'fetchids'), ...args], {
      env: { FETCHMAILHOME: dir, HOME: dir },
    });
    const trace = `${run.stdout}\n${run.stderr}`;
    assert.ok(run.code === 0 || run.code === 1, `fetchmail exited ${run.code}:\n${trace}`);
    assert.doesNotMatch(trace, /^fetchmail: POP3< -ERR/m, `a command refused:\n${trace}`);
    return { ...run, trace };
  };
  const delivered = (): Map<string, Buffer> => new Map(fs.readdirSync(out()).sort().map((f) => [f, fs.readFileSync(path.join(out(), f))]));
  const clearDelivered = () => { for (const f of fs.readdirSync(out())) fs.rmSync(path.join(out(), f)); };
  /** The stored message as fetchmail hands it to an MDA: CR stripped (its stripcr default with an mda). */
  const asDelivered = async (blobId: BlobId): Promise<string> => Buffer.from((await app.store.blobs.get(blobId))!).toString('latin1').replace(/\r\n/g, '\n');

  before(async () => {
    app = await startTestApp();
    alice = await app.directory.createAccount({ email: 'alice@example.com', password: pw });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-fetchmail-'));
    fs.mkdirSync(out());
    const mda = path.join(dir, 'mda.sh');
    fs.writeFileSync(mda, `#!/bin/sh\nexec cat > "$(mktemp '${out()}/msg.XXXXXX')"\n`, { mode: 0o755 });
    rc = path.join(dir, 'fetchmailrc');
    // fetchmail refuses an rc file others can read (it holds the password).
    fs.writeFileSync(rc, [
      `poll 127.0.0.1 service ${app.pop3Port!} protocol POP3 uidl`,
      `  user "alice@example.com" there with password "${pw}" is "${os.userInfo().username}" here`,
      // fetchmail 6.4 tries STLS even when CAPA does not offer it and gives up when it fails; this app
      // has no certificate, and plaintext is allowed from loopback: sslproto '' turns the attempt off.
      `  sslproto ''`,
      `  no rewrite`,
      `  mda "${mda}"`,
      '',
    ].join('\n'), { mode: 0o600 });
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--keep with UIDL: byte-exact delivery, nothing fetched twice; without --keep the Inbox is emptied', async () => {
    // Dot lines (dot-stuffed on the wire), a long line, an 8-bit body, a last line without its CRLF.
    await deliver(app, alice.email, plainMail(alice.email, 'fm one', { body: crlf(['.leading dot', '..two', '.', 'end']) }));
    await deliver(app, alice.email, plainMail(alice.email, 'fm two', { body: crlf(['x'.repeat(990), 'caf\u00e9 na\u00efve']), headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'] }));
    await deliver(app, alice.email, plainMail(alice.email, 'fm three', { body: 'no newline at end' }).replace(/\r\n$/, ''));

    const first = await fetch('--keep');
    assert.equal(first.code, 0, first.trace);
    const items = await itemsIn(app, alice, 'inbox');
    assert.equal(items.length, 3);
    const want = (await Promise.all(items.map((it) => asDelivered(it.blobId!)))).map((m) => (m.endsWith('\n') ? m : `${m}\n`)).sort();
    const got = [...delivered().values()].map((b) => b.toString('latin1')).sort();
    assert.deepEqual(got, want, 'each message as stored (fetchmail strips CR and ends the last line)');
    assert.doesNotMatch(first.trace, /not the expected length/, 'LIST gave the size RETR sends');
    // --keep reads with TOP n 99999999 (so a server that marks RETR'd mail seen does not), --all with RETR.
    assert.match(first.trace, /POP3> TOP 1 99999999/);

    // Again with --keep: UIDL says nothing is new.
    clearDelivered();
    const second = await fetch('--keep');
    assert.equal(second.code, 1, `no new mail:\n${second.trace}`);
    assert.equal(delivered().size, 0);
    // One new message: only that one.
    await deliver(app, alice.email, plainMail(alice.email, 'fm four'));
    const third = await fetch('--keep');
    assert.equal(third.code, 0, third.trace);
    assert.deepEqual([...delivered().values()].map((b) => /^Subject: (.*)$/m.exec(b.toString('latin1'))?.[1]), ['fm four']);
    assert.equal((await itemsIn(app, alice, 'inbox')).length, 4, '--keep deletes nothing');

    // Without --keep, all of them (--all: the seen ones too): fetched, then deleted on the server.
    clearDelivered();
    const last = await fetch('--all');
    assert.equal(last.code, 0, last.trace);
    assert.equal(delivered().size, 4);
    assert.match(last.trace, /POP3> DELE 4[\s\S]*POP3< \+OK .*\(4 messages deleted\)/);
    assert.equal((await itemsIn(app, alice, 'inbox')).length, 0, 'DELE + QUIT emptied the Inbox');
    assert.doesNotMatch(last.trace, /not the expected length/);
  });

  // RFC 1939 section 11: a bare LF counts as two octets. fetchmail asks LIST n before each RETR and
  // compares; LIST n counts the message's bytes (src/pop3/maildrop.ts exactSize). Before that it gave the
  // stored size and fetchmail warned "was not the expected length (97 actual != 89 expected)".
  test('a message stored with bare LFs (an import): LIST n gives the octets RETR sends, no length warning', async () => {
    const inbox = (await app.store.mailbox.getFolderByRole(alice.id, 'inbox'))!;
    const lfOnly = Buffer.from('From: a@example.net\nTo: alice@example.com\nSubject: fm lf\n\nimported\n.dot\nno newline at end');
    const parsed = await parseMessage(lfOnly);
    await app.store.mailbox.addMessage(alice.id, inbox.id, { raw: lfOnly, meta: parsed.meta, text: parsed.text });
    clearDelivered();
    const r = await fetch('--keep', '--all');
    assert.equal([...delivered().values()].map((b) => b.toString('latin1')).join(''), `${lfOnly.toString('latin1')}\n`);
    assert.doesNotMatch(r.trace, /not the expected length/);
  });
});

void describe('POP3 interop: fetchmail over TLS (STLS, implicit TLS)', { skip: FETCHMAIL ? false : 'fetchmail is not installed: apt-get install fetchmail' }, () => {
  let app: TestApp;
  let dir: string;
  let bea: Account;
  const pw = 'bea-fetchmail-password 1';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-fetchmail-tls-'));
    const code = await run(['tls', 'selfSigned', 'localhost', dir, 'force', 'true', '--json'], { env: {}, stdout: () => undefined, stderr: () => undefined });
    assert.equal(code, 0);
    app = await startTestApp({ env: { CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    bea = await app.directory.createAccount({ email: 'bea@example.com', password: pw });
    fs.mkdirSync(path.join(dir, 'delivered'));
    fs.writeFileSync(path.join(dir, 'mda.sh'), `#!/bin/sh\nexec cat > "$(mktemp '${dir}/delivered/msg.XXXXXX')"\n`, { mode: 0o755 });
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // fetchmail's default (6.4): STLS when the server offers it, the certificate checked (here against the
  // self-signed one, named localhost). Implicit TLS with `ssl` on the POP3S port.
  for (const mode of ['STLS', 'implicit'] as const) {
    test(`${mode}: the certificate checks out, login and a byte-exact fetch with --keep`, async () => {
      const subject = `over ${mode}`;
      await deliver(app, 'bea@example.com', plainMail('bea@example.com', subject, { body: crlf(['.dot', 'tls body']) }));
      const rc = path.join(dir, `rc-${mode}`);
      fs.writeFileSync(rc, [
        `poll 127.0.0.1 service ${mode === 'STLS' ? app.pop3Port! : app.pop3sPort!} protocol POP3 uidl`,
        `  user "bea@example.com" there with password "${pw}" is "${os.userInfo().username}" here`,
        mode === 'implicit' ? '  ssl' : '  sslproto "auto"',
        `  sslcertck sslcertfile "${path.join(dir, 'cert.pem')}" sslcommonname "localhost"`,
        `  no rewrite mda "${path.join(dir, 'mda.sh')}"`,
        '',
      ].join('\n'), { mode: 0o600 });
      for (const f of fs.readdirSync(path.join(dir, 'delivered'))) fs.rmSync(path.join(dir, 'delivered', f));
      const r = await runTool(FETCHMAIL!, ['-f', rc, '-v', '-v', '--nosyslog', '--invisible', '--keep', '--all', '--idfile', path.join(dir, `ids-${mode}`)], { env: { FETCHMAILHOME: dir, HOME: dir } });
      const trace = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 0, trace);
      if (mode === 'STLS') assert.match(trace, /POP3> STLS\n[\s\S]*POP3< \+OK/);
      const got = fs.readdirSync(path.join(dir, 'delivered')).map((f) => fs.readFileSync(path.join(dir, 'delivered', f), 'latin1'));
      const mine = got.find((m) => m.includes(`Subject: ${subject}`));
      assert.ok(mine, trace);
      const item = (await itemsIn(app, bea, 'inbox')).find((i) => i.meta?.subject === subject);
      assert.equal(mine, Buffer.from((await app.store.blobs.get(item!.blobId!))!).toString('latin1').replace(/\r\n/g, '\n'));
    });
  }
});
