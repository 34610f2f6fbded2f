// Reading and writing big PIM files, measured (test/pim-ical.test.ts checks what they contain): the
// 1,000-event iCalendar fixture (Outlook, Google, Apple and display-name zones, series, overrides) parsed,
// those events written back as one iCalendar text and parsed again, and the 1,000-card vCard fixture
// parsed. Median of several runs after a warm-up. Run: node dist/bench/pim-files.js. Prints ratios to
// bench/baselines.json.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { eventsToICalendar, parseICalendar } from '../src/pim/ical.js';
import { parseVCards } from '../src/pim/vcard.js';
import { printMeasured, report } from './lib.js';

const fixtures = new URL('../../test/fixtures/pim/', import.meta.url);
/** The fixture's "now", as the test uses, so that its open-ended series expand the same way. */
const NOW = Date.UTC(2026, 4, 1);

function medianMs(fn: () => void, runs = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

export function main(): void {
  const ics = readFileSync(new URL('calendar-1000.ics', fixtures), 'utf8');
  const cal = parseICalendar(ics, { now: NOW });
  if (cal.events.length !== 1000) throw new Error(`calendar-1000.ics: ${cal.events.length} events`);
  report('ical parse 1000-event fixture', medianMs(() => parseICalendar(ics, { now: NOW })), 'ms');

  const items = cal.events.map((e) => ({ data: e.data, categories: ['Bench'] }));
  report('ical write 1000 events', medianMs(() => eventsToICalendar(items)), 'ms');
  const written = eventsToICalendar(items);
  report('ical parse 1000 written events', medianMs(() => parseICalendar(written, { now: NOW })), 'ms');

  const vcf = readFileSync(new URL('contacts-1000.vcf', fixtures), 'utf8');
  if (parseVCards(vcf).length !== 1000) throw new Error('contacts-1000.vcf: not 1,000 cards');
  report('vcard parse 1000-card fixture', medianMs(() => parseVCards(vcf)), 'ms');
  printMeasured();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
