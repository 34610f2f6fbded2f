// Meeting requests end to end: an iTIP REQUEST arrives over SMTP, shows in the Inbox as a meeting request
// and tentatively in the calendar; the 16.1 phone accepts it with MeetingResponse (twice, as iOS does):
// the organizer gets exactly one iTIP REPLY through the relay, the event is accepted and busy, the request
// mail goes to Trash; a CANCEL marks the event cancelled; a 14.1 phone's decline removes the event and the
// server sends nothing (the phone replies itself before 16.0).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { simpleParser } from 'mailparser';
import { child, el, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { eventData } from '../src/pim/event-model.js';
import type { Account, Item } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { commandsOf, crlf, deliver, Phone } from './helpers/phone.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const mr = ns('MeetingResponse');

function invitation(uid: string, method: 'REQUEST' | 'CANCEL', sequence: number, subject: string): string {
  const ics = crlf([
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example Corp//Calendar//EN', `METHOD:${method}`,
    'BEGIN:VEVENT', `UID:${uid}`, `SEQUENCE:${sequence}`, 'DTSTAMP:20261120T090000Z',
    'DTSTART;TZID=Europe/Rome:20261210T100000', 'DTEND;TZID=Europe/Rome:20261210T110000',
    `SUMMARY:${subject}`, 'LOCATION:Room 7', 'ORGANIZER;CN=Carol Outside:mailto:carol@outside.test',
    'ATTENDEE;CN=Ann Example;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@example.com',
    ...(method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT', 'END:VCALENDAR',
  ]);
  return crlf([
    'From: Carol Outside <carol@outside.test>', 'To: Ann Example <ann@example.com>', `Subject: ${method === 'CANCEL' ? 'Cancelled: ' : ''}${subject}`,
    `Message-ID: <${uid}-${method}-${sequence}@outside.test>`, 'Date: Fri, 20 Nov 2026 09:00:00 +0000', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt"', '',
    '--alt', 'Content-Type: text/plain; charset=utf-8', '', `You are invited: ${subject}`,
    '--alt', `Content-Type: text/calendar; charset=utf-8; method=${method}`, '', ics.trimEnd(), '--alt--', '',
  ]);
}

describe('EAS meeting requests and MeetingResponse', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let ann: Account;
  const pw = 'ann-password-1';

  const receive = (raw: string) => deliver(app, 'ann@example.com', raw, { from: 'carol@outside.test', helo: 'organizer.test' });
  const events = async (): Promise<Item[]> => app.store.mailbox.listItems(ann.id, (await app.store.mailbox.getFolderByRole(ann.id, 'calendar'))!.id);
  const inboxItem = async (subject: string): Promise<{ item: Item; folderId: string }> => {
    const inbox = (await app.store.mailbox.getFolderByRole(ann.id, 'inbox'))!;
    const item = (await app.store.mailbox.listItems(ann.id, inbox.id)).find((i) => i.meta?.subject === subject)!;
    return { item, folderId: String(inbox.id) };
  };
  const respond = (version: string, deviceId: string, folderId: string, requestId: string, userResponse: number, send: boolean) => easRequest(app, {
    cmd: 'MeetingResponse', user: ann.email, password: pw, deviceId, version,
    body: mr('MeetingResponse', mr('Request', mr('UserResponse', userResponse), mr('CollectionId', folderId), mr('RequestId', requestId),
      send && mr('SendResponse', el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'See you there.'))))),
  });

  before(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ env: { CARBONIO_RELAY_URL: sink.url } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  test('an invitation arrives: a meeting request in the Inbox, a tentative event in the calendar', async () => {
    await receive(invitation('meet-1@outside.test', 'REQUEST', 0, 'Design review'));
    const [ev] = await events();
    const e = eventData(ev!.data);
    assert.deepEqual([e.uid, e.subject, e.busyStatus, e.meetingStatus, e.responseType, e.organizerEmail], ['meet-1@outside.test', 'Design review', 1, 3, 5, 'carol@outside.test']);
    assert.equal(new Date(e.start).toISOString(), '2026-12-10T09:00:00.000Z');
    // The phone sees the mail as a meeting request.
    const { folderId } = await inboxItem('Design review');
    const iphone = new Phone(app, { email: ann.email, password: pw }, 'iphone', { version: '16.1' });
    await iphone.folderSync();
    await iphone.sync(folderId);
    const adds = commandsOf(await iphone.sync(folderId, { getChanges: true }), 'Add');
    const data = child(adds[0], 'AirSync:ApplicationData')!;
    assert.equal(textOf(data, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
    assert.ok(child(data, 'Email:MeetingRequest'));
  });

  test('16.1 accepts twice (as iOS does): one REPLY reaches the organizer, the event is accepted, the request goes to Trash', async () => {
    const { item, folderId } = await inboxItem('Design review');
    const requestId = `${folderId}:${item.id}`;
    const before = sink.messages.length;
    const first = await respond('16.1', 'iphone', folderId, requestId, 1, true);
    const second = await respond('16.1', 'iphone', folderId, requestId, 1, true);
    for (const r of [first, second]) {
      const result = child(r.root!, 'MeetingResponse:Result')!;
      assert.equal(intOf(result, 'MeetingResponse:Status'), 1);
      assert.equal(textOf(result, 'MeetingResponse:RequestId'), requestId);
      assert.match(textOf(result, 'MeetingResponse:CalendarId') ?? '', /^\d+:\d+$/);
    }
    assert.equal(sink.messages.length, before + 1, 'exactly one reply');
    const reply = sink.messages[before]!;
    assert.deepEqual(reply.to, ['carol@outside.test']);
    const mail = await simpleParser(reply.raw);
    assert.equal(mail.subject, 'Accepted: Design review');
    const ics = mail.attachments.find((a) => a.contentType === 'text/calendar')?.content.toString() ?? String(reply.raw);
    const vcal = new ICAL.Component(ICAL.parse(ics.slice(ics.indexOf('BEGIN:VCALENDAR'), ics.lastIndexOf('END:VCALENDAR') + 13)) as unknown[]);
    assert.equal(vcal.getFirstPropertyValue('method'), 'REPLY');
    const vevent = vcal.getFirstSubcomponent('vevent')!;
    assert.equal(vevent.getFirstPropertyValue('uid'), 'meet-1@outside.test');
    const attendee = vevent.getFirstProperty('attendee')!;
    assert.equal(attendee.getParameter('partstat'), 'ACCEPTED');
    assert.match(String(attendee.getFirstValue()), /ann@example\.com/i);

    const e = eventData((await events())[0]!.data);
    assert.deepEqual([e.responseType, e.busyStatus], [3, 2]);
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    assert.equal((await app.store.mailbox.getItem(ann.id, item.id))?.folderId, trash.id);
  });

  test('a CANCEL marks the event cancelled and free', async () => {
    await receive(invitation('meet-1@outside.test', 'CANCEL', 1, 'Design review'));
    const e = eventData((await events())[0]!.data);
    assert.deepEqual([e.meetingStatus, e.busyStatus], [7, 0]);
  });

  test('14.1 declines: the event is removed and the server sends nothing (the phone replies itself)', async () => {
    await receive(invitation('meet-2@outside.test', 'REQUEST', 0, 'Budget sync'));
    assert.ok((await events()).some((i) => eventData(i.data).uid === 'meet-2@outside.test'));
    const { item, folderId } = await inboxItem('Budget sync');
    const before = sink.messages.length;
    const r = await respond('14.1', 'android', folderId, String(item.id), 3, true);
    const result = child(r.root!, 'MeetingResponse:Result')!;
    assert.equal(intOf(result, 'MeetingResponse:Status'), 1);
    assert.equal(child(result, 'MeetingResponse:CalendarId'), undefined, 'a declined meeting has no calendar item');
    assert.equal((await events()).some((i) => eventData(i.data).uid === 'meet-2@outside.test'), false);
    assert.equal(sink.messages.length, before);
    const unknown = await respond('14.1', 'android', folderId, '999999', 1, false);
    assert.equal(intOf(child(unknown.root!, 'MeetingResponse:Result'), 'MeetingResponse:Status'), 2);
  });
});
