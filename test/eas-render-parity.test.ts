// Parse once at delivery (issue 16 part 1) costs nothing in correctness: a varied corpus (multipart,
// HTML only, non-UTF-8 charsets, attachments, inline images, S/MIME signed and encrypted, invitations,
// Bcc of the user's own copies) rendered from the MessageContent kept at delivery gives the same encoded
// WBXML bytes as the old path, which parses the MIME at every render, for protocol 2.5, 12.1, 14.1 and
// 16.1 and BodyPreference 1, 2 and 4 with truncation, AllOrNone and Preview. Then on the wire: a Sync
// over HTTP of the delivered corpus renders from the kept content (the blob is never read), byte for byte
// what the old path gives; mail stored without content renders the same, and gets its content kept,
// by the first render or by the background fill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderEmail, renderStoredEmail, type EmailOptions } from '../src/eas/classes/email.js';
import { child, children, el, encode, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { readContent, usableContent, type UsableContent } from '../src/mail/content.js';
import { startContentFill } from '../src/mail/content-fill.js';
import { LocalDelivery } from '../src/mail/delivery.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import { silentLogger } from '../src/core/logger.js';
import type { Item, MessageContent, MessageMeta } from '../src/store/types.js';
import { crlf, fixture, itemFor, wire } from './fixtures/mail/load.js';
import { startTestApp } from './helpers/app.js';
import { easRequest } from './helpers/eas-client.js';
import { pgUrl } from './helpers/pg.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64').replace(/(.{76})/g, '$1\n');

/** Messages the fixtures folder does not have: charsets, inline images, S/MIME encrypted, a cancelled meeting, Bcc. */
const made: Record<string, Buffer> = {
  'windows-1252-qp': crlf([
    'From: =?windows-1252?Q?Ren=E9_M=FCller?= <rene@example.org>', 'To: user@example.com', 'Subject: =?windows-1252?Q?Caf=E9_=80?=',
    'Date: Mon, 01 Sep 2025 08:00:00 +0200', 'Importance: high', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=windows-1252',
    'Content-Transfer-Encoding: quoted-printable', '', `${'Cr=E8me br=FBl=E9e, 10 =80. '.repeat(40)}`, '',
  ].join('\n')),
  'iso-2022-jp': Buffer.concat([crlf([
    'From: taro@example.jp', 'To: user@example.com', 'Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=', 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=ISO-2022-JP', 'Content-Transfer-Encoding: 7bit', '', ''].join('\n')),
  Buffer.from('\x1b$BF|K\\8l$N%F%-%9%H$G$9!#\x1b(B\r\n', 'latin1')]),
  'related-inline-image': crlf([
    'From: Designer <d@example.org>', 'To: User <user@example.com>', 'Cc: Boss <boss@example.org>, team@example.org', 'Reply-To: replies@example.org',
    'Subject: Re: Fwd: the new logo', 'Message-ID: <rel1@example.org>', 'In-Reply-To: <root@example.org>', 'References: <root@example.org> <mid@example.org>',
    'Date: Tue, 02 Sep 2025 09:30:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/related; boundary="r"', '',
    '--r', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    `<html><head><meta charset=3D"iso-8859-1"><style>p{color:red}</style></head><body>${'<p>Voil=C3=A0 le <b>logo</b>: <img src=3D"cid:logo@x"></p>'.repeat(30)}</body></html>`,
    '--r', 'Content-Type: image/png', 'Content-ID: <logo@x>', 'Content-Disposition: inline', 'Content-Transfer-Encoding: base64', '',
    b64('\x89PNG fake image bytes '.repeat(20)), '--r--', '',
  ].join('\n')),
  'smime-encrypted': crlf([
    'From: secret@example.org', 'To: user@example.com', 'Subject: sealed', 'MIME-Version: 1.0',
    'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7m"', '', b64('opaque enveloped data '.repeat(30)), '',
  ].join('\n')),
  'meeting-cancel': crlf([
    'From: Organizer <org@example.org>', 'To: user@example.com', 'Subject: Cancelled: weekly', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="c"', '', '--c', 'Content-Type: text/plain; charset=utf-8', '', 'The meeting is cancelled.',
    '--c', 'Content-Type: text/calendar; charset=utf-8; method=CANCEL', '',
    'BEGIN:VCALENDAR', 'METHOD:CANCEL', 'BEGIN:VEVENT', 'UID:weekly-1@example.org', 'DTSTART:20250910T090000Z', 'DTEND:20250910T100000Z',
    'RRULE:FREQ=WEEKLY;COUNT=5', 'SEQUENCE:2', 'ORGANIZER;CN=Organizer:mailto:org@example.org', 'LOCATION:Room 1', 'END:VEVENT', 'END:VCALENDAR',
    '--c--', '',
  ].join('\n')),
  'own-copy-with-bcc': crlf([
    'From: User <user@example.com>', 'To: a@example.org', 'Bcc: "Hidden, One" <h1@example.org>, h2@example.org', 'Subject: with bcc',
    'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', '<div>only html, <a href="https://example.org/x">a link</a></div>', '',
  ].join('\n')),
  'empty-body-attachment': crlf([
    'From: scanner@example.org', 'To: user@example.com', 'Subject: scan', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m"', '',
    '--m', 'Content-Type: application/pdf; name="scan 1.pdf"', 'Content-Transfer-Encoding: base64', '', b64('%PDF-1.4 fake'), '--m--', '',
  ].join('\n')),
};

const FIXTURES = ['plain.eml', 'html-only.eml', 'latin1.eml', 'utf8-subject.eml', 'alternative-attachment.eml', 'forwarded.eml', 'invitation.eml', 'smime-signed.eml'];
const corpus: Array<[string, Buffer]> = [...FIXTURES.map((f): [string, Buffer] => [f, fixture(f)]), ...Object.entries(made)];

type Variant = Omit<EmailOptions, 'serverId'> & { label: string };

/** The option sets phones send, at each version where they mean something. */
function variants(): Variant[] {
  const out: Variant[] = [];
  for (const [label, truncation, mimeSupport] of [['2.5 plain', 4, 0], ['2.5 cut 512', 1, 0], ['2.5 MIME', undefined, 2], ['2.5 S/MIME only', undefined, 1]] as const) {
    out.push({ label, version: 25, bodyPreferences: [], mimeSupport, truncation: truncation === undefined ? undefined : [0, 512, 1024, 2048, 5120][truncation], mimeTruncation: 4096 });
  }
  const prefs: Array<[string, EmailOptions['bodyPreferences'], 0 | 1 | 2]> = [
    ['bp1', [{ type: 1 }], 0],
    ['bp1 cut 100', [{ type: 1, truncationSize: 100 }], 0],
    ['bp2 cut 5120', [{ type: 2, truncationSize: 5120 }], 0],
    ['bp2 cut 200 preview 100', [{ type: 2, truncationSize: 200, preview: 100 }], 0],
    ['bp2 cut 0 preview 255', [{ type: 2, truncationSize: 0, preview: 255 }], 0],
    ['bp1 allOrNone 50 then bp2', [{ type: 1, truncationSize: 50, allOrNone: true }, { type: 2, truncationSize: 100000 }], 0],
    ['bp4 cut 300 mime 2', [{ type: 4, truncationSize: 300 }], 2],
    ['bp2 then bp4 mime 1', [{ type: 2, truncationSize: 1024 }, { type: 4 }], 1],
    ['bp3 only', [{ type: 3 }], 0],
    ['no preference', [], 0],
  ];
  for (const version of [121, 141, 161]) {
    for (const [label, bodyPreferences, mimeSupport] of prefs) out.push({ label: `${version} ${label}`, version, bodyPreferences, mimeSupport });
  }
  return out;
}

/** The kept record as the store gives it back: through JSON. */
async function stored(raw: Buffer): Promise<UsableContent> {
  const c = JSON.parse(JSON.stringify(await readContent(raw))) as MessageContent;
  assert.ok(usableContent(c), 'content usable');
  return c;
}

void test('rendered from the kept content: the same WBXML bytes as parsing at render, for every message and option set', async () => {
  let compared = 0;
  let blobReads = 0;
  for (const [name, raw] of corpus) {
    const content = await stored(raw);
    for (const mailbox of [{ address: 'user@example.com', folderRole: 'inbox' as const }, { address: 'user@example.com', folderRole: 'sent' as const }]) {
      for (const draft of [false, true]) {
        const item = await itemFor(raw, { flags: { draft, seen: draft } }) as Item & { meta: MessageMeta };
        for (const v of variants()) {
          const opts: EmailOptions = { ...v, serverId: '5:42', mailbox };
          const old = encode(await renderEmail(item, raw, opts));
          const now = encode(await renderStoredEmail(item, content, () => { blobReads++; return Promise.resolve(raw); }, opts));
          assert.ok(old.equals(now), `${name}, ${v.label}, ${mailbox.folderRole}${draft ? ' draft' : ''}: bytes differ`);
          compared++;
        }
      }
    }
  }
  assert.equal(compared, corpus.length * 4 * variants().length);
  // The blob is read for MIME only: 2.5 with MIMESupport, and the Type 4 preferences.
  assert.ok(blobReads > 0 && blobReads < compared / 2, `blob reads ${blobReads} of ${compared}`);
});

void test('the blob is not read unless the MIME itself is sent', async () => {
  const raw = fixture('alternative-attachment.eml');
  const item = await itemFor(raw) as Item & { meta: MessageMeta };
  const content = await stored(raw);
  const refuse = (): Promise<Uint8Array> => Promise.reject(new Error('blob read'));
  for (const version of [121, 141, 161]) {
    await renderStoredEmail(item, content, refuse, { version, serverId: '5:42', mimeSupport: 0, bodyPreferences: [{ type: 2, truncationSize: 5120, preview: 255 }] });
    await renderStoredEmail(item, content, refuse, { version, serverId: '5:42', mimeSupport: 2, bodyPreferences: [{ type: 1 }] });
  }
  await assert.rejects(renderStoredEmail(item, content, refuse, { version: 161, serverId: '5:42', mimeSupport: 2, bodyPreferences: [{ type: 4 }] }), /blob read/);
});

const as = ns('AirSync');

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) {
  void test(`on the wire (${backend}): a Sync renders delivered mail from its kept content, as the old path would; mail without content gets it`, async () => {
    const app = await startTestApp({ postgres: backend === 'postgres' });
    try {
      const account = await app.directory.createAccount({ email: 'user@example.com', password: 'parity-password-1' });
      const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
      const delivery = new LocalDelivery(app.store);
      for (const [, raw] of corpus) await delivery.deliver([account], raw);
      // Two more through the store API without content, as a fixture or an import made before 016 would.
      const bare = [crlf('From: a@example.org\nTo: user@example.com\nSubject: bare one\n\nfirst bare body\n'), crlf('From: b@example.org\nSubject: bare two\nContent-Type: text/html\n\n<p>second</p>\n')];
      for (const raw of bare) await app.store.mailbox.addMessage(account.id, inbox.id, { raw, meta: await parseMessageMeta(raw) });
      const items = await app.store.mailbox.listItems(account.id, inbox.id);
      assert.equal(items.length, corpus.length + bare.length);
      const blobIds = items.map((it) => it.blobId!);
      const kept = await app.store.blobs.getContents(blobIds);
      assert.equal(kept.size, corpus.length, 'delivery keeps the content of every delivered message');

      for (const [version, pref] of [['16.1', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 2), el('AirSyncBase:TruncationSize', 1024), el('AirSyncBase:Preview', 200))],
        ['14.1', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 300))]] as const) {
        const cred = { user: account.email, password: 'parity-password-1', deviceId: `parity${version.replace('.', '')}`, version };
        await easRequest(app, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
        const sync = (key: string): Promise<WbxmlElement> => easRequest(app, {
          ...cred, cmd: 'Sync',
          body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', String(inbox.id)), as('WindowSize', 100), as('Options', as('FilterType', 0), pref)))),
        }).then((r) => child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!);
        const first = await sync('0');
        const adds = children(child(await sync(textOf(first, 'AirSync:SyncKey')!), 'AirSync:Commands'), 'AirSync:Add');
        assert.equal(adds.length, items.length);
        const bodyPreferences = version === '16.1' ? [{ type: 2 as const, truncationSize: 1024, preview: 200 }] : [{ type: 1 as const, truncationSize: 300 }];
        for (const add of adds) {
          const serverId = textOf(add, 'AirSync:ServerId')!;
          const item = items.find((it) => `${it.folderId}:${it.id}` === serverId)!;
          const raw = (await app.store.blobs.get(item.blobId!))!;
          const old = await renderEmail(item, raw, {
            version: Number(version.replace('.', '')), serverId, mimeSupport: 0, bodyPreferences, mailbox: { address: account.email, folderRole: 'inbox' },
          });
          assert.ok(encode(child(add, 'AirSync:ApplicationData')!).equals(encode(wire(old))), `${version} ${serverId}: bytes differ from the old path`);
        }
      }
      // The first render kept the parse of the two bare messages.
      const after = await app.store.blobs.getContents(blobIds);
      assert.equal(after.size, items.length, 'rendering keeps the content of mail that had none');
      assert.equal(await app.store.blobs.countWithoutContent(), 0);
    } finally {
      await app.stop();
    }
  });
}

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) {
  void test(`the background fill (${backend}) parses stored mail that has no content, in batches, and stops when done`, async () => {
    const app = await startTestApp({ postgres: backend === 'postgres' });
    try {
      const account = await app.directory.createAccount({ email: 'user@example.com', password: 'parity-password-1' });
      const inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!;
      const raws = corpus.map(([, raw]) => raw);
      const added = await app.store.mailbox.addMessages(account.id, inbox.id, await Promise.all(raws.map(async (raw) => ({ raw, meta: await parseMessageMeta(raw) }))));
      assert.equal(await app.store.blobs.countWithoutContent(), raws.length);
      const fill = startContentFill(app.store, silentLogger(), { batch: 3, pauseMs: 1, startMs: 0 });
      await fill.done;
      assert.equal(await app.store.blobs.countWithoutContent(), 0);
      const kept = await app.store.blobs.getContents(added.map((it) => it.blobId!));
      for (const [i, it] of added.entries()) assert.deepEqual(kept.get(it.blobId!), await stored(raws[i]!), `content of message ${i}`);
      await fill.stop();
      // A deleted message's blob leaves no work behind.
      await app.store.mailbox.deleteItem(account.id, added[0]!.id);
      assert.equal(await app.store.blobs.countWithoutContent(), 0);
    } finally {
      await app.stop();
    }
  });
}

void test('delivery keeps the content of every copy it stores, a Sent copy with bytes of its own (its Bcc) included', async () => {
  const app = await startTestApp();
  try {
    const sender = await app.directory.createAccount({ email: 'user@example.com', password: 'parity-password-1' });
    const rcpt = await app.directory.createAccount({ email: 'rcpt@example.com', password: 'parity-password-1' });
    const travelling = crlf('From: User <user@example.com>\nTo: rcpt@example.com\nSubject: hello\n\nbody\n');
    const sentCopy = crlf('From: User <user@example.com>\nTo: rcpt@example.com\nBcc: hidden@example.org\nSubject: hello\n\nbody\n');
    const result = await new LocalDelivery(app.store).deliverTo([{ recipient: rcpt }, { recipient: sender, folder: 'sent', raw: sentCopy }], travelling);
    assert.equal(result.stored.length, 2);
    const copies = await Promise.all(result.stored.map((s) => app.store.mailbox.getItem(s.accountId, s.itemId)));
    const kept = await app.store.blobs.getContents(copies.map((it) => it!.blobId!));
    assert.equal(kept.size, 2);
    const sent = kept.get(copies[result.stored.findIndex((s) => s.folder === 'sent')]!.blobId!);
    assert.deepEqual(sent?.bcc, [{ name: '', address: 'hidden@example.org' }]);
    assert.deepEqual(kept.get(copies[result.stored.findIndex((s) => s.folder === 'inbox')]!.blobId!)?.bcc, []);
  } finally {
    await app.stop();
  }
});
