// Follow-up flags in full across two devices of one account (MS-ASEMAIL 2.2.2.34 Flag and its Tasks-page
// children): a flag with dates and a reminder set on a 16.1 phone reaches a 14.1 phone exactly as sent,
// and a third phone's first download; completing it on the 14.1 phone (Status 1, DateCompleted,
// CompleteTime) shows on the 16.1 phone; a bad Status is refused with Sync Status 6 and changes nothing;
// an empty <Flag/> clears it everywhere and drops the details. Mail arrives over SMTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, el, elements, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { itemsIn } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { crlf } from './helpers/phone.js';
import { appData, collection, commands, flatten, phone, sync, type Owner, type Phone } from './helpers/pim-wire.js';
import { SmtpClient } from './helpers/smtp-client.js';

const as = ns('AirSync');
const INBOX = 2;

/** The Flag of the (only) Add or Change for this ServerId in a Sync answer. */
function flagOf(cmds: WbxmlElement[], serverId: string): WbxmlElement {
  const cmd = cmds.find((c) => textOf(c, 'AirSync:ServerId') === serverId);
  assert.ok(cmd, `the Sync carries ${serverId}`);
  const flag = child(appData(cmd), 'Email:Flag');
  assert.ok(flag, 'with a Flag');
  return flag;
}

const change = (serverId: string, flag: WbxmlElement): WbxmlElement =>
  as('Change', as('ServerId', serverId), as('ApplicationData', flag));

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS follow-up flags in full (${backend})`, () => {
  let app: TestApp;
  let ann: Account;
  const owner: Owner = { email: 'ann@example.com', password: 'ann-password-1' };
  let a: Phone;
  let b: Phone;
  let serverId = '';

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    ann = await app.directory.createAccount({ email: owner.email, password: owner.password, displayName: 'Ann Example' });
    const smtp = await SmtpClient.connect(app.smtpPort);
    await smtp.command('EHLO outside.test');
    const sent = await smtp.send('carol@outside.test', [owner.email], crlf([
      'From: Carol <carol@outside.test>', 'To: Ann <ann@example.com>', 'Subject: Contract to review', 'Message-ID: <flag-1@outside.test>',
      'Date: Tue, 01 Jul 2025 09:00:00 +0000', 'Content-Type: text/plain; charset=utf-8', '', 'Please look at it by Friday.',
    ]));
    assert.equal(sent.data?.code, 250);
    await smtp.quit();
    a = await phone(app, owner, 'flagA', '16.1', INBOX);
    b = await phone(app, owner, 'flagB', '14.1', INBOX);
    const addsA = commands(await sync(app, owner, a), 'Add');
    const addsB = commands(await sync(app, owner, b), 'Add');
    assert.equal(addsA.length, 1);
    serverId = textOf(addsA[0], 'AirSync:ServerId')!;
    assert.equal(elements(flagOf(addsB, serverId)).length, 0, 'not flagged yet: an empty Flag');
  });
  after(() => app.stop());

  // Every child of Flag, in the schema's order; the Tasks ones are on code page 9.
  const active = el('Email:Flag',
    el('Tasks:Subject', 'Contract to review'), el('Email:Status', 2), el('Email:FlagType', 'Follow up'),
    el('Tasks:StartDate', '2025-07-01T00:00:00.000Z'), el('Tasks:DueDate', '2025-07-04T00:00:00.000Z'),
    el('Tasks:UtcStartDate', '2025-06-30T22:00:00.000Z'), el('Tasks:UtcDueDate', '2025-07-03T22:00:00.000Z'),
    el('Tasks:ReminderSet', 1), el('Tasks:ReminderTime', '2025-07-03T07:00:00.000Z'),
    el('Tasks:OrdinalDate', '2025-07-01T09:05:00.000Z'), el('Tasks:SubOrdinalDate', '5000000000000'));

  test('a flag with dates and a reminder set on the 16.1 phone reaches the 14.1 phone and a new phone exactly as sent', async () => {
    const r = await sync(app, owner, a, [change(serverId, active)]);
    assert.equal(intOf(collection(r), 'AirSync:Status'), 1);
    assert.equal(child(collection(r), 'AirSync:Responses'), undefined, 'a Change that worked has no Response');

    const onB = flagOf(commands(await sync(app, owner, b), 'Change'), serverId);
    assert.deepEqual(flatten(onB), flatten(active));
    assert.deepEqual(commands(await sync(app, owner, a), 'Change'), [], 'the phone that set it does not get it back');

    // The whole item (Sync Add of a phone that starts now) carries the same Flag.
    const c = await phone(app, owner, 'flagC', '16.1', INBOX);
    assert.deepEqual(flatten(flagOf(commands(await sync(app, owner, c), 'Add'), serverId)), flatten(active));
    const stored = (await itemsIn(app, ann, 'inbox'))[0]!;
    assert.equal(stored.flags.flagged, true);
    assert.equal(stored.flagDetails?.dueDate, '2025-07-04T00:00:00.000Z');
  });

  test('completed on the 14.1 phone: FlagStatus 1 with CompleteTime and DateCompleted on the 16.1 phone', async () => {
    const done = el('Email:Flag', el('Email:Status', 1), el('Email:FlagType', 'Follow up'),
      el('Tasks:DateCompleted', '2025-07-02T00:00:00.000Z'), el('Email:CompleteTime', '2025-07-02T15:30:00.000Z'));
    assert.equal(intOf(collection(await sync(app, owner, b, [change(serverId, done)])), 'AirSync:Status'), 1);
    const onA = flagOf(commands(await sync(app, owner, a), 'Change'), serverId);
    assert.equal(intOf(onA, 'Email:Status'), 1);
    assert.equal(textOf(onA, 'Email:CompleteTime'), '2025-07-02T15:30:00.000Z');
    assert.equal(textOf(onA, 'Tasks:DateCompleted'), '2025-07-02T00:00:00.000Z');
    assert.equal(textOf(onA, 'Tasks:DueDate'), undefined, 'the completed flag is what the 14.1 phone sent, not a merge');
    assert.equal((await itemsIn(app, ann, 'inbox'))[0]!.flags.flagged, false, '"flagged" means an active flag');
  });

  test('a Status outside 0-2 is Sync Status 6 for that Change and changes nothing', async () => {
    const r = await sync(app, owner, a, [change(serverId, el('Email:Flag', el('Email:Status', 7), el('Email:FlagType', 'Follow up')))]);
    const resp = child(child(collection(r), 'AirSync:Responses'), 'AirSync:Change');
    assert.equal(textOf(resp, 'AirSync:ServerId'), serverId);
    assert.equal(intOf(resp, 'AirSync:Status'), 6);
    const item = (await itemsIn(app, ann, 'inbox'))[0]!;
    assert.equal(item.flagDetails?.complete, true, 'the completed flag is still there');
    assert.deepEqual(commands(await sync(app, owner, b), 'Change'), [], 'and the other phone hears of nothing');
  });

  test('an empty <Flag/> on the 16.1 phone clears it on the 14.1 phone, details and all', async () => {
    assert.equal(intOf(collection(await sync(app, owner, a, [change(serverId, el('Email:Flag'))])), 'AirSync:Status'), 1);
    assert.equal(elements(flagOf(commands(await sync(app, owner, b), 'Change'), serverId)).length, 0);
    const item = (await itemsIn(app, ann, 'inbox'))[0]!;
    assert.deepEqual([item.flags.flagged, item.flagDetails], [false, null]);
  });

  test('a flag set without details (as IMAP \\Flagged will) shows as an active "Flag for follow up"', async () => {
    const item = (await itemsIn(app, ann, 'inbox'))[0]!;
    await app.store.mailbox.updateItem(ann.id, item.id, { flags: { flagged: true } });
    const onB = flagOf(commands(await sync(app, owner, b), 'Change'), serverId);
    assert.deepEqual(elements(onB).map((e) => e.tag), ['Status', 'FlagType']);
    assert.deepEqual([intOf(onB, 'Email:Status'), textOf(onB, 'Email:FlagType')], [2, 'Flag for follow up']);
  });
});
