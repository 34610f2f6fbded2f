// ContactData to a vCard 3.0 (RFC 2426; IMPP from RFC 4770). Standard properties first, as any address
// book reads them; what vCard has no property for goes in the X- names of vcard-map.ts; the X-EAS-*
// parameters let our own reader give back exactly the data written (see vcard-read.ts).
import { contactDay, dayInstant, type ContactData } from './contact-model.js';
import { stringifyCard, type JProp } from './vcard-jcal.js';
import {
  ADDRESS_TYPES, BODY_PROP, BODY_TYPE_PARAM, CHILD_PROPS, EMAIL_SLOTS, FILEAS_PARAM, IM_SLOTS, INSTANT_PARAM, RANK_PROP,
  RAW_VALUE_PARAM, SLOT_PARAM, TEL_SLOTS, X_TEXT, addressFields, bareAddress, composedName, htmlNoteText, type AddressKind,
} from './vcard-map.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * ical.js escapes text values but writes phone-number, uri and binary values as they are, so a line
 * break inside one would end the property and start a forged one. Numbers, links and base64 have no
 * line breaks; any that came in become spaces.
 */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

/**
 * BDAY / X-ANNIVERSARY: the day, and the instant the phone sent when the day alone would not give it
 * back (a phone east of UTC sends the day before, 22:00Z).
 */
function dateProp(name: string, instant: string | null): JProp | null {
  if (!instant) return null;
  const day = contactDay(instant);
  if (!day) return null;
  const value = `${pad(day.year, 4)}-${pad(day.month)}-${pad(day.day)}`;
  const params = dayInstant(day.year, day.month, day.day) === instant ? {} : { [INSTANT_PARAM]: instant };
  // X- properties have no known type: 'unknown' writes the value as is (no VALUE=, no escaping needed).
  return name === 'bday' ? [name, params, 'date', value] : [name, params, 'unknown', value];
}

/** JPEG, PNG or GIF from the first bytes of the base64; undefined when it is none of them. */
function imageType(b64: string): string | undefined {
  if (b64.startsWith('/9j/')) return 'JPEG';
  if (b64.startsWith('iVBORw0KGgo')) return 'PNG';
  if (b64.startsWith('R0lGOD')) return 'GIF';
  return undefined;
}

function phones(d: ContactData): JProp[] {
  return TEL_SLOTS.filter((s) => d[s.field] !== '').map((s): JProp => ['tel', { type: [...s.types], [SLOT_PARAM]: s.field }, 'phone-number', oneLine(d[s.field])]);
}

function emails(d: ContactData): JProp[] {
  return EMAIL_SLOTS.filter((f) => d[f] !== '').map((f): JProp => {
    const address = bareAddress(d[f]);
    return ['email', { type: ['INTERNET'], [SLOT_PARAM]: f, ...(address !== d[f] ? { [RAW_VALUE_PARAM]: d[f] } : {}) }, 'text', address];
  });
}

function addresses(d: ContactData): JProp[] {
  const out: JProp[] = [];
  for (const kind of ['home', 'business', 'other'] as AddressKind[]) {
    const [street = '', city = '', state = '', code = '', country = ''] = addressFields(kind).map((f) => d[f]);
    if (!street && !city && !state && !code && !country) continue;
    const type = ADDRESS_TYPES[kind];
    out.push(['adr', { ...(type ? { type } : {}), [SLOT_PARAM]: kind }, 'text', ['', '', street, city, state, code, country]]);
  }
  return out;
}

function notes(d: ContactData): JProp[] {
  if (!d.body) return [];
  if (d.bodyType === 1) return [['note', {}, 'text', d.body]];
  const native: JProp = [BODY_PROP, { [BODY_TYPE_PARAM]: d.bodyType === 2 ? 'html' : 'rtf' }, 'text', d.body];
  const text = d.bodyType === 2 ? htmlNoteText(d.body) : '';
  return text ? [['note', {}, 'text', text], native] : [native];
}

export function writeCard(d: ContactData, categories: readonly string[], uid?: string): string {
  const composed = composedName(d);
  const props: Array<JProp | null | false> = [
    ['version', {}, 'text', '3.0'],
    uid !== undefined && ['uid', {}, 'text', uid],
    // FN is the FileAs when there is one; the marker says so when it happens to equal the composed name.
    ['fn', d.fileAs !== '' && d.fileAs === composed ? { [FILEAS_PARAM]: 'TRUE' } : {}, 'text', d.fileAs || composed],
    ['n', {}, 'text', [d.lastName, d.firstName, d.middleName, d.title, d.suffix]],
    d.nickName !== '' && ['nickname', {}, 'text', d.nickName],
    (d.companyName !== '' || d.department !== '') && ['org', {}, 'text', d.department ? [d.companyName, d.department] : [d.companyName]],
    d.jobTitle !== '' && ['title', {}, 'text', d.jobTitle],
    dateProp('bday', d.birthday),
    dateProp('x-anniversary', d.anniversary),
    ...phones(d),
    ...emails(d),
    ...addresses(d),
    ...IM_SLOTS.filter((f) => d[f] !== '').map((f): JProp => ['impp', { [SLOT_PARAM]: f }, 'text', d[f]]),
    d.webPage !== '' && ['url', {}, 'uri', oneLine(d.webPage)],
    ...X_TEXT.filter((x) => d[x.field] !== '').map((x): JProp => [x.names[0] ?? '', {}, 'text', d[x.field]]),
    ...d.children.map((c): JProp => [CHILD_PROPS[0] ?? '', {}, 'text', c]),
    d.weightedRank !== null && [RANK_PROP, {}, 'text', String(d.weightedRank)],
    categories.length > 0 && ['categories', {}, 'text', ...categories],
    ...notes(d),
    /^[A-Za-z0-9+/]+={0,2}$/.test(d.picture) && ['photo', { encoding: 'b', ...(imageType(d.picture) ? { type: imageType(d.picture) ?? '' } : {}) }, 'binary', d.picture],
  ];
  return stringifyCard(props.filter((p): p is JProp => !!p));
}
