// The Calendar class over EAS (MS-ASCAL), phone to server to second phone with real WBXML over HTTP:
// the MS-ASCAL section 4 items on 14.1 and 16.1 arrive with every field unchanged; a weekly series with a
// moved and a deleted occurrence across a daylight-saving switch (Europe/Rome, America/New_York) expands
// to the right UTC instants on every version; an all-day event stays on its date whatever zone it comes
// from; FilterType 4 keeps an old series that still recurs and drops an old finished event; 16.x rules
// (fields the client must not send, InstanceId, moved series drop exceptions) hold.
//
// The section 4 items: MS-ASCAL 4.2 (weekly appointment with one exception: its Pacific TimeZone blob,
// DtStamp, StartTime, Subject, UID and OrganizerName are the example's; the rest of the item, which the
// published excerpt cuts off, is filled in with the example's kind of values) and a single meeting
// with attendees in the style of the other section 4 requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deleteInstance, parseEvent, renderEvent } from '../src/eas/classes/calendar.js';
import { ClassError } from '../src/eas/classes/registry.js';
import { ns, textOf, intOf, child, children, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { eventData } from '../src/pim/event-model.js';
import { occurrences } from '../src/pim/recurrence.js';
import { blobForZone, ianaZone, localToUtc, offsetAt, zoneForBlob } from '../src/pim/timezone.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { addResult, appData, collection, commands, lostFields, phone, readEvent, sync, wireDate, type Owner, type Phone } from './helpers/pim-wire.js';

const as = ns('AirSync');
const cal = ns('Calendar');
const asb = ns('AirSyncBase');
const CALENDAR = 8;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000', '');
const compact = (ms: number): string => iso(ms).replace(/[-:]/g, '');
const PACIFIC = '4AEAACgARwBNAFQALQAwADgAOgAwADAAKQAgAFAAYQBjAGkAZgBpAGMAIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAsAAAABAAIAAAAAAAAAAAAAACgARwBNAFQALQAwADgAOgAwADAAKQAgAFAAYQBjAGkAZgBpAGMAIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAMAAAACAAIAAAAAAAAAxP///w==';
const html = { prefs: [asb('BodyPreference', asb('Type', 2))] };

/** MS-ASCAL 4.2: a weekly appointment with one exception, as a 14.1 client writes it. */
function recurring141(): WbxmlElement {
  return as('ApplicationData',
    cal('Timezone', PACIFIC), cal('DtStamp', '20090415T165811Z'), cal('StartTime', '20090417T170000Z'), cal('Subject', 'Recurring appointment test'),
    cal('UID', '040000008200E00074C5B7101A82E00800000000B0CD1F52EBBDC901000000000000000010000000B05E442FCB2CA443BF3D99B51A729FE6'),
    cal('OrganizerName', 'Anat Kerry'), cal('OrganizerEmail', 'anat@contoso.com'),
    asb('Body', asb('Type', 2), asb('Data', '<p>Weekly review of the <b>test</b> plan.</p>')),
    cal('EndTime', '20090417T180000Z'), cal('Location', 'Building 35, Room 1600'), cal('Sensitivity', 0), cal('BusyStatus', 2), cal('AllDayEvent', 0),
    cal('Reminder', 15), cal('MeetingStatus', 1),
    cal('Attendees', cal('Attendee', cal('Email', 'chris@contoso.com'), cal('Name', 'Chris Gray'), cal('AttendeeStatus', 3), cal('AttendeeType', 1))),
    cal('Categories', cal('Category', 'Business')),
    cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 32), cal('Until', '20090529T170000Z'), cal('FirstDayOfWeek', 0)),
    cal('Exceptions', cal('Exception', cal('ExceptionStartTime', '20090424T170000Z'), cal('Subject', 'Recurring appointment test (moved)'),
      cal('StartTime', '20090424T190000Z'), cal('EndTime', '20090424T200000Z'), cal('DtStamp', '20090416T080000Z'))),
    cal('ResponseRequested', 1), cal('ResponseType', 1), cal('DisallowNewTimeProposal', 0));
}

/** A single meeting with attendees, as a 14.1 client writes it. */
function meeting141(): WbxmlElement {
  return as('ApplicationData',
    cal('Timezone', blobForZone('America/New_York', 2026)), cal('AllDayEvent', 0), asb('Body', asb('Type', 2), asb('Data', '<div>Agenda: budget</div>')),
    cal('BusyStatus', 1), cal('OrganizerName', 'Kim Akers'), cal('OrganizerEmail', 'kim@contoso.com'), cal('DtStamp', '20260410T120000Z'),
    cal('EndTime', '20260415T150000Z'), cal('Location', 'Conference Room 4'), cal('Reminder', 30), cal('Sensitivity', 2), cal('Subject', 'Budget planning'),
    cal('StartTime', '20260415T140000Z'), cal('UID', 'budget-2026-04-15@contoso.com'), cal('MeetingStatus', 3),
    cal('Attendees',
      cal('Attendee', cal('Email', 'ann@example.com'), cal('Name', 'Ann'), cal('AttendeeStatus', 5), cal('AttendeeType', 1)),
      cal('Attendee', cal('Email', 'room4@contoso.com'), cal('Name', 'Conference Room 4'), cal('AttendeeStatus', 0), cal('AttendeeType', 3))),
    cal('Categories', cal('Category', 'Finance'), cal('Category', 'Q2')),
    cal('ResponseRequested', 1), cal('AppointmentReplyTime', '20260411T090000Z'), cal('ResponseType', 3), cal('DisallowNewTimeProposal', 1),
    cal('OnlineMeetingConfLink', 'sip:kim@contoso.com;gruu;opaque=app:conf:focus:id:4FNRHN16'), cal('OnlineMeetingExternalLink', 'https://meet.contoso.com/kim/4FNRHN16'));
}

/** The same items as a 16.1 client writes them: no UID, Organizer*, DtStamp, AttendeeStatus; structured Location; InstanceId. */
function recurring161(): WbxmlElement {
  return as('ApplicationData',
    cal('Timezone', PACIFIC), cal('StartTime', '20090417T170000Z'), cal('Subject', 'Recurring appointment test'),
    asb('Body', asb('Type', 1), asb('Data', 'Weekly review of the test plan.')), cal('EndTime', '20090417T180000Z'),
    asb('Location', asb('DisplayName', 'Building 35, Room 1600'), asb('Street', '1 Microsoft Way'), asb('City', 'Redmond'), asb('State', 'WA'),
      asb('Country', 'United States'), asb('PostalCode', '98052'), asb('Latitude', '47.6396'), asb('Longitude', '-122.1283'), asb('Accuracy', '10'),
      asb('LocationUri', 'https://maps.example/b35')),
    cal('Sensitivity', 0), cal('BusyStatus', 4), cal('AllDayEvent', 0), cal('Reminder', 15), cal('MeetingStatus', 1),
    cal('Attendees', cal('Attendee', cal('Email', 'chris@contoso.com'), cal('Name', 'Chris Gray'), cal('AttendeeType', 2))),
    cal('Categories', cal('Category', 'Business')),
    cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 32), cal('Occurrences', 7), cal('FirstDayOfWeek', 1)),
    cal('Exceptions', cal('Exception', asb('InstanceId', '20090424T170000Z'), cal('Subject', 'Recurring appointment test (moved)'),
      cal('StartTime', '20090424T190000Z'), cal('EndTime', '20090424T200000Z')), cal('Exception', asb('InstanceId', '20090501T170000Z'), cal('Deleted', 1))),
    cal('ClientUid', 'c7a1f2e0-0001'), cal('ResponseRequested', 0), cal('DisallowNewTimeProposal', 0));
}

describe('EAS Calendar', () => {
  let app: TestApp;
  let ann: Account;
  let owner: Owner;
  const pw = 'ann-password-1';
  let n = 0;
  const newPhone = (version: string, prefs: WbxmlElement[] = html.prefs): Promise<Phone> => phone(app, owner, `cal${++n}`, version, CALENDAR, prefs);
  const add = async (p: Phone, data: WbxmlElement): Promise<{ status: number | undefined; serverId: string | undefined }> =>
    addResult(await sync(app, owner, p, [as('Add', as('ClientId', `c${++n}`), data)], html.prefs));
  const received = async (p: Phone, serverId: string, prefs: WbxmlElement[] = html.prefs): Promise<WbxmlElement> => {
    const r = await sync(app, owner, p, [], prefs);
    const cmd = [...commands(r, 'Add'), ...commands(r, 'Change')].find((c) => textOf(c, 'AirSync:ServerId') === serverId);
    assert.ok(cmd, `${p.deviceId} got ${serverId}`);
    return appData(cmd);
  };
  const storedEvent = async (serverId: string) => app.store.mailbox.getItem(ann.id, serverId.split(':')[1] as never);

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    owner = { email: ann.email, password: pw };
  });
  after(() => app.stop());

  test('MS-ASCAL section 4 items go phone to phone on 14.1 with no field lost or changed', async () => {
    const [one, two] = [await newPhone('14.1'), await newPhone('14.1')];
    for (const item of [recurring141(), meeting141()]) {
      const { status, serverId } = await add(one, item);
      assert.equal(status, 1);
      assert.deepEqual(lostFields(item, await received(two, serverId!)), []);
    }
  });

  test('the same on 16.1: all fields arrive, ClientUid stays the phone\'s own, the server adds UID and DtStamp', async () => {
    const plain = [asb('BodyPreference', asb('Type', 1))];
    const [one, two, old] = [await newPhone('16.1'), await newPhone('16.1', plain), await newPhone('14.1')];
    const item = recurring161();
    const { status, serverId } = await add(one, item);
    assert.equal(status, 1);
    const got = await received(two, serverId!, plain);
    assert.deepEqual(lostFields(item, got, ['ClientUid']), []);
    assert.equal(child(got, 'Calendar:ClientUid'), undefined);
    assert.match(textOf(got, 'Calendar:UID') ?? '', /^[0-9A-F-]{36}$/);
    assert.ok(textOf(got, 'Calendar:DtStamp'));
    assert.equal((eventData((await storedEvent(serverId!))!.data)).clientUid, 'c7a1f2e0-0001');
    // A 14.1 phone sees the place as text, the exceptions by ExceptionStartTime, "working elsewhere" as busy.
    const down = await received(old, serverId!);
    assert.equal(textOf(down, 'Calendar:Location'), 'Building 35, Room 1600');
    assert.equal(intOf(down, 'Calendar:BusyStatus'), 2);
    assert.deepEqual(lostFields(child(item, 'Calendar:Exceptions')!, child(down, 'Calendar:Exceptions')!, ['InstanceId']), []);
    assert.deepEqual([textOf(child(child(down, 'Calendar:Exceptions'), 'Calendar:Exception'), 'Calendar:ExceptionStartTime')], ['20090424T170000Z']);
  });

  test('16.1: UID, Organizer, DtStamp and AttendeeStatus sent by the client are ignored', async () => {
    const [one, two] = [await newPhone('16.1'), await newPhone('16.1')];
    const { serverId } = await add(one, as('ApplicationData', cal('Timezone', PACIFIC), cal('StartTime', '20260601T160000Z'), cal('EndTime', '20260601T170000Z'),
      cal('Subject', 'Sneaky'), cal('UID', 'client-made-uid'), cal('OrganizerName', 'Mallory'), cal('OrganizerEmail', 'mallory@evil.example'),
      cal('DtStamp', '19990101T000000Z'), cal('Attendees', cal('Attendee', cal('Email', 'bob@example.com'), cal('Name', 'Bob'), cal('AttendeeStatus', 3)))));
    const got = await received(two, serverId!);
    assert.notEqual(textOf(got, 'Calendar:UID'), 'client-made-uid');
    // The organizer is the user, not what the phone claimed.
    assert.equal(textOf(got, 'Calendar:OrganizerEmail'), 'ann@example.com');
    assert.equal(textOf(got, 'Calendar:OrganizerName'), 'ann@example.com');
    assert.notEqual(textOf(got, 'Calendar:DtStamp'), '19990101T000000Z');
    assert.equal(child(child(child(got, 'Calendar:Attendees'), 'Calendar:Attendee'), 'Calendar:AttendeeStatus'), undefined);
  });

  const romeBlob = blobForZone('Europe/Rome', 2026);
  const rome = ianaZone('Europe/Rome')!;
  const ny = ianaZone('America/New_York')!;
  const local = (z: typeof rome, y: number, mo: number, d: number, h: number, mi = 0): number => localToUtc(z, { year: y, month: mo, day: d, hour: h, minute: mi, second: 0 });
  const expand = (data: WbxmlElement): string[] => occurrences(readEvent(data), 0, 8.64e15).map((o) => `${iso(o.start)}-${iso(o.end).slice(11)}`);

  for (const version of ['14.1', '16.1']) {
    test(`a weekly Europe/Rome series across the March switch, one moved and one deleted occurrence, added on ${version}`, async () => {
      const one = await newPhone(version);
      const key = version === '16.1' ? asb('InstanceId', compact(local(rome, 2026, 3, 30, 9))) : cal('ExceptionStartTime', compact(local(rome, 2026, 3, 30, 9)));
      const del = version === '16.1' ? asb('InstanceId', compact(local(rome, 2026, 4, 6, 9))) : cal('ExceptionStartTime', compact(local(rome, 2026, 4, 6, 9)));
      const { status, serverId } = await add(one, as('ApplicationData', cal('Timezone', romeBlob), cal('AllDayEvent', 0),
        cal('StartTime', compact(local(rome, 2026, 3, 16, 9))), cal('EndTime', compact(local(rome, 2026, 3, 16, 10))), cal('Subject', 'Standup Roma'),
        cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 2), cal('Occurrences', 6)),
        cal('Exceptions', cal('Exception', key, cal('StartTime', compact(local(rome, 2026, 3, 30, 11))), cal('EndTime', compact(local(rome, 2026, 3, 30, 12, 30)))),
          cal('Exception', del, cal('Deleted', 1)))));
      assert.equal(status, 1);
      const expected = ['2026-03-16T08:00:00Z-09:00:00Z', '2026-03-23T08:00:00Z-09:00:00Z', '2026-03-30T09:00:00Z-10:30:00Z', '2026-04-13T07:00:00Z-08:00:00Z', '2026-04-20T07:00:00Z-08:00:00Z'];
      for (const v of ['14.1', '16.1']) {
        const data = await received(await newPhone(v), serverId!);
        assert.deepEqual(expand(data), expected, `seen on ${v}`);
        assert.equal(textOf(data, 'Calendar:Timezone'), romeBlob);
      }
    });

    test(`a weekly America/New_York series across the March switch, added on ${version}`, async () => {
      const one = await newPhone(version);
      const id = (d: number): WbxmlElement => (version === '16.1' ? asb('InstanceId', compact(local(ny, 2026, 3, d, 9))) : cal('ExceptionStartTime', compact(local(ny, 2026, 3, d, 9))));
      const { serverId } = await add(one, as('ApplicationData', cal('Timezone', blobForZone('America/New_York', 2026)),
        cal('StartTime', compact(local(ny, 2026, 2, 26, 9))), cal('EndTime', compact(local(ny, 2026, 2, 26, 9, 45))), cal('Subject', 'Standup NYC'),
        cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 16), cal('Until', compact(local(ny, 2026, 4, 2, 9)))),
        cal('Exceptions', cal('Exception', id(12), cal('StartTime', compact(local(ny, 2026, 3, 12, 14))), cal('EndTime', compact(local(ny, 2026, 3, 12, 14, 45)))),
          cal('Exception', id(19), cal('Deleted', 1)))));
      const expected = ['2026-02-26T14:00:00Z-14:45:00Z', '2026-03-05T14:00:00Z-14:45:00Z', '2026-03-12T18:00:00Z-18:45:00Z', '2026-03-26T13:00:00Z-13:45:00Z', '2026-04-02T13:00:00Z-13:45:00Z'];
      for (const v of ['14.1', '16.1']) assert.deepEqual(expand(await received(await newPhone(v), serverId!)), expected, `seen on ${v}`);
    });
  }

  test('an all-day event stays on its date, from Europe/Rome, America/New_York and Asia/Tokyo, on 14.1 and 16.1', async () => {
    const [v14, v16] = [await newPhone('14.1'), await newPhone('16.1')];
    for (const id of ['Europe/Rome', 'America/New_York', 'Asia/Tokyo']) {
      const z = ianaZone(id)!;
      const one = await newPhone('14.1');
      const { serverId } = await add(one, as('ApplicationData', cal('Timezone', blobForZone(id, 2026)), cal('AllDayEvent', 1),
        cal('StartTime', compact(local(z, 2026, 7, 14, 0))), cal('EndTime', compact(local(z, 2026, 7, 15, 0))), cal('Subject', `Holiday in ${id}`)));
      const new16 = await received(v16, serverId!);
      assert.deepEqual([child(new16, 'Calendar:Timezone'), textOf(new16, 'Calendar:StartTime'), textOf(new16, 'Calendar:EndTime')], [undefined, '20260714T000000Z', '20260715T000000Z'], id);
      const old = await received(v14, serverId!);
      const seenIn = zoneForBlob(textOf(old, 'Calendar:Timezone')!, 2026);
      const dateIn = (s: string | undefined): string => iso(wireDate(s) + offsetAt(seenIn, wireDate(s)));
      assert.deepEqual([dateIn(textOf(old, 'Calendar:StartTime')), dateIn(textOf(old, 'Calendar:EndTime'))], ['2026-07-14T00:00:00Z', '2026-07-15T00:00:00Z'], id);
    }
    // A 16.1 phone sends the date only; a Timezone it adds anyway does not move the date.
    const { serverId } = await add(v16, as('ApplicationData', cal('Timezone', blobForZone('Asia/Tokyo', 2026)), cal('AllDayEvent', 1),
      cal('StartTime', '20261225T000000Z'), cal('EndTime', '20261226T000000Z'), cal('Subject', 'Christmas')));
    const stored = eventData((await storedEvent(serverId!))!.data);
    assert.deepEqual([stored.startDate, stored.endDate, stored.timeZoneBlob], ['2026-12-25', '2026-12-26', undefined]);
    const old = await received(v14, serverId!);
    const z = zoneForBlob(textOf(old, 'Calendar:Timezone')!, 2026);
    const s = wireDate(textOf(old, 'Calendar:StartTime'));
    assert.equal(iso(s + offsetAt(z, s)), '2026-12-25T00:00:00Z');
  });

  test('FilterType 4 (two weeks) keeps an old series that still recurs and drops old finished events', async () => {
    const day = 86_400_000;
    const now = Date.now();
    const at = (offsetDays: number): string => compact(Math.floor(now / day) * day + offsetDays * day + 9 * 3_600_000);
    const one = await newPhone('16.1');
    const mk = (subject: string, startDays: number, recurrence?: WbxmlElement): WbxmlElement =>
      as('ApplicationData', cal('Timezone', romeBlob), cal('StartTime', at(startDays)), cal('EndTime', at(startDays).replace('T09', 'T10')), cal('Subject', subject), recurrence);
    const ids = new Map<string, string>();
    for (const [subject, data] of [
      ['old endless series', mk('old endless series', -700, cal('Recurrence', cal('Type', 1), cal('Interval', 1)))],
      ['old series ending next month', mk('old series ending next month', -400, cal('Recurrence', cal('Type', 0), cal('Interval', 7), cal('Until', at(30))))],
      ['old finished event', mk('old finished event', -400)],
      ['old finished series', mk('old finished series', -400, cal('Recurrence', cal('Type', 0), cal('Interval', 1), cal('Occurrences', 3)))],
      ['tomorrow', mk('tomorrow', 1)],
    ] as const) ids.set(subject, (await add(one, data)).serverId!);
    const filtered = await phone(app, owner, 'calfilter', '16.1', CALENDAR, [as('FilterType', 4)]);
    const r = await sync(app, owner, filtered, [], [as('FilterType', 4)]);
    const got = commands(r, 'Add').map((a) => textOf(appData(a), 'Calendar:Subject')).filter((s) => s && ids.has(s)).sort();
    assert.deepEqual(got, ['old endless series', 'old series ending next month', 'tomorrow']);
    assert.equal((await storedEvent(ids.get('old endless series')!))!.receivedAt, 8.64e15);
  });

  test('Changes keep what the client leaves out; on 16.x moving a series drops its exceptions; a bad item is Status 6', async () => {
    const [one, two] = [await newPhone('14.1'), await newPhone('14.1')];
    const { serverId } = await add(one, recurring141());
    await received(two, serverId!);
    await sync(app, owner, two, [as('Change', as('ServerId', serverId), as('ApplicationData', cal('Subject', 'Renamed')))], html.prefs);
    const changed = await received(one, serverId!);
    assert.equal(textOf(changed, 'Calendar:Subject'), 'Renamed');
    assert.deepEqual(lostFields(recurring141(), changed, ['Calendar:Subject[0]', 'DtStamp[0]']), []);
    const v16 = await newPhone('16.1');
    await received(v16, serverId!);
    await sync(app, owner, v16, [as('Change', as('ServerId', serverId), as('ApplicationData', cal('StartTime', '20090417T180000Z'), cal('EndTime', '20090417T190000Z')))], html.prefs);
    const moved = await received(one, serverId!);
    assert.equal(child(moved, 'Calendar:Exceptions'), undefined);
    // A 16.x client that sends Exceptions anyway changes the ones it names and keeps the others.
    for (const day of ['08', '15']) {
      await sync(app, owner, v16, [as('Change', as('ServerId', serverId), as('ApplicationData',
        cal('Exceptions', cal('Exception', asb('InstanceId', `200905${day}T180000Z`), cal('Deleted', 1)))))], html.prefs);
    }
    const both = await received(one, serverId!);
    assert.deepEqual(children(child(both, 'Calendar:Exceptions'), 'Calendar:Exception').map((x) => textOf(x, 'Calendar:ExceptionStartTime')), ['20090508T180000Z', '20090515T180000Z']);
    const bad = await add(one, as('ApplicationData', cal('StartTime', '20260601T100000Z'), cal('EndTime', '20260601T090000Z'), cal('Subject', 'Backwards')));
    assert.equal(bad.status, 6);
    const stray = await add(one, as('ApplicationData', cal('Timezone', romeBlob), cal('StartTime', '20260601T100000Z'), cal('EndTime', '20260601T110000Z'),
      cal('Recurrence', cal('Type', 0), cal('Interval', 1)), cal('Exceptions', cal('Exception', cal('ExceptionStartTime', '20260602T120000Z'), cal('Deleted', 1)))));
    assert.equal(stray.status, 6, 'an exception for no occurrence');
  });

  test('16.x occurrence edits by InstanceId (Change and Delete) reach other phones', async () => {
    const one = await newPhone('16.1');
    const { serverId } = await add(one, as('ApplicationData', cal('Timezone', romeBlob), cal('StartTime', compact(local(rome, 2026, 3, 16, 9))),
      cal('EndTime', compact(local(rome, 2026, 3, 16, 10))), cal('Subject', 'Weekly'), cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 2), cal('Occurrences', 4))));
    // Over the wire: a Change and a Delete that name one occurrence by InstanceId (MS-ASCMD 2.2.3.24, 16.0).
    const r = await sync(app, owner, one, [
      as('Change', as('ServerId', serverId), asb('InstanceId', compact(local(rome, 2026, 3, 23, 9))), as('ApplicationData', cal('Subject', 'Weekly (room change)'),
        cal('StartTime', compact(local(rome, 2026, 3, 23, 11))), cal('EndTime', compact(local(rome, 2026, 3, 23, 12))))),
      as('Delete', as('ServerId', serverId), asb('InstanceId', compact(local(rome, 2026, 3, 30, 9)))),
    ], html.prefs);
    assert.equal(r.status, 200);
    assert.equal(children(child(collection(r), 'AirSync:Responses'), 'AirSync:Change').length + children(child(collection(r), 'AirSync:Responses'), 'AirSync:Delete').length, 0, 'both succeed');
    const updated = (await storedEvent(serverId!))!;
    assert.equal(updated.kind, 'event', 'the series is still there');
    const ctx = { version: 161, bodyPreferences: [], now: Date.now() };
    assert.throws(() => deleteInstance(updated, compact(local(rome, 2026, 3, 31, 9)), ctx), ClassError);
    const seen = await received(await newPhone('16.1'), serverId!);
    assert.deepEqual(expand(seen), ['2026-03-16T08:00:00Z-09:00:00Z', '2026-03-23T10:00:00Z-11:00:00Z', '2026-04-06T07:00:00Z-08:00:00Z']);
    const ex = child(child(seen, 'Calendar:Exceptions'), 'Calendar:Exception')!;
    assert.deepEqual([textOf(ex, 'AirSyncBase:InstanceId'), textOf(ex, 'Calendar:Subject')], ['20260323T080000Z', 'Weekly (room change)']);
  });

  test('16.1: an Add sent again with the same ClientUid is the same event; the organizer of a phone\'s event is the user', async () => {
    const one = await newPhone('16.1');
    const data = () => as('ApplicationData', cal('Timezone', romeBlob), cal('StartTime', '20260701T080000Z'), cal('EndTime', '20260701T090000Z'),
      cal('Subject', 'Dentist'), cal('ClientUid', 'dup-uid-1'));
    const first = await add(one, data());
    const second = await add(one, data());
    assert.equal(first.status, 1);
    assert.equal(second.status, 1);
    assert.equal(second.serverId, first.serverId);
    const cal14 = await received(await newPhone('14.1'), first.serverId!);
    assert.deepEqual([textOf(cal14, 'Calendar:OrganizerEmail'), textOf(cal14, 'Calendar:OrganizerName')], ['ann@example.com', 'ann@example.com']);
  });

  test('an all-day weekly series with Until and a deleted date keeps its dates on 14.1 and 16.1', async () => {
    const tokyo = ianaZone('Asia/Tokyo')!;
    const one = await newPhone('14.1');
    const midnight = (mo: number, d: number): string => compact(local(tokyo, 2026, mo, d, 0));
    const { serverId } = await add(one, as('ApplicationData', cal('Timezone', blobForZone('Asia/Tokyo', 2026)), cal('AllDayEvent', 1),
      cal('StartTime', midnight(3, 27)), cal('EndTime', midnight(3, 28)), cal('Subject', 'Friday off'),
      cal('Recurrence', cal('Type', 1), cal('Interval', 1), cal('DayOfWeek', 32), cal('Until', midnight(4, 17))),
      cal('Exceptions', cal('Exception', cal('ExceptionStartTime', midnight(4, 3)), cal('Deleted', 1)))));
    const v16 = await received(await newPhone('16.1'), serverId!);
    assert.deepEqual([textOf(v16, 'Calendar:StartTime'), textOf(child(v16, 'Calendar:Recurrence'), 'Calendar:Until'),
      textOf(child(child(v16, 'Calendar:Exceptions'), 'Calendar:Exception'), 'AirSyncBase:InstanceId')], ['20260327T000000Z', '20260417T000000Z', '20260403T000000Z']);
    assert.deepEqual(occurrences(readEvent(v16), 0, 8.64e15).map((o) => iso(o.start).slice(0, 10)), ['2026-03-27', '2026-04-10', '2026-04-17']);
    const v14 = await received(await newPhone('14.1'), serverId!);
    assert.deepEqual([textOf(v14, 'Calendar:StartTime'), textOf(child(v14, 'Calendar:Recurrence'), 'Calendar:Until'),
      textOf(child(child(v14, 'Calendar:Exceptions'), 'Calendar:Exception'), 'Calendar:ExceptionStartTime')], [midnight(3, 27), midnight(4, 17), midnight(4, 3)]);
  });

  test('older versions: 2.5 bodies are Calendar:Body text, 14.0 has no 14.1 elements, 12.x no 14.0 ones', () => {
    const ctx = (version: number) => ({ version, bodyPreferences: [], now: Date.UTC(2026, 0, 1) });
    const parsed = parseEvent(as('ApplicationData', cal('Timezone', romeBlob), cal('StartTime', '20260601T080000Z'), cal('EndTime', '20260601T090000Z'),
      cal('Subject', 'Old phone'), cal('UID', 'old-1'), cal('Body', 'Plain words'), cal('ResponseRequested', 1), cal('OnlineMeetingConfLink', 'sip:x'),
      cal('Recurrence', cal('Type', 0), cal('Interval', 1), cal('Occurrences', 2), cal('FirstDayOfWeek', 1))), ctx(25));
    const item = { data: parsed.data, categories: parsed.categories, receivedAt: 0 } as unknown as Parameters<typeof renderEvent>[0];
    const v25 = renderEvent(item, ctx(25));
    assert.deepEqual([textOf(v25, 'Calendar:Body'), textOf(v25, 'Calendar:BodyTruncated'), child(v25, 'AirSyncBase:Body'), textOf(v25, 'Calendar:UID')],
      ['Plain words', '0', undefined, 'old-1']);
    const v121 = renderEvent(item, ctx(121));
    assert.equal(textOf(child(v121, 'AirSyncBase:Body'), 'AirSyncBase:Data'), 'Plain words');
    assert.deepEqual([child(v121, 'Calendar:ResponseRequested'), child(child(v121, 'Calendar:Recurrence'), 'Calendar:CalendarType')], [undefined, undefined]);
    const v140 = renderEvent(item, ctx(140));
    assert.deepEqual([textOf(v140, 'Calendar:ResponseRequested'), child(v140, 'Calendar:OnlineMeetingConfLink'), child(child(v140, 'Calendar:Recurrence'), 'Calendar:FirstDayOfWeek')],
      ['1', undefined, undefined]);
    const v141 = renderEvent(item, ctx(141));
    assert.deepEqual([textOf(v141, 'Calendar:OnlineMeetingConfLink'), textOf(child(v141, 'Calendar:Recurrence'), 'Calendar:FirstDayOfWeek')], ['sip:x', '1']);
    assert.equal(children(v141, 'Calendar:Timezone').length, 1);
  });
});
