// Recurrence (MS-ASCAL 2.2.2.37 / MS-ASTASK 2.2.2.18) and its RFC 5545 RRULE form: expansion on the
// event's wall clock across daylight-saving switches, exceptions (deleted, moved, moved into the range),
// Exchange's month semantics (day 31 clamps, week 5 is the last), Occurrences/Until bounds, the end of a
// series for FilterType windows, and RRULE conversion both ways with the rules EAS cannot express refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ICAL from 'ical.js';
import { fromRRule, isOccurrence, occurrences, seriesEnd, toRRule, type Recurrence, type RecurringEvent } from '../src/pim/recurrence.js';
import { ianaZone, localToUtc, UTC_ZONE, type Zone } from '../src/pim/timezone.js';

const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000', '');
const rome = ianaZone('Europe/Rome')!;
const ny = ianaZone('America/New_York')!;
const at = (z: Zone, y: number, mo: number, d: number, h = 9, mi = 0): number => localToUtc(z, { year: y, month: mo, day: d, hour: h, minute: mi, second: 0 });
const ALL = [-8.64e15, 8.64e15] as const;
const starts = (ev: RecurringEvent, from: number = ALL[0], to: number = ALL[1]): string[] => occurrences(ev, from, to).map((o) => iso(o.start));

function series(zone: Zone, start: number, recurrence: Recurrence, extra: Partial<RecurringEvent> = {}): RecurringEvent {
  return { start, end: start + H, allDay: false, zone, recurrence, ...extra };
}

describe('expansion', () => {
  test('a weekly 09:00 Europe/Rome meeting stays at 09:00 local across both switches', () => {
    const ev = series(rome, at(rome, 2026, 3, 16), { type: 1, interval: 1, dayOfWeek: 2, occurrences: 4 });
    assert.deepEqual(starts(ev), ['2026-03-16T08:00:00Z', '2026-03-23T08:00:00Z', '2026-03-30T07:00:00Z', '2026-04-06T07:00:00Z']);
    const autumn = series(rome, at(rome, 2026, 10, 19), { type: 1, interval: 1, dayOfWeek: 2, occurrences: 3 });
    assert.deepEqual(starts(autumn), ['2026-10-19T07:00:00Z', '2026-10-26T08:00:00Z', '2026-11-02T08:00:00Z']);
  });

  test('America/New_York switches on other dates: the occurrences move on those', () => {
    const ev = series(ny, at(ny, 2026, 2, 26), { type: 1, interval: 1, dayOfWeek: 16, occurrences: 4 });
    assert.deepEqual(starts(ev), ['2026-02-26T14:00:00Z', '2026-03-05T14:00:00Z', '2026-03-12T13:00:00Z', '2026-03-19T13:00:00Z']);
  });

  test('deleted occurrences are left out, changed ones are at their new time, also when moved into the range', () => {
    const first = at(rome, 2026, 3, 16);
    const ev = series(rome, first, { type: 1, interval: 1, dayOfWeek: 2, occurrences: 6 }, {
      exceptions: [
        { originalStart: at(rome, 2026, 3, 30), start: at(rome, 2026, 3, 30, 11), end: at(rome, 2026, 3, 30, 12, 30) },
        { originalStart: at(rome, 2026, 4, 6), deleted: true },
        { originalStart: at(rome, 2026, 4, 20), start: at(rome, 2026, 3, 18, 15), end: at(rome, 2026, 3, 18, 16) },
      ],
    });
    const all = occurrences(ev, ...ALL);
    assert.deepEqual(all.map((o) => [iso(o.instanceId), iso(o.start), iso(o.end), o.exception]), [
      ['2026-03-16T08:00:00Z', '2026-03-16T08:00:00Z', '2026-03-16T09:00:00Z', false],
      ['2026-04-20T07:00:00Z', '2026-03-18T14:00:00Z', '2026-03-18T15:00:00Z', true],
      ['2026-03-23T08:00:00Z', '2026-03-23T08:00:00Z', '2026-03-23T09:00:00Z', false],
      ['2026-03-30T07:00:00Z', '2026-03-30T09:00:00Z', '2026-03-30T10:30:00Z', true],
      ['2026-04-13T07:00:00Z', '2026-04-13T07:00:00Z', '2026-04-13T08:00:00Z', false],
    ]);
    // A window of one week in March still finds the occurrence moved there from April.
    assert.deepEqual(starts(ev, Date.UTC(2026, 2, 17), Date.UTC(2026, 2, 24)), ['2026-03-18T14:00:00Z', '2026-03-23T08:00:00Z']);
    assert.deepEqual(starts(ev, Date.UTC(2026, 3, 1), Date.UTC(2026, 3, 12)), []);
  });

  test('daily with interval, weekdays, and Until (inclusive)', () => {
    const every3 = series(UTC_ZONE, Date.UTC(2026, 0, 30, 10), { type: 0, interval: 3, occurrences: 4 });
    assert.deepEqual(starts(every3), ['2026-01-30T10:00:00Z', '2026-02-02T10:00:00Z', '2026-02-05T10:00:00Z', '2026-02-08T10:00:00Z']);
    const weekdays = series(UTC_ZONE, Date.UTC(2026, 4, 1, 8), { type: 1, interval: 1, dayOfWeek: 62, until: Date.UTC(2026, 4, 7, 8) });
    assert.deepEqual(starts(weekdays), ['2026-05-01T08:00:00Z', '2026-05-04T08:00:00Z', '2026-05-05T08:00:00Z', '2026-05-06T08:00:00Z', '2026-05-07T08:00:00Z']);
  });

  test('every other week counts weeks from FirstDayOfWeek', () => {
    // Start Sunday 2026-03-01; Sunday and Wednesday every 2 weeks. Weeks starting Sunday: 1-7, 15-21.
    const sundayWeeks = series(UTC_ZONE, Date.UTC(2026, 2, 1, 9), { type: 1, interval: 2, dayOfWeek: 1 | 8, firstDayOfWeek: 0, occurrences: 4 });
    assert.deepEqual(starts(sundayWeeks).map((s) => s.slice(0, 10)), ['2026-03-01', '2026-03-04', '2026-03-15', '2026-03-18']);
    // Weeks starting Monday put that Sunday at the end of the week of 23 Feb: the next week counted is 9-15.
    const mondayWeeks = series(UTC_ZONE, Date.UTC(2026, 2, 1, 9), { type: 1, interval: 2, dayOfWeek: 1 | 8, firstDayOfWeek: 1, occurrences: 4 });
    assert.deepEqual(starts(mondayWeeks).map((s) => s.slice(0, 10)), ['2026-03-01', '2026-03-11', '2026-03-15', '2026-03-25']);
  });

  test('monthly on day 31 falls on the last day of shorter months; the last Friday; yearly patterns', () => {
    const d31 = series(UTC_ZONE, Date.UTC(2026, 0, 31, 9), { type: 2, interval: 1, dayOfMonth: 31, occurrences: 4 });
    assert.deepEqual(starts(d31).map((s) => s.slice(0, 10)), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    const lastFriday = series(UTC_ZONE, Date.UTC(2026, 0, 30, 9), { type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5, occurrences: 3 });
    assert.deepEqual(starts(lastFriday).map((s) => s.slice(0, 10)), ['2026-01-30', '2026-02-27', '2026-03-27']);
    const secondWeekday = series(UTC_ZONE, Date.UTC(2026, 5, 2, 9), { type: 3, interval: 2, dayOfWeek: 62, weekOfMonth: 2, occurrences: 3 });
    assert.deepEqual(starts(secondWeekday).map((s) => s.slice(0, 10)), ['2026-06-02', '2026-08-04', '2026-10-02']);
    const leap = series(UTC_ZONE, Date.UTC(2028, 1, 29, 9), { type: 5, interval: 1, monthOfYear: 2, dayOfMonth: 29, occurrences: 3 });
    assert.deepEqual(starts(leap).map((s) => s.slice(0, 10)), ['2028-02-29', '2029-02-28', '2030-02-28']);
    // The last Sunday of March is the European switch day: 09:00 Rome is already summer time.
    const march = series(rome, at(rome, 2026, 3, 29), { type: 6, interval: 1, monthOfYear: 3, dayOfWeek: 1, weekOfMonth: 5, occurrences: 2 });
    assert.deepEqual(starts(march), ['2026-03-29T07:00:00Z', '2027-03-28T07:00:00Z']);
  });

  test('an all-day series is on the same dates everywhere', () => {
    const ev: RecurringEvent = { start: Date.UTC(2026, 2, 27), end: Date.UTC(2026, 2, 28), allDay: true, zone: rome, recurrence: { type: 1, interval: 1, dayOfWeek: 32, occurrences: 2 } };
    assert.deepEqual(starts(ev), ['2026-03-27T00:00:00Z', '2026-04-03T00:00:00Z']);
  });

  test('the end of a series: last occurrence, a later moved exception, or none for an endless series', () => {
    const counted = series(rome, at(rome, 2026, 3, 16), { type: 1, interval: 1, dayOfWeek: 2, occurrences: 4 });
    assert.equal(iso(seriesEnd(counted)!), '2026-04-06T08:00:00Z');
    const until = series(rome, at(rome, 2026, 3, 16), { type: 0, interval: 1, until: at(rome, 2030, 3, 16) });
    assert.equal(iso(seriesEnd(until)!), '2030-03-16T09:00:00Z');
    const moved = { ...counted, exceptions: [{ originalStart: at(rome, 2026, 4, 6), start: at(rome, 2026, 5, 1), end: at(rome, 2026, 5, 1, 10) }] };
    assert.equal(iso(seriesEnd(moved)!), '2026-05-01T08:00:00Z');
    assert.equal(seriesEnd(series(rome, at(rome, 2020, 1, 6), { type: 1, interval: 1, dayOfWeek: 2 })), null);
    assert.equal(seriesEnd({ start: 0, end: H, allDay: false, zone: UTC_ZONE }), H);
  });

  test('isOccurrence knows the original starts of the series and nothing else', () => {
    const ev = series(rome, at(rome, 2026, 3, 16), { type: 1, interval: 1, dayOfWeek: 2, occurrences: 4 });
    assert.equal(isOccurrence(ev, at(rome, 2026, 3, 30)), true);
    assert.equal(isOccurrence(ev, at(rome, 2026, 3, 30) + H), false);
    assert.equal(isOccurrence(ev, at(rome, 2026, 4, 13)), false);
    // As in Exchange, the series is the pattern's dates from the start on: a start off the pattern is not one.
    const offPattern = series(UTC_ZONE, Date.UTC(2026, 2, 2, 9), { type: 1, interval: 1, dayOfWeek: 4, occurrences: 2 });
    assert.deepEqual(starts(offPattern), ['2026-03-03T09:00:00Z', '2026-03-10T09:00:00Z']);
  });
});

describe('RRULE', () => {
  const ctx = { allDay: false, zone: rome, start: at(rome, 2026, 3, 16) };

  test('each EAS type has its RRULE', () => {
    const cases: Array<[Recurrence, string]> = [
      [{ type: 0, interval: 1, occurrences: 10 }, 'FREQ=DAILY;COUNT=10'],
      [{ type: 0, interval: 2, dayOfWeek: 62 }, 'FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR'],
      [{ type: 1, interval: 2, dayOfWeek: 2 | 8, firstDayOfWeek: 1, until: Date.UTC(2026, 5, 1, 7) }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=MO;UNTIL=20260601T070000Z'],
      [{ type: 2, interval: 1, dayOfMonth: 15 }, 'FREQ=MONTHLY;BYMONTHDAY=15'],
      [{ type: 2, interval: 1, dayOfMonth: 31 }, 'FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1'],
      [{ type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5 }, 'FREQ=MONTHLY;BYDAY=-1FR'],
      [{ type: 3, interval: 3, dayOfWeek: 62, weekOfMonth: 2 }, 'FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=2'],
      [{ type: 5, interval: 1, monthOfYear: 2, dayOfMonth: 29 }, 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1'],
      [{ type: 5, interval: 1, monthOfYear: 7, dayOfMonth: 14 }, 'FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=14'],
      [{ type: 6, interval: 1, monthOfYear: 11, dayOfWeek: 16, weekOfMonth: 4 }, 'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH'],
    ];
    for (const [r, rule] of cases) {
      assert.equal(toRRule(r, ctx), rule);
      assert.deepEqual(fromRRule(rule, ctx), r, rule);
    }
  });

  test('patterns that leave the weekday to the start get it from the start', () => {
    assert.equal(toRRule({ type: 1, interval: 1 }, ctx), 'FREQ=WEEKLY;BYDAY=MO');
    assert.deepEqual(fromRRule('FREQ=WEEKLY', ctx), { type: 1, interval: 1, dayOfWeek: 2 });
    assert.deepEqual(fromRRule('FREQ=MONTHLY', ctx), { type: 2, interval: 1 });
  });

  test('all-day UNTIL is a date; a floating or date-only UNTIL is read in the zone', () => {
    const allDay = { allDay: true };
    assert.equal(toRRule({ type: 0, interval: 1, until: Date.UTC(2026, 6, 31) }, allDay), 'FREQ=DAILY;UNTIL=20260731');
    assert.deepEqual(fromRRule('FREQ=DAILY;UNTIL=20260731', allDay), { type: 0, interval: 1, until: Date.UTC(2026, 6, 31) });
    assert.equal(iso(fromRRule('FREQ=DAILY;UNTIL=20260731T090000', ctx)!.until!), '2026-07-31T07:00:00Z');
    assert.equal(iso(fromRRule('FREQ=DAILY;UNTIL=20260731', ctx)!.until!), '2026-07-31T21:59:59Z');
  });

  test('RRULEs EAS cannot express are refused', () => {
    for (const rule of ['FREQ=HOURLY', 'FREQ=WEEKLY;BYDAY=1MO', 'FREQ=MONTHLY;BYDAY=1MO,3WE', 'FREQ=MONTHLY;BYDAY=5FR', 'FREQ=YEARLY;BYWEEKNO=20',
      'FREQ=DAILY;COUNT=3;UNTIL=20260101T000000Z', 'FREQ=MONTHLY;BYMONTHDAY=1,15', 'FREQ=YEARLY;BYMONTH=1,7', 'FREQ=DAILY;BYHOUR=9,17', 'FREQ=DAILY;INTERVAL=1000', 'garbage']) {
      assert.equal(fromRRule(rule, ctx), null, rule);
    }
  });

  test('an RRULE and its EAS pattern expand to the same dates', () => {
    const ev = series(ny, at(ny, 2026, 1, 31), fromRRule('FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4', { allDay: false, zone: ny })!);
    assert.deepEqual(starts(ev).map((s) => s.slice(0, 10)), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
  });

  test('expansion agrees with ical.js (an independent RFC 5545 implementation) on the RRULE of each pattern', () => {
    // ical.js ignores BYSETPOS next to a BYMONTHDAY list in MONTHLY rules, so "day 31 monthly" is checked
    // by hand above instead; the yearly form of the same clamp is checked here.
    const cases: Array<[Recurrence, string]> = [
      [{ type: 0, interval: 3, occurrences: 8 }, '2026-01-30T10:00:00'],
      [{ type: 0, interval: 1, dayOfWeek: 62, occurrences: 12 }, '2026-01-30T10:00:00'],
      [{ type: 1, interval: 2, dayOfWeek: 1 | 8, firstDayOfWeek: 0, occurrences: 8 }, '2026-03-01T09:00:00'],
      [{ type: 1, interval: 2, dayOfWeek: 1 | 8, firstDayOfWeek: 1, occurrences: 8 }, '2026-03-01T09:00:00'],
      [{ type: 1, interval: 3, dayOfWeek: 2 | 32 | 64, occurrences: 10 }, '2026-03-02T09:00:00'],
      [{ type: 1, interval: 1, dayOfWeek: 2, until: Date.UTC(2026, 2, 30, 9) }, '2026-03-02T09:00:00'],
      [{ type: 2, interval: 1, dayOfMonth: 15, occurrences: 6 }, '2026-01-15T09:00:00'],
      [{ type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5, occurrences: 8 }, '2026-01-30T09:00:00'],
      [{ type: 3, interval: 1, dayOfWeek: 4, weekOfMonth: 2, occurrences: 8 }, '2026-01-13T09:00:00'],
      [{ type: 3, interval: 2, dayOfWeek: 62, weekOfMonth: 2, occurrences: 6 }, '2026-06-02T09:00:00'],
      [{ type: 3, interval: 1, dayOfWeek: 65, weekOfMonth: 5, occurrences: 6 }, '2026-01-31T09:00:00'],
      [{ type: 5, interval: 1, monthOfYear: 7, dayOfMonth: 14, occurrences: 4 }, '2026-07-14T09:00:00'],
      [{ type: 5, interval: 1, monthOfYear: 2, dayOfMonth: 29, occurrences: 4 }, '2028-02-29T09:00:00'],
      [{ type: 6, interval: 1, monthOfYear: 11, dayOfWeek: 16, weekOfMonth: 4, occurrences: 5 }, '2026-11-26T09:00:00'],
      [{ type: 6, interval: 2, monthOfYear: 3, dayOfWeek: 1, weekOfMonth: 5, occurrences: 4 }, '2026-03-29T09:00:00'],
    ];
    for (const [r, first] of cases) {
      const start = Date.parse(`${first}Z`);
      const mine = starts(series(UTC_ZONE, start, r)).map((x) => x.slice(0, 19));
      const rule = toRRule(r, { allDay: false });
      const it = ICAL.Recur.fromString(rule).iterator(ICAL.Time.fromDateTimeString(first));
      const theirs: string[] = [];
      for (let next = it.next(); next && theirs.length < 100; next = it.next()) theirs.push(next.toString());
      assert.deepEqual(mine, theirs, rule);
      assert.deepEqual(fromRRule(rule, { allDay: false }), r, rule);
    }
  });
});
