// The notes of a contact: AirSyncBase:Body from 12.0 on (MS-ASCNTC 2.2.2.7.1, MS-ASAIRS 2.2.2.9) with the
// client's BodyPreference Type and TruncationSize (MS-ASAIRS 2.2.2.12, 2.2.2.40); Contacts:Body,
// BodySize and BodyTruncated in 2.5 (MS-ASCNTC 2.2.2.7.2, 2.2.2.8, 2.2.2.9), and the 2.5 Contacts:Rtf of
// Windows Mobile. Plain text and HTML convert into each other; RTF (base64 of compressed RTF) does not,
// so it goes only to a client that asked for Type 3 and is never cut.
import { Buffer } from 'node:buffer';
import type { ContactData } from '../../pim/contact-model.js';
import { child, el, intOf, ns, text, textOf, type Content, type WbxmlElement } from '../wbxml/index.js';
import { cutUtf8, htmlToPlain, plainToHtml } from './body-text.js';
import type { BodyPreference } from './email.js';
import { ClassError } from './registry.js';

const asb = ns('AirSyncBase');
const c = ns('Contacts');

type Body = Pick<ContactData, 'body' | 'bodyType'>;

const convert = (b: Body, type: 1 | 2): string =>
  (type === b.bodyType ? b.body : type === 1 ? htmlToPlain(b.body) : plainToHtml(b.body));

/** AirSyncBase:Body for 12.0 and later, or null when there are no notes or none in a type the client takes. */
export function renderAsbBody(b: Body, prefs: readonly BodyPreference[]): WbxmlElement | null {
  if (!b.body) return null;
  const canGive = (type: number): boolean => type === b.bodyType || (b.bodyType !== 3 && (type === 1 || type === 2));
  // No BodyPreference (a 12.x client may send none): the notes as they were written.
  const pref = prefs.length === 0 ? { type: b.bodyType } as BodyPreference : prefs.find((p) => canGive(p.type));
  if (!pref) return null;
  if (pref.type === 3) {
    // Cutting base64 of compressed RTF gives garbage: all of it, or the size and Truncated alone.
    const size = Buffer.byteLength(b.body, 'utf8');
    const fits = pref.truncationSize === undefined || size <= pref.truncationSize;
    return asb('Body', asb('Type', 3), asb('EstimatedDataSize', size), !fits && asb('Truncated', 1), fits && asb('Data', b.body));
  }
  const type = pref.type === 2 ? 2 : 1;
  const cut = cutUtf8(convert(b, type), pref.truncationSize);
  if (pref.allOrNone && cut.truncated) return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), asb('Truncated', 1));
  return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), cut.truncated && asb('Truncated', 1), asb('Data', cut.data));
}

/** The 2.5 elements, in schema order: Body, BodySize (the whole size, when cut), BodyTruncated; or Rtf. */
export function renderBody25(b: Body, truncation: number | undefined): Content[] {
  if (!b.body) return [];
  if (b.bodyType === 3) return [el('Contacts:Rtf', b.body)];
  const cut = cutUtf8(convert(b, 1), truncation);
  return [c('Body', cut.data), cut.truncated && el('Contacts:BodySize', cut.size), c('BodyTruncated', cut.truncated ? 1 : 0)];
}

/**
 * The notes a client sent, or undefined when it sent none (the caller keeps the stored ones: see
 * contact.ts). A body the client itself says is truncated is not a new value either: it is the cut
 * copy we gave it, and storing it would lose the rest.
 */
export function parseBody(appData: WbxmlElement): Body | undefined {
  const b = child(appData, 'AirSyncBase:Body');
  if (b) {
    if (intOf(b, 'AirSyncBase:Truncated') === 1) return undefined;
    const type = intOf(b, 'AirSyncBase:Type');
    if (type !== 1 && type !== 2 && type !== 3) throw new ClassError(`contact notes of Body Type ${type ?? 'none'} cannot be stored`);
    return { body: textOf(b, 'AirSyncBase:Data') ?? '', bodyType: type };
  }
  const body25 = child(appData, 'Contacts:Body');
  if (body25) return intOf(appData, 'Contacts:BodyTruncated') === 1 ? undefined : { body: text(body25), bodyType: 1 };
  const rtf = child(appData, 'Contacts:Rtf');
  if (rtf) return { body: text(rtf).replace(/\s+/g, ''), bodyType: 3 };
  return undefined;
}
