// The properties of the Contact class in the order of the schema (MS-ASCNTC 6.1 Contacts.xsd and 6.2
// Contacts2.xsd, group AllProps), with what each is: text, a date (MS-ASDTYPE 2.3 dateTime), an integer,
// the photo, or a list. Which can be ghosted comes from the same files' GhostingProps groups (MS-ASCMD
// 2.2.3.179 Supported). Rendering walks this table, so the wire order is the schema's by construction.
import type { ContactTextField } from '../../pim/contact-model.js';
import type { QName } from '../wbxml/index.js';
import { ClassError } from './registry.js';

export type ContactEntry =
  | { kind: 'text'; qname: QName; field: ContactTextField; ghost: boolean; minVersion: number }
  | { kind: 'date'; qname: QName; field: 'birthday' | 'anniversary' }
  | { kind: 'rank'; qname: QName }
  | { kind: 'picture'; qname: QName }
  | { kind: 'categories'; qname: QName }
  | { kind: 'children'; qname: QName }
  /** Where the 2.5 notes (Contacts:Body, BodySize, BodyTruncated, Rtf) go. */
  | { kind: 'body25' };

// Alias and WeightedRank exist from 14.0 (the recipient information cache) and cannot be ghosted.
const RECIPIENT_CACHE = 140;

const t = (qname: QName, field: ContactTextField): ContactEntry => ({ kind: 'text', qname, field, ghost: true, minVersion: 25 });

export const CONTACT_ENTRIES: readonly ContactEntry[] = [
  { kind: 'date', qname: 'Contacts:Anniversary', field: 'anniversary' },
  t('Contacts:AssistantName', 'assistantName'),
  t('Contacts:AssistantPhoneNumber', 'assistantPhoneNumber'),
  { kind: 'date', qname: 'Contacts:Birthday', field: 'birthday' },
  { kind: 'body25' },
  t('Contacts:Business2PhoneNumber', 'business2PhoneNumber'),
  t('Contacts:BusinessAddressCity', 'businessAddressCity'),
  t('Contacts:BusinessPhoneNumber', 'businessPhoneNumber'),
  t('Contacts:WebPage', 'webPage'),
  t('Contacts:BusinessAddressCountry', 'businessAddressCountry'),
  t('Contacts:Department', 'department'),
  t('Contacts:Email1Address', 'email1Address'),
  t('Contacts:Email2Address', 'email2Address'),
  t('Contacts:Email3Address', 'email3Address'),
  t('Contacts:BusinessFaxNumber', 'businessFaxNumber'),
  t('Contacts:FileAs', 'fileAs'),
  { kind: 'text', qname: 'Contacts:Alias', field: 'alias', ghost: false, minVersion: RECIPIENT_CACHE },
  { kind: 'rank', qname: 'Contacts:WeightedRank' },
  t('Contacts:FirstName', 'firstName'),
  t('Contacts:MiddleName', 'middleName'),
  t('Contacts:HomeAddressCity', 'homeAddressCity'),
  t('Contacts:HomeAddressCountry', 'homeAddressCountry'),
  t('Contacts:HomeFaxNumber', 'homeFaxNumber'),
  t('Contacts:HomePhoneNumber', 'homePhoneNumber'),
  t('Contacts:Home2PhoneNumber', 'home2PhoneNumber'),
  t('Contacts:HomeAddressPostalCode', 'homeAddressPostalCode'),
  t('Contacts:HomeAddressState', 'homeAddressState'),
  t('Contacts:HomeAddressStreet', 'homeAddressStreet'),
  t('Contacts:MobilePhoneNumber', 'mobilePhoneNumber'),
  t('Contacts:Suffix', 'suffix'),
  t('Contacts:CompanyName', 'companyName'),
  t('Contacts:OtherAddressCity', 'otherAddressCity'),
  t('Contacts:OtherAddressCountry', 'otherAddressCountry'),
  t('Contacts:CarPhoneNumber', 'carPhoneNumber'),
  t('Contacts:OtherAddressPostalCode', 'otherAddressPostalCode'),
  t('Contacts:OtherAddressState', 'otherAddressState'),
  t('Contacts:OtherAddressStreet', 'otherAddressStreet'),
  t('Contacts:PagerNumber', 'pagerNumber'),
  t('Contacts:Title', 'title'),
  t('Contacts:BusinessAddressPostalCode', 'businessAddressPostalCode'),
  t('Contacts:LastName', 'lastName'),
  t('Contacts:Spouse', 'spouse'),
  t('Contacts:BusinessAddressState', 'businessAddressState'),
  t('Contacts:BusinessAddressStreet', 'businessAddressStreet'),
  t('Contacts:JobTitle', 'jobTitle'),
  t('Contacts:YomiFirstName', 'yomiFirstName'),
  t('Contacts:YomiLastName', 'yomiLastName'),
  t('Contacts:YomiCompanyName', 'yomiCompanyName'),
  t('Contacts:OfficeLocation', 'officeLocation'),
  t('Contacts:RadioPhoneNumber', 'radioPhoneNumber'),
  { kind: 'picture', qname: 'Contacts:Picture' },
  { kind: 'categories', qname: 'Contacts:Categories' },
  { kind: 'children', qname: 'Contacts:Children' },
  t('Contacts2:CustomerId', 'customerId'),
  t('Contacts2:GovernmentId', 'governmentId'),
  t('Contacts2:IMAddress', 'imAddress'),
  t('Contacts2:IMAddress2', 'imAddress2'),
  t('Contacts2:IMAddress3', 'imAddress3'),
  t('Contacts2:ManagerName', 'managerName'),
  t('Contacts2:CompanyMainPhone', 'companyMainPhone'),
  t('Contacts2:AccountName', 'accountName'),
  t('Contacts2:NickName', 'nickName'),
  t('Contacts2:MMS', 'mms'),
];

/**
 * MS-ASCNTC 2.2.2.58: the Picture is at most 48 KB of base64 text (about 36 KB of image), and a larger
 * one MUST get Status 6. Exchange enforces it, so phones already resize photos for it.
 */
export const MAX_PICTURE_CHARS = 48 * 1024;

/** Categories and Children: at most 300 each (maxOccurs in Contacts.xsd). */
export const MAX_LIST = 300;

const isoDate = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
const basicDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * A dateTime as a client sends it (MS-ASDTYPE 2.3 `2025-06-18T07:00:00.000Z`; old devices send the basic
 * `20250618T070000Z` form), normalised to the first form. Throws ClassError for anything else: a date we
 * cannot read is not stored as a different date.
 */
export function parseEasDate(s: string, what: string): string {
  const m = isoDate.exec(s.trim()) ?? basicDate.exec(s.trim());
  if (!m) throw new ClassError(`${what}: '${s.slice(0, 40)}' is not a dateTime`);
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, se, ms);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    throw new ClassError(`${what}: '${s.slice(0, 40)}' is not a valid date`);
  }
  return date.toISOString();
}

/** The Picture as stored: base64 without line breaks, checked for alphabet and size. */
export function parsePicture(s: string): string {
  const b64 = s.replace(/[\s]+/g, '');
  if (b64.length > MAX_PICTURE_CHARS) throw new ClassError(`Picture of ${b64.length} base64 characters is over ${MAX_PICTURE_CHARS} (MS-ASCNTC 2.2.2.58)`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new ClassError('Picture is not base64');
  return b64;
}

/** WeightedRank: an xs:int. */
export function parseRank(s: string): number | null {
  const v = s.trim();
  if (v === '') return null;
  if (!/^[+-]?\d{1,10}$/.test(v) || Math.abs(Number(v)) > 2 ** 31) throw new ClassError(`WeightedRank '${v.slice(0, 20)}' is not an integer`);
  return Number(v);
}
