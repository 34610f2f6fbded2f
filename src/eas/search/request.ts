// The Search request (MS-ASCMD 2.2.1.16): Store{Name, Query, Options{Range, DeepTraversal, RebuildResults,
// BodyPreference, MIMESupport, Picture}}. Mailbox queries are And{airsync:Class, airsync:CollectionId,
// FreeText, GreaterThan/LessThan{email:DateReceived, Value}} (2.2.3.135.2); phones nest them slightly
// differently, so the parts are looked for anywhere under Query. GAL queries are plain text (2.2.3.135.1).
import type { BodyPreference } from '../classes/email.js';
import { bodyPreferences } from '../sync/item-fetch.js';
import { child, elements, intOf, is, text, textOf, type WbxmlElement } from '../wbxml/index.js';

/** Search statuses (MS-ASCMD 2.2.3.177.13). */
export const SearchStatus = { ok: 1, invalidRequest: 2, serverError: 3, notFound: 6, tooComplex: 8, folderSyncRequired: 11, endOfRange: 12 } as const;

/** The largest page we answer: a request for more gets this many (MS-ASCMD 2.2.3.143.3 lets the server cap). */
export const MAX_RANGE = 100;

export interface MailboxQuery {
  freeText: string;
  collectionIds: string[];
  classes: string[];
  receivedAfter?: number;
  receivedBefore?: number;
}

export interface SearchRequest {
  /** Lower-cased Store Name: 'mailbox' and 'gal' are served. */
  store: string;
  mailbox: MailboxQuery | null;
  galText: string;
  range: { start: number; end: number };
  deepTraversal: boolean;
  rebuildResults: boolean;
  bodyPreferences: BodyPreference[];
  mimeSupport: 0 | 1 | 2;
  picture: { maxSize?: number; maxPictures?: number } | null;
}

export class SearchRequestError extends Error {
  override readonly name = 'SearchRequestError';
}

function descendants(e: WbxmlElement): WbxmlElement[] {
  const out: WbxmlElement[] = [];
  const walk = (x: WbxmlElement): void => {
    for (const c of elements(x)) {
      out.push(c);
      walk(c);
    }
  };
  walk(e);
  return out;
}

function dateOf(cmp: WbxmlElement | undefined): number | undefined {
  const v = textOf(cmp, 'Search:Value');
  if (!cmp || v === undefined) return undefined;
  const t = Date.parse(v.trim());
  if (!Number.isFinite(t)) throw new SearchRequestError(`bad date ${v}`);
  return t;
}

function mailboxQuery(query: WbxmlElement): MailboxQuery {
  const all = descendants(query);
  const free = all.filter((e) => is(e, 'Search:FreeText')).map((e) => text(e).trim()).filter(Boolean);
  const q: MailboxQuery = {
    freeText: free.join(' '),
    collectionIds: all.filter((e) => is(e, 'AirSync:CollectionId')).map((e) => text(e).trim()),
    classes: all.filter((e) => is(e, 'AirSync:Class')).map((e) => text(e).trim()),
  };
  const after = dateOf(all.find((e) => is(e, 'Search:GreaterThan')));
  const before = dateOf(all.find((e) => is(e, 'Search:LessThan')));
  if (after !== undefined) q.receivedAfter = after;
  if (before !== undefined) q.receivedBefore = before;
  return q;
}

function parseRange(s: string | undefined): { start: number; end: number } {
  if (s === undefined) return { start: 0, end: MAX_RANGE - 1 };
  const m = /^(\d{1,9})-(\d{1,9})$/.exec(s.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new SearchRequestError(`bad Range ${s}`);
  const start = Number(m[1]);
  return { start, end: Math.min(Number(m[2]), start + MAX_RANGE - 1) };
}

export function parseSearch(root: WbxmlElement): SearchRequest {
  const store = child(root, 'Search:Store');
  const name = textOf(store, 'Search:Name')?.trim().toLowerCase();
  const query = child(store, 'Search:Query');
  if (!store || !name || !query) throw new SearchRequestError('Search needs Store, Name and Query');
  const options = child(store, 'Search:Options');
  const mime = intOf(options, 'AirSync:MIMESupport');
  const pic = child(options, 'Search:Picture');
  const picture = pic ? { ...(intOf(pic, 'Search:MaxSize') !== undefined ? { maxSize: intOf(pic, 'Search:MaxSize')! } : {}), ...(intOf(pic, 'Search:MaxPictures') !== undefined ? { maxPictures: intOf(pic, 'Search:MaxPictures')! } : {}) } : null;
  return {
    store: name,
    mailbox: name === 'mailbox' ? mailboxQuery(query) : null,
    galText: name === 'gal' ? text(query).trim() : '',
    range: parseRange(textOf(options, 'Search:Range')),
    deepTraversal: child(options, 'Search:DeepTraversal') !== undefined,
    rebuildResults: child(options, 'Search:RebuildResults') !== undefined,
    bodyPreferences: bodyPreferences(options),
    mimeSupport: mime === 1 ? 1 : mime === 2 ? 2 : 0,
    picture,
  };
}

