// Time zones for calendar data: the EAS TimeZone blob (MS-ASDTYPE 2.7.6, MS-ASCAL 2.2.2.44: base64 of a
// 172-byte Windows TIME_ZONE_INFORMATION) to and from IANA zones. Wall-clock arithmetic (offsetAt,
// localToUtc, ...) lives in zone-clock.ts and is re-exported here, so callers import one module.
//
// A blob holds one rule: a standard bias and, optionally, the yearly switch to and from daylight time as
// a SYSTEMTIME in "day-of-week rule" form (wYear 0, wMonth, wDayOfWeek, wDay = week of the month with
// 5 meaning "last"). Windows and EAS clients know no history, so we describe a zone by the rule of one
// year (the event's), computed from the runtime's IANA data through Intl. Back from a blob we look for
// an IANA zone whose offsets agree with the blob's rule in that year; when none does, the blob itself
// becomes a rule zone that still computes offsets, so nothing a phone sends is lost.
import { Buffer } from 'node:buffer';
import {
  daysInMonth, fromWallMs, ianaOffset, ianaZone, offsetAt, ruleTransitions, summarise, UTC_ZONE, type SystemTime, type TimeZoneInfo, type Zone,
} from './zone-clock.js';
import { windowsZoneFor, WINDOWS_ZONES } from './windows-zones.js';

export * from './zone-clock.js';

const MINUTE = 60_000;
const TZI_SIZE = 172;
const NAME_CHARS = 32;

// ---------------------------------------------------------------------------------------------------
// Building a blob.

const noDate = (): SystemTime => ({ year: 0, month: 0, dayOfWeek: 0, day: 0, hour: 0, minute: 0, second: 0, milliseconds: 0 });

/** The yearly rule for a switch read on the wall clock in force before it. */
function ruleOf(wall: number): SystemTime {
  const w = fromWallMs(wall);
  const dim = daysInMonth(w.year, w.month);
  return {
    year: 0, month: w.month, dayOfWeek: new Date(wall).getUTCDay(),
    // A switch in the last seven days of its month is "the last such weekday" (5): that is how the
    // European and most other rules are written, and it stays right in the years the month has five.
    day: w.day + 7 > dim ? 5 : Math.ceil(w.day / 7),
    hour: w.hour, minute: w.minute, second: w.second, milliseconds: 0,
  };
}

const zoneNameLimit = (s: string): string => s.slice(0, NAME_CHARS - 1);

/** TIME_ZONE_INFORMATION of a zone for one year. */
export function tziForZone(zone: Zone | string, year: number): TimeZoneInfo {
  const z = typeof zone === 'string' ? ianaZone(zone) ?? UTC_ZONE : zone;
  if (z.kind === 'rule') return z.tzi;
  const names = windowsZoneFor(z.id);
  const standardName = zoneNameLimit(names?.standard ?? z.id);
  const daylightName = zoneNameLimit(names?.daylight ?? z.id);
  const s = summarise(z.id, year);
  const bias = -Math.round(s.std / MINUTE);
  if (s.dst === null) {
    return { bias, standardName, standardDate: noDate(), standardBias: 0, daylightName, daylightDate: noDate(), daylightBias: 0 };
  }
  const toDst = s.transitions.find((x) => x.after > x.before)!;
  const toStd = s.transitions.find((x) => x.after < x.before)!;
  return {
    bias, standardName, standardBias: 0, daylightName,
    standardDate: ruleOf(toStd.at + toStd.before),
    daylightDate: ruleOf(toDst.at + toDst.before),
    daylightBias: -Math.round((s.dst - s.std) / MINUTE),
  };
}

function writeSystemTime(b: Buffer, at: number, st: SystemTime): void {
  [st.year, st.month, st.dayOfWeek, st.day, st.hour, st.minute, st.second, st.milliseconds].forEach((v, i) => b.writeUInt16LE(v & 0xffff, at + i * 2));
}

function readSystemTime(b: Buffer, at: number): SystemTime {
  const v = (i: number): number => b.readUInt16LE(at + i * 2);
  return { year: v(0), month: v(1), dayOfWeek: v(2), day: v(3), hour: v(4), minute: v(5), second: v(6), milliseconds: v(7) };
}

function writeName(b: Buffer, at: number, name: string): void {
  b.write(zoneNameLimit(name), at, NAME_CHARS * 2, 'utf16le');
}

function readName(b: Buffer, at: number): string {
  const s = b.toString('utf16le', at, at + NAME_CHARS * 2);
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

export function encodeTzi(t: TimeZoneInfo): Uint8Array {
  const b = Buffer.alloc(TZI_SIZE);
  b.writeInt32LE(t.bias, 0);
  writeName(b, 4, t.standardName);
  writeSystemTime(b, 68, t.standardDate);
  b.writeInt32LE(t.standardBias, 84);
  writeName(b, 88, t.daylightName);
  writeSystemTime(b, 152, t.daylightDate);
  b.writeInt32LE(t.daylightBias, 168);
  return new Uint8Array(b);
}

/** The structure of a blob's bytes, or null when they are not a plausible TIME_ZONE_INFORMATION. */
export function decodeTzi(bytes: Uint8Array): TimeZoneInfo | null {
  if (bytes.byteLength < TZI_SIZE) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, TZI_SIZE);
  const t: TimeZoneInfo = {
    bias: b.readInt32LE(0), standardName: readName(b, 4), standardDate: readSystemTime(b, 68), standardBias: b.readInt32LE(84),
    daylightName: readName(b, 88), daylightDate: readSystemTime(b, 152), daylightBias: b.readInt32LE(168),
  };
  const sane = (st: SystemTime): boolean => st.month <= 12 && st.dayOfWeek <= 6 && st.day <= 31 && st.hour <= 24 && st.minute <= 59 && st.second <= 59 && st.milliseconds <= 999;
  // Real offsets lie within +-14 h and daylight shifts within +-2 h.
  if (Math.abs(t.bias) > 16 * 60 || Math.abs(t.standardBias) > 180 || Math.abs(t.daylightBias) > 180) return null;
  if (!sane(t.standardDate) || !sane(t.daylightDate)) return null;
  return t;
}

/** The base64 TimeZone blob for a zone, with the rule of the given year. */
export function blobForZone(zone: Zone | string, year: number): string {
  return Buffer.from(encodeTzi(tziForZone(zone, year))).toString('base64');
}

// ---------------------------------------------------------------------------------------------------
// Reading a blob back.

/** Whether an IANA zone keeps the same clock as a rule through a year (offsets around every switch). */
function sameClock(tzi: TimeZoneInfo, id: string, year: number): boolean {
  const rule: Zone = { kind: 'rule', tzi };
  const probes = [Date.UTC(year, 0, 15), Date.UTC(year, 6, 15)];
  // Two probes rule out most zones before their year is summarised (a hundred Intl calls each).
  if (probes.some((p) => offsetAt(rule, p) !== ianaOffset(id, p))) return false;
  const s = summarise(id, year);
  for (const x of s.transitions) probes.push(x.at - MINUTE, x.at + MINUTE);
  const tr = ruleTransitions(tzi, year);
  if (tr) probes.push(tr.toDst - MINUTE, tr.toDst + MINUTE, tr.toStd - MINUTE, tr.toStd + MINUTE);
  // Windows writes some midnight switches as 23:59:59.999: a minute of slack absorbs that.
  return probes.every((p) => offsetAt(rule, p) === ianaOffset(id, p) || offsetAt(rule, p + MINUTE) === ianaOffset(id, p + MINUTE));
}

/**
 * The zone a blob describes: an IANA zone whose clock agrees with the blob's rule in `hintYear` (the
 * event's year), trying the `prefer` zones first (the event's previous zone), then the zones whose
 * Windows name the blob carries, then a blob naming an IANA zone, then the common zones. When none
 * agrees, the blob's own rule. An unreadable blob is UTC: EAS times are UTC anyway.
 */
export function zoneForBlob(blob: string, hintYear: number, prefer: readonly string[] = []): Zone {
  const bytes = Buffer.from(blob.replace(/\s+/g, ''), 'base64');
  const tzi = decodeTzi(bytes);
  if (!tzi) return UTC_ZONE;
  const tried = new Set<string>();
  const tryId = (id: string): Zone | null => {
    const z = ianaZone(id);
    if (!z || z.kind !== 'iana' || tried.has(z.id)) return null;
    tried.add(z.id);
    return sameClock(tzi, z.id, hintYear) ? z : null;
  };
  const byName = WINDOWS_ZONES.filter((w) => w.standard === tzi.standardName || w.daylight === tzi.daylightName).flatMap((w) => w.iana);
  for (const id of [...prefer, ...byName, tzi.standardName]) {
    const z = tryId(id);
    if (z) return z;
  }
  for (const w of WINDOWS_ZONES) {
    for (const id of w.iana) {
      const z = tryId(id);
      if (z) return z;
    }
  }
  return { kind: 'rule', tzi };
}
