// Contacts over EAS (MS-ASCNTC) between phones, over HTTP with real WBXML. The contact carries every
// Contacts and Contacts2 property; its values start from the spec's examples (MS-ASWBXML 3: FileAs
// "Funk, Don", FirstName "Don", LastName "Funk"; MS-ASCMD 4.23: WebPage http://contoso.com,
// BusinessAddressCountry USA, Department Executive, then the Change to JobTitle "Sales Manager",
// Department "Marketing", a new ManagerName and AssistantName removed) and fill in the rest.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, test } from 'node:test';
import { parseContact } from '../src/eas/classes/contact.js';
import { ClassError } from '../src/eas/classes/registry.js';
import { child, children, el, intOf, is, ns, textOf, toXml, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { easRequest, type EasResponse } from './helpers/eas-client.js';

const as = ns('AirSync');
const c = ns('Contacts');
const c2 = ns('Contacts2');
const asb = ns('AirSyncBase');

/** Photo bytes as a phone sends them: base64 of a JPEG-headed blob. */
const PICTURE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(900, 0x5a)]).toString('base64');
const NOTES = 'Met at the partner summit.\nPrefers e-mail before 10:00.';

/** Every property of the Contact class except the notes, in schema order (MS-ASCNTC 6.1, 6.2). */
const everyProperty = (): WbxmlElement[] => [
  c('Anniversary', '2001-05-05T07:00:00.000Z'), c('AssistantName', 'Jeff Hay'), c('AssistantPhoneNumber', '+1 425 555 0110'),
  c('Birthday', '1975-06-17T22:00:00.000Z'), c('Business2PhoneNumber', '+1 425 555 0111'), c('BusinessAddressCity', 'Redmond'),
  c('BusinessPhoneNumber', '+1 425 555 0112'), c('WebPage', 'http://contoso.com'), c('BusinessAddressCountry', 'USA'),
  c('Department', 'Executive'), c('Email1Address', '"Don Funk" <don@contoso.com>'), c('Email2Address', 'don.funk@fabrikam.com'),
  c('Email3Address', 'dfunk@example.org'), c('BusinessFaxNumber', '+1 425 555 0113'), c('FileAs', 'Funk, Don'), c('Alias', 'donf'),
  c('WeightedRank', '7'), c('FirstName', 'Don'), c('MiddleName', 'Q.'), c('HomeAddressCity', 'Bellevue'), c('HomeAddressCountry', 'USA'),
  c('HomeFaxNumber', '+1 425 555 0114'), c('HomePhoneNumber', '+1 425 555 0115'), c('Home2PhoneNumber', '+1 425 555 0116'),
  c('HomeAddressPostalCode', '98004'), c('HomeAddressState', 'WA'), c('HomeAddressStreet', '1 Lake Road\nApt 4'),
  c('MobilePhoneNumber', '+1 425 555 0117'), c('Suffix', 'Jr.'), c('CompanyName', 'Contoso, Ltd.'), c('OtherAddressCity', 'Seattle'),
  c('OtherAddressCountry', 'USA'), c('CarPhoneNumber', '+1 425 555 0118'), c('OtherAddressPostalCode', '98101'),
  c('OtherAddressState', 'WA'), c('OtherAddressStreet', '500 Pike Street'), c('PagerNumber', '+1 425 555 0119'), c('Title', 'Mr.'),
  c('BusinessAddressPostalCode', '98052'), c('LastName', 'Funk'), c('Spouse', 'Kim Funk'), c('BusinessAddressState', 'WA'),
  c('BusinessAddressStreet', 'One Microsoft Way'), c('JobTitle', 'Chief Executive'), c('YomiFirstName', 'ドン'),
  c('YomiLastName', 'ファンク'), c('YomiCompanyName', 'コントソ'), c('OfficeLocation', 'Building 4, 2nd floor'),
  c('RadioPhoneNumber', '+1 425 555 0120'), c('Picture', PICTURE),
  c('Categories', c('Category', 'Business'), c('Category', 'VIP')), c('Children', c('Child', 'Anna'), c('Child', 'Ben')),
  c2('CustomerId', 'C-1042'), c2('GovernmentId', '123-45-6789'), c2('IMAddress', 'don@contoso.com'),
  c2('IMAddress2', 'sip:don.funk@contoso.com'), c2('IMAddress3', 'donfunk'), c2('ManagerName', 'Anat Kerry'),
  c2('CompanyMainPhone', '+1 425 555 0100'), c2('AccountName', 'ACCT-7'), c2('NickName', 'Donny'), c2('MMS', '+1 425 555 0117'),
];

const appData = (...content: WbxmlElement[]): WbxmlElement => as('ApplicationData', content);
/** The ApplicationData as XML without its body, for comparing field by field and in order. */
const withoutBody = (data: WbxmlElement): string =>
  toXml({ ...data, children: data.children.filter((n) => !is(n, 'AirSyncBase:Body')) }, { indent: '', declaration: false });
const bodyOf = (data: WbxmlElement) => {
  const b = child(data, 'AirSyncBase:Body');
  return b && { type: intOf(b, 'AirSyncBase:Type'), size: intOf(b, 'AirSyncBase:EstimatedDataSize'), truncated: intOf(b, 'AirSyncBase:Truncated') ?? 0, data: textOf(b, 'AirSyncBase:Data') };
};

describe('EAS Contacts (MS-ASCNTC)', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  let contactsId = '';

  const sync = (deviceId: string, version: string, key: string, commands: WbxmlElement[] = [], prefs: WbxmlElement[] = []) => easRequest(app, {
    cmd: 'Sync', user: ann.email, password: pw, deviceId, version,
    body: as('Sync', as('Collections', as('Collection', version === '2.5' && as('Class', 'Contacts'), as('SyncKey', key), as('CollectionId', contactsId),
      prefs.length > 0 && as('Options', prefs), commands.length > 0 && as('Commands', commands)))),
  });
  const coll = (r: EasResponse) => child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;
  const keyOf = (r: EasResponse) => textOf(coll(r), 'AirSync:SyncKey')!;
  const commands = (r: EasResponse, kind: 'Add' | 'Change' | 'Delete') => children(child(coll(r), 'AirSync:Commands'), `AirSync:${kind}`);
  const dataOf = (e: WbxmlElement | undefined) => child(e, 'AirSync:ApplicationData')!;
  const addStatus = (r: EasResponse) => intOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Add'), 'AirSync:Status');
  const start = async (deviceId: string, version = '16.1', prefs: WbxmlElement[] = []) => {
    const fs = await easRequest(app, { cmd: 'FolderSync', user: ann.email, password: pw, deviceId, version, body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const folder = children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === 9)!;
    contactsId = textOf(folder, 'FolderHierarchy:ServerId')!;
    return keyOf(await sync(deviceId, version, '0', [], prefs));
  };
  /** A phone's Add; returns the new ServerId and the phone's next key. */
  const add = async (deviceId: string, version: string, key: string, data: WbxmlElement, prefs: WbxmlElement[] = []) => {
    const r = await sync(deviceId, version, key, [as('Add', as('ClientId', `c-${Math.random()}`), data)], prefs);
    assert.equal(addStatus(r), 1, 'the Add is taken');
    return { serverId: textOf(child(child(coll(r), 'AirSync:Responses'), 'AirSync:Add'), 'AirSync:ServerId')!, key: keyOf(r) };
  };
  const stored = async () => app.store.mailbox.listItems(ann.id, (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!.id);
  const plain = [asb('BodyPreference', asb('Type', 1))];

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(() => app.stop());

  test('every property a phone sends reaches a second phone identical and in schema order; a Change replaces the contact', async () => {
    let k1 = await start('phone1', '16.1', plain);
    let k2 = await start('phone2', '16.1', plain);
    const sent = appData(asb('Body', asb('Type', 1), asb('Data', NOTES)), ...everyProperty());
    const { serverId, key } = await add('phone1', '16.1', k1, sent, plain);
    k1 = key;
    const [item] = await stored();
    assert.deepEqual(item!.categories, ['Business', 'VIP'], 'categories are the item categories');

    const onTwo = await sync('phone2', '16.1', k2, [], plain);
    k2 = keyOf(onTwo);
    const added = commands(onTwo, 'Add');
    assert.deepEqual(added.map((a) => textOf(a, 'AirSync:ServerId')), [serverId]);
    assert.equal(withoutBody(dataOf(added[0])), withoutBody(sent), 'every field, in schema order');
    assert.deepEqual(bodyOf(dataOf(added[0])), { type: 1, size: Buffer.byteLength(NOTES), truncated: 0, data: NOTES });
    assert.equal(dataOf(added[0]).children.findIndex((n) => is(n, 'AirSyncBase:Body')), 0, 'the body comes first');
    assert.equal((await sync('phone1', '16.1', k1, [], plain)).raw.length, 0, 'its own contact is not echoed back');

    // Phone 2 sends the whole contact as it now is: the properties it left out are deleted; the photo and
    // the notes, which it did not send, are kept.
    const changed = [c('Department', 'Marketing'), c('FileAs', 'Funk, Don'), c('FirstName', 'Don'), c('LastName', 'Funk'),
      c('JobTitle', 'Sales Manager'), c2('ManagerName', 'Kim Akers')];
    const r = await sync('phone2', '16.1', k2, [as('Change', as('ServerId', serverId), appData(...changed))], plain);
    assert.equal(intOf(coll(r), 'AirSync:Status'), 1);
    assert.equal(child(coll(r), 'AirSync:Responses'), undefined, 'a Change that worked gets no response');
    k2 = keyOf(r);
    const onOne = await sync('phone1', '16.1', k1, [], plain);
    k1 = keyOf(onOne);
    const change = commands(onOne, 'Change')[0];
    const expected = appData(c('Department', 'Marketing'), c('FileAs', 'Funk, Don'), c('FirstName', 'Don'), c('LastName', 'Funk'),
      c('JobTitle', 'Sales Manager'), c('Picture', PICTURE), c2('ManagerName', 'Kim Akers'));
    assert.equal(withoutBody(dataOf(change)), withoutBody(expected));
    assert.equal(bodyOf(dataOf(change))?.data, NOTES);
    assert.deepEqual((await stored())[0]!.categories, [], 'categories left out are removed');

    // An empty Picture and an empty body delete them.
    await sync('phone1', '16.1', k1, [as('Change', as('ServerId', serverId), appData(asb('Body', asb('Type', 1), asb('Data', '')), ...changed, c('Picture')))], plain);
    const cleared = dataOf(commands(await sync('phone2', '16.1', k2, [], plain), 'Change')[0]);
    assert.equal(withoutBody(cleared), withoutBody(appData(...changed.slice(0, 5), c2('ManagerName', 'Kim Akers'))));
    assert.equal(bodyOf(cleared), undefined);
  });

  test('a Delete on one phone reaches the other and leaves nothing in the store or the mail Trash', async () => {
    const k1 = await start('phone3', '16.1', plain);
    const k2 = await start('phone4', '16.1', plain);
    const before = (await stored()).length;
    const { serverId, key: k1b } = await add('phone3', '16.1', k1, appData(c('FileAs', 'Akers, Kim'), c('FirstName', 'Kim'), c('LastName', 'Akers')), plain);
    const k2b = keyOf(await sync('phone4', '16.1', k2, [], plain));
    const del = await sync('phone4', '16.1', k2b, [as('Delete', as('ServerId', serverId))], plain);
    assert.equal(intOf(coll(del), 'AirSync:Status'), 1);
    assert.equal((await stored()).length, before);
    const trash = (await app.store.mailbox.getFolderByRole(ann.id, 'trash'))!;
    assert.equal((await app.store.mailbox.listItems(ann.id, trash.id)).filter((i) => i.kind === 'contact').length, 0);
    const gone = await sync('phone3', '16.1', k1b, [], plain);
    assert.deepEqual(commands(gone, 'Delete').map((d) => textOf(d, 'AirSync:ServerId')), [serverId], 'the other phone is told');
  });

  test('the notes take the form of each version: 2.5 Contacts:Body, 12.1 native, 14.1 cut plain text, 16.1 HTML; RTF only when asked', async () => {
    const html = '<html><body><p>Likes <b>golf</b> &amp; sailing.</p><p>Second paragraph here.</p></body></html>';
    const kAdd = await start('writer', '16.1', plain);
    const { serverId, key } = await add('writer', '16.1', kAdd, appData(asb('Body', asb('Type', 2), asb('Data', html)), c('FileAs', 'Wallace, Anne'),
      c('Alias', 'annew'), c('WeightedRank', '3'), c('FirstName', 'Anne'), c('LastName', 'Wallace')), plain);
    const first = async (deviceId: string, version: string, prefs: WbxmlElement[]) => {
      const r = await sync(deviceId, version, await start(deviceId, version, prefs), [], prefs);
      return dataOf(commands(r, 'Add').find((a) => textOf(a, 'AirSync:ServerId') === serverId));
    };

    const v161 = await first('html161', '16.1', [asb('BodyPreference', asb('Type', 2))]);
    assert.deepEqual(bodyOf(v161), { type: 2, size: Buffer.byteLength(html), truncated: 0, data: html });
    const v121 = await first('native121', '12.1', []);
    assert.equal(bodyOf(v121)?.type, 2, 'no BodyPreference: the notes as written');
    assert.equal(textOf(v121, 'Contacts:Alias'), undefined, 'Alias and WeightedRank start with 14.0');
    const v141 = await first('cut141', '14.1', [asb('BodyPreference', asb('Type', 1), asb('TruncationSize', 10))]);
    const text141 = bodyOf(v141)!;
    assert.deepEqual([text141.type, text141.truncated, text141.data], [1, 1, 'Likes golf']);
    assert.ok(text141.size! > 10, 'EstimatedDataSize is the whole text');
    assert.deepEqual([textOf(v141, 'Contacts:Alias'), intOf(v141, 'Contacts:WeightedRank')], ['annew', 3]);
    const v25 = await first('old25', '2.5', []);
    assert.equal(child(v25, 'AirSyncBase:Body'), undefined, '2.5 has no AirSyncBase:Body');
    assert.match(textOf(v25, 'Contacts:Body')!, /^Likes golf & sailing\.\n+Second paragraph here\.$/);
    assert.equal(intOf(v25, 'Contacts:BodyTruncated'), 0);

    // A 2.5 phone's Change without notes keeps them; its own notes arrive as plain text elsewhere.
    const k25 = keyOf(await sync('old25', '2.5', await start('old25', '2.5'), []));
    const r25 = await sync('old25', '2.5', k25, [as('Change', as('ServerId', serverId), appData(c('FileAs', 'Wallace, Anne'), c('FirstName', 'Anne'), c('LastName', 'Wallace')))]);
    assert.equal(intOf(coll(r25), 'AirSync:Status'), 1);
    const kept = (await stored()).find((i) => (i.data as { fileAs?: string }).fileAs === 'Wallace, Anne')!;
    assert.deepEqual([(kept.data as { body: string }).body, (kept.data as { bodyType: number }).bodyType], [html, 2]);
    const { serverId: id25 } = await add('old25', '2.5', keyOf(r25), appData(c('Body', 'Call after 6pm.'), c('FileAs', 'Lee, Ray'), c('LastName', 'Lee')));
    const onNew = await sync('writer', '16.1', key, [], plain);
    const fromOld = commands(onNew, 'Add').find((a) => textOf(a, 'AirSync:ServerId') === id25);
    assert.deepEqual(bodyOf(dataOf(fromOld)), { type: 1, size: 15, truncated: 0, data: 'Call after 6pm.' });

    // RTF notes (Type 3) are kept as sent and go only to a client asking for Type 3.
    const rtf = Buffer.from('{\\rtf1 compressed-rtf-stand-in}').toString('base64');
    const { serverId: idRtf } = await add('writer', '16.1', keyOf(onNew), appData(asb('Body', asb('Type', 3), asb('Data', rtf)), c('FileAs', 'Rtf, Roy')), plain);
    const withRtf = async (deviceId: string, prefs: WbxmlElement[]) => {
      const r = await sync(deviceId, '16.1', await start(deviceId, '16.1', prefs), [], prefs);
      return bodyOf(dataOf(commands(r, 'Add').find((a) => textOf(a, 'AirSync:ServerId') === idRtf)));
    };
    assert.deepEqual(await withRtf('rtfyes', [asb('BodyPreference', asb('Type', 3))]), { type: 3, size: rtf.length, truncated: 0, data: rtf });
    assert.equal(await withRtf('rtfno', plain), undefined, 'no plain text can be made from RTF: no Body');
  });

  test('a photo over 48 KB stored by another path is not sent, and a Change without it keeps it', async () => {
    const folder = (await app.store.mailbox.getFolderByRole(ann.id, 'contacts'))!;
    const big = 'QUJD'.repeat(13 * 1024);
    const item = await app.store.mailbox.addItem(ann.id, folder.id, { kind: 'contact', data: { fileAs: 'Big, Photo', lastName: 'Big', picture: big }, categories: [] });
    const r = await sync('phone6', '16.1', await start('phone6', '16.1', plain), [], plain);
    const mine = commands(r, 'Add').find((a) => textOf(dataOf(a), 'Contacts:FileAs') === 'Big, Photo')!;
    assert.equal(withoutBody(dataOf(mine)), withoutBody(appData(c('FileAs', 'Big, Photo'), c('LastName', 'Big'))));
    await sync('phone6', '16.1', keyOf(r), [as('Change', as('ServerId', textOf(mine, 'AirSync:ServerId')), appData(c('FileAs', 'Big, Photo'), c('LastName', 'Bigger')))], plain);
    const after = (await app.store.mailbox.getItem(ann.id, item.id))!;
    assert.deepEqual([(after.data as { lastName: string }).lastName, (after.data as { picture: string }).picture === big], ['Bigger', true]);
  });

  test('with a Supported list, a Change keeps the ghosted properties it leaves out and deletes the others', () => {
    const ctx = { version: 161, bodyPreferences: [], now: 0 };
    const current = parseContact(appData(c('FileAs', 'A'), c('FirstName', 'Ann'), c('JobTitle', 'Boss'), c('Categories', c('Category', 'x')), c2('NickName', 'Annie')), ctx);
    const change = appData(c('FileAs', 'A'), c('FirstName', 'Anna'));
    const ghosted = parseContact(change, { ...ctx, supported: new Set(['Contacts:FileAs', 'Contacts:FirstName', 'Contacts:JobTitle']) }, current);
    assert.deepEqual([ghosted.data.firstName, ghosted.data.jobTitle, ghosted.data.nickName, ghosted.categories], ['Anna', '', 'Annie', ['x']]);
    const plainChange = parseContact(change, ctx, current);
    assert.deepEqual([plainChange.data.firstName, plainChange.data.jobTitle, plainChange.data.nickName, plainChange.categories], ['Anna', '', '', []]);
    assert.throws(() => parseContact(appData(c('WeightedRank', 'high')), ctx), ClassError);
  });

  test('over the wire: the Supported list of SyncKey 0 is remembered, and a later Change keeps what it ghosts', async () => {
    await start('ghost', '14.1');
    const first = await easRequest(app, {
      cmd: 'Sync', user: ann.email, password: pw, deviceId: 'ghost', version: '14.1',
      body: as('Sync', as('Collections', as('Collection', as('SyncKey', '0'), as('CollectionId', contactsId),
        as('Supported', c('FileAs'), c('FirstName'), c('JobTitle'))))),
    });
    let key = keyOf(first);
    key = keyOf(await sync('ghost', '14.1', key));
    const made = await add('ghost', '14.1', key, appData(c('FileAs', 'Ghost, Gus'), c('FirstName', 'Gus'), c('JobTitle', 'Chef'), c2('NickName', 'G')));
    // NickName is not in the list: the phone cannot hold it, so a Change without it must not delete it.
    await sync('ghost', '14.1', made.key, [as('Change', as('ServerId', made.serverId), appData(c('FileAs', 'Ghost, Gus'), c('FirstName', 'Gustav')))]);
    const item = (await stored()).find((i) => (i.data as { fileAs?: string }).fileAs === 'Ghost, Gus')!;
    const d = item.data as { firstName: string; jobTitle: string; nickName: string };
    assert.deepEqual([d.firstName, d.jobTitle, d.nickName], ['Gustav', '', 'G']);
  });

  test('a malformed contact gets Status 6 and stores nothing; a malformed Change leaves the contact as it was', async () => {
    let key = await start('phone5', '16.1', plain);
    const before = (await stored()).length;
    const bad: Array<[string, WbxmlElement]> = [
      ['a Birthday that is not a dateTime', appData(c('FileAs', 'X'), c('Birthday', 'next Tuesday'))],
      ['a Picture that is not base64', appData(c('FileAs', 'X'), c('Picture', 'not base64 at all!'))],
      ['a Picture over 48 KB of base64', appData(c('FileAs', 'X'), c('Picture', 'QUJD'.repeat(12 * 1024 + 1)))],
      ['a MIME body', appData(asb('Body', asb('Type', 4), asb('Data', 'MIME-Version: 1.0')), c('FileAs', 'X'))],
      ['an element of another class', appData(c('FileAs', 'X'), el('Email:Subject', 'hello'))],
      ['301 categories', appData(c('FileAs', 'X'), c('Categories', Array.from({ length: 301 }, (_, i) => c('Category', `c${i}`))))],
    ];
    for (const [what, data] of bad) {
      const r = await sync('phone5', '16.1', key, [as('Add', as('ClientId', what), data)], plain);
      assert.equal(addStatus(r), 6, what);
      key = keyOf(r);
    }
    assert.equal((await stored()).length, before, 'nothing stored');

    const { serverId, key: k } = await add('phone5', '16.1', key, appData(c('FileAs', 'Good, Gail'), c('FirstName', 'Gail')), plain);
    const r = await sync('phone5', '16.1', k, [as('Change', as('ServerId', serverId), appData(c('FileAs', 'Good, Gail'), c('Anniversary', '2024-13-40T00:00:00.000Z')))], plain);
    const resp = child(child(coll(r), 'AirSync:Responses'), 'AirSync:Change');
    assert.deepEqual([textOf(resp, 'AirSync:ServerId'), intOf(resp, 'AirSync:Status')], [serverId, 6]);
    const item = (await stored()).find((i) => (i.data as { fileAs?: string }).fileAs === 'Good, Gail')!;
    assert.equal((item.data as { firstName: string }).firstName, 'Gail', 'the stored contact is unchanged');
  });

  test('a contact is fetched with ItemOperations; a FilterType on contacts is ignored (old contacts still sync)', async () => {
    const key = await start('fetcher', '14.1');
    const { serverId } = await add('fetcher', '14.1', key, appData(c('FileAs', 'Old, Olga'), c('FirstName', 'Olga'), c('Email1Address', 'olga@example.net')));
    const item = (await stored()).find((i) => (i.data as { fileAs?: string }).fileAs === 'Old, Olga')!;
    const io = ns('ItemOperations');
    const r = await easRequest(app, {
      cmd: 'ItemOperations', user: ann.email, password: pw, deviceId: 'fetcher', version: '14.1',
      body: io('ItemOperations', io('Fetch', io('Store', 'Mailbox'), as('CollectionId', contactsId), as('ServerId', serverId))),
    });
    const f = child(child(r.root!, 'ItemOperations:Response'), 'ItemOperations:Fetch')!;
    assert.equal(intOf(f, 'ItemOperations:Status'), 1);
    const props = child(f, 'ItemOperations:Properties')!;
    assert.deepEqual([textOf(props, 'Contacts:FileAs'), textOf(props, 'Contacts:Email1Address')], ['Old, Olga', 'olga@example.net']);

    // Made long ago (its window date is a year back): FilterType 5 (one month) must not hide a contact.
    await app.store.mailbox.updateItemData(ann.id, item.id, item.data, item.categories, Date.now() - 365 * 86_400_000);
    const k0 = keyOf(await sync('filtered', '14.1', '0', [], [as('FilterType', 5)]));
    const all = await sync('filtered', '14.1', k0, [], [as('FilterType', 5)]);
    assert.ok(commands(all, 'Add').some((a) => textOf(a, 'AirSync:ServerId') === serverId));
  });
});
