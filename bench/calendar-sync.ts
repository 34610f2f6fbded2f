// Calendar sync throughput over HTTP with real WBXML: 5,000 events (a tenth of them weekly series with a
// moved and a deleted occurrence, all in Europe/Rome, with attendees and an HTML body) stored directly,
// then the initial Sync of the calendar in windows of 100, on 16.1 and on 14.1 (which adds the TimeZone
// blob to every event): items/s and peak RSS. SQLite always; PostgreSQL too when CARBONIO_TEST_PG_URL is set.
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { easRequest, type EasResponse } from '../test/helpers/eas-client.js';
import { el, ns } from '../src/eas/wbxml/index.js';
import { eventWindowDate, type EventData } from '../src/pim/event-model.js';
import { ianaZone, localToUtc } from '../src/pim/timezone.js';
import { printMeasured, report } from './lib.js';
import { initialSync } from './initial-sync.js';

const as = ns('AirSync');
const COUNT = Number(process.env.BENCH_CALENDAR_COUNT ?? 5_000);
const WINDOW = 100;
const rome = ianaZone('Europe/Rome')!;

function event(i: number): EventData {
  const day = 1 + (i % 360);
  const start = localToUtc(rome, { year: 2026, month: 1, day, hour: 8 + (i % 9), minute: (i % 4) * 15, second: 0 });
  const e: EventData = {
    uid: `bench-${i}@example.com`, subject: `Meeting ${i}`, start, end: start + 3_600_000, allDay: false, timeZone: 'Europe/Rome',
    location: { displayName: `Room ${i % 40}` }, organizerName: 'Organizer', organizerEmail: 'organizer@example.com',
    attendees: [{ email: `a${i}@example.com`, name: `Attendee ${i}`, status: 3, type: 1 }, { email: 'b@example.com', name: 'Bee', type: 2 }],
    reminder: 15, busyStatus: 2, sensitivity: 0, meetingStatus: 1, responseRequested: true,
    body: { type: 2, data: `<p>${'Agenda item with some words to make the body realistic. '.repeat(15)}</p>` },
    exceptions: [], dtStamp: Date.UTC(2026, 0, 1),
  };
  if (i % 10 === 0) {
    e.recurrence = { type: 1, interval: 1, dayOfWeek: 1 << new Date(start + 3_600_000).getUTCDay(), occurrences: 20 };
    e.exceptions = [
      { originalStart: start + 14 * 86_400_000, start: start + 14 * 86_400_000 + 7_200_000, end: start + 14 * 86_400_000 + 10_800_000, subject: 'Moved' },
      { originalStart: start + 21 * 86_400_000, deleted: true },
    ];
  }
  return e;
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app: TestApp = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
    const calendar = (await app.store.mailbox.getFolderByRole(account.id, 'calendar'))!;
    for (let i = 0; i < COUNT; i++) {
      const data = event(i);
      // Items are stored as a client Add would store them: dated by the end of their last occurrence.
      await app.store.mailbox.addItem(account.id, calendar.id, { kind: 'event', data, categories: i % 3 === 0 ? ['Work'] : [], receivedAt: eventWindowDate(data) });
    }
    // The first pass warms the JIT, the Intl formatters and the zone summaries; it is not reported.
    for (const [version, measured] of [['16.1', false], ['16.1', true], ['14.1', true]] as const) {
      const cred = { user: account.email, password: 'bench-password-1', deviceId: `bench${backend}${version.replace('.', '')}${measured ? 'm' : 'w'}`, version };
      await easRequest(app, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
      const options = as('Options', as('FilterType', 0), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 2), el('AirSyncBase:TruncationSize', 5120)));
      const sync = (key: string): Promise<EasResponse> => easRequest(app, {
        ...cred, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(calendar.id)), as('WindowSize', WINDOW), options))),
      });
      const { items: got, seconds, peakRss: peak } = await initialSync(sync);
      if (got !== COUNT) console.log(`warning: got ${got} of ${COUNT}`);
      if (!measured) continue;
      report(`calendar sync initial ${backend} ${version}`, got / seconds, 'items/s');
      report(`calendar sync initial ${backend} ${version} peak rss`, peak / 1024 / 1024, 'MiB');
    }
  } finally {
    await app.stop();
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
