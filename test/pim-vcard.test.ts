// vCard conversion (src/pim/vcard.ts): ContactData -> vCard 3.0 -> ContactData gives the same data;
// cards written by other address books (Apple 3.0 with grouped labels, Android's 2.1 export with
// QUOTED-PRINTABLE, a 4.0 card, several per file, folded lines) land in the right fields.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, test } from 'node:test';
import { CONTACT_TEXT_FIELDS, emptyContact, readContactData, type ContactData } from '../src/pim/contact-model.js';
import { contactToVCard, parseVCards, VCardError } from '../src/pim/vcard.js';

const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 0x41)]).toString('base64');

/** A contact with every field set, the values of the EAS test's phone contact. */
function fullContact(): ContactData {
  const d = emptyContact();
  for (const f of CONTACT_TEXT_FIELDS) d[f] = `${f} value`;
  return {
    ...d,
    fileAs: 'Funk, Don', firstName: 'Don', middleName: 'Q.', lastName: 'Funk', title: 'Mr.', suffix: 'Jr.',
    companyName: 'Contoso, Ltd.', department: 'Executive', jobTitle: 'Chief Executive',
    email1Address: '"Don Funk" <don@contoso.com>', email2Address: 'don.funk@fabrikam.com', email3Address: 'dfunk@example.org',
    homeAddressStreet: '1 Lake Road\nApt 4; rear', homeAddressCity: 'Bellevue', businessAddressStreet: 'One Microsoft Way',
    webPage: 'http://contoso.com', imAddress2: 'sip:don.funk@contoso.com', nickName: 'Donny, the boss',
    yomiFirstName: 'ドン', yomiLastName: 'ファンク', yomiCompanyName: 'コントソ',
    birthday: '1975-06-17T22:00:00.000Z', anniversary: '2001-05-05T00:00:00.000Z',
    children: ['Anna', 'Ben, Jr.'], weightedRank: 7, picture: PHOTO,
    body: 'Met at the partner summit.\nPrefers e-mail; mornings, before 10:00.', bodyType: 1,
  };
}

/** The text with folded lines joined (RFC 2426 2.6), to look for whole properties. */
const unfold = (s: string): string => s.replace(/\r\n[ \t]/g, '');

describe('vCard conversion', () => {
  test('ContactData -> vCard -> ContactData gives back every field, the categories and the UID', () => {
    const data = fullContact();
    const card = contactToVCard(data, ['Business', 'VIP, gold'], { uid: 'contact-42' });
    const [back, ...rest] = parseVCards(card);
    assert.equal(rest.length, 0);
    assert.deepEqual(back, { data, categories: ['Business', 'VIP, gold'], uid: 'contact-42' });
  });

  test('the card is plain vCard 3.0 that other address books read: N, FN, ORG, TEL types, BDAY, PHOTO', () => {
    const text = unfold(contactToVCard(fullContact(), ['Business']));
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'BEGIN:VCARD');
    assert.equal(lines[1], 'VERSION:3.0');
    for (const expected of [
      'FN:Funk\\, Don', 'N:Funk;Don;Q.;Mr.;Jr.', 'ORG:Contoso\\, Ltd.;Executive', 'TITLE:Chief Executive', 'URL:http://contoso.com',
      'NICKNAME:Donny\\, the boss', 'CATEGORIES:Business', `PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO}`, 'X-CHILD;VALUE=TEXT:Ben\\, Jr.',
      'NOTE:Met at the partner summit.\\nPrefers e-mail; mornings\\, before 10:00.',
    ]) assert.ok(lines.includes(expected), `has ${expected}`);
    assert.ok(lines.some((l) => /^TEL;TYPE=CELL,VOICE;X-EAS-FIELD=mobilePhoneNumber:mobilePhoneNumber value$/.test(l)));
    assert.ok(lines.some((l) => /^EMAIL;TYPE=INTERNET;X-EAS-FIELD=email1Address;X-EAS-VALUE=.*:don@contoso\.com$/.test(l)), 'EMAIL holds the bare address');
    assert.ok(lines.some((l) => l.startsWith('BDAY;X-EAS-INSTANT="1975-06-17T22:00:00.000Z";VALUE=DATE:19750618')), 'the day, and the instant the phone sent');
    assert.ok(lines.includes('X-ANNIVERSARY:2001-05-05'), 'a UTC-midnight date needs no instant');
    assert.ok(lines.every((l) => Buffer.byteLength(l) < 2000) && contactToVCard(fullContact(), []).split('\r\n').every((l) => Buffer.byteLength(l) <= 76), 'lines folded at 75 octets');
  });

  test('FileAs, dates and notes round-trip in their edge cases, and edits made elsewhere win over our hints', () => {
    const base = { ...emptyContact(), firstName: 'Jane', lastName: 'Doe' };
    for (const d of [
      base, { ...base, fileAs: 'Jane Doe' }, { ...base, fileAs: 'Doe, Jane' }, { ...base, birthday: '1980-02-29T00:00:00.000Z' },
      { ...base, body: '<p>Hi &amp; bye</p>', bodyType: 2 as const }, { ...base, body: 'e1xydGYxfQ==', bodyType: 3 as const },
    ]) assert.deepEqual(parseVCards(contactToVCard(d, []))[0]?.data, d);

    const card = contactToVCard({ ...base, birthday: '1975-06-17T22:00:00.000Z', body: '<p>Hi</p>', bodyType: 2, fileAs: 'Jane Doe' }, []);
    const edited = parseVCards(card.replace('VALUE=DATE:19750618', 'VALUE=DATE:19750620').replace('NOTE:Hi', 'NOTE:Call her').replace(/FN;[^\r]*/, 'FN;X-EAS-FILEAS=TRUE:JD'))[0]!.data;
    assert.deepEqual([edited.birthday, edited.body, edited.bodyType, edited.fileAs], ['1975-06-20T00:00:00.000Z', 'Call her', 1, 'JD']);
    assert.equal(parseVCards(contactToVCard({ ...base, body: 'a\r\nb' }, []))[0]?.data.body, 'a\nb', 'vCard has one line break: CRLF comes back as LF');
  });

  test('a value cannot end its property and forge another card', () => {
    const evil = 'x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:forged';
    const d = { ...emptyContact(), firstName: evil, mobilePhoneNumber: evil, webPage: evil, email1Address: `"${evil}" <a@b.c>`, spouse: evil };
    const cards = parseVCards(contactToVCard(d, [evil]));
    assert.equal(cards.length, 1);
    assert.equal(cards[0]!.data.firstName, evil.replace(/\r\n/g, '\n'));
    assert.equal(cards[0]!.data.mobilePhoneNumber, 'x END:VCARD BEGIN:VCARD FN:forged', 'a number keeps no line break');
  });

  test('a realistic .vcf with Apple, Android 2.1, vCard 4.0 and Thunderbird cards', () => {
    const apple = [
      'BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//Apple Inc.//iPhone OS 17.0//EN', 'N:Akers;Kim;;;', 'FN:Kim Akers', 'ORG:Fabrikam;Research',
      'TITLE:Scientist', 'EMAIL;type=INTERNET;type=WORK;type=pref:kim@fabrikam.com', 'EMAIL;type=INTERNET;type=HOME:kim@example.net',
      'TEL;type=CELL;type=VOICE;type=pref:+1 206 555 0101', 'TEL;type=HOME;type=VOICE:+1 206 555 0102', 'item1.TEL:+1 206 555 0103',
      'item1.X-ABLabel:_$!<Assistant>!$_', 'item2.ADR;type=WORK;type=pref:;;1 Research Way;Seattle;WA;98101;United States',
      'item2.X-ABADR:us', 'item3.X-ABRELATEDNAMES:Chris Akers', 'item3.X-ABLabel:_$!<Spouse>!$_', 'item4.X-ABDATE;type=pref:2010-09-18',
      'item4.X-ABLabel:_$!<Anniversary>!$_', 'BDAY;value=date:1982-04-15', 'X-PHONETIC-FIRST-NAME:Kimu',
      `PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO.slice(0, 60)}`, ` ${PHOTO.slice(60)}`, 'CATEGORIES:Research,Friends', 'END:VCARD',
    ].join('\r\n');
    const android = [
      'BEGIN:VCARD', 'VERSION:2.1', 'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;', 'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller',
      'TEL;CELL:+49 170 5550100', 'TEL;WORK;FAX:+49 30 5550101', 'EMAIL;HOME:juergen@example.de',
      'NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Erste Zeile=0D=0AZweite Zeile mit einem sehr langen Text, der umbro=', 'chen wird.',
      'END:VCARD',
    ].join('\r\n');
    const v4 = [
      'BEGIN:VCARD', 'VERSION:4.0', 'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1', 'FN:Ray Chow', 'N:Chow;Ray;;;',
      'NICKNAME:Rayman', 'BDAY:--0415', 'ANNIVERSARY:20050812', 'IMPP;PREF=1:xmpp:ray@example.com', 'TEL;TYPE=work,voice;VALUE=uri:tel:+1-555-555-0104',
      'RELATED;TYPE=child;VALUE=text:Mia', `PHOTO:data:image/jpeg;base64,${PHOTO}`, 'URL:https://ray.example.com', 'END:VCARD',
    ].join('\r\n');
    const thunderbird = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Pizza Place', 'TEL:+1 555 0199', 'TEL:+1 555 0198', 'TEL;TYPE=CELL:+1 555 0197',
      'ADR;TYPE=HOME:;;1 First St;Springfield;;;', 'ADR;TYPE=HOME:;;2 Second St;Springfield;;;', 'ROLE:Dinner', 'END:VCARD'].join('\n');
    const cards = parseVCards(`${apple}\r\n${android}\r\n${v4}\r\n${thunderbird}\n`);
    assert.equal(cards.length, 4);
    const [kim, juergen, ray, pizza] = cards.map((x) => x.data) as [ContactData, ContactData, ContactData, ContactData];

    assert.deepEqual([kim.firstName, kim.lastName, kim.fileAs, kim.companyName, kim.department, kim.jobTitle], ['Kim', 'Akers', '', 'Fabrikam', 'Research', 'Scientist']);
    assert.deepEqual([kim.email1Address, kim.email2Address, kim.mobilePhoneNumber, kim.homePhoneNumber, kim.assistantPhoneNumber],
      ['kim@fabrikam.com', 'kim@example.net', '+1 206 555 0101', '+1 206 555 0102', '+1 206 555 0103']);
    assert.deepEqual([kim.businessAddressStreet, kim.businessAddressCity, kim.businessAddressState, kim.businessAddressPostalCode, kim.businessAddressCountry],
      ['1 Research Way', 'Seattle', 'WA', '98101', 'United States']);
    assert.deepEqual([kim.spouse, kim.anniversary, kim.birthday, kim.yomiFirstName, kim.picture], ['Chris Akers', '2010-09-18T00:00:00.000Z', '1982-04-15T00:00:00.000Z', 'Kimu', PHOTO]);
    assert.deepEqual(cards[0]!.categories, ['Research', 'Friends']);

    assert.deepEqual([juergen.firstName, juergen.lastName, juergen.fileAs, juergen.mobilePhoneNumber, juergen.businessFaxNumber, juergen.email1Address],
      ['Jürgen', 'Müller', '', '+49 170 5550100', '+49 30 5550101', 'juergen@example.de']);
    assert.equal(juergen.body, 'Erste Zeile\nZweite Zeile mit einem sehr langen Text, der umbrochen wird.');

    assert.equal(cards[2]!.uid, 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1');
    assert.deepEqual([ray.nickName, ray.birthday, ray.anniversary, ray.imAddress, ray.businessPhoneNumber, ray.children, ray.picture, ray.webPage],
      ['Rayman', '1604-04-15T00:00:00.000Z', '2005-08-12T00:00:00.000Z', 'xmpp:ray@example.com', '+1-555-555-0104', ['Mia'], PHOTO, 'https://ray.example.com']);

    // No name parts: FN is what the phone shows, so it becomes the FileAs; typeless numbers fill free slots.
    assert.deepEqual([pizza.fileAs, pizza.homePhoneNumber, pizza.home2PhoneNumber, pizza.mobilePhoneNumber, pizza.jobTitle], ['Pizza Place', '+1 555 0199', '+1 555 0198', '+1 555 0197', 'Dinner']);
    assert.deepEqual([pizza.homeAddressStreet, pizza.otherAddressStreet], ['1 First St', '2 Second St'], 'a second home address goes to the other address');
  });

  test('text that is not vCard is an error; an empty file or other components give no contacts', () => {
    assert.throws(() => parseVCards('hello, world'), VCardError);
    assert.throws(() => parseVCards('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:cut short\r\n'), VCardError);
    assert.deepEqual(parseVCards(''), []);
    assert.deepEqual(parseVCards('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'), []);
  });

  test('stored data is read defensively: missing or mistyped fields get their empty value', () => {
    const d = readContactData({ firstName: 'Ann', lastName: 42, children: ['a', 3], weightedRank: 1.5, bodyType: 9, birthday: 'soon', anniversary: '2001-05-05T07:00:00Z', picture: 'not base64!' });
    assert.deepEqual([d.firstName, d.lastName, d.children, d.weightedRank, d.bodyType, d.birthday, d.anniversary, d.picture], ['Ann', '', ['a'], null, 1, null, '2001-05-05T07:00:00.000Z', '']);
    assert.deepEqual(readContactData(null), emptyContact());
  });
});
