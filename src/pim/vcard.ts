// Contacts as vCard, for import, export and CardDAV. We write vCard 3.0 (RFC 2426) and read 2.1, 3.0 and
// 4.0 (RFC 6350), several cards per file. Why 3.0 out: CardDAV servers must support it (RFC 6352 5.1)
// while 4.0 is optional, and the address books people import into (Apple Contacts, Outlook, Android,
// Thunderbird) all read 3.0 while some still refuse or mangle 4.0; nothing a contact holds needs 4.0.
//
// The mapping (vcard-map.ts) keeps every ContactData field: ContactData -> vCard -> ContactData gives the
// same data. Field by field: N = LastName;FirstName;MiddleName;Title;Suffix, FN = FileAs (or the
// composed name), ORG = CompanyName;Department, TITLE = JobTitle (ROLE read when TITLE is missing),
// TEL / EMAIL / ADR / IMPP by TYPE and slot, BDAY and X-ANNIVERSARY, NOTE = notes, CATEGORIES, URL =
// WebPage, NICKNAME, PHOTO (base64; data: URIs read), X- properties for the rest.
import type { ContactData } from './contact-model.js';
import { parseCards, VCardError } from './vcard-jcal.js';
import { readCard } from './vcard-read.js';
import { writeCard } from './vcard-write.js';

export { VCardError };

export interface ParsedVCard {
  data: ContactData;
  categories: string[];
  /** The card's UID, which a CardDAV store keys on; null when it has none. */
  uid: string | null;
}

/** One contact as a vCard 3.0 text (CRLF line ends, lines folded), with a UID when given. */
export function contactToVCard(data: ContactData, categories: readonly string[], opts: { uid?: string } = {}): string {
  return writeCard(data, categories, opts.uid);
}

/**
 * Every contact of a .vcf text (one card or many, 2.1 to 4.0). Throws VCardError when the text is not
 * vCard at all; a file that is only partly vCard fails as a whole, so an import never half-succeeds.
 */
export function parseVCards(text: string): ParsedVCard[] {
  return parseCards(text).map(readCard);
}
