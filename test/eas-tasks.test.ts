// The Tasks class over EAS (MS-ASTASK), phone to server to second phone with real WBXML over HTTP: the
// MS-ASTASK 4.1 task on 14.1 and 16.1 and recurring tasks (a fixed pattern, and one that regenerates on
// completion) arrive with every field unchanged; completing a task stamps DateCompleted when the phone
// sends none; a Change keeps what it leaves out; a task due before it starts is refused (Status 6).
//
// The MS-ASTASK 4.1 request: its Body, Subject, Importance and Categories are the example's; the
// remaining fields (dates, reminder, sensitivity), which the published excerpt cuts off, use the
// example's own month.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ns, textOf, intOf, child, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { taskData } from '../src/pim/task-model.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { addResult, appData, commands, lostFields, phone, sync, type Owner, type Phone } from './helpers/pim-wire.js';

const as = ns('AirSync');
const tk = ns('Tasks');
const asb = ns('AirSyncBase');
const TASKS = 7;
const html = [asb('BodyPreference', asb('Type', 2))];

/** MS-ASTASK 4.1: a task made on the phone. */
function tpsReports(): WbxmlElement {
  return as('ApplicationData',
    asb('Body', asb('Type', 2), asb('Data', '<strong>Must</strong> complete TPS reports using the new cover sheet.')),
    tk('Subject', 'TPS Reports for August 2009'), tk('Importance', 2),
    tk('Categories', tk('Category', 'Business'), tk('Category', 'Reports')),
    tk('Complete', 0),
    tk('UtcStartDate', '2009-08-03T07:00:00.000Z'), tk('StartDate', '2009-08-03T00:00:00.000Z'),
    tk('UtcDueDate', '2009-08-28T07:00:00.000Z'), tk('DueDate', '2009-08-28T00:00:00.000Z'),
    tk('Sensitivity', 0), tk('ReminderTime', '2009-08-27T16:00:00.000Z'), tk('ReminderSet', 1));
}

function recurringTasks(): WbxmlElement[] {
  return [
    as('ApplicationData', tk('Subject', 'Timesheet'), tk('Importance', 1),
      tk('UtcStartDate', '2026-03-02T08:00:00.000Z'), tk('StartDate', '2026-03-02T09:00:00.000Z'),
      tk('UtcDueDate', '2026-03-06T16:00:00.000Z'), tk('DueDate', '2026-03-06T17:00:00.000Z'),
      tk('Recurrence', tk('Type', 1), tk('Start', '2026-03-02T00:00:00.000Z'), tk('Until', '2026-12-28T00:00:00.000Z'), tk('Interval', 2),
        tk('DayOfWeek', 2), tk('Regenerate', 0), tk('DeadOccur', 0), tk('CalendarType', 0), tk('FirstDayOfWeek', 1)),
      tk('Complete', 0), tk('Sensitivity', 1), tk('ReminderSet', 0),
      tk('OrdinalDate', '2026-03-01T10:00:00.000Z'), tk('SubOrdinalDate', '412312212')),
    as('ApplicationData', tk('Subject', 'Water the plants'),
      tk('Recurrence', tk('Type', 0), tk('Start', '2026-04-01T00:00:00.000Z'), tk('Occurrences', 5), tk('Interval', 10), tk('Regenerate', 1), tk('DeadOccur', 0)),
      tk('Complete', 0), tk('ReminderSet', 0)),
    as('ApplicationData', tk('Subject', 'Pay the rent'),
      tk('Recurrence', tk('Type', 3), tk('Start', '2026-01-30T00:00:00.000Z'), tk('Interval', 1), tk('DayOfWeek', 32), tk('WeekOfMonth', 5), tk('DeadOccur', 1)),
      tk('Complete', 0), tk('ReminderSet', 0)),
  ];
}

describe('EAS Tasks', () => {
  let app: TestApp;
  let ann: Account;
  let owner: Owner;
  const pw = 'ann-password-1';
  let n = 0;
  const newPhone = (version: string): Promise<Phone> => phone(app, owner, `task${++n}`, version, TASKS, html);
  const add = async (p: Phone, data: WbxmlElement) => addResult(await sync(app, owner, p, [as('Add', as('ClientId', `t${++n}`), data)], html));
  const received = async (p: Phone, serverId: string): Promise<WbxmlElement> => {
    const r = await sync(app, owner, p, [], html);
    const cmd = [...commands(r, 'Add'), ...commands(r, 'Change')].find((c) => textOf(c, 'AirSync:ServerId') === serverId);
    assert.ok(cmd, `${p.deviceId} got ${serverId}`);
    return appData(cmd);
  };

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    owner = { email: ann.email, password: pw };
  });
  after(() => app.stop());

  for (const version of ['14.1', '16.1']) {
    test(`MS-ASTASK 4.1 and recurring tasks go phone to phone on ${version} with no field lost or changed`, async () => {
      const [one, two] = [await newPhone(version), await newPhone(version)];
      for (const item of [tpsReports(), ...recurringTasks()]) {
        const { status, serverId } = await add(one, item);
        assert.equal(status, 1);
        assert.deepEqual(lostFields(item, await received(two, serverId!)), []);
      }
    });
  }

  test('a task from 16.1 reaches a 14.1 phone, and the store holds both dates of each kind', async () => {
    const [one, two] = [await newPhone('16.1'), await newPhone('14.1')];
    const { serverId } = await add(one, tpsReports());
    assert.deepEqual(lostFields(tpsReports(), await received(two, serverId!)), []);
    const stored = taskData((await app.store.mailbox.getItem(ann.id, serverId!.split(':')[1] as never))!.data);
    assert.deepEqual([stored.startUtc, stored.startLocal, stored.dueUtc, stored.dueLocal].map((t) => new Date(t!).toISOString()),
      ['2009-08-03T07:00:00.000Z', '2009-08-03T00:00:00.000Z', '2009-08-28T07:00:00.000Z', '2009-08-28T00:00:00.000Z']);
  });

  test('completing stamps DateCompleted; a Change keeps what it leaves out; reopening clears it', async () => {
    const [one, two] = [await newPhone('14.1'), await newPhone('14.1')];
    const { serverId } = await add(one, tpsReports());
    await received(two, serverId!);
    const before = Date.now();
    await sync(app, owner, two, [as('Change', as('ServerId', serverId), as('ApplicationData', tk('Complete', 1)))], html);
    const done = await received(one, serverId!);
    assert.equal(intOf(done, 'Tasks:Complete'), 1);
    const stamped = Date.parse(textOf(done, 'Tasks:DateCompleted') ?? '');
    assert.ok(stamped >= Math.floor(before / 1000) * 1000 && stamped <= Date.now(), 'DateCompleted is the time of the change');
    assert.deepEqual(lostFields(tpsReports(), done, ['Tasks:Complete[0]']), []);
    await sync(app, owner, one, [as('Change', as('ServerId', serverId), as('ApplicationData', tk('Complete', 0), tk('DueDate', '')))], html);
    const reopened = await received(two, serverId!);
    assert.deepEqual([intOf(reopened, 'Tasks:Complete'), child(reopened, 'Tasks:DateCompleted'), child(reopened, 'Tasks:DueDate')], [0, undefined, undefined]);
    assert.equal(textOf(reopened, 'Tasks:UtcDueDate'), '2009-08-28T07:00:00.000Z');
  });

  test('a task due before it starts, or with an unknown recurrence type, is refused with Status 6 and not stored', async () => {
    const one = await newPhone('16.1');
    const folder = (await app.store.mailbox.getFolderByRole(ann.id, 'tasks'))!;
    const count = await app.store.mailbox.countItems(ann.id, folder.id);
    const backwards = await add(one, as('ApplicationData', tk('Subject', 'Backwards'), tk('UtcStartDate', '2026-05-02T08:00:00.000Z'), tk('UtcDueDate', '2026-05-01T08:00:00.000Z'), tk('Complete', 0)));
    const badType = await add(one, as('ApplicationData', tk('Subject', 'Odd'), tk('Recurrence', tk('Type', 4), tk('Interval', 1)), tk('Complete', 0)));
    assert.deepEqual([backwards.status, badType.status], [6, 6]);
    assert.equal(await app.store.mailbox.countItems(ann.id, folder.id), count);
  });

  test('FilterType 8 syncs incomplete tasks only; a task completed elsewhere leaves the phone (SoftDelete)', async () => {
    const writer = await newPhone('14.1');
    const open = await add(writer, as('ApplicationData', tk('Subject', 'Open task'), tk('Complete', 0), tk('ReminderSet', 0)));
    const done = await add(writer, as('ApplicationData', tk('Subject', 'Done task'), tk('Complete', 1), tk('DateCompleted', '2026-03-01T10:00:00.000Z'), tk('ReminderSet', 0)));
    const filtered = [...html, as('FilterType', 8)];
    const reader = await phone(app, owner, `task${++n}`, '14.1', TASKS, filtered);
    const first = await sync(app, owner, reader, [], filtered);
    const ids = commands(first, 'Add').map((a) => textOf(a, 'AirSync:ServerId'));
    assert.ok(ids.includes(open.serverId), 'the open task is there');
    assert.ok(!ids.includes(done.serverId), 'the completed one is not');
    await sync(app, owner, writer, [as('Change', as('ServerId', open.serverId), as('ApplicationData', tk('Subject', 'Open task'), tk('Complete', 1), tk('ReminderSet', 0)))], html);
    const next = await sync(app, owner, reader, [], filtered);
    assert.deepEqual(commands(next, 'SoftDelete').map((d) => textOf(d, 'AirSync:ServerId')), [open.serverId]);
  });
});
