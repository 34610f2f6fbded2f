// The EAS TimeZone blob (MS-ASDTYPE 2.7.6 / MS-ASCAL 2.2.2.44) from IANA zones and back, and wall-clock
// arithmetic: the blob built for Europe/Rome is byte for byte the well-known W. Europe Standard Time
// blob; blobs real phones and the MS-ASCAL examples send map back to the right IANA zone; a rule no
// IANA zone matches still computes offsets; gaps and overlaps resolve as RFC 5545 says.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, test } from 'node:test';
import {
  blobForZone, decodeTzi, encodeTzi, ianaZone, localToUtc, offsetAt, tziForZone, utcToLocal, zoneForBlob, type TimeZoneInfo, type Zone,
} from '../src/pim/timezone.js';

const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const zone = (id: string): Zone => ianaZone(id)!;

/** W. Europe Standard Time as Windows' registry (and every Exchange) writes it, built field by field. */
function wEuropeBytes(): Buffer {
  const b = Buffer.alloc(172);
  b.writeInt32LE(-60, 0);
  b.write('W. Europe Standard Time', 4, 64, 'utf16le');
  [0, 10, 0, 5, 3, 0, 0, 0].forEach((v, i) => b.writeUInt16LE(v, 68 + i * 2));
  b.writeInt32LE(0, 84);
  b.write('W. Europe Daylight Time', 88, 64, 'utf16le');
  [0, 3, 0, 5, 2, 0, 0, 0].forEach((v, i) => b.writeUInt16LE(v, 152 + i * 2));
  b.writeInt32LE(-60, 168);
  return b;
}

// MS-ASCAL 4.2 (the recurring appointment example): Pacific Time, names cut at 32 characters.
const PACIFIC_EXAMPLE = '4AEAACgARwBNAFQALQAwADgAOgAwADAAKQAgAFAAYQBjAGkAZgBpAGMAIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAsAAAABAAIAAAAAAAAAAAAAACgARwBNAFQALQAwADgAOgAwADAAKQAgAFAAYQBjAGkAZgBpAGMAIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAMAAAACAAIAAAAAAAAAxP///w==';
// The Eastern Time blob an iOS device sends (same layout, "(UTC-05:00) Eastern Time (US & C").
const EASTERN_IOS = 'LAEAACgAVQBUAEMALQAwADUAOgAwADAAKQAgAEUAYQBzAHQAZQByAG4AIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAsAAAABAAIAAAAAAAAAAAAAACgAVQBUAEMALQAwADUAOgAwADAAKQAgAEUAYQBzAHQAZQByAG4AIABUAGkAbQBlACAAKABVAFMAIAAmACAAQwAAAAMAAAACAAIAAAAAAAAAxP///w==';

/** The two zones show the same clock all year (every 6 hours, and a minute either side of each switch of b). */
function sameClockAllYear(a: Zone, b: Zone, year: number): void {
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 6 * H) {
    assert.equal(offsetAt(a, t), offsetAt(b, t), `offset at ${iso(t)}`);
    if (offsetAt(b, t) !== offsetAt(b, t + 6 * H)) {
      for (let m = t; m <= t + 6 * H; m += 60_000) assert.equal(offsetAt(a, m), offsetAt(b, m), `offset at ${iso(m)}`);
    }
  }
}

describe('TimeZone blob', () => {
  test('Europe/Rome is the W. Europe Standard Time blob: bias -60, DST -60 from the last Sunday of March 02:00 to the last Sunday of October 03:00', () => {
    for (const year of [2025, 2026, 2027]) {
      const bytes = Buffer.from(blobForZone('Europe/Rome', year), 'base64');
      assert.equal(bytes.length, 172);
      assert.deepEqual(bytes, wEuropeBytes(), `year ${year}`);
    }
    const t = tziForZone('Europe/Rome', 2026);
    assert.equal(t.bias, -60);
    assert.equal(t.daylightBias, -60);
    assert.deepEqual([t.daylightDate.month, t.daylightDate.day, t.daylightDate.dayOfWeek, t.daylightDate.hour], [3, 5, 0, 2]);
    assert.deepEqual([t.standardDate.month, t.standardDate.day, t.standardDate.dayOfWeek, t.standardDate.hour], [10, 5, 0, 3]);
  });

  test('America/New_York: bias 300, second Sunday of March 02:00, first Sunday of November 02:00', () => {
    const t = tziForZone('America/New_York', 2026);
    assert.deepEqual([t.bias, t.standardBias, t.daylightBias], [300, 0, -60]);
    assert.deepEqual([t.daylightDate.month, t.daylightDate.day, t.daylightDate.dayOfWeek, t.daylightDate.hour], [3, 2, 0, 2]);
    assert.deepEqual([t.standardDate.month, t.standardDate.day, t.standardDate.dayOfWeek, t.standardDate.hour], [11, 1, 0, 2]);
    assert.equal(t.standardName, 'Eastern Standard Time');
  });

  test('southern hemisphere and zones without daylight time', () => {
    const syd = tziForZone('Australia/Sydney', 2026);
    assert.deepEqual([syd.bias, syd.daylightBias, syd.daylightDate.month, syd.daylightDate.day, syd.standardDate.month, syd.standardDate.hour], [-600, -60, 10, 1, 4, 3]);
    const tokyo = tziForZone('Asia/Tokyo', 2026);
    assert.deepEqual([tokyo.bias, tokyo.standardDate.month, tokyo.daylightDate.month, tokyo.daylightBias], [-540, 0, 0, 0]);
    const india = tziForZone('Asia/Kolkata', 2026);
    assert.equal(india.bias, -330);
  });

  test('blobs sent by the MS-ASCAL example and by an iOS phone map back to their IANA zones', () => {
    assert.deepEqual(zoneForBlob(PACIFIC_EXAMPLE, 2009), { kind: 'iana', id: 'America/Los_Angeles' });
    assert.deepEqual(zoneForBlob(EASTERN_IOS, 2015), { kind: 'iana', id: 'America/New_York' });
    assert.deepEqual(zoneForBlob(wEuropeBytes().toString('base64'), 2026, ['Europe/Rome']), { kind: 'iana', id: 'Europe/Rome' });
    const wEurope = zoneForBlob(wEuropeBytes().toString('base64'), 2026);
    assert.equal(wEurope.kind, 'iana');
    sameClockAllYear(wEurope, zone('Europe/Rome'), 2026);
  });

  test('every zone survives blob and back with the same clock all year', () => {
    const ids = ['Europe/Rome', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'America/Sao_Paulo', 'America/Santiago', 'America/St_Johns',
      'Australia/Sydney', 'Australia/Adelaide', 'Pacific/Auckland', 'Pacific/Chatham', 'Asia/Tokyo', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Tehran', 'UTC'];
    for (const id of ids) {
      const back = zoneForBlob(blobForZone(id, 2026), 2026);
      assert.equal(back.kind, 'iana', id);
      sameClockAllYear(back, zone(id), 2026);
    }
  });

  test('a rule no IANA zone has becomes a rule zone that still computes offsets', () => {
    // UTC+01:30, daylight +1 h from the first Sunday of May 01:00 to the last Saturday of September 04:00.
    const tzi: TimeZoneInfo = {
      bias: -90, standardName: 'Nowhere Standard', standardBias: 0, daylightName: 'Nowhere Daylight', daylightBias: -60,
      standardDate: { year: 0, month: 9, dayOfWeek: 6, day: 5, hour: 4, minute: 0, second: 0, milliseconds: 0 },
      daylightDate: { year: 0, month: 5, dayOfWeek: 0, day: 1, hour: 1, minute: 0, second: 0, milliseconds: 0 },
    };
    const z = zoneForBlob(Buffer.from(encodeTzi(tzi)).toString('base64'), 2026);
    assert.equal(z.kind, 'rule');
    assert.deepEqual(decodeTzi(encodeTzi(tzi)), tzi);
    // 2026-05-03 is the first Sunday of May: 01:00 at +01:30 is 23:30 UTC the day before.
    assert.equal(offsetAt(z, Date.UTC(2026, 4, 2, 23, 29)), 90 * 60_000);
    assert.equal(offsetAt(z, Date.UTC(2026, 4, 2, 23, 30)), 150 * 60_000);
    // 2026-09-26 is the last Saturday of September: 04:00 at +02:30 is 01:30 UTC.
    assert.equal(offsetAt(z, Date.UTC(2026, 8, 26, 1, 29)), 150 * 60_000);
    assert.equal(offsetAt(z, Date.UTC(2026, 8, 26, 1, 30)), 90 * 60_000);
    assert.equal(iso(localToUtc(z, { year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0 })), '2026-07-01T09:30:00.000Z');
    // Its own blob is the same rule again.
    assert.deepEqual(decodeTzi(Buffer.from(blobForZone(z, 2026), 'base64')), tzi);
  });

  test('a blob decoded as a rule keeps the IANA clock (W. Europe rule against Europe/Rome)', () => {
    sameClockAllYear({ kind: 'rule', tzi: decodeTzi(wEuropeBytes())! }, zone('Europe/Rome'), 2026);
    sameClockAllYear({ kind: 'rule', tzi: tziForZone('Australia/Sydney', 2026) }, zone('Australia/Sydney'), 2026);
  });

  test('unreadable blobs are UTC', () => {
    assert.deepEqual(zoneForBlob('', 2026), { kind: 'iana', id: 'UTC' });
    assert.deepEqual(zoneForBlob('AAAA', 2026), { kind: 'iana', id: 'UTC' });
    const silly = wEuropeBytes();
    silly.writeInt32LE(99_999, 0);
    assert.deepEqual(zoneForBlob(silly.toString('base64'), 2026), { kind: 'iana', id: 'UTC' });
  });
});

describe('wall clocks', () => {
  const rome = zone('Europe/Rome');
  const ny = zone('America/New_York');

  test('offsets and local times on both sides of the switches', () => {
    assert.equal(offsetAt(rome, Date.UTC(2026, 2, 29, 0, 59)), H);
    assert.equal(offsetAt(rome, Date.UTC(2026, 2, 29, 1, 0)), 2 * H);
    assert.equal(offsetAt(ny, Date.UTC(2026, 10, 1, 5, 59)), -4 * H);
    assert.equal(offsetAt(ny, Date.UTC(2026, 10, 1, 6, 0)), -5 * H);
    assert.deepEqual(utcToLocal(rome, Date.UTC(2026, 6, 1, 7, 0)), { year: 2026, month: 7, day: 1, hour: 9, minute: 0, second: 0, millisecond: 0 });
  });

  test('a time in the spring-forward gap moves forward; a repeated time is the first one', () => {
    assert.equal(iso(localToUtc(rome, { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 })), '2026-03-29T01:30:00.000Z');
    assert.equal(iso(localToUtc(rome, { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 })), '2026-10-25T00:30:00.000Z');
    assert.equal(iso(localToUtc(ny, { year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 })), '2026-03-08T07:30:00.000Z');
    assert.equal(iso(localToUtc(ny, { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 })), '2026-11-01T05:30:00.000Z');
    assert.equal(iso(localToUtc(rome, { year: 2026, month: 1, day: 15, hour: 9, minute: 0, second: 0 })), '2026-01-15T08:00:00.000Z');
  });

  test('zone names are validated and canonicalised', () => {
    assert.equal(ianaZone('Not/AZone'), null);
    assert.deepEqual(ianaZone('US/Eastern'), { kind: 'iana', id: 'America/New_York' });
    assert.deepEqual(ianaZone('Etc/UTC'), { kind: 'iana', id: 'UTC' });
  });
});
