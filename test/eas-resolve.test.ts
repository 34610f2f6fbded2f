// ResolveRecipients (MS-ASCMD 2.2.1.15) over HTTP with real WBXML: names and addresses resolved against
// the GAL of the caller's domain and the caller's contacts (one match, ambiguous, ambiguous past
// MaxAmbiguousRecipients, none), and Availability: MergedFreeBusy built from the recipient's calendar
// (a single busy meeting, a tentative one, a daily out-of-office series with one deleted occurrence),
// 163 for a recipient with no calendar here; no certificates (7) and no photos (173).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { EventData } from '../src/pim/event-model.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';

const rr = ns('ResolveRecipients');
const at = (h: number, m = 0, day = 1): number => Date.UTC(2026, 11, day, h, m);

function event(subject: string, start: number, end: number, extra: Partial<EventData> = {}): EventData {
  return { uid: `${subject}@test`, subject, start, end, allDay: false, timeZone: 'UTC', attendees: [], exceptions: [], dtStamp: start, ...extra };
}

describe('EAS ResolveRecipients', () => {
  let app: TestApp;
  let ann: Account;
  let bob: Account;
  const pw = 'ann-password-1';

  const resolve = async (to: string[], options: WbxmlElement[] = []) => {
    const r = await easRequest(app, {
      cmd: 'ResolveRecipients', user: ann.email, password: pw, deviceId: 'resolver', version: '14.1',
      body: rr('ResolveRecipients', to.map((t) => rr('To', t)), options.length > 0 && rr('Options', options)),
    });
    assert.equal(r.status, 200);
    assert.equal(intOf(r.root!, 'ResolveRecipients:Status'), 1);
    return children(r.root!, 'ResolveRecipients:Response');
  };
  const summary = (resp: WbxmlElement) => ({
    to: textOf(resp, 'ResolveRecipients:To'),
    status: intOf(resp, 'ResolveRecipients:Status'),
    count: intOf(resp, 'ResolveRecipients:RecipientCount'),
    recipients: children(resp, 'ResolveRecipients:Recipient').map((x) => [intOf(x, 'ResolveRecipients:Type'), textOf(x, 'ResolveRecipients:DisplayName'), textOf(x, 'ResolveRecipients:EmailAddress')]),
  });

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw, displayName: 'Ann Example' });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1', displayName: 'Bob Builder' });
    await app.directory.createAccount({ email: 'bea@example.com', password: 'bea-password-1', displayName: 'Bea Bauer' });
    await app.store.domains.create('other.test');
    await app.directory.createAccount({ email: 'boris@other.test', password: 'boris-password-1', displayName: 'Boris Other' });
    const contacts = (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!;
    await app.store.mailbox.addItem(ann.id, contacts.id, { kind: 'contact', data: { fileAs: 'Contact, Carla', firstName: 'Carla', lastName: 'Contact', email1Address: '"Carla Contact" <carla@partner.test>' } });
    await app.store.mailbox.addItem(ann.id, contacts.id, { kind: 'contact', data: { fileAs: 'Bobby', firstName: 'Bobby', email1Address: 'bob@example.com' } });
    const cal = (await app.store.mailbox.getFolderByRole(bob.id, 'calendar'))!;
    const put = (e: EventData, windowDate: number) => app.store.mailbox.addItem(bob.id, cal.id, { kind: 'event', data: e, receivedAt: windowDate });
    await put(event('Planning', at(9), at(10), { busyStatus: 2 }), at(10));
    await put(event('Maybe lunch', at(11), at(11, 30), { busyStatus: 1 }), at(11, 30));
    await put(event('Free time', at(12), at(13), { busyStatus: 0 }), at(13));
    await put(event('Cancelled', at(13), at(14), { busyStatus: 2, meetingStatus: 5 }), at(14));
    // Out of office 15:00-16:00 every day from Dec 1 for three days, the second day deleted.
    await put(event('Away', at(15), at(16), { busyStatus: 3, recurrence: { type: 0, interval: 1, occurrences: 3 }, exceptions: [{ originalStart: at(15, 0, 2), deleted: true }] }), at(16, 0, 3));
    await put(event('Long past', Date.UTC(2025, 0, 1, 9), Date.UTC(2025, 0, 1, 10)), Date.UTC(2025, 0, 1, 10));
  });
  after(() => app.stop());

  test('one match, an exact address, ambiguous names, too many for MaxAmbiguousRecipients, and nobody', async () => {
    const [carla, bobAddr, b, none, other] = (await resolve(['carla', 'bob@example.com', 'b', 'zed', 'boris@other.test'])).map(summary);
    assert.deepEqual(carla, { to: 'carla', status: 1, count: 1, recipients: [[2, 'Contact, Carla', 'carla@partner.test']] });
    assert.deepEqual(bobAddr, { to: 'bob@example.com', status: 1, count: 1, recipients: [[1, 'Bob Builder', 'bob@example.com']] }, 'the GAL entry wins over the contact with the same address');
    assert.deepEqual(b!.status, 2);
    assert.deepEqual(b!.recipients, [[1, 'Bea Bauer', 'bea@example.com'], [1, 'Bob Builder', 'bob@example.com']]);
    assert.deepEqual([none!.status, none!.count, none!.recipients], [4, 0, []]);
    assert.deepEqual([other!.status, other!.recipients], [4, []], 'another domain is not in the GAL');
    const [capped] = (await resolve(['b'], [rr('MaxAmbiguousRecipients', 1)])).map(summary);
    assert.deepEqual([capped!.status, capped!.count, capped!.recipients.length], [3, 2, 1]);
  });

  test('Availability: MergedFreeBusy from the recipient\'s calendar in 30-minute slots; 163 without one; no certificates or photos', async () => {
    const [resp, carla] = await resolve(['bob@example.com', 'carla@partner.test'], [
      rr('CertificateRetrieval', 2),
      rr('Availability', rr('StartTime', '2026-12-01T08:00:00.000Z'), rr('EndTime', '2026-12-03T00:00:00.000Z')),
      rr('Picture', rr('MaxSize', 1000)),
    ]);
    const recipient = child(resp, 'ResolveRecipients:Recipient')!;
    const av = child(recipient, 'ResolveRecipients:Availability')!;
    assert.equal(intOf(av, 'ResolveRecipients:Status'), 1);
    const fb = textOf(av, 'ResolveRecipients:MergedFreeBusy')!;
    assert.equal(fb.length, 80, 'one digit per 30 minutes over 40 hours');
    // From 08:00 on Dec 1: 08:00 free, 09:00-10:00 busy, 11:00 tentative, 12:00 free (free time), 13:00 free (cancelled), 15:00-16:00 away.
    assert.equal(fb.slice(0, 18), '002200100000003300');
    assert.equal(fb.slice(48, 48 + 18), '0'.repeat(18), 'the deleted occurrence on Dec 2 leaves the afternoon free');
    assert.match(fb, /^[0-4]+$/);
    assert.equal(intOf(child(recipient, 'ResolveRecipients:Certificates'), 'ResolveRecipients:Status'), 7);
    assert.equal(intOf(child(recipient, 'ResolveRecipients:Picture'), 'ResolveRecipients:Status'), 173);
    const external = child(child(carla, 'ResolveRecipients:Recipient'), 'ResolveRecipients:Availability');
    assert.equal(intOf(external, 'ResolveRecipients:Status'), 163);
  });

  test('a request without To, or with a bad span, is Status 5', async () => {
    const empty = await easRequest(app, { cmd: 'ResolveRecipients', user: ann.email, password: pw, deviceId: 'resolver', version: '14.1', body: rr('ResolveRecipients', rr('Options', rr('MaxAmbiguousRecipients', 3))) });
    assert.equal(intOf(empty.root!, 'ResolveRecipients:Status'), 5);
    const span = await easRequest(app, {
      cmd: 'ResolveRecipients', user: ann.email, password: pw, deviceId: 'resolver', version: '14.1',
      body: rr('ResolveRecipients', rr('To', 'bob'), rr('Options', rr('Availability', rr('StartTime', '2026-12-02T00:00:00Z'), rr('EndTime', '2026-12-01T00:00:00Z')))),
    });
    assert.equal(intOf(span.root!, 'ResolveRecipients:Status'), 5);
  });
});
