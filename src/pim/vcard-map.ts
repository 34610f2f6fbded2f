// Which vCard property (RFC 2426 vCard 3.0, RFC 6350 vCard 4.0, and the X- names common address books
// write) carries which contact field. One table for both directions, so a field written is a field read.
//
// A contact has fixed slots (two home phones, three e-mail addresses...) where vCard has typed lists.
// Writing, each value carries the standard TYPE for other address books, plus X-EAS-FIELD naming its
// slot so our own cards come back to the same slot; reading, X-EAS-FIELD wins when it names a free slot
// of that property, else TYPE picks the slot.
import type { ContactTextField } from './contact-model.js';

/** The parameter naming the contact slot of a TEL, EMAIL, ADR or IMPP we wrote. */
export const SLOT_PARAM = 'x-eas-field';

export interface TelSlot {
  field: ContactTextField;
  /** TYPE values written. */
  types: readonly string[];
}

/** Phone slots in the order a typeless number falls into (see telCandidates). */
export const TEL_SLOTS: readonly TelSlot[] = [
  { field: 'mobilePhoneNumber', types: ['CELL', 'VOICE'] },
  { field: 'homePhoneNumber', types: ['HOME', 'VOICE'] },
  { field: 'home2PhoneNumber', types: ['HOME', 'VOICE'] },
  { field: 'businessPhoneNumber', types: ['WORK', 'VOICE'] },
  { field: 'business2PhoneNumber', types: ['WORK', 'VOICE'] },
  { field: 'homeFaxNumber', types: ['HOME', 'FAX'] },
  { field: 'businessFaxNumber', types: ['WORK', 'FAX'] },
  { field: 'carPhoneNumber', types: ['CAR', 'VOICE'] },
  { field: 'pagerNumber', types: ['PAGER'] },
  { field: 'radioPhoneNumber', types: ['X-RADIO'] },
  { field: 'assistantPhoneNumber', types: ['X-ASSISTANT'] },
  { field: 'companyMainPhone', types: ['WORK', 'X-COMPANY-MAIN'] },
  { field: 'mms', types: ['X-MMS'] },
];

const GENERIC_TEL: ContactTextField[] = ['homePhoneNumber', 'home2PhoneNumber', 'businessPhoneNumber', 'business2PhoneNumber', 'mobilePhoneNumber'];

/**
 * The slots a number of these TYPEs (upper case; Apple's X-ABLabel folded in by the reader) may take, best
 * first. A number whose slots are all taken falls back to any generic phone slot rather than be lost.
 */
export function telCandidates(types: ReadonlySet<string>): ContactTextField[] {
  const has = (...t: string[]): boolean => t.some((x) => types.has(x));
  const first: ContactTextField[] = [];
  if (has('FAX')) first.push(...(has('WORK') ? ['businessFaxNumber', 'homeFaxNumber'] as const : ['homeFaxNumber', 'businessFaxNumber'] as const));
  else if (has('PAGER')) first.push('pagerNumber');
  else if (has('CAR')) first.push('carPhoneNumber');
  else if (has('X-RADIO', 'RADIO')) first.push('radioPhoneNumber');
  else if (has('X-ASSISTANT', 'X-EVOLUTION-ASSISTANT', 'ASSISTANT')) first.push('assistantPhoneNumber');
  else if (has('X-COMPANY-MAIN', 'X-EVOLUTION-COMPANY')) first.push('companyMainPhone');
  else if (has('X-MMS', 'MMS')) first.push('mms');
  else if (has('CELL', 'MOBILE', 'IPHONE')) first.push('mobilePhoneNumber');
  else if (has('WORK')) first.push('businessPhoneNumber', 'business2PhoneNumber');
  else if (has('HOME')) first.push('homePhoneNumber', 'home2PhoneNumber');
  return [...first, ...GENERIC_TEL.filter((f) => !first.includes(f))];
}

export const EMAIL_SLOTS: readonly ContactTextField[] = ['email1Address', 'email2Address', 'email3Address'];
export const IM_SLOTS: readonly ContactTextField[] = ['imAddress', 'imAddress2', 'imAddress3'];
/** IM properties of vCard 3.0 address books, read into the IM slots after IMPP. */
export const IM_X_PROPS = ['x-jabber', 'x-skype', 'x-skype-username', 'x-aim', 'x-msn', 'x-icq', 'x-yahoo', 'x-gtalk', 'x-google-talk', 'x-gadugadu', 'x-qq', 'x-twitter'];

export type AddressKind = 'home' | 'business' | 'other';
type AddressPart = 'Street' | 'City' | 'State' | 'PostalCode' | 'Country';
/** The contact fields of one postal address, in ADR component order after PO box and extended address. */
export function addressFields(kind: AddressKind): ContactTextField[] {
  const parts: AddressPart[] = ['Street', 'City', 'State', 'PostalCode', 'Country'];
  return parts.map((p) => `${kind}Address${p}` as ContactTextField);
}
export const ADDRESS_TYPES: Record<AddressKind, string | null> = { home: 'HOME', business: 'WORK', other: null };

/** Single-valued text fields kept in X- properties: the name we write, then names others write that we read too. */
export const X_TEXT: ReadonlyArray<{ field: ContactTextField; names: readonly string[] }> = [
  { field: 'spouse', names: ['x-spouse', 'x-evolution-spouse', 'x-ms-spouse', 'x-kaddressbook-x-spousesname'] },
  { field: 'assistantName', names: ['x-assistant', 'x-evolution-assistant', 'x-ms-assistant', 'x-kaddressbook-x-assistantsname'] },
  { field: 'managerName', names: ['x-manager', 'x-evolution-manager', 'x-ms-manager', 'x-kaddressbook-x-managersname'] },
  { field: 'officeLocation', names: ['x-office', 'x-evolution-office', 'x-ms-office', 'x-kaddressbook-x-office'] },
  { field: 'yomiFirstName', names: ['x-phonetic-first-name'] },
  { field: 'yomiLastName', names: ['x-phonetic-last-name'] },
  { field: 'yomiCompanyName', names: ['x-phonetic-org'] },
  { field: 'customerId', names: ['x-eas-customer-id'] },
  { field: 'governmentId', names: ['x-eas-government-id'] },
  { field: 'accountName', names: ['x-eas-account-name'] },
  { field: 'alias', names: ['x-eas-alias'] },
];

export const CHILD_PROPS = ['x-child', 'x-ms-child'];
export const ANNIVERSARY_PROPS = ['x-anniversary', 'anniversary', 'x-ms-anniversary', 'x-evolution-anniversary'];
export const RANK_PROP = 'x-eas-weighted-rank';
/** The exact instant of a birthday or anniversary, when the day alone would not give it back. */
export const INSTANT_PARAM = 'x-eas-instant';
/** The raw EAS value of an e-mail slot when it is more than the bare address ("Name" <addr>). */
export const RAW_VALUE_PARAM = 'x-eas-value';
/** On FN: the value is the contact's FileAs even though it equals the name we would compose. */
export const FILEAS_PARAM = 'x-eas-fileas';
/** The notes in their native type when that is not plain text: HTML, or RTF that NOTE cannot carry. */
export const BODY_PROP = 'x-eas-body';
export const BODY_TYPE_PARAM = 'x-eas-type';

/**
 * Apple's group labels (`item1.TEL` + `item1.X-ABLabel:_$!<Assistant>!$_`), lower case, as the TYPEs or
 * relation they stand for.
 */
export const APPLE_LABELS: Record<string, readonly string[]> = {
  '_$!<spouse>!$_': ['SPOUSE'], '_$!<child>!$_': ['CHILD'], '_$!<assistant>!$_': ['X-ASSISTANT'], '_$!<manager>!$_': ['MANAGER'],
  '_$!<anniversary>!$_': ['ANNIVERSARY'], '_$!<pager>!$_': ['PAGER'], '_$!<car>!$_': ['CAR'], '_$!<radio>!$_': ['X-RADIO'],
  '_$!<mobile>!$_': ['CELL'], '_$!<homefax>!$_': ['HOME', 'FAX'], '_$!<workfax>!$_': ['WORK', 'FAX'],
};

/**
 * Readable text of HTML notes, for NOTE (address books show NOTE as plain text). Line-level only: breaks
 * and block ends become newlines, tags go, the common entities are decoded. Every pattern stops at the
 * next '<' or '>', so hostile markup costs linear time.
 */
export function htmlNoteText(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return html
    .replace(/<br\b[^<>]*>|<\/(?:p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&(#\d{1,7}|[a-z]{2,6});/gi, (whole, name: string) => {
      if (name[0] === '#') { const code = Number(name.slice(1)); return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole; }
      return entities[name.toLowerCase()] ?? whole;
    })
    .split('\n').map((l) => l.trim()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** The bare address of an e-mail slot that may hold `"Name" <addr>`. */
export function bareAddress(raw: string): string {
  const m = /<([^<>\s]+)>/.exec(raw);
  return (m?.[1] ?? raw).trim();
}

/** The name shown for a contact, made from its parts: what FN holds when the contact has no FileAs. */
export function composedName(d: { title: string; firstName: string; middleName: string; lastName: string; suffix: string; companyName: string }): string {
  const name = [d.title, d.firstName, d.middleName, d.lastName, d.suffix].filter((s) => s !== '').join(' ');
  return name || d.companyName;
}
