// `carbonio mailbox importContacts / importCalendar / exportContacts / exportCalendar` as an admin runs them
// (the real CLI process against a server on port 0), with real-world-shaped files of 1,000 contacts and
// 1,000 events, then a phone's full Sync of both folders over EAS: every imported item arrives. Also:
// a re-import of the calendar updates instead of duplicating, exports parse back to the same counts, a
// delegated admin cannot touch another domain's mailbox, and a file that is not vCard changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { parseICalendar } from '../src/pim/ical.js';
import { parseVCards } from '../src/pim/vcard.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { projectRoot, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';

const as = ns('AirSync');
const fixture = (name: string): string => path.join(projectRoot, 'test', 'fixtures', 'pim', name);

describe('carbonio mailbox import and export', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-transfer-'));

  /** FolderSync, then Sync of the folder of this type to the end; the ServerIds received. */
  const syncAll = async (deviceId: string, type: number): Promise<string[]> => {
    const fs0 = await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId, version: '16.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const folder = children(child(fs0.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === type)!;
    const id = textOf(folder, 'FolderHierarchy:ServerId')!;
    const got: string[] = [];
    let key = '0';
    for (let round = 0; round < 100; round++) {
      const r = await easRequest(app, {
        cmd: 'Sync', user: ann.email, password: pw, deviceId, version: '16.1',
        body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', id), key !== '0' && as('GetChanges'), as('WindowSize', 200)))),
      });
      if (r.raw.length === 0) break;
      const coll = child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;
      assert.equal(intOf(coll, 'AirSync:Status'), 1);
      key = textOf(coll, 'AirSync:SyncKey')!;
      got.push(...children(child(coll, 'AirSync:Commands'), 'AirSync:Add').map((a) => textOf(a, 'AirSync:ServerId')!));
      if (!child(coll, 'AirSync:MoreAvailable') && round > 0) break;
    }
    return got;
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('1,000 contacts and 1,000 events imported with the CLI reach a phone in a full Sync', async () => {
    const vcf = fs.readFileSync(fixture('contacts-1000.vcf'), 'utf8');
    const ics = fs.readFileSync(fixture('calendar-1000.ics'), 'utf8');
    const expectedContacts = parseVCards(vcf).length;
    const expectedEvents = new Set(parseICalendar(ics).events.map((e) => e.data.uid)).size;
    assert.equal(expectedContacts, 1000);
    assert.equal(expectedEvents, 1000);

    const c = await runCli(app, ['mailbox', 'importContacts', ann.email, fixture('contacts-1000.vcf')]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /imported 1000 contacts into Contacts/);
    const e = await runCli(app, ['mailbox', 'importCalendar', ann.email, fixture('calendar-1000.ics')]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /imported \d+ events into Calendar/);

    const contacts = await syncAll('importphone', 9);
    assert.equal(new Set(contacts).size, 1000);
    const events = await syncAll('importphone', 8);
    assert.equal(new Set(events).size, expectedEvents);
  });

  test('importing the calendar again updates the same events; exports read back to the same counts', async () => {
    const again = await runCli(app, ['--json', 'mailbox', 'importCalendar', ann.email, fixture('calendar-1000.ics')]);
    assert.equal(again.code, 0, again.stderr);
    const r = JSON.parse(again.stdout) as { imported: number; updated: number };
    assert.deepEqual([r.imported, r.updated], [0, 1000]);

    const vcfOut = path.join(dir, 'out.vcf');
    const icsOut = path.join(dir, 'out.ics');
    const x = await runCli(app, ['mailbox', 'exportContacts', ann.email, vcfOut]);
    assert.equal(x.code, 0, x.stderr);
    assert.match(x.stdout, /exported 1000 contacts from Contacts to /);
    assert.equal(parseVCards(fs.readFileSync(vcfOut, 'utf8')).length, 1000);
    assert.equal((await runCli(app, ['mailbox', 'exportCalendar', ann.email, icsOut])).code, 0);
    const back = parseICalendar(fs.readFileSync(icsOut, 'utf8'));
    assert.equal(new Set(back.events.map((ev) => ev.data.uid)).size, 1000);
    const printed = await runCli(app, ['mailbox', 'exportContacts', ann.email]);
    assert.match(printed.stdout, /^BEGIN:VCARD\r?\n/);
  });

  test('a file that is not vCard changes nothing; another domain\'s admin is refused', async () => {
    const before = (await app.store.mailbox.listItems(ann.id, (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!.id, { limit: 5000 })).length;
    const junk = path.join(dir, 'junk.vcf');
    fs.writeFileSync(junk, 'this is not a vcard\n');
    const r = await runCli(app, ['mailbox', 'importContacts', ann.email, junk]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /vCard/);
    const after = (await app.store.mailbox.listItems(ann.id, (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!.id, { limit: 5000 })).length;
    assert.equal(after, before);

    await app.store.domains.create('other.test');
    const other = await app.directory.createAccount({ email: 'admin@other.test', password: 'other-admin-1' });
    const d = await app.store.domains.getByName('other.test');
    await app.store.accounts.grantDelegatedAdmin(other.id, d!.id);
    const denied = await runCli(app, ['mailbox', 'exportContacts', ann.email], { as: { email: 'admin@other.test', password: 'other-admin-1' } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /permission denied/);
  });
});
