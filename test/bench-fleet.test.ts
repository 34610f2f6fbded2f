// The fleet benchmark's phone (bench/fleet-device.ts) on the wire against a real server on port 0, so that
// its figures count what happened: FolderSync finds Inbox/Calendar/Contacts, the initial Sync fetches the
// Inbox, a held Ping answers Status 2 naming the Inbox on an SMTP delivery, the Sync after it gets the new
// message, SendMail succeeds; a refused request is an error of its own kind. And the RSS slope arithmetic.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentFor, Device, FleetError } from '../bench/fleet-device.js';
import { slopePerMinute, warmupSeconds } from '../bench/fleet-report.js';
import { Stats } from '../bench/fleet-stats.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, plainMail } from './helpers/phone.js';
import { until } from './helpers/wait.js';

describe('fleet benchmark device', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  const agent = agentFor();

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
    await deliver(app, ann.email, plainMail(ann.email, 'before enrolment'));
  });
  after(async () => {
    agent.destroy();
    await app.stop();
  });

  const device = (version: '14.1' | '16.1', password = pw): Device => new Device({
    account: ann.email, password, deviceId: `fleettest${version.replace('.', '')}${password.length}`, version,
    node: { baseUrl: app.baseUrl, smtpPort: app.smtpPort }, agent, heartbeat: 480,
  });

  for (const version of ['14.1', '16.1'] as const) {
    test(`${version}: enrol, a wake by SMTP, the Sync after it, SendMail`, async () => {
      const stats = new Stats();
      const ref = { current: stats };
      const d = device(version);
      await d.folderSync(ref);
      assert.deepEqual([...d.folders.values()].sort(), ['Calendar', 'Contacts', 'Email']);
      await d.sync(ref);
      // Key 0 for the three in one Sync, then one more that brings the Inbox's message.
      assert.equal(stats.requests.Sync, 2);
      assert.equal(d.keys.size, 3);
      const inbox = [...d.folders].find(([, c]) => c === 'Email')![0];
      const inboxKey = d.keys.get(inbox);

      const held = app.sessions.count();
      const answer = d.ping(ref);
      await until(() => app.sessions.count() > held, 'the Ping is held');
      await deliver(app, ann.email, plainMail(ann.email, `wake ${version}`));
      const r = await answer;
      assert.deepEqual(r, { status: 2, folders: [inbox] });
      await d.sync(ref, r.folders);
      assert.notEqual(d.keys.get(inbox), inboxKey, 'the Sync after the wake moved the Inbox on');
      assert.equal(stats.requests.Sync, 3);
      assert.equal(stats.syncMs.length, 3);

      await d.sendMail(ref, `c-${version}`, Buffer.from(plainMail('bob@example.com', 'from the fleet')));
      assert.equal(stats.requests.SendMail, 1);
      assert.deepEqual(stats.errors, {});
    });
  }

  test('a refused request is an error named by command and status, and is not counted as done', async () => {
    const stats = new Stats();
    const d = device('14.1', 'not-the-password');
    await assert.rejects(d.folderSync({ current: stats }), (e: unknown) => e instanceof FleetError && e.kind === 'FolderSync HTTP 401');
    assert.deepEqual(stats.requests, {});
  });

  test('the RSS slope is in MiB per minute; the warm-up is a third of the run, at most a minute', () => {
    assert.equal(slopePerMinute([{ t: 0, v: 100 }, { t: 30, v: 100 }, { t: 60, v: 100 }]), 0);
    assert.equal(slopePerMinute([{ t: 0, v: 100 }, { t: 30, v: 101 }, { t: 60, v: 102 }]), 2);
    assert.ok(Number.isNaN(slopePerMinute([{ t: 0, v: 1 }])));
    assert.equal(warmupSeconds(60), 20);
    assert.equal(warmupSeconds(300), 60);
  });
});
