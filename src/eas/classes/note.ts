// The Notes class (MS-ASNOTE 2.2.2, 14.0 and later): Subject, the body as AirSyncBase:Body (plain text or
// HTML), MessageClass, LastModifiedDate and Categories, to and from the store's note data. A note made on
// a phone and synced back is unchanged field by field.
import type { Item } from '../../store/types.js';
import type { ItemClass } from './registry.js';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import { cutUtf8, htmlToPlain, plainToHtml } from './body-text.js';
import type { BodyPreference } from './email.js';
import { easDate } from './email-fields.js';

const n = ns('Notes');
const asb = ns('AirSyncBase');

/** A note as the store keeps it (`Item.data`). */
export interface NoteData {
  subject: string;
  body: string;
  /** 1 plain text, 2 HTML: the type the note was written in. */
  bodyType: 1 | 2;
  messageClass: string;
  /** Epoch ms of the last change. */
  lastModified: number;
}

export function noteData(item: Item): NoteData {
  const d = (item.data ?? {}) as Partial<NoteData>;
  return {
    subject: typeof d.subject === 'string' ? d.subject : '',
    body: typeof d.body === 'string' ? d.body : '',
    bodyType: d.bodyType === 2 ? 2 : 1,
    messageClass: typeof d.messageClass === 'string' && d.messageClass ? d.messageClass : 'IPM.StickyNote',
    lastModified: typeof d.lastModified === 'number' ? d.lastModified : item.receivedAt,
  };
}

/** The body in the first type the client asked for that a note can give (1 or 2), cut to its TruncationSize. */
function body(note: NoteData, prefs: readonly BodyPreference[]): WbxmlElement {
  const pref = prefs.find((p) => p.type === 1 || p.type === 2) ?? { type: note.bodyType };
  const type = pref.type === 2 ? 2 : 1;
  const textOfType = type === note.bodyType ? note.body : type === 1 ? htmlToPlain(note.body) : plainToHtml(note.body);
  const cut = cutUtf8(textOfType, pref.truncationSize);
  if (pref.allOrNone && cut.truncated) return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), asb('Truncated', 1));
  return asb('Body', asb('Type', type), asb('EstimatedDataSize', cut.size), cut.truncated && asb('Truncated', 1), asb('Data', cut.data));
}

export function renderNote(item: Item, prefs: readonly BodyPreference[]): WbxmlElement {
  const note = noteData(item);
  return el('AirSync:ApplicationData',
    body(note, prefs),
    n('Subject', note.subject),
    n('MessageClass', note.messageClass),
    n('LastModifiedDate', easDate(note.lastModified)),
    n('Categories', item.categories.map((c) => n('Category', c))));
}

/**
 * A client's note (Add, or Change on top of `current`): only what the client sent changes (MS-ASNOTE
 * 3.1.5.1: a missing element is left as it was on a Change).
 */
export function parseNote(appData: WbxmlElement, now: number, current?: { data: NoteData; categories: string[] }): { data: NoteData; categories: string[] } {
  const base = current?.data ?? { subject: '', body: '', bodyType: 1, messageClass: 'IPM.StickyNote', lastModified: now };
  const b = child(appData, 'AirSyncBase:Body');
  const type = b ? intOf(b, 'AirSyncBase:Type') : undefined;
  const data: NoteData = {
    subject: textOf(appData, 'Notes:Subject') ?? base.subject,
    body: b ? textOf(b, 'AirSyncBase:Data') ?? '' : base.body,
    bodyType: b ? (type === 2 ? 2 : 1) : base.bodyType,
    messageClass: textOf(appData, 'Notes:MessageClass') || base.messageClass,
    lastModified: now,
  };
  const cats = child(appData, 'Notes:Categories');
  const categories = cats ? children(cats, 'Notes:Category').map((c) => text(c)) : current?.categories ?? [];
  return { data, categories };
}

export const noteClass: ItemClass = {
  className: 'Notes',
  itemKind: 'note',
  folderKind: 'notes',
  minVersion: 140,
  render: (item, ctx) => Promise.resolve(renderNote(item, ctx.bodyPreferences)),
  parse(appData, ctx, current) {
    return parseNote(appData, ctx.now, current ? { data: noteData(current), categories: current.categories } : undefined);
  },
};
