// The Email class beyond bodies: attachments and FileReferences, meeting requests, flag changes both
// ways, and robustness on messages that are broken or not messages at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  attachmentReference, extractAttachment, parseAttachmentReference, parseEmailChange, renderEmail, renderEmailChange,
  type EmailOptions,
} from '../src/eas/classes/email.js';
import { bytesOf, child, children, el, elements, intOf, path, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { ClassError } from '../src/eas/classes/registry.js';
import { asAccountId, asFolderId, asItemId } from '../src/core/ids.js';
import type { FlagDetails, Item, ItemFlags } from '../src/store/types.js';
import { crlf, fixture, fixtureBytes, itemFor, wire, type ItemOverrides } from './fixtures/mail/load.js';

const opts = (o: Partial<EmailOptions> = {}): EmailOptions =>
  ({ bodyPreferences: [{ type: 2, truncationSize: 5120 }], mimeSupport: 0, version: 141, serverId: '5:42', ...o });

async function renderRaw(raw: Buffer, o: Partial<EmailOptions> = {}, item: ItemOverrides = {}): Promise<WbxmlElement> {
  return wire(await renderEmail(await itemFor(raw, item), raw, opts(o)));
}
const render = (name: string, o: Partial<EmailOptions> = {}): Promise<WbxmlElement> => renderRaw(fixture(name), o);

const attachmentsOf = (app: WbxmlElement): WbxmlElement[] => children(child(app, 'AirSyncBase:Attachments'), 'AirSyncBase:Attachment');

void test('attachments: files and inline images listed, body alternatives not; FileReferences resolve to the bytes', async () => {
  const raw = fixture('alternative-attachment.eml');
  const list = attachmentsOf(await renderRaw(raw));
  assert.deepEqual(list.map((a) => textOf(a, 'AirSyncBase:DisplayName')), ['logo.png', 'report.pdf']);
  const [logo, pdf] = list;
  assert.equal(textOf(logo, 'AirSyncBase:ContentId'), 'logo@example.org');
  assert.equal(intOf(logo, 'AirSyncBase:IsInline'), 1);
  assert.equal(intOf(pdf, 'AirSyncBase:Method'), 1);
  assert.equal(child(pdf, 'AirSyncBase:IsInline'), undefined);
  const expected = fixtureBytes('attachment.pdf.bin');
  assert.equal(intOf(pdf, 'AirSyncBase:EstimatedDataSize'), expected.byteLength);
  const ref = parseAttachmentReference(textOf(pdf, 'AirSyncBase:FileReference') ?? '');
  assert.deepEqual(ref, { serverId: '5:42', partIndex: 1 });
  const got = await extractAttachment(raw, ref?.partIndex ?? -1);
  assert.equal(got?.contentType, 'application/pdf');
  assert.equal(got?.fileName, 'report.pdf');
  assert.deepEqual(got?.data, expected);
  const png = await extractAttachment(raw, 0);
  assert.equal(png?.contentType, 'image/png');
  assert.equal(png?.data.byteLength, intOf(logo, 'AirSyncBase:EstimatedDataSize'));
  assert.equal(await extractAttachment(raw, 2), null);
  assert.equal(await extractAttachment(raw, -1), null);
});

void test('a forwarded message/rfc822 is an embedded message (Method 5) that extracts as the .eml', async () => {
  const raw = fixture('forwarded.eml');
  const [att] = attachmentsOf(await renderRaw(raw));
  assert.equal(intOf(att, 'AirSyncBase:Method'), 5);
  assert.equal(textOf(att, 'AirSyncBase:DisplayName'), 'message.eml');
  const got = await extractAttachment(raw, 0);
  assert.equal(got?.contentType, 'message/rfc822');
  assert.deepEqual(got?.data, fixtureBytes('forwarded-inner.eml.bin'));
});

void test('2.5 lists attachments as email:Attachments whose AttName is the reference', async () => {
  const app = await render('alternative-attachment.eml', { version: 25, bodyPreferences: [] });
  const list = children(child(app, 'Email:Attachments'), 'Email:Attachment');
  assert.deepEqual(list.map((a) => [textOf(a, 'Email:AttName'), textOf(a, 'Email:DisplayName'), intOf(a, 'Email:AttMethod')]),
    [['5:42:0', 'logo.png', 1], ['5:42:1', 'report.pdf', 1]]);
  assert.equal(intOf(list[1], 'Email:AttSize'), fixtureBytes('attachment.pdf.bin').byteLength);
  assert.equal(child(app, 'AirSyncBase:Attachments'), undefined);
});

void test('FileReference round trip and rejection of anything we did not hand out', () => {
  assert.equal(attachmentReference('5:42', 3), '5:42:3');
  assert.deepEqual(parseAttachmentReference(attachmentReference('12:987654', 0)), { serverId: '12:987654', partIndex: 0 });
  for (const bad of ['', '5', '5:42', ':5:42:0', '5:42:', '5:42:x', '05:42:0', '5:042:0', '5:42:01', '5:42:-1', '5:42:99999',
    '5:42:0:1', 'a:b:0', '../5:42:0', '5:42:0\n', ' 5:42:0', '5:42:1e3', '5:42:256', `${'9'.repeat(30)}:1:0`]) {
    assert.equal(parseAttachmentReference(bad), null, JSON.stringify(bad));
  }
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 0, max: 255 }),
    (f, i, p) => {
      assert.deepEqual(parseAttachmentReference(attachmentReference(`${f}:${i}`, p)), { serverId: `${f}:${i}`, partIndex: p });
    }));
  fc.assert(fc.property(fc.string(), (s) => {
    const r = parseAttachmentReference(s);
    if (r) assert.equal(attachmentReference(r.serverId, r.partIndex), s);
  }));
});

void test('meeting request: class, MeetingRequest in UTC, organizer, location, reminder, GlobalObjId', async () => {
  const app = await render('invitation.eml');
  assert.equal(textOf(app, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
  assert.equal(textOf(app, 'Email:ContentClass'), 'urn:content-classes:calendarmessage');
  const mr = child(app, 'Email:MeetingRequest');
  assert.ok(mr);
  // 10:00 in Paris in July is 08:00 UTC.
  assert.equal(textOf(mr, 'Email:StartTime'), '2025-07-15T08:00:00.000Z');
  assert.equal(textOf(mr, 'Email:EndTime'), '2025-07-15T09:30:00.000Z');
  assert.equal(textOf(mr, 'Email:DtStamp'), '2025-07-01T08:00:00.000Z');
  assert.equal(intOf(mr, 'Email:AllDayEvent'), 0);
  assert.equal(textOf(mr, 'Email:Location'), 'Room 1, Building B');
  assert.equal(textOf(mr, 'Email:Organizer'), '"Alice Example" <alice@example.org>');
  assert.equal(intOf(mr, 'Email:Reminder'), 15);
  assert.equal(intOf(mr, 'Email:ResponseRequested'), 1);
  assert.equal(intOf(mr, 'Email2:MeetingMessageType'), 1);
  assert.equal(Buffer.from(textOf(mr, 'Email:TimeZone') ?? '', 'base64').byteLength, 172);
  const goid = Buffer.from(textOf(mr, 'Email:GlobalObjId') ?? '', 'base64');
  assert.equal(goid.subarray(0, 16).toString('hex').toUpperCase(), '040000008200E00074C5B7101A82E008');
  assert.equal(goid.readUInt32LE(36), goid.byteLength - 40);
  assert.equal(goid.subarray(40).toString('latin1'), 'vCal-Uid\x01\x00\x00\x00abc-123@example.org\x00');
  // The invitation part is the meeting; the attached invite.ics stays a file.
  assert.deepEqual(attachmentsOf(app).map((a) => textOf(a, 'AirSyncBase:DisplayName')), ['invite.ics']);
  assert.match(textOf(path(app, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Project kickoff/);
});

void test('meeting request on 16.1 uses calendar:UID and airsyncbase:Location; 2.5 has no 14.0 fields', async () => {
  const mr16 = child(await render('invitation.eml', { version: 161 }), 'Email:MeetingRequest');
  assert.equal(textOf(mr16, 'Calendar:UID'), 'abc-123@example.org');
  assert.equal(textOf(child(mr16, 'AirSyncBase:Location'), 'AirSyncBase:DisplayName'), 'Room 1, Building B');
  assert.equal(child(mr16, 'Email:GlobalObjId'), undefined);
  assert.equal(child(mr16, 'Email:Location'), undefined);
  const mr25 = child(await render('invitation.eml', { version: 25, bodyPreferences: [] }), 'Email:MeetingRequest');
  assert.ok(child(mr25, 'Email:GlobalObjId'));
  assert.equal(child(mr25, 'Email:DisallowNewTimeProposal'), undefined);
  assert.equal(child(mr25, 'Email2:MeetingMessageType'), undefined);
});

void test('cancellations, replies and all-day events', async () => {
  const ics = (method: string, extra: string[]): Buffer => crlf([
    'Subject: meeting', 'Content-Type: text/calendar; method=' + method, '', 'BEGIN:VCALENDAR', `METHOD:${method}`, 'BEGIN:VEVENT',
    'UID:040000008200E00074C5B7101A82E00800000000AABBCCDD', ...extra, 'END:VEVENT', 'END:VCALENDAR', ''].join('\n'));
  const cancel = await renderRaw(ics('CANCEL', ['DTSTART;VALUE=DATE:20250801']));
  assert.equal(textOf(cancel, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Canceled');
  const mr = child(cancel, 'Email:MeetingRequest');
  assert.equal(intOf(mr, 'Email:AllDayEvent'), 1);
  assert.equal(textOf(mr, 'Email:StartTime'), '2025-08-01T00:00:00.000Z');
  assert.equal(textOf(mr, 'Email:EndTime'), '2025-08-02T00:00:00.000Z');
  // An Outlook UID is already a GlobalObjectId in hex.
  assert.equal(Buffer.from(textOf(mr, 'Email:GlobalObjId') ?? '', 'base64').toString('hex').toUpperCase(),
    '040000008200E00074C5B7101A82E00800000000AABBCCDD');
  const reply = await renderRaw(ics('REPLY', ['DTSTART:20250801T100000Z', 'ATTENDEE;PARTSTAT=DECLINED:mailto:jane@example.org']));
  assert.equal(textOf(reply, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Neg');
  assert.equal(child(reply, 'Email:MeetingRequest'), undefined);
  const broken = await renderRaw(ics('REQUEST', ['SUMMARY:no start']));
  assert.equal(textOf(broken, 'Email:MessageClass'), 'IPM.Note');
});

void test('renderEmailChange: Read, Flag, Categories and LastVerbExecuted per version', async () => {
  const item = await itemFor(fixture('plain.eml'), { flags: { seen: true, flagged: true, answered: true }, categories: ['A'] });
  const names = (v: number): string[] => elements(wire(renderEmailChange(item, v))).map((e) => e.tag);
  assert.deepEqual(names(25), ['Read']);
  assert.deepEqual(names(121), ['Read', 'Flag']);
  assert.deepEqual(names(141), ['Read', 'Flag', 'Categories', 'LastVerbExecuted']);
  const cleared = wire(renderEmailChange(await itemFor(fixture('plain.eml')), 161));
  assert.equal(intOf(cleared, 'Email:Read'), 0);
  assert.equal(elements(child(cleared, 'Email:Flag') ?? el('Email:Flag', 'x')).length, 0);
  assert.equal(elements(child(cleared, 'Email:Categories') ?? el('Email:Categories', 'x')).length, 0);
  assert.equal(intOf(cleared, 'Email2:LastVerbExecuted'), 0);
});

void test('parseEmailChange: read flag, follow-up flag, categories; the rest is the server\'s', () => {
  const app = (...c: WbxmlElement[]): WbxmlElement => wire(el('AirSync:ApplicationData', ...c));
  assert.deepEqual(parseEmailChange(app(el('Email:Read', 1))), { flags: { seen: true } });
  assert.deepEqual(parseEmailChange(app(el('Email:Read', 0))), { flags: { seen: false } });
  assert.deepEqual(parseEmailChange(app(el('Email:Read', 'maybe'))), {});
  assert.deepEqual(parseEmailChange(app(el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', 'for Follow Up')))),
    { flags: { flagged: true }, flagDetails: { flagType: 'for Follow Up' } });
  assert.deepEqual(parseEmailChange(app(el('Email:Flag', el('Email:Status', 1), el('Email:CompleteTime', '2025-07-01T00:00:00.000Z')))),
    { flags: { flagged: false }, flagDetails: { complete: true, completeTime: '2025-07-01T00:00:00.000Z' } });
  assert.deepEqual(parseEmailChange(app(el('Email:Flag', el('Email:Status', 0)))), { flags: { flagged: false }, flagDetails: null });
  assert.deepEqual(parseEmailChange(app(el('Email:Flag'))), { flags: { flagged: false }, flagDetails: null });
  assert.deepEqual(parseEmailChange(app(el('Email:Flag', el('Email:Status', 2)))), { flags: { flagged: true }, flagDetails: null });
  assert.deepEqual(parseEmailChange(app(el('Email:Flag', el('Email:FlagType', 'x')))), {});
  assert.deepEqual(parseEmailChange(app(el('Email:Categories', el('Email:Category', 'Work'), el('Email:Category', ' Red '), el('Email:Category', 'Work')))),
    { categories: ['Work', 'Red'] });
  assert.deepEqual(parseEmailChange(app(el('Email:Categories'))), { categories: [] });
  assert.deepEqual(parseEmailChange(app(el('Email:Subject', 'mine now'), el('Email:To', 'x@example.com'), el('AirSyncBase:Body', el('AirSyncBase:Type', 1)))), {});
  assert.deepEqual(parseEmailChange(app(el('Email:Read', 1), el('Email:Flag'), el('Email:Categories', el('Email:Category', 'A')))),
    { flags: { seen: true, flagged: false }, flagDetails: null, categories: ['A'] });
});

void test('Flag details: every child kept in schema order, bad dates left out, bad Status refused, completion only when complete', () => {
  const app = (...c: WbxmlElement[]): WbxmlElement => wire(el('AirSync:ApplicationData', ...c));
  const flag = el('Email:Flag',
    el('Tasks:Subject', 'Call back'), el('Email:Status', 2), el('Email:FlagType', 'Follow up'),
    el('Tasks:StartDate', '2025-07-01T00:00:00.000Z'), el('Tasks:UtcStartDate', '2025-06-30T22:00:00.000Z'),
    el('Tasks:DueDate', '2025-07-04T00:00:00.000Z'), el('Tasks:UtcDueDate', 'next friday'),
    el('Tasks:ReminderSet', 1), el('Tasks:ReminderTime', '2025-07-03T07:00:00Z'),
    el('Tasks:OrdinalDate', '2025-07-01T10:00:00.000Z'), el('Tasks:SubOrdinalDate', '5000000000'),
    el('Email:CompleteTime', '2025-07-02T00:00:00.000Z'));
  const patch = parseEmailChange(app(flag));
  assert.deepEqual(patch.flagDetails, {
    subject: 'Call back', flagType: 'Follow up', startDate: '2025-07-01T00:00:00.000Z', utcStartDate: '2025-06-30T22:00:00.000Z',
    dueDate: '2025-07-04T00:00:00.000Z', reminderSet: true, reminderTime: '2025-07-03T07:00:00Z',
    ordinalDate: '2025-07-01T10:00:00.000Z', subOrdinalDate: '5000000000',
  }, 'UtcDueDate "next friday" is not a dateTime and is left out; an active flag has no completion');
  assert.throws(() => parseEmailChange(app(el('Email:Flag', el('Email:Status', 3)))), ClassError);
  assert.throws(() => parseEmailChange(app(el('Email:Flag', el('Email:Status', 'done')))), ClassError);

  const rendered = wire(renderEmailChange(itemWith({ flagged: true }, patch.flagDetails ?? null), 161));
  const f = child(rendered, 'Email:Flag')!;
  assert.deepEqual(elements(f).map((e) => e.tag), ['Subject', 'Status', 'FlagType', 'StartDate', 'DueDate', 'UtcStartDate', 'ReminderSet', 'ReminderTime', 'OrdinalDate', 'SubOrdinalDate']);
  assert.deepEqual([textOf(f, 'Tasks:Subject'), textOf(f, 'Tasks:DueDate'), intOf(f, 'Tasks:ReminderSet')], ['Call back', '2025-07-04T00:00:00.000Z', 1]);
  const done = wire(renderEmailChange(itemWith({ flagged: false }, { complete: true, completeTime: '2025-07-05T10:00:00.000Z', dateCompleted: '2025-07-05T00:00:00.000Z' }), 161));
  const d = child(done, 'Email:Flag')!;
  assert.deepEqual(elements(d).map((e) => e.tag), ['Status', 'FlagType', 'DateCompleted', 'CompleteTime']);
  assert.equal(intOf(d, 'Email:Status'), 1);
  const bare = child(wire(renderEmailChange(itemWith({ flagged: true }, null), 161)), 'Email:Flag')!;
  assert.deepEqual([intOf(bare, 'Email:Status'), textOf(bare, 'Email:FlagType')], [2, 'Flag for follow up']);
  const stale = child(wire(renderEmailChange(itemWith({ flagged: false }, { flagType: 'old' }), 161)), 'Email:Flag')!;
  assert.equal(elements(stale).length, 0, 'details of a flag no longer set are not shown');
});

function itemWith(flags: Partial<ItemFlags>, flagDetails: FlagDetails | null): Item {
  return {
    id: asItemId(1), accountId: asAccountId('a'), folderId: asFolderId(1), kind: 'message', modseq: 1, receivedAt: 0, blobId: null, size: 0,
    flags: { seen: false, flagged: false, answered: false, forwarded: false, draft: false, ...flags },
    flagDetails, lastVerb: null, categories: [], meta: null, data: null,
  };
}

void test('broken messages render what can be rendered', async () => {
  const cases: Record<string, string> = {
    'no headers at all': 'just a line of text',
    'no From, no Date': 'Subject: lonely\n\nbody',
    'bad charset': 'Subject: x\nContent-Type: text/plain; charset=x-no-such-charset\n\nh\xe9llo',
    '8-bit headers': 'Subject: caf\xe9 \xff\nFrom: J\xf6rg <j@example.com>\n\nbody',
    'html only, empty': 'Content-Type: text/html\n\n',
    'unterminated multipart': 'Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhalf',
    'nested multiparts': `Content-Type: multipart/mixed; boundary=b0\n\n${Array.from({ length: 30 }, (_, i) => `--b${i}\nContent-Type: multipart/mixed; boundary=b${i + 1}\n\n`).join('')}--b30\nContent-Type: text/plain\n\ndeep\n`,
    'hostile html': `Content-Type: text/html\n\n${'<style>'.repeat(2000)}${'<'.repeat(20000)}<a href="http://x">`,
    'only an attachment': 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAw==',
  };
  for (const [label, text0] of Object.entries(cases)) {
    const raw = crlf(text0);
    for (const version of [25, 121, 141, 161]) {
      for (const type of [1, 2, 4] as const) {
        const app = await renderRaw(raw, { version, mimeSupport: 2, bodyPreferences: [{ type, truncationSize: 64, preview: 40 }] });
        assert.ok(child(app, 'Email:Subject'), `${label} v${version} t${type}`);
      }
    }
  }
  const huge = crlf(`Subject: huge\n\n${'x'.repeat(2_000_000)}\n`);
  const big = await renderRaw(huge, { bodyPreferences: [{ type: 2, truncationSize: 1000 }] });
  assert.equal(textOf(path(big, 'AirSyncBase:Body'), 'AirSyncBase:Truncated'), '1');
  // The HTML made around 2 MB of plain text is a little larger than the text.
  assert.ok((intOf(path(big, 'AirSyncBase:Body'), 'AirSyncBase:EstimatedDataSize') ?? 0) > 2_000_000);
  const latin = await renderRaw(crlf('Subject: caf\xe9\n\nx'));
  assert.ok(text(child(latin, 'Email:Subject') ?? el('Email:Subject')).startsWith('caf'));
});

void test('property: no input makes renderEmail throw, and the result always encodes', async () => {
  const header = fc.constantFrom('Subject: s', 'From: a@b', 'To: "x" <y@z>, ,', 'Content-Type: multipart/mixed; boundary=q',
    'Content-Type: text/html; charset=utf-8', 'Content-Type: text/calendar; method=REQUEST', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="a.txt"', 'Date: nonsense', 'References: <a> <b>', '--q', '--q--', 'BEGIN:VEVENT',
    'DTSTART;TZID=Nowhere/Zone:20250101T100000', 'UID:u', '<b>x</b>', '');
  const messageLike = fc.array(fc.oneof(header, fc.string()), { maxLength: 40 }).map((l) => Buffer.from(l.join('\r\n'), 'utf8'));
  const anyBytes = fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b));
  await fc.assert(fc.asyncProperty(fc.oneof(messageLike, anyBytes), fc.constantFrom(25, 121, 141, 161), fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
    async (raw, version, type) => {
      await renderRaw(raw, { version, mimeSupport: 1, bodyPreferences: [{ type, truncationSize: 100, allOrNone: type === 2, preview: 30 }] });
      await extractAttachment(raw, 0);
    }), { numRuns: 300 });
});

void test('HTML in a legacy charset is sent as UTF-8 and says so', async () => {
  const raw = crlf('Subject: x\nContent-Type: text/html; charset=iso-8859-1\n\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>caf\xe9</body></html>');
  const data = textOf(path(await renderRaw(raw), 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '';
  assert.match(data, /content="text\/html; charset=utf-8"/);
  assert.match(data, /<body>café<\/body>/);
});

void test('each rendered tree keeps the byte data of MIME through the codec', async () => {
  const raw = fixture('latin1.eml');
  const app = await renderRaw(raw, { mimeSupport: 2, bodyPreferences: [{ type: 4 }] });
  assert.deepEqual(Buffer.from(bytesOf(path(app, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? []), raw);
});
