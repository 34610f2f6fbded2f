// VTIMEZONE writing (RFC 5545 3.6.5): one per zone a calendar's times use, for the years they span, from
// the runtime's IANA data (Intl, zone-clock.ts summarise): runs of years with the same rule become one
// STANDARD and one DAYLIGHT observance with a yearly RRULE (what Outlook, Google and Apple write, and
// read best), bounded by UNTIL where the rule changed, from the year before the first time (its
// switches set January's offset). A TimeZoneInfo rule zone writes its rule as such a pair from 1601, as
// Windows rules are written.
import { ianaOffset, ruleTransitions, summarise, type SystemTime, type TimeZoneInfo, type Transition, type Zone } from './timezone.js';
import { jDateTime, jOffset, type JComp, type JProp } from './ical-jcal.js';
import { ruleOf } from './ical-tz.js';

const MINUTE = 60_000;
const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

interface Switch { rule: SystemTime; wall: number; at: number }
interface YearRule { std: number; dst: number | null; toDst?: Switch; toStd?: Switch }

function yearRule(id: string, year: number): YearRule {
  const s = summarise(id, year);
  if (s.dst === null) return { std: s.std, dst: null };
  const sw = (x: Transition): Switch => ({ rule: ruleOf(x.at + x.before), wall: x.at + x.before, at: x.at });
  return { std: s.std, dst: s.dst, toDst: sw(s.transitions.find((x) => x.after > x.before)!), toStd: sw(s.transitions.find((x) => x.after < x.before)!) };
}

const byday = (r: SystemTime): string => `${r.day >= 5 ? -1 : r.day}${DAYS[r.dayOfWeek]}`;

function observance(kind: 'standard' | 'daylight', first: Switch, last: Switch | null, from: number, to: number, name?: string): JComp {
  const props: JProp[] = [
    ['dtstart', {}, 'date-time', jDateTime(first.wall, false)],
    ['tzoffsetfrom', {}, 'utc-offset', jOffset(from)],
    ['tzoffsetto', {}, 'utc-offset', jOffset(to)],
    ['rrule', {}, 'recur', { freq: 'YEARLY', bymonth: String(first.rule.month), byday: byday(first.rule), ...(last ? { until: jDateTime(last.at, true) } : {}) }],
  ];
  if (name !== undefined) props.push(['tzname', {}, 'text', name]);
  return [kind, props, []];
}

/** Observances of an IANA zone for [from, to]: one pair per run of years with the same rule. */
function ianaObservances(id: string, from: number, to: number): JComp[] {
  const groups: Array<{ first: number; rule: YearRule; last: YearRule; key: string }> = [];
  for (let y = from; y <= to; y++) {
    const r = yearRule(id, y);
    const key = JSON.stringify([r.std, r.dst, r.toDst?.rule, r.toStd?.rule]);
    const g = groups[groups.length - 1];
    if (g && g.key === key) g.last = r;
    else groups.push({ first: y, rule: r, last: r, key });
  }
  const out: JComp[] = [];
  groups.forEach((g, i) => {
    const final = i === groups.length - 1;
    const { std, dst, toDst, toStd } = g.rule;
    if (dst === null || !toDst || !toStd) {
      const jan1 = Date.UTC(g.first, 0, 1);
      const prev = i === 0 ? std : ianaOffset(id, jan1 - std - 1);
      out.push(['standard', [['dtstart', {}, 'date-time', jDateTime(jan1, false)], ['tzoffsetfrom', {}, 'utc-offset', jOffset(prev)], ['tzoffsetto', {}, 'utc-offset', jOffset(std)]], []]);
      return;
    }
    out.push(observance('daylight', toDst, final ? null : g.last.toDst ?? null, std, dst));
    out.push(observance('standard', toStd, final ? null : g.last.toStd ?? null, dst, std));
  });
  return out;
}

/** The observances of a TimeZoneInfo rule: a yearly pair from 1601 (as Windows rules are written), or fixed dates. */
function ruleObservances(t: TimeZoneInfo): JComp[] {
  const std = -(t.bias + t.standardBias) * MINUTE;
  const dst = -(t.bias + t.daylightBias) * MINUTE;
  const absolute = t.daylightDate.year !== 0 ? t.daylightDate.year : t.standardDate.year;
  const tr = ruleTransitions(t, absolute || 1601);
  if (!tr) {
    return [['standard', [['dtstart', {}, 'date-time', '1601-01-01T00:00:00'], ['tzoffsetfrom', {}, 'utc-offset', jOffset(std)], ['tzoffsetto', {}, 'utc-offset', jOffset(std)], ['tzname', {}, 'text', t.standardName]], []]];
  }
  const sw = (rule: SystemTime, at: number, before: number): Switch => ({ rule, at, wall: at + before });
  const pair: JComp[] = [
    observance('daylight', sw(t.daylightDate, tr.toDst, std), null, std, dst, t.daylightName),
    observance('standard', sw(t.standardDate, tr.toStd, dst), null, dst, std, t.standardName),
  ];
  // A rule with a year applies to that year only: the switch itself, no RRULE.
  if (absolute) for (const o of pair) o[1] = o[1].filter((p) => p[0] !== 'rrule');
  return pair;
}

/** Years a VTIMEZONE spells out at most; its last rule runs on without UNTIL after them. */
const MAX_YEARS = 200;

/** Collects the zones a calendar's times use, then writes their VTIMEZONEs. */
export class ZoneWriter {
  private readonly used = new Map<string, { zone: Zone; min: number; max: number }>();
  private readonly ruleIds = new Map<string, string>();

  /** The TZID to write a time of `zone` with, or null for UTC (written with Z, no VTIMEZONE). */
  tzid(zone: Zone, ms: number): string | null {
    if (zone.kind === 'iana' && zone.id === 'UTC') return null;
    const id = zone.kind === 'iana' ? zone.id : this.ruleId(zone.tzi);
    const y = new Date(ms).getUTCFullYear();
    const u = this.used.get(id);
    if (!u) this.used.set(id, { zone, min: y, max: y });
    else [u.min, u.max] = [Math.min(u.min, y), Math.max(u.max, y)];
    return id;
  }

  /** A rule zone's TZID: its standard name, made unique when two different rules share one. */
  private ruleId(t: TimeZoneInfo): string {
    const key = JSON.stringify(t);
    const known = this.ruleIds.get(key);
    if (known) return known;
    const base = t.standardName.trim() || 'Custom Time Zone';
    const taken = new Set(this.ruleIds.values());
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base} (${n})`;
    this.ruleIds.set(key, id);
    return id;
  }

  components(): JComp[] {
    return [...this.used].map(([id, u]): JComp => {
      const obs = u.zone.kind === 'rule' ? ruleObservances(u.zone.tzi) : ianaObservances(id, u.min - 1, Math.min(u.max, u.min + MAX_YEARS));
      const head: JProp[] = [['tzid', {}, 'text', id]];
      if (u.zone.kind === 'iana') head.push(['x-lic-location', {}, 'unknown', id]);
      return ['vtimezone', head, obs];
    });
  }
}
