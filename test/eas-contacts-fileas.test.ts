// Contacts:FileAs is always sent (MS-ASCNTC 2.2.2.35): a contact with none of its own, imported with
// `carbonio mailbox importContacts` from vCards that give none (N and EMAIL only, ORG only, EMAIL only)
// or added by a phone that sent none, reaches a phone with one composed from its name ("Last, First
// Middle"), else its company, else its first e-mail address. The composed value stays unstored: a phone
// echoing it back in a Change does not freeze it, so a later name change re-files the contact; a FileAs
// of the user's own is stored.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { child, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { readContactData } from '../src/pim/contact-model.js';
import type { Account, Folder } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { crlf } from './helpers/phone.js';
import { addResult, appData, commands, phone, sync, type Owner } from './helpers/pim-wire.js';

const as = ns('AirSync');
const c = ns('Contacts');
const CONTACTS = 9;

describe('Contacts:FileAs for contacts that have none', () => {
  let app: TestApp;
  let ann: Account;
  let owner: Owner;
  let contacts: Folder;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-fileas-'));

  /** The FileAs a phone received for each Add of this Sync answer, by e-mail address or company. */
  const fileAsByKey = (adds: WbxmlElement[]): Map<string, string | undefined> =>
    new Map(adds.map((a) => {
      const d = appData(a);
      return [textOf(d, 'Contacts:Email1Address') ?? textOf(d, 'Contacts:CompanyName') ?? '?', textOf(d, 'Contacts:FileAs')];
    }));
  const storedFileAs = async (): Promise<string[]> =>
    (await app.store.mailbox.listItems(ann.id, contacts.id)).map((i) => readContactData(i.data).fileAs);

  before(async () => {
    app = await startTestApp();
    owner = { email: 'ann@example.com', password: 'ann-password-1' };
    ann = await app.directory.createAccount(owner);
    contacts = (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!;
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('vCards without a FileAs of their own, imported with the CLI, sync with one', async () => {
    const file = path.join(dir, 'no-fileas.vcf');
    fs.writeFileSync(file, crlf([
      // vCard 2.1 needs no FN: only N and EMAIL.
      'BEGIN:VCARD', 'VERSION:2.1', 'N:Moreau;Claire;Anne;;', 'EMAIL;INTERNET:claire@example.fr', 'END:VCARD',
      // FN that is just the name: read as no FileAs of its own.
      'BEGIN:VCARD', 'VERSION:3.0', 'FN:Jon Park', 'N:Park;Jon;;;', 'EMAIL:jon@example.kr', 'END:VCARD',
      // Only a company (FN is the company, as address books write it).
      'BEGIN:VCARD', 'VERSION:3.0', 'FN:Fabrikam Ltd', 'N:;;;;', 'ORG:Fabrikam Ltd', 'END:VCARD',
      'BEGIN:VCARD', 'VERSION:4.0', 'FN:', 'EMAIL:someone@example.org', 'END:VCARD',
      'BEGIN:VCARD', 'VERSION:3.0', 'FN:Mum', 'N:Lee;Su;;;', 'EMAIL:su@example.net', 'END:VCARD',
    ]));
    const r = await runCli(app, ['mailbox', 'importContacts', ann.email, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 5 contacts/);
    // Stored as read: only the FN that is not the name is a FileAs (the others are composed when sent).
    assert.deepEqual((await storedFileAs()).sort(), ['', '', '', '', 'Mum']);

    const p = await phone(app, owner, 'fileasphone', '16.1', CONTACTS);
    const got = fileAsByKey(commands(await sync(app, owner, p), 'Add'));
    assert.deepEqual(Object.fromEntries(got), {
      'claire@example.fr': 'Moreau, Claire Anne', 'jon@example.kr': 'Park, Jon', 'Fabrikam Ltd': 'Fabrikam Ltd',
      'someone@example.org': 'someone@example.org', 'su@example.net': 'Mum',
    });
  });

  test('a contact added over Sync without FileAs reaches a second phone with one; an echo of it is not stored', async () => {
    for (const i of await app.store.mailbox.listItems(ann.id, contacts.id)) await app.store.mailbox.deleteItem(ann.id, i.id);
    const one = await phone(app, owner, 'fileasone', '14.1', CONTACTS);
    const two = await phone(app, owner, 'fileastwo', '16.1', CONTACTS);
    const added = await sync(app, owner, one, [as('Add', as('ClientId', 'k1'), as('ApplicationData',
      c('Email1Address', '"Rosa Diaz" <rosa@example.es>'), c('FirstName', 'Rosa'), c('LastName', 'Diaz')))]);
    const { status, serverId } = addResult(added);
    assert.equal(status, 1);
    assert.deepEqual(await storedFileAs(), ['']);

    const onTwo = commands(await sync(app, owner, two), 'Add');
    assert.equal(onTwo.length, 1);
    assert.equal(textOf(appData(onTwo[0]!), 'Contacts:FileAs'), 'Diaz, Rosa');

    // Phone two sends the whole contact back with the FileAs it was given and a new first name.
    await sync(app, owner, two, [as('Change', as('ServerId', serverId), as('ApplicationData',
      c('Email1Address', '"Rosa Diaz" <rosa@example.es>'), c('FileAs', 'Diaz, Rosa'), c('FirstName', 'Rosalía'), c('LastName', 'Diaz')))]);
    assert.deepEqual(await storedFileAs(), [''], 'the echoed composed FileAs is not the user\'s own');
    const changed = commands(await sync(app, owner, one), 'Change');
    assert.equal(textOf(child(changed[0], 'AirSync:ApplicationData'), 'Contacts:FileAs'), 'Diaz, Rosalía', 'filed under the new name');

    // A FileAs the user typed is theirs.
    await sync(app, owner, two, [as('Change', as('ServerId', serverId), as('ApplicationData',
      c('FileAs', 'Rosa (climbing)'), c('FirstName', 'Rosalía'), c('LastName', 'Diaz')))]);
    assert.deepEqual(await storedFileAs(), ['Rosa (climbing)']);
    const mine = commands(await sync(app, owner, one), 'Change');
    assert.equal(textOf(child(mine[0], 'AirSync:ApplicationData'), 'Contacts:FileAs'), 'Rosa (climbing)');
  });
});
