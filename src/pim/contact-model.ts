// The contact as the store keeps it (`Item.data` of kind 'contact'), protocol-neutral: one field per
// property of the ActiveSync Contact class (MS-ASCNTC 2.2.2, namespaces Contacts and Contacts2), which is
// the richest model our clients speak; vCard (src/pim/vcard.ts) maps onto it. Categories are not here:
// they live in `Item.categories`, shared by every item kind.

/** The plain string properties, named after their MS-ASCNTC elements (Contacts then Contacts2). */
export const CONTACT_TEXT_FIELDS = [
  'assistantName', 'assistantPhoneNumber', 'business2PhoneNumber', 'businessAddressCity', 'businessPhoneNumber',
  'webPage', 'businessAddressCountry', 'department', 'email1Address', 'email2Address', 'email3Address',
  'businessFaxNumber', 'fileAs', 'alias', 'firstName', 'middleName', 'homeAddressCity', 'homeAddressCountry',
  'homeFaxNumber', 'homePhoneNumber', 'home2PhoneNumber', 'homeAddressPostalCode', 'homeAddressState',
  'homeAddressStreet', 'mobilePhoneNumber', 'suffix', 'companyName', 'otherAddressCity', 'otherAddressCountry',
  'carPhoneNumber', 'otherAddressPostalCode', 'otherAddressState', 'otherAddressStreet', 'pagerNumber', 'title',
  'businessAddressPostalCode', 'lastName', 'spouse', 'businessAddressState', 'businessAddressStreet', 'jobTitle',
  'yomiFirstName', 'yomiLastName', 'yomiCompanyName', 'officeLocation', 'radioPhoneNumber',
  // Contacts2
  'customerId', 'governmentId', 'imAddress', 'imAddress2', 'imAddress3', 'managerName', 'companyMainPhone',
  'accountName', 'nickName', 'mms',
] as const;

export type ContactTextField = (typeof CONTACT_TEXT_FIELDS)[number];

type ContactText = { [K in ContactTextField]: string };

/** 1 plain text, 2 HTML, 3 RTF (base64 of compressed RTF, MS-ASAIRS 2.2.2.20.1): the type the notes were written in. */
export type ContactBodyType = 1 | 2 | 3;

export interface ContactData extends ContactText {
  /**
   * Dates as the instant a client sent, `YYYY-MM-DDTHH:MM:SS.sssZ` (MS-ASDTYPE 2.3), or null. A birthday is
   * a day, but clients encode it as local midnight of their own zone in UTC; keeping the instant gives
   * every phone back exactly what one sent. `contactDay` reads the day out of it.
   */
  birthday: string | null;
  anniversary: string | null;
  /** Children's names, in order. */
  children: string[];
  /** Recipient-information-cache rank (MS-ASCNTC 2.2.2.76), null when not set. */
  weightedRank: number | null;
  /** The photo, base64 as it travels (MS-ASCNTC 2.2.2.58); '' when none. */
  picture: string;
  /** The notes, in `bodyType`; '' when none. */
  body: string;
  bodyType: ContactBodyType;
  /**
   * Not an ActiveSync property: the vCard UID the contact was imported under (or the one given to a
   * card that had none, src/pim/contact-identity.ts), so a re-import replaces it and an export writes it
   * back; '' for a contact made on a phone. Phones never see it, and their Changes keep it.
   */
  uid: string;
}

export function emptyContact(): ContactData {
  const text = Object.fromEntries(CONTACT_TEXT_FIELDS.map((f) => [f, ''])) as ContactText;
  return { ...text, birthday: null, anniversary: null, children: [], weightedRank: null, picture: '', body: '', bodyType: 1, uid: '' };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A date as the normalised instant, or null: what a client is sent must be a dateTime it can read. */
function date(v: unknown): string | null {
  const t = typeof v === 'string' && v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A stored contact read defensively: any missing or mistyped field gets its empty value, a date that
 * does not parse is none, and so is a picture that is not base64.
 */
export function readContactData(raw: unknown): ContactData {
  const d = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out = emptyContact();
  for (const f of CONTACT_TEXT_FIELDS) out[f] = str(d[f]);
  out.birthday = date(d.birthday);
  out.anniversary = date(d.anniversary);
  out.children = Array.isArray(d.children) ? d.children.filter((c): c is string => typeof c === 'string') : [];
  out.weightedRank = typeof d.weightedRank === 'number' && Number.isInteger(d.weightedRank) ? d.weightedRank : null;
  out.picture = BASE64.test(str(d.picture)) ? str(d.picture) : '';
  out.body = str(d.body);
  out.bodyType = d.bodyType === 2 ? 2 : d.bodyType === 3 ? 3 : 1;
  out.uid = str(d.uid);
  return out;
}

/**
 * The FileAs composed from a contact's other fields, for a contact that has none of its own (imported
 * from a vCard whose FN is just the name, or added by a client that sent none): clients such as
 * Thunderbird list a contact by its FileAs (MS-ASCNTC 2.2.2.35) and show a blank line without one.
 * "Last, First Middle" as Outlook and Z-Push (Utils::BuildFileAs, last-first order) compose it, or the
 * part of the name there is; else the company; else the first e-mail address; '' when there is nothing.
 */
export function composedFileAs(d: ContactData): string {
  const given = [d.firstName, d.middleName].map((s) => s.trim()).filter((s) => s !== '').join(' ');
  const last = d.lastName.trim();
  const name = last && given ? `${last}, ${given}` : last || given;
  if (name) return name;
  if (d.companyName.trim()) return d.companyName.trim();
  const email = [d.email1Address, d.email2Address, d.email3Address].find((e) => e.trim() !== '') ?? '';
  // A slot may hold `"Name" <addr>`: the address alone, as the name part is not the contact's own.
  return (/<([^<>\s]+)>/.exec(email)?.[1] ?? email).trim();
}

/** The FileAs a contact is shown under: its own, else the composed one. */
export function shownFileAs(d: ContactData): string {
  return d.fileAs !== '' ? d.fileAs : composedFileAs(d);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * The calendar day a birthday or anniversary instant stands for. Clients send local midnight of their
 * zone: zones east of UTC land on the previous UTC day from 12:00 on, zones west on the day itself
 * before 12:00 (the rule Exchange clients such as AOSP's apply). So 12:00 UTC or later is the next day.
 */
export function contactDay(instant: string): { year: number; month: number; day: number } | null {
  const t = Date.parse(instant);
  if (!Number.isFinite(t)) return null;
  const d = new Date(t);
  if (d.getUTCHours() >= 12) d.setUTCDate(d.getUTCDate() + 1);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant we give a day that came without one (from a vCard): UTC midnight, the middle of the
 * window `contactDay` reads back as that day, so a client reading it either way lands on the day.
 */
export function dayInstant(year: number, month: number, day: number): string | null {
  // setUTCFullYear, not Date.UTC: the latter reads years 0 to 99 as 1900 to 1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (year < 1 || year > 9999 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T00:00:00.000Z`;
}
