// The Email class's account-relative fields over the wire (MS-ASEMAIL, email2 from 14.0): the time of a
// SmartReply as LastVerbExecutionTime; the Bcc of a message the user sent, kept in the Sent copy only and
// shown as email2:Bcc to 16.x phones; ReceivedAsBcc on the blind-copied recipient's copy; and the
// Recurrences of a recurring meeting invitation (RRULE) in email:MeetingRequest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, elements, intOf, ns, path, qnameOf, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { itemsIn, rawText } from './helpers/mailbox.js';
import { crlf, deliver } from './helpers/phone.js';
import { appData, commands, phone, sync, type Owner } from './helpers/pim-wire.js';

const cm = ns('ComposeMail');
const INBOX = 2;
const SENT = 5;

/** The ApplicationData of the Add or Change whose Subject (or ServerId) is given. */
function dataFor(cmds: WbxmlElement[], subject: string): WbxmlElement {
  const found = cmds.map(appData).find((d) => textOf(d, 'Email:Subject') === subject);
  assert.ok(found, `the Sync carries "${subject}"`);
  return found;
}

describe('EAS Email class: verb time, Bcc, ReceivedAsBcc, meeting recurrence', () => {
  let app: TestApp;
  let ann: Account;
  const owner: Owner = { email: 'ann@example.com', password: 'ann-password-1' };
  const bob: Owner = { email: 'bob@example.com', password: 'bob-password-1' };
  const dave: Owner = { email: 'dave@example.com', password: 'dave-password-1' };

  const receive = (to: string, raw: string): Promise<void> => deliver(app, to, raw, { from: 'carol@outside.test', helo: 'outside.test' });
  const sendMail = async (version: string, clientId: string, raw: string): Promise<void> => {
    const r = await easRequest(app, {
      cmd: 'SendMail', user: owner.email, password: owner.password, deviceId: 'sender', version,
      body: cm('SendMail', cm('ClientId', clientId), cm('SaveInSentItems'), cm('Mime', new Uint8Array(Buffer.from(raw)))),
    });
    assert.equal(r.status, 200);
    assert.equal(r.raw.length, 0, 'SendMail succeeded (empty answer)');
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: owner.email, password: owner.password, displayName: 'Ann Example' });
    for (const o of [bob, dave]) await app.directory.createAccount({ email: o.email, password: o.password });
  });
  after(() => app.stop());

  test('SmartReply records when: LastVerbExecutionTime beside LastVerbExecuted, in a Change and in a new phone\'s Add', async () => {
    await receive(owner.email, crlf(['From: Carol <carol@outside.test>', 'To: ann@example.com', 'Subject: Lunch?', 'Message-ID: <lunch@outside.test>', '', 'Friday?']));
    const p = await phone(app, owner, 'verbA', '14.1', INBOX);
    const add = commands(await sync(app, owner, p), 'Add')[0]!;
    assert.equal(textOf(appData(add), 'Email2:LastVerbExecuted'), undefined, 'nothing done yet');
    const serverId = textOf(add, 'AirSync:ServerId')!;
    const before = Date.now();
    const r = await easRequest(app, {
      cmd: 'SmartReply', user: owner.email, password: owner.password, deviceId: 'verbA', version: '14.1',
      body: cm('SmartReply', cm('ClientId', 'verb-1'), cm('SaveInSentItems'), cm('Source', cm('FolderId', p.collectionId), cm('ItemId', serverId)),
        cm('Mime', new Uint8Array(Buffer.from(crlf(['To: bob@example.com', 'Subject: Re: Lunch?', '', 'Yes.']))))),
    });
    assert.equal(r.status, 200);
    const after = Date.now();
    const changed = appData(commands(await sync(app, owner, p), 'Change')[0]!);
    assert.equal(intOf(changed, 'Email2:LastVerbExecuted'), 1);
    const at = Date.parse(textOf(changed, 'Email2:LastVerbExecutionTime') ?? '');
    assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= after, `the time of the reply (${at} in ${before}..${after})`);
    const fresh = await phone(app, owner, 'verbB', '16.1', INBOX);
    const whole = dataFor(commands(await sync(app, owner, fresh), 'Add'), 'Lunch?');
    assert.equal(Date.parse(textOf(whole, 'Email2:LastVerbExecutionTime') ?? ''), at);
    const tags = elements(whole).map((e) => e.tag);
    assert.ok(tags.indexOf('LastVerbExecutionTime') === tags.indexOf('LastVerbExecuted') + 1, 'in the schema order');
  });

  test('SendMail with Bcc: the Sent copy keeps it (email2:Bcc to 16.1, not to 14.1), what travels does not; the Bcc recipient\'s copy is ReceivedAsBcc', async () => {
    await sendMail('16.1', 'bcc-1', crlf([
      'To: Bob <bob@example.com>', 'Bcc: Dave <dave@example.com>', 'Subject: Budget', 'Content-Type: text/plain; charset=utf-8', '', 'Numbers attached.',
    ]));
    const sent = (await itemsIn(app, ann, 'sent')).find((i) => i.meta?.subject === 'Budget')!;
    assert.match(await rawText(app, sent), /^Bcc: Dave <dave@example\.com>\r$/m, 'the stored Sent copy keeps the Bcc header');
    const daveAcc = (await app.store.accounts.getByEmail(dave.email))!;
    const daves = (await itemsIn(app, daveAcc, 'inbox')).find((i) => i.meta?.subject === 'Budget')!;
    assert.doesNotMatch(await rawText(app, daves), /^Bcc:/im, 'the delivered copy has no Bcc');

    const s161 = await phone(app, owner, 'sentA', '16.1', SENT);
    const mine = dataFor(commands(await sync(app, owner, s161), 'Add'), 'Budget');
    assert.equal(textOf(mine, 'Email2:Bcc'), '"Dave" <dave@example.com>');
    assert.equal(textOf(mine, 'Email2:ReceivedAsBcc'), undefined, 'the sender\'s own copy is not ReceivedAsBcc');
    const s141 = await phone(app, owner, 'sentB', '14.1', SENT);
    assert.equal(textOf(dataFor(commands(await sync(app, owner, s141), 'Add'), 'Budget'), 'Email2:Bcc'), undefined, 'email2:Bcc is 16.0+');

    const dp = await phone(app, dave, 'daveA', '14.1', INBOX);
    const atDave = dataFor(commands(await sync(app, dave, dp), 'Add'), 'Budget');
    assert.equal(intOf(atDave, 'Email2:ReceivedAsBcc'), 1);
    assert.equal(textOf(atDave, 'Email2:Bcc'), undefined);
    const bp = await phone(app, bob, 'bobA', '16.1', INBOX);
    const atBob = dataFor(commands(await sync(app, bob, bp), 'Add'), 'Budget');
    assert.equal(textOf(atBob, 'Email2:ReceivedAsBcc'), undefined, 'Bob is in To');
    assert.equal(textOf(atBob, 'Email2:Bcc'), undefined, 'a received message never shows a Bcc');
  });

  test('a recurring invitation carries email:Recurrences (InstanceType 1); a single one does not', async () => {
    const invite = (uid: string, subject: string, rule: string | null): string => crlf([
      'From: Carol <carol@outside.test>', 'To: ann@example.com', `Subject: ${subject}`, `Message-ID: <${uid}@outside.test>`, 'MIME-Version: 1.0',
      'Content-Type: text/calendar; charset=utf-8; method=REQUEST', '',
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T090000Z',
      'DTSTART;TZID=Europe/Rome:20261201T100000', 'DTEND;TZID=Europe/Rome:20261201T110000', `SUMMARY:${subject}`,
      ...(rule ? [`RRULE:${rule}`] : []),
      'ORGANIZER:mailto:carol@outside.test', 'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@example.com', 'END:VEVENT', 'END:VCALENDAR',
    ]);
    await receive(owner.email, invite('weekly-1', 'Stand-up', 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10;WKST=MO'));
    await receive(owner.email, invite('monthly-1', 'Review', 'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1;UNTIL=20270601T090000Z'));
    await receive(owner.email, invite('single-1', 'One-off', null));
    const p141 = await phone(app, owner, 'meetA', '14.1', INBOX);
    const adds = commands(await sync(app, owner, p141), 'Add');

    const weekly = child(dataFor(adds, 'Stand-up'), 'Email:MeetingRequest')!;
    assert.equal(intOf(weekly, 'Email:InstanceType'), 1);
    const w = path(weekly, 'Email:Recurrences', 'Email:Recurrence')!;
    assert.deepEqual(elements(w).map((e) => `${qnameOf(e)}=${text(e)}`),
      ['Email:Type=1', 'Email:Interval=1', 'Email:Occurrences=10', 'Email:DayOfWeek=20', 'Email2:CalendarType=0', 'Email2:FirstDayOfWeek=1'],
      'weekly on Tuesday and Thursday, ten times, weeks start on Monday, in the schema order');

    const monthly = path(dataFor(adds, 'Review'), 'Email:MeetingRequest', 'Email:Recurrences', 'Email:Recurrence')!;
    assert.deepEqual([intOf(monthly, 'Email:Type'), intOf(monthly, 'Email:Interval'), intOf(monthly, 'Email:DayOfMonth'), textOf(monthly, 'Email:Until')],
      [2, 2, 1, '2027-06-01T09:00:00.000Z']);

    const single = child(dataFor(adds, 'One-off'), 'Email:MeetingRequest')!;
    assert.equal(intOf(single, 'Email:InstanceType'), 0);
    assert.equal(child(single, 'Email:Recurrences'), undefined);

    const p121 = await phone(app, owner, 'meetB', '12.1', INBOX);
    const old = path(dataFor(commands(await sync(app, owner, p121), 'Add'), 'Stand-up'), 'Email:MeetingRequest', 'Email:Recurrences', 'Email:Recurrence')!;
    assert.equal(intOf(old, 'Email:DayOfWeek'), 20);
    assert.equal(child(old, 'Email2:CalendarType'), undefined, 'CalendarType is 14.0+');
  });
});
