// `carbonio mailbox importMail / exportMail` (issue 17 part 2) as an admin runs them: the real CLI against
// a server on port 0. A generated mbox of 3,000 messages (mboxrd `>From ` quoting, Status / X-Status
// flags) imported while a phone syncs the Inbox over EAS: the phone sees every message exactly once; run
// again, nothing is added. A Maildir with Maildir++ sub-folders and flags keeps both. An export re-imported
// into another account gives the same messages (bytes) and flags in the same folders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Account, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { Phone } from './helpers/phone.js';

const COUNT = 3000;
const crlf = (lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

function mboxMessage(i: number): string {
  const flags = i % 3 === 0 ? ['Status: RO'] : i % 3 === 1 ? ['Status: O', 'X-Status: AF'] : [];
  return `From sender${i}@old.example Mon Dec  1 10:${String(i % 60).padStart(2, '0')}:00 2025\n` + crlf([
    `From: Sender ${i} <sender${i}@old.example>`, 'To: ann@example.com', `Subject: old message ${i}`,
    `Message-ID: <m${i}@old.example>`, 'Date: Mon, 1 Dec 2025 10:00:00 +0000', ...flags, '',
    `Body of message ${i}.`, '>From the archive: a quoted separator.', '',
  ]) + '\n';
}

describe('carbonio mailbox importMail / exportMail', () => {
  let app: TestApp;
  let ann: Account;
  let bob: Account;
  const pw = 'ann-password-1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-mail-import-'));
  const mbox = path.join(dir, 'old.mbox');

  const folderItems = async (a: Account): Promise<Map<string, Item[]>> => {
    const out = new Map<string, Item[]>();
    const folders = await app.store.mailbox.listFolders(a.id);
    for (const f of folders.filter((x) => x.kind === 'mail')) {
      const parent = f.parentId ? folders.find((p) => p.id === f.parentId)?.name : undefined;
      const items = await app.store.mailbox.listItems(a.id, f.id, { limit: 100_000 });
      if (items.length) out.set(parent ? `${parent}/${f.name}` : f.name, items);
    }
    return out;
  };
  const flagText = (i: Item): string => `${i.flags.seen ? 'S' : ''}${i.flags.flagged ? 'F' : ''}${i.flags.answered ? 'R' : ''}${i.flags.draft ? 'D' : ''}`;
  const signature = async (a: Account): Promise<string[]> => {
    const out: string[] = [];
    for (const [name, items] of await folderItems(a)) for (const i of items) out.push(`${name} ${i.blobId} ${flagText(i)}`);
    return out.sort();
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    const out = fs.openSync(mbox, 'w');
    for (let i = 0; i < COUNT; i++) fs.writeSync(out, mboxMessage(i));
    fs.closeSync(out);
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an mbox imported while a phone syncs: every message once, flags kept, a second run adds nothing', async () => {
    const phone = new Phone(app, { email: ann.email, password: pw }, 'IMPORTPHONE1');
    await phone.folderSync();
    const inbox = phone.folder('Inbox');
    const seen: string[] = [];
    seen.push(...(await phone.drain(inbox, { windowSize: 100 })).added);
    const running = runCli(app, ['mailbox', 'importMail', ann.email, mbox]);
    let done = false;
    void running.then(() => { done = true; });
    while (!done) {
      seen.push(...(await phone.drain(inbox, { windowSize: 100 })).added);
      // A phone between two Syncs, not a loop that starves the import of the server's event loop.
      await new Promise((r) => setTimeout(r, 250));
    }
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${COUNT} messages imported, 0 duplicates skipped, 1 folders\n`);
    seen.push(...(await phone.drain(inbox, { windowSize: 100 })).added);
    assert.equal(seen.length, COUNT, 'every message reached the phone');
    assert.equal(new Set(seen).size, COUNT, 'none twice');

    const items = (await folderItems(ann)).get('Inbox')!;
    assert.equal(items.length, COUNT);
    const byId = new Map(items.map((i) => [i.meta!.messageId, i]));
    assert.deepEqual(byId.get('<m0@old.example>')!.flags, { seen: true, flagged: false, answered: false, forwarded: false, draft: false });
    assert.equal(flagText(byId.get('<m1@old.example>')!), 'FR');
    assert.equal(flagText(byId.get('<m2@old.example>')!), '');
    // The separator is not part of the message; `>From ` is unquoted once.
    const raw = Buffer.from((await app.store.blobs.get(byId.get('<m5@old.example>')!.blobId!))!).toString('utf8');
    assert.ok(raw.startsWith('From: Sender 5 <sender5@old.example>\r\n'), raw.slice(0, 60));
    assert.ok(raw.endsWith('From the archive: a quoted separator.\r\n\r\n'), JSON.stringify(raw.slice(-60)));
    assert.equal(byId.get('<m5@old.example>')!.meta!.subject, 'old message 5');

    const again = await runCli(app, ['mailbox', 'importMail', ann.email, mbox]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `0 messages imported, ${COUNT} duplicates skipped, 1 folders\n`);
    assert.equal((await folderItems(ann)).get('Inbox')!.length, COUNT);
    assert.equal((await phone.drain(inbox)).added.length, 0);
  });

  test('a Maildir with Maildir++ sub-folders and flags, into a named folder; export and re-import into another account match', async () => {
    const md = path.join(dir, 'Maildir');
    const put = (sub: string, where: 'new' | 'cur', name: string, subject: string): void => {
      const d = path.join(md, sub, where);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, name), crlf([`From: x@old.example`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/ /g, '-')}@old.example>`, '', `text of ${subject}`]));
    };
    put('', 'new', '1700000000.1.host', 'root new');
    put('', 'cur', '1700000001.2.host:2,S', 'root seen');
    put('.Work', 'cur', '1700000002.3.host:2,FS', 'work flagged');
    put('.Work.Projects', 'cur', '1700000003.4.host:2,DR', 'project draft');
    fs.mkdirSync(path.join(md, 'tmp'), { recursive: true });

    const r = await runCli(app, ['mailbox', 'importMail', bob.email, md, 'folder', 'Archive']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '4 messages imported, 0 duplicates skipped, 3 folders\n');
    const sig = await signature(bob);
    assert.equal(sig.length, 4);
    const folders = await app.store.mailbox.listFolders(bob.id);
    const archive = folders.find((f) => f.name === 'Archive' && f.parentId === null)!;
    const work = folders.find((f) => f.name === 'Work' && f.parentId === archive.id)!;
    const projects = folders.find((f) => f.name === 'Projects' && f.parentId === work.id)!;
    const flagsIn = async (id: typeof archive.id): Promise<string[]> => (await app.store.mailbox.listItems(bob.id, id)).map(flagText).sort();
    assert.deepEqual(await flagsIn(archive.id), ['', 'S']);
    assert.deepEqual(await flagsIn(work.id), ['SF']);
    assert.deepEqual(await flagsIn(projects.id), ['RD']);
    const again = await runCli(app, ['mailbox', 'importMail', bob.email, md, 'folder', 'Archive']);
    assert.equal(again.stdout, '0 messages imported, 4 duplicates skipped, 3 folders\n');

    // Export ann (3,000 in the Inbox) and bob (nested folders), then import each into a fresh account.
    for (const [from, to] of [[ann, 'carol@example.com'], [bob, 'dave@example.com']] as const) {
      const out = path.join(dir, `export-${from.email}`);
      const e = await runCli(app, ['mailbox', 'exportMail', from.email, out]);
      assert.equal(e.code, 0, e.stderr);
      assert.match(e.stdout, /^\d+ messages exported from \d+ folders to /);
      const copy = await app.directory.createAccount({ email: to, password: 'copy-password-1' });
      const i = await runCli(app, ['mailbox', 'importMail', copy.email, out]);
      assert.equal(i.code, 0, i.stderr);
      assert.deepEqual(await signature(copy), await signature(from), `${from.email} export re-imported`);
    }
    // Maildir files carry the flags in their names (cur/, info after ":2,").
    const names = fs.readdirSync(path.join(dir, `export-${bob.email}`, '.Archive.Work.Projects', 'cur'));
    assert.equal(names.length, 1);
    assert.match(names[0]!, /:2,DR$/);
  });

  test('bad input is refused, and a delegated admin cannot import into another domain', async () => {
    const api = async (body: unknown): Promise<Response> => fetch(`${app.baseUrl}/api/admin/accounts/${ann.email}/mail/import`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${app.admin.email}:${app.admin.password}`).toString('base64')}` },
    });
    const bad = await api({ messages: [] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /non-empty array/);
    assert.equal((await api({ messages: [{ raw: 'eA==', flags: { bogus: true } }] })).status, 400);
    assert.equal((await api({ folder: [''], messages: [{ raw: 'eA==' }] })).status, 400);
    const missing = await runCli(app, ['mailbox', 'importMail', ann.email, path.join(dir, 'nope.mbox')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.mbox/);

    await app.store.domains.create('other.test');
    const other = await app.directory.createAccount({ email: 'admin@other.test', password: 'other-admin-1' });
    await app.store.accounts.grantDelegatedAdmin(other.id, (await app.store.domains.getByName('other.test'))!.id);
    const before = (await folderItems(ann)).get('Inbox')!.length;
    const denied = await runCli(app, ['mailbox', 'importMail', ann.email, mbox], { as: { email: 'admin@other.test', password: 'other-admin-1' } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /permission denied/);
    const deniedExport = await runCli(app, ['mailbox', 'exportMail', ann.email, path.join(dir, 'denied')], { as: { email: 'admin@other.test', password: 'other-admin-1' } });
    assert.equal(deniedExport.code, 1);
    assert.equal((await folderItems(ann)).get('Inbox')!.length, before);
  });
});
