// Held Pings at low cost (issue 16 part 2; MS-ASCMD 2.2.1.13), on the wire: the held Pings of one account
// share one change-bus subscription, which goes away with the last of them; a Ping whose client goes away
// stops being held at once (not at its heartbeat); a delivery wakes every held device of the account; the
// heartbeat wheel ends a wait no earlier than due and at most a tick later.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { encode, intOf } from '../src/eas/wbxml/index.js';
import { HeartbeatWheel } from '../src/eas/sync/heartbeat-wheel.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { basicAuth, pingBody, WBXML_TYPE, type EasResponse } from './helpers/eas-client.js';
import { deliver, Phone, plainMail } from './helpers/phone.js';
import { until } from './helpers/wait.js';

describe('EAS held Ping resources', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  /** Subscriptions open on the app's bus (counted by wrapping subscribe). */
  let subscriptions = 0;

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    const subscribe = app.bus.subscribe.bind(app.bus);
    app.bus.subscribe = (accountId, listener) => {
      subscriptions++;
      const off = subscribe(accountId, listener);
      let on = true;
      return () => {
        if (on) subscriptions--;
        on = false;
        off();
      };
    };
  });
  after(() => app.stop());

  const status = (r: EasResponse) => intOf(r.root ?? undefined, 'Ping:Status');

  test('the held Pings of one account share one bus subscription; a delivery wakes them all; none is left', async () => {
    const phones = await Promise.all(['s1', 's2', 's3'].map((d) => new Phone(app, { email: ann.email, password: pw }, d).ready(['Inbox'])));
    const inbox = phones[0]!.folders.get('Inbox')!;
    const before = subscriptions;
    const held = phones.map((p) => p.ping([inbox], 300));
    await Promise.all(phones.map((p) => p.held()));
    assert.equal(subscriptions - before, 1, 'one subscription for the account, not one or two per held Ping');
    const t0 = Date.now();
    await deliver(app, ann.email, plainMail(ann.email, 'Wake all'));
    const answers = await Promise.all(held);
    assert.ok(Date.now() - t0 < 30_000, 'woken by the delivery, not by the 300 s heartbeat');
    assert.deepEqual(answers.map(status), [2, 2, 2]);
    assert.equal(subscriptions, before, 'the subscription ended with the last held Ping');
  });

  test('a Ping whose client goes away is no longer held, and its subscription ends', async () => {
    const phone = await new Phone(app, { email: ann.email, password: pw }, 'g1').ready(['Inbox']);
    const inbox = phone.folders.get('Inbox')!;
    const before = subscriptions;
    const body = encode(pingBody(300, [inbox]));
    const q = new URLSearchParams({ Cmd: 'Ping', User: ann.email, DeviceId: 'g1', DeviceType: 'TestPhone' });
    const req = http.request(`${app.baseUrl}/Microsoft-Server-ActiveSync?${q.toString()}`, {
      method: 'POST',
      headers: { authorization: basicAuth(ann.email, pw), 'ms-asprotocolversion': '14.1', 'content-type': WBXML_TYPE, 'content-length': body.length },
    });
    const closed = new Promise<void>((resolve) => req.on('error', () => resolve()).on('close', () => resolve()));
    req.end(body);
    await phone.held();
    assert.equal(subscriptions - before, 1);
    req.destroy();
    await closed;
    await until(() => app.sessions.count() === 0, 'the held Ping ended when its client went away', 10_000);
    assert.equal(subscriptions, before, 'and its subscription with it');
  });
});

describe('heartbeat wheel', () => {
  test('a wait ends no earlier than due and at most a tick later; a removed one never ends', async () => {
    const wheel = new HeartbeatWheel();
    const t0 = performance.now();
    const ended: number[] = [];
    wheel.add({ expire: () => ended.push(performance.now() - t0) }, 1500);
    const removed = { expire: () => assert.fail('a removed wait ended') };
    wheel.remove(removed, wheel.add(removed, 1500));
    assert.equal(wheel.count(), 1);
    await until(() => ended.length === 1, 'the wait ended', 10_000);
    // A tick later at most, and some slack for a loaded machine's late timers.
    assert.ok(ended[0]! >= 1500 && ended[0]! < 5000, `ended after ${ended[0]} ms`);
    assert.equal(wheel.count(), 0);
    // The removed one was due at the same time: had it been kept, it would have ended by now.
    await new Promise((r) => setTimeout(r, 1100));
  });
});
