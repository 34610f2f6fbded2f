// `carbonio mailbox importContacts` run twice on the same file replaces instead of doubling: cards with a
// UID by that UID, cards without one by an identity derived from their name, e-mail addresses and phone
// numbers (src/pim/contact-identity.ts). Different people without UIDs stay apart (even sharing an
// address), a changed card with the same identity replaces the contact, and the identity survives an
// export and import: the export writes the same UID every time, and importing the export changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readContactData, type ContactData } from '../src/pim/contact-model.js';
import { parseVCards } from '../src/pim/vcard.js';
import type { Account, Folder } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { crlf } from './helpers/phone.js';


const card = (...lines: string[]): string[] => ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD'];
const noUids = (note: string, phone = '+1 555 0100'): string => crlf([
  ...card('FN:Ann Lee', 'N:Lee;Ann;;;', 'EMAIL;TYPE=INTERNET:ann.lee@example.com', `TEL;TYPE=CELL:${phone}`, `NOTE:${note}`),
  // Two people sharing one address: different names, so two contacts.
  ...card('FN:Tom Ray', 'N:Ray;Tom;;;', 'EMAIL:home@ray.example'),
  ...card('FN:Tia Ray', 'N:Ray;Tia;;;', 'EMAIL:home@ray.example'),
  // Only a company.
  ...card('FN:Fabrikam', 'ORG:Fabrikam'),
]);

describe('importContacts twice does not double the contacts', () => {
  let app: TestApp;
  let ann: Account;
  let contacts: Folder;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-reimport-'));

  const importFile = async (name: string, text: string): Promise<{ imported: number; updated: number }> => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const r = await runCli(app, ['--json', 'mailbox', 'importContacts', ann.email, file]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { imported: number; updated: number };
    return { imported: out.imported, updated: out.updated };
  };
  const exported = async (): Promise<string> => {
    const r = await runCli(app, ['mailbox', 'exportContacts', ann.email]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const stored = async (): Promise<ContactData[]> =>
    (await app.store.mailbox.listItems(ann.id, contacts.id)).map((i) => readContactData(i.data));
  const byName = async (): Promise<Map<string, ContactData>> => new Map((await stored()).map((d) => [d.firstName || d.companyName, d]));

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: 'ann-password-1' });
    contacts = (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!;
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the same UID-less file twice leaves one of each; a changed card with the same identity replaces', async () => {
    assert.deepEqual(await importFile('first.vcf', noUids('First note')), { imported: 4, updated: 0 });
    assert.deepEqual([...(await byName()).keys()].sort(), ['Ann', 'Fabrikam', 'Tia', 'Tom']);
    assert.deepEqual(await importFile('again.vcf', noUids('First note')), { imported: 0, updated: 4 });
    assert.equal((await stored()).length, 4);

    // Same person (the number written another way), new notes: the contact is replaced, not doubled.
    assert.deepEqual(await importFile('changed.vcf', noUids('Second note', '+1 (555) 01-00')), { imported: 0, updated: 4 });
    const now = await byName();
    assert.equal(now.size, 4);
    assert.equal(now.get('Ann')?.body, 'Second note');
    assert.equal(now.get('Ann')?.mobilePhoneNumber, '+1 (555) 01-00');

    // Another name is another person, even with Ann's address and number.
    const other = crlf(card('FN:Ann Leigh', 'N:Leigh;Ann;;;', 'EMAIL:ann.lee@example.com', 'TEL;TYPE=CELL:+1 555 0100'));
    assert.deepEqual(await importFile('other.vcf', other), { imported: 1, updated: 0 });
    assert.equal((await stored()).length, 5);
  });

  test('the identity survives export and import: the same UIDs every time, and nothing doubles', async () => {
    // A contact made on a phone (no vCard UID of its own) is exported under its folder and item id.
    await app.store.mailbox.addItem(ann.id, contacts.id, { kind: 'contact', data: { firstName: 'Phil', lastName: 'Phone', email1Address: 'phil@example.net' } });
    const count = (await stored()).length;
    const first = await exported();
    const uids = parseVCards(first).map((c) => c.uid);
    assert.equal(uids.length, count);
    assert.ok(uids.every((u) => u !== null && u !== ''), 'every exported card has a UID');
    assert.equal(new Set(uids).size, count, 'and they are distinct');

    assert.deepEqual(await importFile('export.vcf', first), { imported: 0, updated: count });
    assert.equal((await stored()).length, count);
    assert.deepEqual(parseVCards(await exported()).map((c) => c.uid).sort(), [...uids].sort(), 'the export writes the same UIDs again');

    // Renaming a contact keeps its identity: its exported card still replaces it.
    const lee = (await app.store.mailbox.listItems(ann.id, contacts.id)).find((i) => readContactData(i.data).lastName === 'Lee')!;
    await app.store.mailbox.updateItemData(ann.id, lee.id, { ...readContactData(lee.data), firstName: 'Annie' }, lee.categories);
    assert.deepEqual(await importFile('export-again.vcf', first), { imported: 0, updated: count });
    assert.equal((await stored()).length, count);
    assert.equal(readContactData((await app.store.mailbox.getItem(ann.id, lee.id))?.data).firstName, 'Ann', 'the older export put the name back');
  });

  test('a card with a UID replaces the contact of that UID', async () => {
    const before = (await stored()).length;
    const withUid = (title: string): string => crlf(card('UID:urn:uuid:6d3c9f2e-0000-4000-8000-000000000001', 'FN:Uma Uid', 'N:Uid;Uma;;;', `TITLE:${title}`));
    assert.deepEqual(await importFile('uid.vcf', withUid('Engineer')), { imported: 1, updated: 0 });
    assert.deepEqual(await importFile('uid2.vcf', withUid('Manager')), { imported: 0, updated: 1 });
    assert.equal((await stored()).length, before + 1);
    assert.equal((await byName()).get('Uma')?.jobTitle, 'Manager');
  });
});
