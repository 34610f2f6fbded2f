// The POP3 server (issue 18 parts 2-4) over real sockets, with Python's poplib as a real client and a raw
// client for what poplib hides: the password rules (account password and POP3 credentials work, a mobile
// password and an IMAP credential do not; an IMAP credential fails for EAS too), the lockout with its
// fail2ban line, USER/PASS and AUTH PLAIN (initial response and continuation), UIDL stable across
// sessions, DELE + QUIT seen by a phone (a held Ping wakes, the next Sync has the Delete), RSET, a dropped
// connection deleting nothing, dot-stuffing and CRLF, STLS and the plain-text rule from a non-loopback
// address (127.0.0.2), the connection limits, over-long lines, unknown and wrong-state commands, the idle
// time-out, and the goodbye at shutdown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/cli/main.js';
import { textOf } from '../src/eas/wbxml/index.js';
import { parseMessage } from '../src/mail/parse.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { itemsIn } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { Phone, crlf, deliver, plainMail, serverIds } from './helpers/phone.js';
import { until } from './helpers/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const POPLIB = path.join(root, 'test/fixtures/pop3/poplib-client.py');

type Step = [string, ...Array<string | number>];
type StepResult = { ok: unknown } | { error: string };

/** Runs poplib against `port` with these steps; one result per step. */
function poplib(port: number, steps: Step[], opts: { tls?: boolean } = {}): Promise<StepResult[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', [POPLIB], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`poplib exited ${code}: ${err}`));
      resolve(JSON.parse(out) as StepResult[]);
    });
    p.stdin.end(JSON.stringify({ port, tls: opts.tls ?? false, steps }));
  });
}

const okOf = (r: StepResult | undefined): unknown => {
  assert.ok(r && 'ok' in r, `expected +OK, got ${JSON.stringify(r)}`);
  return r.ok;
};
const errOf = (r: StepResult | undefined): string => {
  assert.ok(r && 'error' in r, `expected -ERR, got ${JSON.stringify(r)}`);
  return r.error;
};

/** A raw POP3 client: one line at a time, multi-line answers up to the ".". */
class Raw {
  private buf = Buffer.alloc(0);
  private waiting: Array<() => void> = [];
  closed = false;

  private constructor(public socket: net.Socket) {
    this.listen(socket);
  }

  static async connect(port: number, opts: { localAddress?: string; tls?: boolean } = {}): Promise<Raw> {
    const socket = opts.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) })
      : net.connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const c = new Raw(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return c;
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiting.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  /** The next line without CRLF; null once the server closed and nothing is left. */
  async line(): Promise<string | null> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Lines up to the terminating "." (excluded), as sent (still dot-stuffed). */
  async multi(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      assert.ok(l !== null, 'connection closed inside a multi-line answer');
      if (l === '.') return out;
      out.push(l);
    }
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  async cmd(text: string): Promise<string> {
    this.write(`${text}\r\n`);
    const l = await this.line();
    assert.ok(l !== null, `connection closed after ${text.split(' ')[0]}`);
    return l;
  }

  /** STLS, then the handshake over the same socket. */
  async stls(): Promise<string> {
    const r = await this.cmd('STLS');
    if (!r.startsWith('+OK')) return r;
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.listen(secure);
    return r;
  }

  waitClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  end(): void {
    this.socket.destroy();
  }
}

/** Connect, greeting, USER/PASS; returns the client and the PASS answer. */
async function rawLogin(port: number, user: string, pass: string, opts: { localAddress?: string } = {}): Promise<{ c: Raw; r: string }> {
  const c = await Raw.connect(port, opts);
  assert.match((await c.line()) ?? '', /^\+OK /);
  const u = await c.cmd(`USER ${user}`);
  if (!u.startsWith('+OK')) return { c, r: u };
  return { c, r: await c.cmd(`PASS ${pass}`) };
}

const ALICE_PW = 'alice-pop-password 1';

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])]) {
  void describe(`pop3 (${backend})`, () => {
    let app: TestApp;
    let alice: Account;
    let port: number;
    const secrets: string[] = [ALICE_PW];

    before(async () => {
      app = await startTestApp({ postgres: backend === 'postgres', env: { CARBONIO_AUTH_MAX_FAILURES: '3' } });
      alice = await app.directory.createAccount({ email: 'alice@example.com', password: ALICE_PW });
      assert.ok(app.pop3Port);
      port = app.pop3Port;
      // Without a certificate there is no implicit-TLS POP3 port.
      assert.equal(app.pop3sPort, null);
    });
    after(async () => {
      for (const line of app.logs) for (const s of secrets) assert.ok(!line.includes(s), `a secret in the log: ${line}`);
      await app.stop();
    });

    void test('account password: poplib logs in; STAT, LIST, UIDL, RETR (byte-exact, dot-stuffed), TOP', async () => {
      const body = crlf(['first line', '.starts with a dot', '..two dots', '', 'after a blank', 'x'.repeat(1500)]);
      await deliver(app, 'alice@example.com', plainMail('alice@example.com', 'Hello POP', { body }));
      const [item] = await itemsIn(app, alice, 'inbox');
      assert.ok(item?.blobId);
      const raw = Buffer.from((await app.store.blobs.get(item.blobId))!).toString('latin1');
      const r = await poplib(port, [['welcome'], ['capa'], ['user', 'alice@example.com'], ['pass', ALICE_PW], ['stat'], ['list'], ['uidl'], ['retr', 1], ['top', 1, 1], ['quit']]);
      assert.match(okOf(r[0]) as string, /^\+OK /);
      const capa = okOf(r[1]) as Record<string, string[]>;
      for (const c of ['TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'IMPLEMENTATION']) assert.ok(c in capa, `CAPA has ${c}`);
      assert.deepEqual(capa.SASL, ['PLAIN']);
      assert.ok(!('STLS' in capa), 'no STLS without a certificate');
      assert.match(okOf(r[3]) as string, /^\+OK Logged in; 1 messages/);
      assert.deepEqual(okOf(r[4]), [1, item.size]);
      assert.deepEqual(okOf(r[5]), [`1 ${item.size}`]);
      assert.deepEqual(okOf(r[6]), [`1 ${item.id}`]);
      // poplib undoes the dot-stuffing: what it returns is the stored message, line for line.
      assert.equal(okOf(r[7]), raw);
      const top = okOf(r[8]) as string;
      assert.equal(top, `${raw.slice(0, raw.indexOf('\r\n\r\n') + 4)}first line\r\n`);
      assert.match(okOf(r[9]) as string, /^\+OK .*0 messages deleted/);
      // On the wire the dot lines are stuffed.
      const { c } = await rawLogin(port, 'alice@example.com', ALICE_PW);
      assert.match(await c.cmd('RETR 1'), /^\+OK \d+ octets$/);
      const lines = await c.multi();
      assert.ok(lines.includes('..starts with a dot') && lines.includes('...two dots'));
      assert.match(await c.cmd('QUIT'), /^\+OK/);
      await c.waitClosed();
      // The mail is still there: POP3 changes no flags and deletes only on DELE.
      const [still] = await itemsIn(app, alice, 'inbox');
      assert.equal(still?.id, item.id);
      assert.equal(still.flags.seen, false);
    });

    void test('a message stored with bare LFs (an import) goes out with CRLF; the last line is ended', async () => {
      const inbox = await app.store.mailbox.getFolderByRole(alice.id, 'inbox');
      const lf = Buffer.from('From: a@example.net\nSubject: lf\n\nline one\n.dot\nno newline at end');
      const parsed = await parseMessage(lf);
      const added = await app.store.mailbox.addMessage(alice.id, inbox!.id, { raw: lf, meta: parsed.meta, text: parsed.text });
      const { c } = await rawLogin(port, 'alice@example.com', ALICE_PW);
      const uidl = await (async () => { assert.match(await c.cmd('UIDL'), /^\+OK/); return c.multi(); })();
      const n = uidl.find((l) => l.endsWith(` ${added.id}`))!.split(' ')[0]!;
      // LIST n gives the octets RETR sends (RFC 1939 section 11; fetchmail compares them): each bare LF
      // counted as CRLF, the unended last line ended. RETR's "+OK n octets" says the same once counted.
      const sent = 'From: a@example.net\r\nSubject: lf\r\n\r\nline one\r\n.dot\r\nno newline at end\r\n';
      assert.equal(await c.cmd(`LIST ${n}`), `+OK ${n} ${sent.length}`);
      assert.equal(await c.cmd(`RETR ${n}`), `+OK ${sent.length} octets`);
      assert.deepEqual(await c.multi(), ['From: a@example.net', 'Subject: lf', '', 'line one', '..dot', 'no newline at end']);
      assert.match(await c.cmd(`TOP ${n} 0`), /^\+OK/);
      assert.deepEqual(await c.multi(), ['From: a@example.net', 'Subject: lf', '']);
      c.end();
      await app.store.mailbox.deleteItem(alice.id, added.id);
    });

    void test('password rules: mobile password and IMAP credential refused for POP3, POP3 credential works', async () => {
      const mobile = await app.directory.addCredential(alice, { label: 'phone', services: ['EAS'] });
      const imap = await app.directory.addCredential(alice, { label: 'thunderbird-imap', services: ['IMAP'] });
      const pop = await app.directory.addCredential(alice, { label: 'thunderbird-pop', services: ['POP3'] });
      secrets.push(mobile.secret, imap.secret, pop.secret);
      assert.equal((await rawLogin(port, 'alice@example.com', mobile.secret)).r, '-ERR [AUTH] Authentication failed');
      assert.equal((await rawLogin(port, 'alice@example.com', imap.secret)).r, '-ERR [AUTH] Authentication failed');
      const viaPop = await poplib(port, [['user', 'alice@example.com'], ['pass', pop.secret], ['stat'], ['quit']]);
      assert.match(okOf(viaPop[1]) as string, /^\+OK Logged in/);
      // The account password still works for POP3 although a mobile password exists (it is EAS it loses).
      const viaAccount = await poplib(port, [['user', 'alice'], ['pass', ALICE_PW], ['quit']]);
      assert.match(okOf(viaAccount[1]) as string, /^\+OK Logged in/);
      // The IMAP credential is not an EAS one either; the mobile password is.
      const eas = (password: string) => easRequest(app, { cmd: 'FolderSync', user: 'alice@example.com', password, deviceId: 'POPRULES1' });
      assert.equal((await eas(imap.secret)).status, 401);
      assert.notEqual((await eas(mobile.secret)).status, 401);
      // Each refusal wrote the fail2ban line and the POP3 one.
      const failures = app.logs.filter((l) => l.includes('"event":"auth-failure"') && l.includes('"protocol":"pop3"'));
      assert.ok(failures.length >= 2);
      assert.ok(failures.every((l) => /"remote":"127\.0\.0\.1"/.test(l)));
      assert.ok(app.logs.some((l) => l.includes('"event":"pop3-auth-failure"') && l.includes('POP3 login failed for alice@example.com from 127.0.0.1')));
      for (const c of [mobile, imap, pop]) await app.store.credentials.delete(alice.id, c.credential.id);
    });

    void test('AUTH PLAIN: initial response, continuation, "*" cancels, a foreign authzid is refused', async () => {
      const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
      const c = await Raw.connect(port);
      await c.line();
      assert.equal(await c.cmd('AUTH'), '+OK');
      assert.deepEqual(await c.multi(), ['PLAIN']);
      assert.equal(await c.cmd('AUTH CRAM-MD5'), '-ERR Unrecognized authentication type');
      assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
      assert.equal(await c.cmd('*'), '-ERR Authentication cancelled');
      assert.equal(await c.cmd(`AUTH PLAIN ${b64(`bob@example.com\0alice@example.com\0${ALICE_PW}`)}`), '-ERR [AUTH] Malformed authentication data');
      assert.equal(await c.cmd('AUTH PLAIN not-base64!'), '-ERR [AUTH] Malformed authentication data');
      assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
      assert.match(await c.cmd(b64(`\0alice@example.com\0${ALICE_PW}`)), /^\+OK Logged in/);
      assert.equal(await c.cmd('QUIT'), '+OK carbonio-mobile POP3 server signing off (0 messages deleted)');
      const d = await Raw.connect(port);
      await d.line();
      assert.match(await d.cmd(`AUTH PLAIN ${b64(`alice@example.com\0alice@example.com\0${ALICE_PW}`)}`), /^\+OK Logged in/);
      d.end();
      const viaPoplib = await poplib(port, [['auth_plain', 'alice@example.com', ALICE_PW], ['stat'], ['quit']]);
      assert.match(okOf(viaPoplib[0]) as string, /^\+OK Logged in/);
    });

    void test('UIDL stable across sessions; DELE + QUIT deletes for phones too (held Ping wakes, Sync has Delete)', async () => {
      for (const s of ['one', 'two', 'three']) await deliver(app, 'alice@example.com', plainMail('alice@example.com', `uidl ${s}`));
      const phone = await new Phone(app, { email: 'alice@example.com', password: ALICE_PW }, 'POP3PHONE1').ready();
      const inboxId = phone.folder('Inbox');
      const first = await poplib(port, [['user', 'alice@example.com'], ['pass', ALICE_PW], ['uidl'], ['quit']]);
      const second = await poplib(port, [['user', 'alice@example.com'], ['pass', ALICE_PW], ['uidl'], ['quit']]);
      const uids = okOf(first[2]) as string[];
      assert.ok(uids.length >= 4);
      assert.deepEqual(okOf(second[2]), uids);
      // The phone holds a Ping on the Inbox; DELE of two messages, QUIT.
      const ping = phone.ping([inboxId], 120);
      await phone.held();
      const victims = uids.slice(-2).map((l) => l.split(' '));
      const r = await poplib(port, [['user', 'alice@example.com'], ['pass', ALICE_PW], ['dele', Number(victims[0]![0])], ['dele', Number(victims[1]![0])], ['dele', Number(victims[1]![0])], ['stat'], ['quit']]);
      assert.match(okOf(r[2]) as string, /^\+OK Message \d+ deleted/);
      assert.match(errOf(r[4]), /^-ERR Message \d+ already deleted/);
      assert.equal((okOf(r[5]) as number[])[0], uids.length - 2);
      assert.match(okOf(r[6]) as string, /2 messages deleted/);
      const woke = await ping;
      assert.equal(woke.status, 200);
      assert.equal(textOf(woke.root ?? undefined, 'Ping:Status'), '2', 'the Ping reports changes');
      const sync = await phone.sync(inboxId);
      assert.equal(serverIds(sync, 'Delete').length, 2);
      // The rest keep their unique-ids in the next session.
      const third = await poplib(port, [['user', 'alice@example.com'], ['pass', ALICE_PW], ['uidl'], ['quit']]);
      const left = (okOf(third[2]) as string[]).map((l) => l.split(' ')[1]);
      assert.deepEqual(left, uids.slice(0, -2).map((l) => l.split(' ')[1]));
    });

    void test('a 1 MiB message in stored parts: RETR byte-exact, TOP; QUIT deletes in one go what is still in the Inbox, the phone gets each Delete', async () => {
      const inbox = (await app.store.mailbox.getFolderByRole(alice.id, 'inbox'))!;
      const elsewhere = await app.store.mailbox.createFolder(alice.id, { parentId: null, name: 'POP3 moved away', kind: 'mail' });
      // Lines that straddle the 256 KiB parts, some opening with a dot, given to the store as two parts.
      const head = Buffer.from('From: big@example.net\r\nTo: alice@example.com\r\nSubject: big pop3\r\n\r\n');
      const body = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i % 7 === 0 ? '.' : ''}line ${i} ${'z'.repeat(i % 90)}\r\n`).join(''));
      const parsed = await parseMessage(Buffer.concat([head, body]));
      const big = await app.store.mailbox.addMessage(alice.id, inbox.id, { raw: [head, body], meta: parsed.meta, text: parsed.text });
      assert.ok(big.size > 1024 * 1024);
      const small = await app.store.mailbox.addMessages(alice.id, inbox.id, await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const raw = Buffer.from(`From: s@example.net\r\nSubject: small ${i}\r\n\r\nhello ${i}\r\n`);
        return { raw, meta: (await parseMessage(raw)).meta };
      })));
      const phone = await new Phone(app, { email: 'alice@example.com', password: ALICE_PW }, 'POP3PHONE2').ready();
      const inboxId = phone.folder('Inbox');

      const { c } = await rawLogin(port, 'alice@example.com', ALICE_PW);
      assert.match(await c.cmd('UIDL'), /^\+OK/);
      const numberOf = new Map((await c.multi()).map((l) => [Number(l.split(' ')[1]), l.split(' ')[0]!]));
      assert.match(await c.cmd(`RETR ${numberOf.get(big.id)}`), new RegExp(`^\\+OK ${big.size} octets$`));
      const stuffed = (l: string): string => (l.startsWith('.') ? `.${l}` : l);
      const lines = Buffer.concat([head, body]).toString('latin1').split('\r\n').slice(0, -1);
      assert.deepEqual(await c.multi(), lines.map(stuffed));
      assert.match(await c.cmd(`TOP ${numberOf.get(big.id)} 2`), /^\+OK/);
      assert.deepEqual(await c.multi(), ['From: big@example.net', 'To: alice@example.com', 'Subject: big pop3', '', '..line 0 ', 'line 1 z']);

      // Every one marked; one of them is moved away by the phone's user before QUIT: it stays.
      for (const it of [big, ...small]) assert.match(await c.cmd(`DELE ${numberOf.get(it.id)}`), /^\+OK/);
      await app.store.mailbox.moveItem(alice.id, small[5]!.id, elsewhere.id);
      assert.match(await c.cmd('QUIT'), /^\+OK .*\(40 messages deleted\)/);
      await c.waitClosed();
      assert.ok(await app.store.mailbox.getItem(alice.id, small[5]!.id), 'the moved message is kept');
      assert.deepEqual(await app.store.mailbox.getItems(alice.id, [big.id, ...small.filter((_, i) => i !== 5).map((i) => i.id)]), []);
      assert.equal(await app.store.blobs.get(big.blobId!), null);
      const sync = await phone.sync(inboxId, { windowSize: 100 });
      assert.equal(serverIds(sync, 'Delete').length + serverIds(sync, 'SoftDelete').length, 41, 'the 40 deleted and the one moved away');
      await app.store.mailbox.deleteFolder(alice.id, elsewhere.id);
    });

    void test('a message found short in the middle of RETR: the answer is cut without its ".", the connection closed, nothing deleted', async () => {
      const inbox = (await app.store.mailbox.getFolderByRole(alice.id, 'inbox'))!;
      const raw = Buffer.from(`Subject: damaged\r\n\r\n${`${'d'.repeat(98)}\r\n`.repeat(8000)}`);
      const damaged = await app.store.mailbox.addMessage(alice.id, inbox.id, { raw, meta: (await parseMessage(raw)).meta });
      const other = await app.store.mailbox.addMessage(alice.id, inbox.id, { raw: Buffer.from('Subject: other\r\n\r\nx\r\n'), meta: (await parseMessage(Buffer.from('Subject: other\r\n\r\nx\r\n'))).meta });
      assert.ok(app.store instanceof SqlStore);
      await app.store.db.deleteFrom('blob_parts').where('blob_id', '=', damaged.blobId!).where('seq', '=', 2).execute();
      const { c } = await rawLogin(port, 'alice@example.com', ALICE_PW);
      assert.match(await c.cmd('UIDL'), /^\+OK/);
      const numberOf = new Map((await c.multi()).map((l) => [Number(l.split(' ')[1]), l.split(' ')[0]!]));
      assert.match(await c.cmd(`DELE ${numberOf.get(other.id)}`), /^\+OK/);
      assert.match(await c.cmd(`RETR ${numberOf.get(damaged.id)}`), /^\+OK/);
      let lines = 0;
      for (let l = await c.line(); l !== null; l = await c.line()) {
        assert.notEqual(l, '.', 'no end of answer after a short message');
        lines++;
      }
      assert.ok(lines > 0 && lines < 8001, `${lines} lines before the cut`);
      await c.waitClosed();
      assert.ok(await app.store.mailbox.getItem(alice.id, other.id), 'no UPDATE state: the mark is dropped');
      await until(() => app.logs.some((l) => l.includes('reading a message failed while sending it')), 'the failure logged');
      await app.store.mailbox.deleteItems(alice.id, [damaged.id, other.id]);
    });

    void test('RSET undoes the marks; a dropped connection deletes nothing', async () => {
      const before = (await itemsIn(app, alice, 'inbox')).length;
      const r = await poplib(port, [['user', 'alice@example.com'], ['pass', ALICE_PW], ['dele', 1], ['rset'], ['stat'], ['quit']]);
      assert.match(okOf(r[3]) as string, new RegExp(`^\\+OK Maildrop has ${before} messages`));
      assert.equal((okOf(r[4]) as number[])[0], before);
      const { c } = await rawLogin(port, 'alice@example.com', ALICE_PW);
      assert.match(await c.cmd('DELE 1'), /^\+OK/);
      c.end();
      await until(() => app.mailAccess.limits.count('account', alice.id) === 0, 'the dropped session to end');
      assert.equal((await itemsIn(app, alice, 'inbox')).length, before);
    });

    void test('unknown commands, wrong state, bad arguments, over-long lines: -ERR and the session goes on', async () => {
      const c = await Raw.connect(port);
      await c.line();
      assert.equal(await c.cmd('FROB'), '-ERR Unknown command');
      assert.equal(await c.cmd('STAT'), '-ERR Command not valid in this state');
      assert.equal(await c.cmd('RETR 1'), '-ERR Command not valid in this state');
      assert.equal(await c.cmd('NOOP'), '-ERR Command not valid in this state');
      assert.equal(await c.cmd('PASS whatever'), '-ERR USER first');
      assert.equal(await c.cmd(`NOOP ${'a'.repeat(10_000)}`), '-ERR Line too long');
      // A megabyte without CRLF: one -ERR once the line ends, nothing else.
      c.write(Buffer.alloc(1024 * 1024, 0x61));
      c.write('\r\n');
      assert.equal(await c.line(), '-ERR Line too long');
      assert.match(await c.cmd('USER alice@example.com'), /^\+OK/);
      assert.match(await c.cmd(`PASS ${ALICE_PW}`), /^\+OK Logged in/);
      assert.equal(await c.cmd('USER alice'), '-ERR Command not valid in this state');
      assert.equal(await c.cmd('STLS'), '-ERR Command not valid in this state');
      assert.equal(await c.cmd('RETR 999'), '-ERR No such message');
      assert.equal(await c.cmd('RETR x'), '-ERR Syntax error in arguments');
      assert.equal(await c.cmd('TOP 1'), '-ERR Syntax error in arguments');
      assert.equal(await c.cmd('NOOP'), '+OK');
      // Pipelined commands are answered in order (RFC 2449 PIPELINING).
      c.write('NOOP\r\nSTAT\r\nNOOP\r\n');
      assert.equal(await c.line(), '+OK');
      assert.match((await c.line()) ?? '', /^\+OK \d+ \d+$/);
      assert.equal(await c.line(), '+OK');
      assert.match(await c.cmd('QUIT'), /^\+OK/);
      await c.waitClosed();
    });

    void test('lockout: after the failures allowed, even the right password is refused; fail2ban line', async () => {
      const carol = await app.directory.createAccount({ email: 'carol@example.com', password: 'carol-password-1' });
      secrets.push('carol-password-1', 'wrong-carol-1');
      for (let i = 0; i < 3; i++) {
        const { c, r } = await rawLogin(port, 'carol@example.com', 'wrong-carol-1');
        assert.equal(r, '-ERR [AUTH] Authentication failed');
        c.end();
      }
      const { c, r } = await rawLogin(port, 'carol@example.com', 'carol-password-1');
      assert.equal(r, '-ERR [SYS/TEMP] Too many failed logins; try again later');
      c.end();
      const line = app.logs.find((l) => l.includes('"event":"auth-failure"') && l.includes('"login":"carol@example.com"') && l.includes('lockedUntil'));
      assert.ok(line, 'the lockout is logged');
      assert.match(line, /^\{.*"event":"auth-failure",.*"remote":"127\.0\.0\.1"/, 'the README fail2ban filter matches it');
      await app.auth.lockouts.clear({ account: carol.email });
    });

    void test('the idle time-out is config; the per-account limit counts sessions', () => {
      assert.equal(app.config.mailAccess.pop3IdleMs, 10 * 60_000);
      assert.equal(app.config.mailAccess.maxPerAccount, 50);
      assert.equal(app.config.mailAccess.maxPerAddress, 100);
    });
  });
}

describe('pop3 with TLS: STLS, implicit TLS, the plain-text rule from a non-loopback address', () => {
  let app: TestApp;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-pop3-tls-'));
    const code = await run(['tls', 'selfSigned', 'localhost', dir, 'force', 'true', '--json'], { env: {}, stdout: () => undefined, stderr: () => undefined });
    assert.equal(code, 0);
    app = await startTestApp({ env: { CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    await app.directory.createAccount({ email: 'dave@example.com', password: 'dave-password-1' });
    await deliver(app, 'dave@example.com', plainMail('dave@example.com', 'over tls'));
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('poplib: STLS then login; CAPA shows STLS before and not after', async () => {
    const r = await poplib(app.pop3Port!, [['capa'], ['stls'], ['capa'], ['user', 'dave@example.com'], ['pass', 'dave-password-1'], ['stat'], ['quit']]);
    assert.ok('STLS' in (okOf(r[0]) as object));
    assert.match(okOf(r[1]) as string, /^\+OK Begin TLS/);
    assert.ok(!('STLS' in (okOf(r[2]) as object)));
    assert.match(okOf(r[4]) as string, /^\+OK Logged in/);
    assert.deepEqual((okOf(r[5]) as number[])[0], 1);
  });

  test('poplib over implicit TLS (POP3S)', async () => {
    assert.ok(app.pop3sPort);
    const r = await poplib(app.pop3sPort, [['capa'], ['user', 'dave@example.com'], ['pass', 'dave-password-1'], ['quit']], { tls: true });
    assert.ok(!('STLS' in (okOf(r[0]) as object)));
    assert.match(okOf(r[2]) as string, /^\+OK Logged in/);
  });

  test('from 127.0.0.2 (not loopback for the rule): no USER/SASL in CAPA, USER/PASS/AUTH refused until STLS', async () => {
    const c = await Raw.connect(app.pop3Port!, { localAddress: '127.0.0.2' });
    await c.line();
    assert.match(await c.cmd('CAPA'), /^\+OK/);
    const caps = await c.multi();
    assert.ok(caps.includes('STLS'));
    assert.ok(!caps.includes('USER') && !caps.includes('SASL PLAIN'));
    const refused = '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections';
    assert.equal(await c.cmd('USER dave@example.com'), refused);
    assert.equal(await c.cmd('PASS dave-password-1'), refused);
    assert.equal(await c.cmd('AUTH PLAIN AGRhdmVAZXhhbXBsZS5jb20AZGF2ZS1wYXNzd29yZC0x'), refused);
    // No secret was checked, so nothing was counted.
    assert.ok(!app.logs.some((l) => l.includes('"event":"auth-failure"') && l.includes('dave@example.com')));
    assert.match(await c.stls(), /^\+OK Begin TLS/);
    assert.equal(await c.cmd('STLS'), '-ERR Already using TLS');
    assert.match(await c.cmd('CAPA'), /^\+OK/);
    assert.ok((await c.multi()).includes('USER'));
    assert.match(await c.cmd('USER dave@example.com'), /^\+OK/);
    assert.match(await c.cmd('PASS dave-password-1'), /^\+OK Logged in/);
    c.end();
  });

  test('CARBONIO_ALLOW_PLAINTEXT_AUTH=true lets a non-loopback client log in without TLS', async () => {
    const open = await startTestApp({ env: { CARBONIO_ALLOW_PLAINTEXT_AUTH: 'true' } });
    try {
      await open.directory.createAccount({ email: 'erin@example.com', password: 'erin-password-1' });
      const c = await Raw.connect(open.pop3Port!, { localAddress: '127.0.0.2' });
      await c.line();
      assert.match(await c.cmd('CAPA'), /^\+OK/);
      const caps = await c.multi();
      assert.ok(caps.includes('USER') && caps.includes('SASL PLAIN') && !caps.includes('STLS'));
      assert.match(await c.cmd('USER erin@example.com'), /^\+OK/);
      assert.match(await c.cmd('PASS erin-password-1'), /^\+OK Logged in/);
      c.end();
    } finally {
      await open.stop();
    }
  });
});

describe('pop3 limits, idle time-out, shutdown', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({
      env: { CARBONIO_MAIL_ACCESS_MAX_PER_ACCOUNT: '2', CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS: '4' },
      configure: (c) => { c.mailAccess.pop3IdleMs = 1000; },
    });
    await app.directory.createAccount({ email: 'frank@example.com', password: 'frank-password-1' });
    await deliver(app, 'frank@example.com', plainMail('frank@example.com', 'keep me'));
  });
  after(async () => {
    await app.stop();
  });

  test('per account: the third session gets -ERR [IN-USE] and is closed; a slot frees when one ends', async () => {
    const a = await rawLogin(app.pop3Port!, 'frank@example.com', 'frank-password-1');
    const b = await rawLogin(app.pop3Port!, 'frank@example.com', 'frank-password-1');
    assert.match(a.r, /^\+OK Logged in/);
    assert.match(b.r, /^\+OK Logged in/);
    const c = await rawLogin(app.pop3Port!, 'frank@example.com', 'frank-password-1');
    assert.equal(c.r, '-ERR [IN-USE] Too many connections for this account');
    await c.c.waitClosed();
    assert.match(await a.c.cmd('QUIT'), /^\+OK/);
    await a.c.waitClosed();
    const d = await rawLogin(app.pop3Port!, 'frank@example.com', 'frank-password-1');
    assert.match(d.r, /^\+OK Logged in/);
    b.c.end();
    d.c.end();
    await until(() => app.mailAccess.limits.count('address', '127.0.0.1') === 0, 'the sessions to end');
  });

  test('per address: the fifth connection is told -ERR [SYS/TEMP] and closed', async () => {
    const open = await Promise.all([1, 2, 3, 4].map(() => Raw.connect(app.pop3Port!)));
    for (const c of open) assert.match((await c.line()) ?? '', /^\+OK /);
    const fifth = await Raw.connect(app.pop3Port!);
    assert.equal(await fifth.line(), '-ERR [SYS/TEMP] Too many connections from your address');
    assert.equal(await fifth.line(), null);
    for (const c of open) c.end();
    await until(() => app.mailAccess.limits.count('address', '127.0.0.1') === 0, 'the connections to end');
  });

  test('idle time-out: closed without a reply, and marked messages are not deleted', async () => {
    const { c, r } = await rawLogin(app.pop3Port!, 'frank@example.com', 'frank-password-1');
    assert.match(r, /^\+OK Logged in/);
    assert.match(await c.cmd('DELE 1'), /^\+OK/);
    assert.equal(await c.line(), null, 'closed without a response (RFC 1939 section 3)');
    const frank = await app.store.accounts.getByEmail('frank@example.com');
    assert.equal((await itemsIn(app, frank!, 'inbox')).length, 1);
    assert.ok(app.logs.some((l) => l.includes('"event":"pop3-idle-timeout"')));
  });

  test('CARBONIO_POP3_PORT=off: no POP3 listener at all', async () => {
    const none = await startTestApp({ env: { CARBONIO_POP3_PORT: 'off' } });
    try {
      assert.equal(none.pop3Port, null);
      assert.equal(none.pop3sPort, null);
      assert.ok(!none.mailAccess.servers.some((s) => s.protocol === 'pop3'));
    } finally {
      await none.stop();
    }
  });

  test('shutdown: an open session is told -ERR [SYS/TEMP] Server shutting down', async () => {
    const c = await Raw.connect(app.pop3Port!);
    await c.line();
    const stopping = app.mailAccess.close();
    assert.equal(await c.line(), '-ERR [SYS/TEMP] Server shutting down');
    await stopping;
  });
});
