// The identity of an imported contact. A vCard's UID (RFC 6350 6.7.6, RFC 2426 3.6.7) names it; many
// address books (old Outlook and phone exports, hand-written files) write cards without one, and then
// importing the same file twice would give two of each. Such a card is named by a digest of what makes
// it that person: its name as shown (FN, else the name composed from N, else the company), its e-mail
// addresses and its phone numbers, each normalised (case, spacing, order; phone punctuation), so the
// same card read again, or re-exported by another address book, gets the same UID, while cards with
// other names stay apart. The UID is stored with the contact and written by the export, so the
// identity survives an export and import even after the contact's name changes.
import { createHash } from 'node:crypto';
import type { ContactData } from './contact-model.js';
import { bareAddress, composedName, EMAIL_SLOTS, TEL_SLOTS } from './vcard-map.js';

const fold = (s: string): string => s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();

/** The parts of a contact its derived identity is made of. */
function identityParts(d: ContactData): [string, string[], string[]] {
  const name = fold(d.fileAs || composedName(d));
  const emails = EMAIL_SLOTS.map((f) => fold(bareAddress(d[f]))).filter((s) => s !== '').sort();
  // "+39 333 000000", "+39-333-000000" and "+39 (333) 000000" are one number.
  const phones = TEL_SLOTS.map((s) => d[s.field].replace(/[^0-9+*#a-z]/gi, '').toLowerCase()).filter((s) => s !== '').sort();
  return [name, [...new Set(emails)], [...new Set(phones)]];
}

/**
 * The UIDs of UID-less cards, in file order. Two cards of one file with the same parts (the same
 * person written twice) get -2, -3... after the first, so both are kept, and a re-import of that file
 * pairs them up again in the same order.
 */
export class DerivedUids {
  private readonly seen = new Map<string, number>();

  next(d: ContactData): string {
    const digest = createHash('sha256').update(JSON.stringify(identityParts(d))).digest('hex').slice(0, 32);
    const n = (this.seen.get(digest) ?? 0) + 1;
    this.seen.set(digest, n);
    return `vcard-${digest}${n > 1 ? `-${n}` : ''}@carbonio-mobile`;
  }
}
