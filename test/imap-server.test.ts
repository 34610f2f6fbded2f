// The IMAP server over the real store (issue 18 part 1), with a real client library (imapflow) over real
// sockets: logins under the mobile-password rules, the mailbox seen by phones and desktop alike (flags,
// deletes, moves, folders, APPEND to Sent), IDLE woken by the bus, QRESYNC resync.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, Phone, plainMail } from './helpers/phone.js';

function client(app: TestApp, user: string, pass: string, opts: { qresync?: boolean } = {}): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: app.imapPort!, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true, ...(opts.qresync ? { qresync: true } : {}) });
}

/** A raw IMAP connection: send lines, read until a tagged answer. */
export class Raw {
  private buf = '';
  private waiters: Array<() => void> = [];
  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => { this.buf += d; for (const w of this.waiters.splice(0)) w(); });
    sock.on('close', () => { for (const w of this.waiters.splice(0)) w(); });
  }
  static async open(port: number): Promise<Raw> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const r = new Raw(sock);
    await r.until(/^\* OK.*\r\n/m);
    return r;
  }
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const out = this.buf.slice(0, m.index + m[0].length);
        this.buf = this.buf.slice(m.index + m[0].length);
        return out;
      }
      if (this.sock.destroyed) throw new Error(`connection closed; got ${JSON.stringify(this.buf.slice(0, 300))}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  write(s: string | Buffer): void { this.sock.write(s); }
  /** Sends a tagged command and returns everything up to its tagged answer. */
  async cmd(tag: string, text: string): Promise<string> {
    this.write(`${tag} ${text}\r\n`);
    return this.until(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'));
  }
  close(): void { this.sock.destroy(); }
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
});
