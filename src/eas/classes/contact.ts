// The Contacts class (MS-ASCNTC 2.2.2, every version from 2.5): all Contacts (code page 1) and Contacts2
// (code page 12) properties and the notes, to and from the store's contact data (src/pim/contact-model.ts).
// Render follows the schema order (MS-ASCMD 6.46: AirSyncBase:Body, then Contacts AllProps, then
// Contacts2 AllProps) and leaves out what is empty, and a Picture over the 48 KB limit.
//
// What a Change means (MS-ASCNTC 3.1.5.3, MS-ASCMD 2.2.3.179 Supported): the client sends the whole
// contact, and a property it leaves out is deleted, because without a Supported list in the collection's
// first Sync every ghostable property is "not ghosted", i.e. the client claims to manage it. Exceptions,
// each kept as stored when absent:
// - a property the collection's Supported list leaves out (ghosted: the phone cannot hold it), when the
//   caller passes that list (ContactContext.supported);
// - the notes: not ghostable, and a phone whose address book has no notes field sends Changes without
//   them; wiping notes typed elsewhere on every phone edit would be data loss. MS-ASNOTE's Sync command
//   response section states this rule for notes. A client clears notes by sending an empty Body;
// - the Picture: clients that never downloaded a photo (or dropped it for size) send Changes without one.
//   An empty <Picture/> deletes it;
// - Alias and WeightedRank below 14.0, which cannot carry them.
// An empty element (<FirstName/>) always clears.
//
// FileAs: a contact without one is sent one composed from its name, company or e-mail address
// (composedFileAs in src/pim/contact-model.ts), at render time so contacts stored before benefit too,
// and the stored value stays empty. A phone echoes that composed value back in its next Change; storing
// it would freeze it, so a later name edit (made on a phone that does not recompute FileAs, or in an
// import) would leave the contact filed under its old name. So while the stored FileAs is empty, a
// FileAs equal to the one composed from the stored contact or from the changed one is kept empty; any
// other FileAs the client sends is the user's own and is stored.
//
// Refused with ClassError (Sync Status 6, nothing stored): an element from another class, a date that is
// not a dateTime, a Picture that is not base64 or is over 48 KB of base64 (MS-ASCNTC 2.2.2.58 requires
// Status 6), a body Type other than 1 to 3, more than 300 categories or children.
import { composedFileAs, emptyContact, readContactData, shownFileAs, type ContactData } from '../../pim/contact-model.js';
import type { Item } from '../../store/types.js';
import { child, children, el, elements, namespaceOf, qnameOf, text, type Content, type WbxmlElement } from '../wbxml/index.js';
import { parseBody, renderAsbBody, renderBody25 } from './contact-body.js';
import { CONTACT_ENTRIES, MAX_LIST, MAX_PICTURE_CHARS, parseEasDate, parsePicture, parseRank, type ContactEntry } from './contact-fields.js';
import { ClassError, type ClassContext, type ItemClass } from './registry.js';

export type { ContactData } from '../../pim/contact-model.js';

/** The first version with AirSyncBase:Body (12.0); 2.5 uses Contacts:Body. */
const ASB_BODY = 120;
const RECIPIENT_CACHE = 140;

/** What the class uses beyond ClassContext; optional, so the Sync command may pass them when it tracks them. */
export interface ContactContext extends ClassContext {
  /** 2.5 Truncation of the notes, in bytes (MS-ASCMD 2.2.3.189); none: the whole notes. */
  truncation?: number | undefined;
  /**
   * The collection's Supported list as qualified names ('Contacts:FirstName'); null or absent when the
   * client sent none, which makes nothing ghosted (MS-ASCMD 2.2.3.179).
   */
  supported?: ReadonlySet<string> | null | undefined;
}

/** A stored contact, every field present (missing ones empty). */
export function contactData(item: Item): ContactData {
  return readContactData(item.data);
}

function renderEntry(e: ContactEntry, d: ContactData, item: Item, ctx: ContactContext): Content {
  switch (e.kind) {
    case 'text': return ctx.version >= e.minVersion && d[e.field] !== '' && el(e.qname, d[e.field]);
    case 'date': return d[e.field] !== null && el(e.qname, d[e.field]);
    case 'rank': return ctx.version >= RECIPIENT_CACHE && d.weightedRank !== null && el(e.qname, d.weightedRank);
    // A photo over the 48 KB a client may send back (one imported from a vCard) is not sent: the phone's next
    // Change would carry it and be refused, and a Change without it keeps it here.
    case 'picture': return d.picture !== '' && d.picture.length <= MAX_PICTURE_CHARS && el(e.qname, d.picture);
    case 'categories': return item.categories.length > 0 && el(e.qname, item.categories.map((x) => el('Contacts:Category', x)));
    case 'children': return d.children.length > 0 && el(e.qname, d.children.map((x) => el('Contacts:Child', x)));
    case 'body25': return ctx.version < ASB_BODY && renderBody25(d, ctx.truncation);
  }
}

export function renderContact(item: Item, ctx: ContactContext): WbxmlElement {
  const stored = contactData(item);
  const d = { ...stored, fileAs: shownFileAs(stored) };
  return el('AirSync:ApplicationData',
    ctx.version >= ASB_BODY && renderAsbBody(d, ctx.bodyPreferences),
    CONTACT_ENTRIES.map((e) => renderEntry(e, d, item, ctx)));
}

function list(e: WbxmlElement, itemName: 'Contacts:Category' | 'Contacts:Child'): string[] {
  const values = children(e, itemName).map((x) => text(x)).filter((s) => s !== '');
  if (values.length > MAX_LIST) throw new ClassError(`${qnameOf(e)} has ${values.length} entries, more than ${MAX_LIST}`);
  return values;
}

/** A client's Add (no `current`) or Change (on top of `current`); see the header for what is kept. */
export function parseContact(appData: WbxmlElement, ctx: ContactContext, current?: { data: ContactData; categories: string[] }): { data: ContactData; categories: string[] } {
  for (const e of elements(appData)) {
    const space = namespaceOf(e.page);
    if (space !== 'Contacts' && space !== 'Contacts2' && space !== 'AirSyncBase') throw new ClassError(`${qnameOf(e)} is not a Contact class element`);
  }
  // The vCard identity is the server's, not a property the phone holds (src/pim/contact-model.ts).
  const data = { ...emptyContact(), uid: current?.data.uid ?? '' };
  let categories: string[] = [];
  const ghosted = (qname: string): boolean => current !== undefined && !!ctx.supported && !ctx.supported.has(qname);
  for (const entry of CONTACT_ENTRIES) {
    if (entry.kind === 'body25') continue;
    const e = child(appData, entry.qname);
    switch (entry.kind) {
      case 'text':
        if (e) data[entry.field] = text(e);
        else if (current && (ctx.version < entry.minVersion || (entry.ghost && ghosted(entry.qname)))) data[entry.field] = current.data[entry.field];
        break;
      case 'date':
        if (e) data[entry.field] = text(e).trim() === '' ? null : parseEasDate(text(e), entry.qname);
        else if (current && ghosted(entry.qname)) data[entry.field] = current.data[entry.field];
        break;
      case 'rank':
        if (e) data.weightedRank = parseRank(text(e));
        else if (current && ctx.version < RECIPIENT_CACHE) data.weightedRank = current.data.weightedRank;
        break;
      case 'picture':
        if (e) data.picture = parsePicture(text(e));
        else if (current) data.picture = current.data.picture;
        break;
      case 'categories':
        if (e) categories = list(e, 'Contacts:Category');
        else if (current && ghosted(entry.qname)) categories = [...current.categories];
        break;
      case 'children':
        if (e) data.children = list(e, 'Contacts:Child');
        else if (current && ghosted(entry.qname)) data.children = [...current.data.children];
        break;
    }
  }
  // The composed FileAs we sent, coming back: not the user's own (see the header).
  if (current && current.data.fileAs === '' && (data.fileAs === composedFileAs(current.data) || data.fileAs === composedFileAs(data))) data.fileAs = '';
  const body = parseBody(appData) ?? current?.data;
  if (body) {
    data.body = body.body;
    data.bodyType = body.bodyType;
  }
  return { data, categories };
}

export const contactClass: ItemClass = {
  className: 'Contacts',
  itemKind: 'contact',
  folderKind: 'contacts',
  minVersion: 25,
  render: (item, ctx: ContactContext) => Promise.resolve(renderContact(item, ctx)),
  parse(appData, ctx: ContactContext, current) {
    return parseContact(appData, ctx, current ? { data: contactData(current), categories: current.categories } : undefined);
  },
};
