// iCalendar and iTIP conversion (src/pim/ical.ts): invitations and exports as Outlook, Google and Apple
// write them read field by field; EventData -> iCalendar -> EventData gives the same data (and the same
// occurrences) across a daylight-saving switch; TZIDs map to IANA zones by name, Windows name, display
// name or VTIMEZONE clock; REPLY and COUNTER read back with ical.js; broken components are skipped
// without losing the rest; the 1,000-item fixtures read in full, and fast.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { recurringView, type EventData } from '../src/pim/event-model.js';
import { eventsToICalendar, ICalError, itipReply, parseICalendar, tasksToICalendar, type ParsedCalendar } from '../src/pim/ical.js';
import { occurrences } from '../src/pim/recurrence.js';
import type { TaskData } from '../src/pim/task-model.js';
import { ianaZone, localToUtc, type TimeZoneInfo, type Zone } from '../src/pim/timezone.js';
import { parseVCards } from '../src/pim/vcard.js';

const fixtures = new URL('../../test/fixtures/pim/', import.meta.url);
/** A calendar text from an indented template: lines trimmed, CRLF ends; a line starting with '~' continues the one before (RFC 5545 3.1 folding). */
const crlf = (s: string): string => `${s.trim().split('\n').map((l) => l.trim().replace(/^~/, ' ')).filter((l) => l !== '').join('\r\n')}\r\n`;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000', '');
const zone = (id: string): Zone => ianaZone(id)!;
const at = (z: Zone, y: number, mo: number, d: number, h: number, mi = 0): number => localToUtc(z, { year: y, month: mo, day: d, hour: h, minute: mi, second: 0 });
const ALL = [-8.64e15, 8.64e15] as const;
const starts = (e: EventData): string[] => occurrences(recurringView(e), ...ALL).map((o) => iso(o.start));
const NOW = Date.UTC(2026, 4, 1);
const parse = (text: string): ParsedCalendar => parseICalendar(text, { now: NOW });

const W_EUROPE = `
  BEGIN:VTIMEZONE
  TZID:W. Europe Standard Time
  BEGIN:STANDARD
  DTSTART:16010101T030000
  TZOFFSETFROM:+0200
  TZOFFSETTO:+0100
  RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
  END:STANDARD
  BEGIN:DAYLIGHT
  DTSTART:16010101T020000
  TZOFFSETFROM:+0100
  TZOFFSETTO:+0200
  RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
  END:DAYLIGHT
  END:VTIMEZONE`;

const OUTLOOK = crlf(`
  BEGIN:VCALENDAR
  METHOD:REQUEST
  PRODID:Microsoft Exchange Server 2010
  VERSION:2.0
  ${W_EUROPE}
  BEGIN:VEVENT
  ORGANIZER;CN=Anna Rossi:mailto:anna.rossi@example.com
  ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Bob Smith:mailto:bob@example.com
  ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE;RSVP=TRUE;CN="Dubois, Chloé":mailto:chloe@example.fr
  ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Room 4:mailto:room4@example.com
  DESCRIPTION;LANGUAGE=en-US:Weekly status.\\nBring your numbers\\, please.\\n
  RRULE:FREQ=WEEKLY;UNTIL=20260427T070000Z;INTERVAL=1;BYDAY=MO;WKST=MO
  EXDATE;TZID=W. Europe Standard Time:20260330T090000
  UID:040000008200E00074C5B7101A82E0080000000070F8B3D1A3B4DC01000000000000000010000000
  SUMMARY;LANGUAGE=en-US:Status meeting
  DTSTART;TZID=W. Europe Standard Time:20260316T090000
  DTEND;TZID=W. Europe Standard Time:20260316T100000
  CLASS:PUBLIC
  PRIORITY:5
  DTSTAMP:20260310T081500Z
  TRANSP:OPAQUE
  STATUS:CONFIRMED
  SEQUENCE:3
  LOCATION;LANGUAGE=en-US:Room 4
  CATEGORIES:Projects,Weekly
  X-MICROSOFT-CDO-APPT-SEQUENCE:3
  X-MICROSOFT-CDO-OWNERAPPTID:2117671234
  X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE
  X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
  X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
  X-MICROSOFT-CDO-IMPORTANCE:1
  X-MICROSOFT-CDO-INSTTYPE:1
  X-MICROSOFT-DISALLOW-COUNTER:FALSE
  X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Weekly status.</p><p>Bring your
  ~ numbers\\, please.</p></body></html>
  BEGIN:VALARM
  DESCRIPTION:REMINDER
  TRIGGER;RELATED=START:-PT15M
  ACTION:DISPLAY
  END:VALARM
  END:VEVENT
  BEGIN:VEVENT
  ORGANIZER;CN=Anna Rossi:mailto:anna.rossi@example.com
  ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Bob Smith:mailto:bob@example.com
  ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE;RSVP=TRUE;CN="Dubois, Chloé":mailto:chloe@example.fr
  ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Room 4:mailto:room4@example.com
  DESCRIPTION;LANGUAGE=en-US:Weekly status.\\nBring your numbers\\, please.\\n
  UID:040000008200E00074C5B7101A82E0080000000070F8B3D1A3B4DC01000000000000000010000000
  RECURRENCE-ID;TZID=W. Europe Standard Time:20260406T090000
  SUMMARY;LANGUAGE=en-US:Status meeting (Easter Monday: Tuesday)
  DTSTART;TZID=W. Europe Standard Time:20260407T140000
  DTEND;TZID=W. Europe Standard Time:20260407T150000
  CLASS:PUBLIC
  PRIORITY:5
  DTSTAMP:20260310T081500Z
  TRANSP:OPAQUE
  STATUS:CONFIRMED
  SEQUENCE:3
  LOCATION;LANGUAGE=en-US:Room 5
  CATEGORIES:Projects,Weekly
  X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE
  X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
  X-MICROSOFT-DISALLOW-COUNTER:FALSE
  X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Weekly status.</p><p>Bring your
  ~ numbers\\, please.</p></body></html>
  BEGIN:VALARM
  DESCRIPTION:REMINDER
  TRIGGER;RELATED=START:-PT15M
  ACTION:DISPLAY
  END:VALARM
  END:VEVENT
  END:VCALENDAR`);

describe('reading what other calendars write', () => {
  test('an Outlook invitation: a weekly series in a Windows zone with an EXDATE and a moved occurrence, field by field', () => {
    const cal = parse(OUTLOOK);
    assert.equal(cal.method, 'REQUEST');
    assert.deepEqual(cal.skipped, []);
    assert.equal(cal.events.length, 1);
    const [ev] = cal.events;
    const berlin = zone('Europe/Berlin');
    assert.deepEqual({ ...ev!, data: undefined }, { data: undefined, categories: ['Projects', 'Weekly'], sequence: 3, recurrenceId: null });
    const e = ev!.data;
    assert.deepEqual(e, {
      uid: '040000008200E00074C5B7101A82E0080000000070F8B3D1A3B4DC01000000000000000010000000',
      subject: 'Status meeting',
      start: at(berlin, 2026, 3, 16, 9), end: at(berlin, 2026, 3, 16, 10), allDay: false,
      // "W. Europe Standard Time" names Berlin first (CLDR); its VTIMEZONE has the same clock.
      timeZone: 'Europe/Berlin',
      location: { displayName: 'Room 4' },
      organizerName: 'Anna Rossi', organizerEmail: 'anna.rossi@example.com',
      attendees: [
        { email: 'bob@example.com', name: 'Bob Smith', status: 5, type: 1 },
        { email: 'chloe@example.fr', name: 'Dubois, Chloé', status: 2, type: 2 },
        { email: 'room4@example.com', name: 'Room 4', status: 3, type: 3 },
      ],
      reminder: 15,
      // The intended status (busy once accepted), not the tentative placeholder of the request.
      busyStatus: 2,
      sensitivity: 0,
      meetingStatus: 3,
      responseRequested: true,
      disallowNewTimeProposal: false,
      body: { type: 2, data: '<html><body><p>Weekly status.</p><p>Bring your numbers, please.</p></body></html>' },
      recurrence: { type: 1, interval: 1, dayOfWeek: 2, firstDayOfWeek: 1, until: Date.UTC(2026, 3, 27, 7) },
      exceptions: [
        { originalStart: at(berlin, 2026, 3, 30, 9), deleted: true },
        {
          originalStart: at(berlin, 2026, 4, 6, 9), subject: 'Status meeting (Easter Monday: Tuesday)',
          start: at(berlin, 2026, 4, 7, 14), end: at(berlin, 2026, 4, 7, 15), location: { displayName: 'Room 5' },
        },
      ],
      dtStamp: Date.UTC(2026, 2, 10, 8, 15),
    });
    // 09:00 local on both sides of the 29 March switch; the 30th deleted, the 6 April one on the 7th at 14:00.
    assert.deepEqual(starts(e), ['2026-03-16T08:00:00Z', '2026-03-23T08:00:00Z', '2026-04-07T12:00:00Z', '2026-04-13T07:00:00Z', '2026-04-20T07:00:00Z', '2026-04-27T07:00:00Z']);
  });

  test('Google: IANA TZID, all-day dates (with and without DTEND), a cancelled occurrence, resources and declines', () => {
    const cal = parse(crlf(`
      BEGIN:VCALENDAR
      PRODID:-//Google Inc//Google Calendar 70.9054//EN
      VERSION:2.0
      CALSCALE:GREGORIAN
      METHOD:PUBLISH
      X-WR-CALNAME:Lavoro
      X-WR-TIMEZONE:Europe/Rome
      BEGIN:VTIMEZONE
      TZID:Europe/Rome
      X-LIC-LOCATION:Europe/Rome
      BEGIN:DAYLIGHT
      TZOFFSETFROM:+0100
      TZOFFSETTO:+0200
      TZNAME:CEST
      DTSTART:19700329T020000
      RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
      END:DAYLIGHT
      BEGIN:STANDARD
      TZOFFSETFROM:+0200
      TZOFFSETTO:+0100
      TZNAME:CET
      DTSTART:19701025T030000
      RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
      END:STANDARD
      END:VTIMEZONE
      BEGIN:VEVENT
      DTSTART;VALUE=DATE:20260810
      DTEND;VALUE=DATE:20260822
      DTSTAMP:20260301T101010Z
      UID:ferie2026@google.com
      CREATED:20260201T090000Z
      DESCRIPTION:
      LAST-MODIFIED:20260201T090000Z
      LOCATION:Sardegna
      SEQUENCE:0
      STATUS:CONFIRMED
      SUMMARY:Ferie
      TRANSP:TRANSPARENT
      END:VEVENT
      BEGIN:VEVENT
      DTSTART;VALUE=DATE:20260602
      DTSTAMP:20260301T101010Z
      UID:festa@google.com
      SUMMARY:Festa della Repubblica
      END:VEVENT
      BEGIN:VEVENT
      DTSTART;TZID=Europe/Rome:20260316T100000
      DTEND;TZID=Europe/Rome:20260316T103000
      RRULE:FREQ=WEEKLY;WKST=MO;COUNT=4;BYDAY=MO
      DTSTAMP:20260301T101010Z
      ORGANIZER;CN=Giulia Bianchi:mailto:giulia@example.it
      UID:weekly-sync@google.com
      ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Giulia Bianchi;X-NUM-GUESTS=0:mailto:giulia@example.it
      ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=marco@example.it;X-NUM-GUESTS=0:mailto:marco@example.it
      ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Sala Verde;X-NUM-GUESTS=0:mailto:c_188@resource.calendar.google.com
      X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij
      SEQUENCE:1
      STATUS:CONFIRMED
      SUMMARY:Sync settimanale
      BEGIN:VALARM
      ACTION:EMAIL
      DESCRIPTION:This is an event reminder
      SUMMARY:Alarm notification
      ATTENDEE:mailto:giulia@example.it
      TRIGGER:-P0DT1H0M0S
      END:VALARM
      BEGIN:VALARM
      ACTION:DISPLAY
      DESCRIPTION:This is an event reminder
      TRIGGER:-P0DT0H10M0S
      END:VALARM
      END:VEVENT
      BEGIN:VEVENT
      DTSTART;TZID=Europe/Rome:20260323T100000
      DTEND;TZID=Europe/Rome:20260323T103000
      DTSTAMP:20260301T101010Z
      UID:weekly-sync@google.com
      RECURRENCE-ID;TZID=Europe/Rome:20260323T100000
      SEQUENCE:2
      STATUS:CANCELLED
      SUMMARY:Sync settimanale
      END:VEVENT
      END:VCALENDAR`));
    assert.equal(cal.method, 'PUBLISH');
    assert.deepEqual(cal.skipped, []);
    const [ferie, festa, weekly] = cal.events.map((e) => e.data);
    assert.deepEqual(ferie, {
      uid: 'ferie2026@google.com', subject: 'Ferie', allDay: true, start: Date.UTC(2026, 7, 10), end: Date.UTC(2026, 7, 22),
      startDate: '2026-08-10', endDate: '2026-08-22', location: { displayName: 'Sardegna' }, busyStatus: 0,
      body: { type: 1, data: '' }, attendees: [], exceptions: [], dtStamp: Date.UTC(2026, 2, 1, 10, 10, 10),
    });
    assert.deepEqual([festa!.startDate, festa!.endDate, festa!.allDay, festa!.timeZone], ['2026-06-02', '2026-06-03', true, undefined], 'a DATE without DTEND is one day');
    const rome = zone('Europe/Rome');
    assert.equal(weekly!.timeZone, 'Europe/Rome');
    assert.deepEqual(weekly!.attendees, [
      { email: 'giulia@example.it', name: 'Giulia Bianchi', status: 3, type: 1 },
      { email: 'marco@example.it', name: 'marco@example.it', status: 4, type: 1 },
      { email: 'c_188@resource.calendar.google.com', name: 'Sala Verde', status: 3, type: 3 },
    ]);
    assert.equal(weekly!.reminder, 10, 'the DISPLAY alarm, not the e-mail one');
    assert.equal(weekly!.meetingStatus, undefined, 'a published calendar does not say whose meeting it is');
    assert.deepEqual(weekly!.recurrence, { type: 1, interval: 1, occurrences: 4, dayOfWeek: 2, firstDayOfWeek: 1 });
    assert.deepEqual(weekly!.exceptions, [{ originalStart: at(rome, 2026, 3, 23, 10), deleted: true }], 'a cancelled override deletes its occurrence');
    assert.deepEqual(starts(weekly!), ['2026-03-16T09:00:00Z', '2026-03-30T08:00:00Z', '2026-04-06T08:00:00Z']);
  });

  test('Apple Reminders: VTODOs with TZID, DATE and floating dues, completion, alarms, recurrence', () => {
    const cal = parse(crlf(`
      BEGIN:VCALENDAR
      VERSION:2.0
      PRODID:-//Apple Inc.//iOS 17.4//EN
      CALSCALE:GREGORIAN
      BEGIN:VTIMEZONE
      TZID:America/Los_Angeles
      BEGIN:DAYLIGHT
      TZOFFSETFROM:-0800
      RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
      DTSTART:20070311T020000
      TZNAME:PDT
      TZOFFSETTO:-0700
      END:DAYLIGHT
      BEGIN:STANDARD
      TZOFFSETFROM:-0700
      RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
      DTSTART:20071104T020000
      TZNAME:PST
      TZOFFSETTO:-0800
      END:STANDARD
      END:VTIMEZONE
      BEGIN:VTODO
      CREATED:20260301T180000Z
      UID:8F2C1A2B-3D4E-4F50-9A6B-7C8D9E0F1A2B
      SUMMARY:Renew passport
      DTSTAMP:20260310T180000Z
      LAST-MODIFIED:20260305T180000Z
      DTSTART;TZID=America/Los_Angeles:20260302T090000
      DUE;TZID=America/Los_Angeles:20260320T170000
      PRIORITY:1
      STATUS:COMPLETED
      COMPLETED:20260318T201500Z
      PERCENT-COMPLETE:100
      X-APPLE-SORT-ORDER:770000000
      DESCRIPTION:Bring two photos\\, and the old passport
      CATEGORIES:Errands
      CLASS:CONFIDENTIAL
      BEGIN:VALARM
      X-WR-ALARMUID:0C9A1B2C-1111-2222-3333-444455556666
      UID:0C9A1B2C-1111-2222-3333-444455556666
      TRIGGER;VALUE=DATE-TIME:20260319T160000Z
      ACTION:DISPLAY
      DESCRIPTION:Reminder
      END:VALARM
      END:VTODO
      BEGIN:VTODO
      UID:2B3C4D5E-0000-4000-8000-000000000001
      DTSTAMP:20260310T180000Z
      SUMMARY:Water the plants
      DUE;VALUE=DATE:20260321
      RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=SA
      PRIORITY:9
      STATUS:NEEDS-ACTION
      BEGIN:VALARM
      ACTION:AUDIO
      TRIGGER;RELATED=END:-PT2H
      END:VALARM
      END:VTODO
      BEGIN:VTODO
      UID:2B3C4D5E-0000-4000-8000-000000000002
      DTSTAMP:20260310T180000Z
      SUMMARY:Call mom
      DUE:20260322T180000
      END:VTODO
      END:VCALENDAR`));
    assert.deepEqual(cal.skipped, []);
    assert.equal(cal.events.length, 0);
    assert.deepEqual(cal.tasks, [
      {
        data: {
          subject: 'Renew passport', body: { type: 1, data: 'Bring two photos, and the old passport' }, importance: 2,
          // 09:00 PST and 17:00 PDT (the switch is on 8 March): the wall clock and the instant of each.
          startLocal: Date.UTC(2026, 2, 2, 9), startUtc: Date.UTC(2026, 2, 2, 17),
          dueLocal: Date.UTC(2026, 2, 20, 17), dueUtc: Date.UTC(2026, 2, 21, 0),
          complete: true, dateCompleted: Date.UTC(2026, 2, 18, 20, 15), sensitivity: 3,
          reminderSet: true, reminderTime: Date.UTC(2026, 2, 19, 16), lastModified: Date.UTC(2026, 2, 5, 18),
        },
        categories: ['Errands'],
      },
      {
        data: {
          subject: 'Water the plants', importance: 0, dueLocal: Date.UTC(2026, 2, 21), dueUtc: Date.UTC(2026, 2, 21), complete: false,
          reminderSet: true, reminderTime: Date.UTC(2026, 2, 20, 22), recurrence: { type: 1, interval: 1, dayOfWeek: 64 }, lastModified: Date.UTC(2026, 2, 10, 18),
        },
        categories: [],
      },
      {
        data: { subject: 'Call mom', importance: 1, dueLocal: Date.UTC(2026, 2, 22, 18), dueUtc: Date.UTC(2026, 2, 22, 18), complete: false, reminderSet: false, lastModified: Date.UTC(2026, 2, 10, 18) },
        categories: [],
      },
    ]);
  });

  test('an invitation to one occurrence (no master in the calendar) comes back on its own with its recurrenceId', () => {
    const cal = parse(crlf(`
      BEGIN:VCALENDAR
      METHOD:REQUEST
      VERSION:2.0
      BEGIN:VEVENT
      UID:series-9
      RECURRENCE-ID:20260410T130000Z
      DTSTART:20260410T150000Z
      DTEND:20260410T160000Z
      SEQUENCE:4
      SUMMARY:Moved review
      ORGANIZER:mailto:boss@example.com
      ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.com
      DTSTAMP:20260401T000000Z
      END:VEVENT
      END:VCALENDAR`));
    assert.deepEqual(cal.events.map((e) => [e.data.uid, e.recurrenceId === null ? null : iso(e.recurrenceId), e.sequence, iso(e.data.start), e.data.recurrence]),
      [['series-9', '2026-04-10T13:00:00Z', 4, '2026-04-10T15:00:00Z', undefined]]);
    assert.equal(cal.events[0]!.data.organizerName, undefined, 'no CN, no name');
  });
});

describe('time zones', () => {
  const one = (vtimezone: string, dtstart: string, extra = ''): ParsedCalendar => parse(crlf(`
    BEGIN:VCALENDAR
    VERSION:2.0
    ${vtimezone}
    BEGIN:VEVENT
    UID:tz-test
    DTSTAMP:20260101T000000Z
    ${dtstart}
    ${extra}
    END:VEVENT
    END:VCALENDAR`));

  test('an Outlook display name and a Mozilla path name their IANA zones', () => {
    const syd = one(`
      BEGIN:VTIMEZONE
      TZID:(UTC+10:00) Canberra, Melbourne, Sydney
      BEGIN:STANDARD
      DTSTART:16010101T030000
      TZOFFSETFROM:+1100
      TZOFFSETTO:+1000
      RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4
      END:STANDARD
      BEGIN:DAYLIGHT
      DTSTART:16010101T020000
      TZOFFSETFROM:+1000
      TZOFFSETTO:+1100
      RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=10
      END:DAYLIGHT
      END:VTIMEZONE`, 'DTSTART;TZID="(UTC+10:00) Canberra, Melbourne, Sydney":20260115T090000');
    assert.deepEqual([syd.events[0]!.data.timeZone, iso(syd.events[0]!.data.start)], ['Australia/Sydney', '2026-01-14T22:00:00Z']);
    const moz = one('', 'DTSTART;TZID=/mozilla.org/20070129_1/Europe/Berlin:20260715T090000');
    assert.deepEqual([moz.events[0]!.data.timeZone, iso(moz.events[0]!.data.start), moz.skipped], ['Europe/Berlin', '2026-07-15T07:00:00Z', []]);
  });

  test('an IANA TZID wins over a partial VTIMEZONE; a name matched by its clock; a rule no IANA zone has is kept as a rule', () => {
    // Standard time only, as some web calendars write next to an IANA name: July is still CEST.
    const partial = one(`
      BEGIN:VTIMEZONE
      TZID:Europe/Rome
      BEGIN:STANDARD
      DTSTART:19700101T000000
      TZOFFSETFROM:+0100
      TZOFFSETTO:+0100
      END:STANDARD
      END:VTIMEZONE`, 'DTSTART;TZID=Europe/Rome:20260701T090000');
    assert.deepEqual([partial.events[0]!.data.timeZone, iso(partial.events[0]!.data.start)], ['Europe/Rome', '2026-07-01T07:00:00Z']);
    const ownName = one(`
      BEGIN:VTIMEZONE
      TZID:Eastern Time (US & Canada)
      BEGIN:DAYLIGHT
      TZOFFSETFROM:-0500
      RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
      DTSTART:20070311T020000
      TZOFFSETTO:-0400
      END:DAYLIGHT
      BEGIN:STANDARD
      TZOFFSETFROM:-0400
      RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
      DTSTART:20071104T020000
      TZOFFSETTO:-0500
      END:STANDARD
      END:VTIMEZONE`, 'DTSTART;TZID="Eastern Time (US & Canada)":20260701T090000');
    assert.deepEqual([ownName.events[0]!.data.timeZone, iso(ownName.events[0]!.data.start)], ['America/New_York', '2026-07-01T13:00:00Z']);
    const custom = one(`
      BEGIN:VTIMEZONE
      TZID:Nowhere Time
      BEGIN:STANDARD
      DTSTART:19700927T040000
      TZOFFSETFROM:+0230
      TZOFFSETTO:+0130
      RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU
      TZNAME:NWT
      END:STANDARD
      BEGIN:DAYLIGHT
      DTSTART:19700503T010000
      TZOFFSETFROM:+0130
      TZOFFSETTO:+0230
      RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=1SU
      TZNAME:NWDT
      END:DAYLIGHT
      END:VTIMEZONE`, 'DTSTART;TZID=Nowhere Time:20260701T120000', 'RRULE:FREQ=WEEKLY;COUNT=3');
    const e = custom.events[0]!.data;
    assert.equal(e.timeZone, undefined);
    assert.deepEqual(e.timeZoneRule, {
      bias: -90, standardName: 'NWT', standardBias: 0, daylightName: 'NWDT', daylightBias: -60,
      standardDate: { year: 0, month: 9, dayOfWeek: 0, day: 5, hour: 4, minute: 0, second: 0, milliseconds: 0 },
      daylightDate: { year: 0, month: 5, dayOfWeek: 0, day: 1, hour: 1, minute: 0, second: 0, milliseconds: 0 },
    });
    assert.equal(iso(e.start), '2026-07-01T09:30:00Z');
    assert.deepEqual(custom.skipped, []);
  });

  test('an unknown TZID without VTIMEZONE is read as UTC and said so; Outlook all-day midnights become dates', () => {
    const mars = one('', 'DTSTART;TZID=Mars/Olympus_Mons:20260701T120000');
    assert.deepEqual([mars.events[0]!.data.timeZone, iso(mars.events[0]!.data.start)], ['UTC', '2026-07-01T12:00:00Z']);
    assert.match(mars.skipped[0]!.reason, /unknown time zone "Mars\/Olympus_Mons"/);
    const allDay = one(W_EUROPE, 'DTSTART;TZID=W. Europe Standard Time:20260401T000000', 'DTEND;TZID=W. Europe Standard Time:20260403T000000\r\nX-MICROSOFT-CDO-ALLDAYEVENT:TRUE');
    const e = allDay.events[0]!.data;
    assert.deepEqual([e.allDay, e.startDate, e.endDate, e.timeZone], [true, '2026-04-01', '2026-04-03', 'Europe/Berlin']);
  });

  test('a VTIMEZONE ical.js must expand itself (RDATE onsets) still maps by its clock; one with no yearly rule gives its own offsets', () => {
    const rdates = one(`
      BEGIN:VTIMEZONE
      TZID:Our Eastern
      BEGIN:DAYLIGHT
      DTSTART:20260308T020000
      RDATE:20260308T020000,20270314T020000
      TZOFFSETFROM:-0500
      TZOFFSETTO:-0400
      END:DAYLIGHT
      BEGIN:STANDARD
      DTSTART:20261101T020000
      RDATE:20261101T020000,20271107T020000
      TZOFFSETFROM:-0400
      TZOFFSETTO:-0500
      END:STANDARD
      END:VTIMEZONE`, 'DTSTART;TZID=Our Eastern:20260310T090000');
    assert.deepEqual([rdates.events[0]!.data.timeZone, iso(rdates.events[0]!.data.start)], ['America/New_York', '2026-03-10T13:00:00Z']);
    // A zone that moves from +03:00 to +04:00 for good on 1 June: no yearly rule, so UTC instants from its offsets.
    const moved = one(`
      BEGIN:VTIMEZONE
      TZID:Moving Time
      BEGIN:STANDARD
      DTSTART:19700101T000000
      TZOFFSETFROM:+0300
      TZOFFSETTO:+0300
      END:STANDARD
      BEGIN:STANDARD
      DTSTART:20260601T000000
      TZOFFSETFROM:+0300
      TZOFFSETTO:+0400
      END:STANDARD
      END:VTIMEZONE`, 'DTSTART;TZID=Moving Time:20260701T090000', 'DTEND;TZID=Moving Time:20260701T100000\r\nRECURRENCE-ID;TZID=Moving Time:20260501T090000');
    const e = moved.events[0]!;
    assert.deepEqual([e.data.timeZone, iso(e.data.start), iso(e.data.end), iso(e.recurrenceId!)], ['UTC', '2026-07-01T05:00:00Z', '2026-07-01T06:00:00Z', '2026-05-01T06:00:00Z']);
    assert.match(moved.skipped[0]!.reason, /"Moving Time" follows no yearly rule in 2026/);
  });
});

/** An event with every field iCalendar carries, recurring weekly in New York across the March switch. */
function fullEvent(): EventData {
  const ny = zone('America/New_York');
  return {
    uid: 'round-trip-1', subject: 'Standup; daily, really \\ not — ünïcödé', start: at(ny, 2026, 2, 26, 9), end: at(ny, 2026, 2, 26, 9, 30), allDay: false,
    timeZone: 'America/New_York',
    location: { displayName: 'Room 1', street: '1 Main St', city: 'New York', postalCode: '10001', latitude: 40.7506, longitude: -73.9935, accuracy: 10 },
    organizerName: 'Olga Organizer', organizerEmail: 'olga@example.com',
    attendees: [
      { email: 'a@example.com', name: 'A, the first', status: 0, type: 1 }, { email: 'b@example.com', name: '', status: 2, type: 2 },
      { email: 'room@example.com', name: 'Room', status: 3, type: 3 }, { email: 'd@example.com', name: 'D', status: 4 },
      { email: 'e@example.com', name: 'E', status: 5 }, { email: 'f@example.com', name: 'F' },
    ],
    reminder: 10, busyStatus: 4, sensitivity: 1, meetingStatus: 1, responseRequested: true, responseType: 1,
    appointmentReplyTime: Date.UTC(2026, 1, 1, 10), disallowNewTimeProposal: true,
    onlineMeetingConfLink: 'https://conf.example.com/j?a=1,b=2;c', onlineMeetingExternalLink: 'https://meet.example.com/xyz',
    body: { type: 2, data: '<p>Hello &amp; welcome</p>\n<p>second line</p>' },
    recurrence: { type: 1, interval: 1, dayOfWeek: 16, occurrences: 8, firstDayOfWeek: 0 },
    exceptions: [
      { originalStart: at(ny, 2026, 3, 12, 9), deleted: true },
      {
        originalStart: at(ny, 2026, 3, 19, 9), start: at(ny, 2026, 3, 20, 10), end: at(ny, 2026, 3, 20, 11), subject: 'Moved',
        location: { displayName: 'Room 2' }, attendees: [{ email: 'a@example.com', name: 'A, the first', status: 3, type: 1 }],
        body: { type: 1, data: 'changed\nagenda' }, categories: ['Moved'],
      },
      { originalStart: at(ny, 2026, 4, 2, 9), reminder: 30, busyStatus: 0, dtStamp: Date.UTC(2026, 2, 1), meetingStatus: 5 },
    ],
    dtStamp: Date.UTC(2026, 1, 20, 12),
  };
}

describe('round trip', () => {
  test('EventData -> iCalendar -> EventData: every field, and the same occurrences across the DST switch', () => {
    const e = fullEvent();
    const text = eventsToICalendar([{ data: e, categories: ['Work', 'a,b;c'] }], { method: 'PUBLISH' });
    const cal = parse(text);
    assert.deepEqual(cal.skipped, []);
    assert.equal(cal.method, 'PUBLISH');
    assert.deepEqual(cal.events, [{ data: e, categories: ['Work', 'a,b;c'], sequence: 0, recurrenceId: null }]);
    // Thursdays 09:00 New York: 14:00Z before 8 March, 13:00Z after; 12 March deleted, 19 March on the 20th at 10:00.
    const before = occurrences(recurringView(e), ...ALL);
    assert.deepEqual(occurrences(recurringView(cal.events[0]!.data), ...ALL), before);
    assert.deepEqual(before.map((o) => iso(o.start)), [
      '2026-02-26T14:00:00Z', '2026-03-05T14:00:00Z', '2026-03-20T14:00:00Z', '2026-03-26T13:00:00Z', '2026-04-02T13:00:00Z',
      '2026-04-09T13:00:00Z', '2026-04-16T13:00:00Z',
    ]);
    // What other programs read: the standard properties.
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    for (const line of [
      'DTSTART;TZID=America/New_York:20260226T090000', 'RRULE:FREQ=WEEKLY;BYDAY=TH;WKST=SU;COUNT=8', 'EXDATE;TZID=America/New_York:20260312T090000',
      'RECURRENCE-ID;TZID=America/New_York:20260319T090000', 'X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE', 'TZID:America/New_York',
      'ATTENDEE;CN=D;PARTSTAT=DECLINED;RSVP=TRUE:mailto:d@example.com', 'GEO:40.7506;-73.9935', 'TRIGGER:-PT10M', 'STATUS:CANCELLED',
    ]) assert.ok(unfolded.split('\r\n').includes(line), `has ${line}`);
    assert.ok(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75), 'folded at 75 octets');
  });

  test('all-day series with its zone, a rule zone, and the off-pattern start written from its first occurrence', () => {
    const tzi: TimeZoneInfo = {
      bias: -90, standardName: 'Nowhere Standard', standardBias: 0, daylightName: 'Nowhere Daylight', daylightBias: -60,
      standardDate: { year: 0, month: 9, dayOfWeek: 6, day: 5, hour: 4, minute: 0, second: 0, milliseconds: 0 },
      daylightDate: { year: 0, month: 5, dayOfWeek: 0, day: 1, hour: 1, minute: 0, second: 0, milliseconds: 0 },
    };
    const rule: Zone = { kind: 'rule', tzi };
    const s = at(rule, 2026, 7, 1, 12);
    const ruled: EventData = {
      uid: 'rule-1', subject: 'Rule zone', start: s, end: s + 3_600_000, allDay: false, timeZoneRule: tzi, attendees: [], exceptions: [], dtStamp: 0,
      recurrence: { type: 3, interval: 1, dayOfWeek: 8, weekOfMonth: 1, until: s + 200 * 86_400_000, calendarType: 1, isLeapMonth: false },
    };
    const holiday: EventData = {
      uid: 'holiday', subject: 'Holiday', start: Date.UTC(2026, 11, 24), end: Date.UTC(2026, 11, 27), allDay: true, startDate: '2026-12-24', endDate: '2026-12-27',
      timeZone: 'Europe/Rome', attendees: [], dtStamp: 5000, recurrence: { type: 5, interval: 1, dayOfMonth: 24, monthOfYear: 12, until: Date.UTC(2030, 11, 24) },
      exceptions: [{ originalStart: Date.UTC(2027, 11, 24), deleted: true }, { originalStart: Date.UTC(2028, 11, 24), start: Date.UTC(2028, 11, 23), end: Date.UTC(2028, 11, 24), subject: 'Early' }],
    };
    const cal = parse(eventsToICalendar([{ data: ruled, categories: [] }, { data: holiday, categories: ['Family'] }]));
    assert.deepEqual(cal.events.map((e) => e.data), [ruled, holiday]);
    // A Monday start of a Tuesday series: iCalendar would count that Monday, so DTSTART is the first Tuesday.
    const ny = zone('America/New_York');
    const offPattern: EventData = { ...ruled, uid: 'off', timeZone: 'America/New_York', start: at(ny, 2026, 6, 1, 9), end: at(ny, 2026, 6, 1, 10), recurrence: { type: 1, interval: 1, dayOfWeek: 4, occurrences: 3 } };
    delete offPattern.timeZoneRule;
    const back = parse(eventsToICalendar([{ data: offPattern, categories: [] }])).events[0]!.data;
    assert.deepEqual([iso(back.start), iso(back.end)], ['2026-06-02T13:00:00Z', '2026-06-02T14:00:00Z']);
    assert.deepEqual(starts(back), starts(offPattern));
  });

  test('another program (ical.js) expands our export to the same occurrences, across the 2007 US rule change', () => {
    const ny = zone('America/New_York');
    const s = at(ny, 2006, 3, 20, 9);
    const DAY = 86_400_000;
    const e: EventData = {
      uid: 'biweekly', subject: 'Every other Monday', start: s, end: s + 3_600_000, allDay: false, timeZone: 'America/New_York', attendees: [], dtStamp: 0,
      recurrence: { type: 1, interval: 2, dayOfWeek: 2, until: s + 700 * DAY },
      exceptions: [{ originalStart: s + 14 * DAY, deleted: true }, { originalStart: s + 28 * DAY, start: s + 29 * DAY, end: s + 29 * DAY + 1_800_000 }],
    };
    const text = eventsToICalendar([{ data: e, categories: [] }]);
    // The VTIMEZONE has both rules: first Sunday of April until 2006, second Sunday of March from 2007.
    assert.ok(text.includes('RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z') && text.includes('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n'));
    const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
    const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const master = events.find((x) => !x.isRecurrenceException())!;
    for (const x of events.filter((y) => y.isRecurrenceException())) master.relateException(x);
    const theirs: number[] = [];
    const it = master.iterator();
    // (ical.js declares occurrenceDetails in a typedef its .d.ts does not export.)
    type Details = { startDate: InstanceType<typeof ICAL.Time> };
    for (let t = it.next(); t; t = it.next()) theirs.push((master.getOccurrenceDetails(t) as unknown as Details).startDate.toUnixTime() * 1000);
    const ours = occurrences(recurringView(e), ...ALL).map((o) => o.start);
    assert.equal(ours.length, 51);
    assert.deepEqual(theirs.sort((a, b) => a - b), ours);
    ICAL.TimezoneService.reset();
  });

  test('TaskData -> VTODO -> TaskData', () => {
    const tasks: TaskData[] = [
      {
        subject: 'Pay taxes', body: { type: 2, data: '<b>forms</b>, A; B' }, importance: 2, startLocal: Date.UTC(2026, 2, 1), startUtc: Date.UTC(2026, 1, 28, 23),
        dueLocal: Date.UTC(2026, 3, 15, 17, 30), dueUtc: Date.UTC(2026, 3, 15, 15, 30), complete: true, dateCompleted: Date.UTC(2026, 3, 1, 8), sensitivity: 2,
        reminderSet: true, reminderTime: Date.UTC(2026, 3, 14, 7), ordinalDate: Date.UTC(2026, 2, 1, 1), subOrdinalDate: '0001,5',
        recurrence: { type: 5, interval: 1, dayOfMonth: 1, monthOfYear: 3, regenerate: false, deadOccur: true, start: Date.UTC(2026, 2, 1) }, lastModified: Date.UTC(2026, 2, 2),
      },
      { subject: '', importance: 1, complete: false, reminderSet: false, lastModified: 0 },
      { subject: 'Low', importance: 0, dueLocal: Date.UTC(2026, 5, 1), dueUtc: Date.UTC(2026, 5, 1), complete: false, reminderSet: false, lastModified: 1000 },
    ];
    const cal = parse(tasksToICalendar(tasks.map((data, i) => ({ data, categories: i === 0 ? ['Home', 'Money'] : [] }))));
    assert.deepEqual(cal.skipped, []);
    assert.deepEqual(cal.tasks, tasks.map((data, i) => ({ data, categories: i === 0 ? ['Home', 'Money'] : [] })));
  });

  test('any text survives: escaping, line breaks, Unicode, forged lines (property)', () => {
    const ny = zone('America/New_York');
    const units = ['a', 'Z', ' ', ',', ';', ':', '"', '\n', 'é', '漢', '😀', 'BEGIN:VEVENT', 'END:VCALENDAR'];
    const textArb = fc.string({ unit: fc.constantFrom(...units, '\\'), maxLength: 40 });
    // Parameter values (CN) have no escapes in RFC 5545, but ical.js reads them as TEXT and drops a
    // backslash: names are tested without one (see ical.ts).
    const nameArb = fc.string({ unit: fc.constantFrom(...units), maxLength: 40 });
    fc.assert(fc.property(textArb, nameArb, textArb, fc.integer({ min: 0, max: 2000 }), (subject, name, note, days) => {
      const start = at(ny, 2026, 1, 1, 9) + days * 86_400_000;
      const e: EventData = {
        uid: `p-${days}`, subject, start, end: start + 3_600_000, allDay: false, timeZone: 'America/New_York', location: { displayName: note },
        body: { type: 1, data: note }, organizerName: name, organizerEmail: 'o@example.com', attendees: [{ email: 'x@example.com', name }], exceptions: [], dtStamp: 0,
      };
      const cal = parse(eventsToICalendar([{ data: e, categories: [subject].filter((c) => c.trim() !== '' && c === c.trim()) }]));
      assert.equal(cal.events.length, 1);
      assert.deepEqual(cal.events[0]!.data, e);
    }), { numRuns: 150 });
  });
});

describe('iTIP', () => {
  const invitation = (): EventData => parse(OUTLOOK).events[0]!.data;

  test('a REPLY for one occurrence, read back with ical.js', () => {
    const e = invitation();
    const rid = e.exceptions[1]!.originalStart;
    const text = itipReply(e, { email: 'bob@example.com', name: 'Bob Smith' }, 'ACCEPTED', { now: NOW, recurrenceId: rid, comment: 'See you there, Anna', sequence: 3 });
    const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    assert.equal(cal.getFirstPropertyValue('method'), 'REPLY');
    const ev = cal.getFirstSubcomponent('vevent')!;
    assert.equal(ev.getFirstPropertyValue('uid'), e.uid);
    assert.equal(ev.getFirstPropertyValue('sequence'), 3);
    assert.equal(ev.getFirstPropertyValue('comment'), 'See you there, Anna');
    const attendee = ev.getFirstProperty('attendee')!;
    assert.equal(attendee.getParameter('partstat'), 'ACCEPTED');
    assert.equal(attendee.getFirstValue(), 'mailto:bob@example.com');
    assert.equal(ev.getFirstProperty('organizer')!.getFirstValue(), 'mailto:anna.rossi@example.com');
    const ridTime = ev.getFirstPropertyValue('recurrence-id') as InstanceType<typeof ICAL.Time>;
    assert.equal(ridTime.toUnixTime() * 1000, rid, 'ical.js finds the occurrence with our VTIMEZONE');
    // Our own reader: a REPLY is news for the organizer, about the attendee's answer.
    const back = parse(text);
    assert.equal(back.method, 'REPLY');
    assert.deepEqual([back.events[0]!.recurrenceId, back.events[0]!.data.attendees, back.events[0]!.data.meetingStatus, back.events[0]!.data.subject],
      [rid, [{ email: 'bob@example.com', name: 'Bob Smith', status: 3 }], 1, 'Status meeting (Easter Monday: Tuesday)']);
  });

  test('a proposal of a new time is a COUNTER with the proposed and the original times', () => {
    const e = invitation();
    const proposed = { start: Date.UTC(2026, 2, 16, 13), end: Date.UTC(2026, 2, 16, 14) };
    const text = itipReply(e, { email: 'chloe@example.fr', name: 'Dubois, Chloé' }, 'TENTATIVE', { now: NOW, proposed });
    const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    assert.equal(cal.getFirstPropertyValue('method'), 'COUNTER');
    const ev = cal.getFirstSubcomponent('vevent')!;
    const unix = (name: string): number => (ev.getFirstPropertyValue(name) as InstanceType<typeof ICAL.Time>).toUnixTime() * 1000;
    assert.deepEqual([unix('dtstart'), unix('dtend')], [proposed.start, proposed.end]);
    assert.equal(ev.getFirstProperty('attendee')!.getParameter('partstat'), 'TENTATIVE');
    assert.equal(ev.getFirstProperty('attendee')!.getParameter('cn'), 'Dubois, Chloé');
    assert.ok(text.split('\r\n').includes('X-MS-OLK-ORIGINALSTART;TZID=Europe/Berlin:20260316T090000'), 'Outlook shows the time it replaces');
    assert.ok(text.replace(/\r\n /g, '').includes('RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;UNTIL=20260427T070000Z'), 'the series proposal keeps its rule');
    const { organizerEmail: _gone, ...noOrganizer } = e;
    assert.throws(() => itipReply(noOrganizer, { email: 'x@y', name: '' }, 'DECLINED', { now: NOW }), /no organizer/);
  });
});

describe('broken input', () => {
  test('a broken component is skipped with its reason; the rest of the calendar is read', () => {
    const cal = parse(crlf(`
      BEGIN:VCALENDAR
      VERSION:2.0
      BEGIN:VEVENT
      UID:good-1
      DTSTART:20260101T100000Z
      DTEND:20260101T110000Z
      SUMMARY:Good
      END:VEVENT
      BEGIN:VEVENT
      UID:bad-line
      DTSTART:20260102T100000Z
      this line has no colon
      END:VEVENT
      BEGIN:VEVENT
      UID:bad-freq
      DTSTART:20260103T100000Z
      RRULE:FREQ=SOMETIMES
      END:VEVENT
      BEGIN:VEVENT
      UID:no-start
      SUMMARY:No start
      END:VEVENT
      BEGIN:VEVENT
      UID:bad-date
      DTSTART:20261345T250000Z
      END:VEVENT
      BEGIN:VEVENT
      UID:backwards
      DTSTART:20260105T100000Z
      DTEND:20260105T090000Z
      END:VEVENT
      BEGIN:VEVENT
      UID:hourly
      DTSTART:20260106T100000Z
      RRULE:FREQ=HOURLY;COUNT=3
      SUMMARY:Kept as one
      END:VEVENT
      BEGIN:VEVENT
      UID:unclosed
      DTSTART:20260107T100000Z
      BEGIN:VTODO
      UID:task-after-unclosed
      SUMMARY:Still read
      END:VTODO
      BEGIN:VJOURNAL
      UID:journal
      END:VJOURNAL
      BEGIN:VEVENT
      UID:good-2
      DTSTART;VALUE=DATE:20260108
      SUMMARY:Good too
      END:VEVENT
      END:VCALENDAR`));
    assert.deepEqual(cal.events.map((e) => [e.data.uid, e.data.recurrence]), [['good-1', undefined], ['hourly', undefined], ['good-2', undefined]]);
    assert.deepEqual(cal.tasks.map((t) => t.data.subject), ['Still read']);
    const why = new Map(cal.skipped.map((s) => [s.uid, s.reason]));
    assert.deepEqual([...why.keys()].sort(), ['backwards', 'bad-date', 'bad-freq', 'bad-line', 'hourly', 'journal', 'no-start', 'unclosed']);
    assert.match(why.get('bad-line')!, /unreadable VEVENT: invalid line/);
    assert.match(why.get('no-start')!, /no DTSTART/);
    assert.match(why.get('backwards')!, /ends before it starts/);
    assert.match(why.get('hourly')!, /RRULE FREQ=HOURLY;COUNT=3 has no EAS equivalent/);
    assert.match(why.get('unclosed')!, /not closed before BEGIN:VTODO/);
    assert.match(why.get('journal')!, /VJOURNAL is not imported/);
  });

  test('only a text that is no calendar at all fails, with an ICalError', () => {
    for (const text of ['', 'hello world', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n', '\u0000\u0001binary']) {
      assert.throws(() => parseICalendar(text), (err: unknown) => err instanceof ICalError && /not an iCalendar text/.test(err.message), JSON.stringify(text));
    }
    assert.deepEqual(parse('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'), { method: null, events: [], tasks: [], skipped: [] });
  });
});

describe('large files', () => {
  // How fast these files are read and written is measured by bench/pim-files.ts; here only what they hold.
  test('the 1,000-event fixture (Outlook, Google, Apple and display-name zones, series, overrides) reads in full', () => {
    const text = readFileSync(new URL('calendar-1000.ics', fixtures), 'utf8');
    const cal = parse(text);
    assert.deepEqual(cal.skipped, []);
    assert.equal(cal.events.length, 1000);
    assert.equal(cal.events.filter((e) => e.data.recurrence).length, 100);
    const withExceptions = cal.events.filter((e) => e.data.exceptions.length > 0);
    assert.equal(withExceptions.length, 20);
    assert.ok(withExceptions.every((e) => e.data.exceptions.length === 2 && e.data.exceptions[0]!.deleted && e.data.exceptions[1]!.subject?.endsWith('(moved)')));
    const zones = new Map<string, number>();
    for (const e of cal.events) zones.set(e.data.timeZone ?? 'all-day', (zones.get(e.data.timeZone ?? 'all-day') ?? 0) + 1);
    assert.deepEqual([...zones.keys()].sort(), ['America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'Europe/Berlin', 'Europe/Rome', 'UTC', 'all-day']);
    assert.equal(cal.events.filter((e) => e.data.allDay).length, zones.get('all-day'));
    assert.ok(cal.events.filter((e) => e.data.attendees.length > 0).length >= 150);
    // #0: DURATION:PT45M in W. Europe time; #4: an Outlook display name (Sydney), 2 June 12:00 AEST.
    const [e0, e4] = [cal.events[0]!.data, cal.events[4]!.data];
    assert.deepEqual([e0.timeZone, e0.end - e0.start, e0.recurrence?.occurrences, e0.exceptions.length], ['Europe/Berlin', 45 * 60_000, 12, 2]);
    assert.deepEqual([e4.timeZone, iso(e4.start)], ['Australia/Sydney', iso(at(zone('Australia/Sydney'), 2026, 6, 2, 12))]);
  });

  test('1,000 events of ours: written and read back unchanged', () => {
    const base = fullEvent();
    // One a week (the series are weekly on Thursdays), over 19 years of zone rules.
    const week = 7 * 86_400_000;
    const items = Array.from({ length: 1000 }, (_, i) => ({ data: { ...base, uid: `gen-${i}`, start: base.start + i * week, end: base.end + i * week, exceptions: [], subject: `Event ${i}` }, categories: ['Gen'] }));
    const cal = parse(eventsToICalendar(items));
    assert.equal(cal.events.length, 1000);
    assert.deepEqual(cal.events.map((e) => e.data), items.map((i) => i.data));
  });

  test('the 1,000-card vCard fixture (3.0 and 4.0, photos, folded lines, non-ASCII names) reads in full', () => {
    const text = readFileSync(new URL('contacts-1000.vcf', fixtures), 'utf8');
    const cards = parseVCards(text);
    assert.equal(cards.length, 1000);
    assert.equal(new Set(cards.map((c) => c.uid)).size, 1000);
    assert.equal(cards.filter((c) => c.data.picture !== '').length, 20);
    const zoe = cards[1]!.data;
    assert.deepEqual([zoe.firstName, zoe.lastName, zoe.mobilePhoneNumber, zoe.email1Address, zoe.email2Address], ['Zoë', 'Yılmaz', '+39 333 000001', 'zoe.ylmaz@example.com', 'zoe.ylmaz@work.example.org']);
    const v4 = cards[9]!.data;
    assert.deepEqual([v4.firstName, v4.mobilePhoneNumber, v4.homeAddressCity], ['Мария', '+39-333-000009', '東京都']);
    // The fixture's NOTE escapes ';' as RFC 2426 allows in 3.0: it reads back as a plain ';'.
    assert.match(cards[0]!.data.body, /^Met Anna at the conference in Roma\. Prefers e-mail; speaks \w+, and English\. Met Anna at the conference/, 'a folded NOTE comes back whole');
    assert.equal(cards[0]!.data.homeAddressCity, 'Roma');
    assert.equal(cards[0]!.data.businessAddressStreet, 'Building 0\nIndustriestraße 1\nHof 2');
  });
});
