// The Find request (MS-ASCMD 2.2.1.2, FindRequest.xsd of 6.7): Find{SearchId, ExecuteSearch{
// MailBoxSearchCriterion{Query{airsync:Class*, airsync:CollectionId?, FreeText}, Options{Range, DeepTraversal}}
// | GalSearchCriterion{Query{FreeText}, Options{Range, Picture{MaxSize, MaxPictures}}}}} (code page 25 spells
// the GAL criterion "GalSearchCriterion"). FreeText is KQL; we read it as words the way Search does
// (src/eas/search/kql.ts). The result is the same MailboxQuery that Search builds, so both commands run
// over one full-text index and one GAL lookup.
import { child, elements, intOf, is, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import { kqlText } from './kql.js';
import { MAX_RANGE, type MailboxQuery, type SearchRequest } from './request.js';

/** Find statuses (MS-ASCMD 2.2.3.177.2). */
export const FindStatus = { ok: 1, invalidRequest: 2, folderSyncRequired: 3, rangeNotFromZero: 4 } as const;

/** Range values allowed by Find: 0 <= m <= n <= 999 (MS-ASCMD 2.2.3.143.1). */
const MAX_INDEX = 999;

export type FindTarget =
  | { store: 'mailbox'; query: MailboxQuery; deepTraversal: boolean }
  | { store: 'gal'; text: string; picture: SearchRequest['picture'] };

export interface FindRequest {
  searchId: string;
  target: FindTarget;
  /** The page asked for, capped at MAX_RANGE results. */
  range: { start: number; end: number };
}

export class FindRequestError extends Error {
  override readonly name = 'FindRequestError';
}

function parseRange(s: string | undefined): { start: number; end: number } {
  if (s === undefined) return { start: 0, end: MAX_RANGE - 1 };
  const m = /^(\d{1,3})-(\d{1,3})$/.exec(s.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > MAX_INDEX) throw new FindRequestError(`bad Range ${s}`);
  const start = Number(m[1]);
  return { start, end: Math.min(Number(m[2]), start + MAX_RANGE - 1) };
}

/** FreeText elements anywhere under Query, joined: phones put one; nothing forbids several. */
function freeText(query: WbxmlElement): string {
  return elements(query).filter((e) => is(e, 'Find:FreeText')).map((e) => text(e).trim()).filter(Boolean).join(' ');
}

function mailboxTarget(criterion: WbxmlElement): FindTarget {
  const query = child(criterion, 'Find:Query');
  if (!query) throw new FindRequestError('MailBoxSearchCriterion needs a Query');
  const ids = elements(query).filter((e) => is(e, 'AirSync:CollectionId')).map((e) => text(e).trim());
  // FindRequest.xsd allows at most one CollectionId; more is a request we cannot read one way.
  if (ids.length > 1 || ids.some((id) => !id)) throw new FindRequestError('one non-empty CollectionId at most');
  const raw = freeText(query);
  const words = kqlText(raw);
  if (!words) throw new FindRequestError(raw ? `nothing searchable in FreeText "${raw}"` : 'Query needs FreeText');
  const options = child(criterion, 'Find:Options');
  return {
    store: 'mailbox',
    query: { freeText: words, collectionIds: ids, classes: elements(query).filter((e) => is(e, 'AirSync:Class')).map((e) => text(e).trim()) },
    deepTraversal: child(options, 'Find:DeepTraversal') !== undefined,
  };
}

function galTarget(criterion: WbxmlElement): FindTarget {
  const query = child(criterion, 'Find:Query');
  if (!query) throw new FindRequestError('GalSearchCriterion needs a Query');
  // Query{FreeText} per the schema; some clients put the text straight in Query as Search's GAL does.
  const q = (freeText(query) || text(query)).trim().replace(/^"(.*)"$/, '$1').trim();
  if (!q) throw new FindRequestError('GAL Query is empty');
  const pic = child(child(criterion, 'Find:Options'), 'Find:Picture');
  const maxSize = intOf(pic, 'Find:MaxSize');
  const maxPictures = intOf(pic, 'Find:MaxPictures');
  const picture = pic ? { ...(maxSize !== undefined ? { maxSize } : {}), ...(maxPictures !== undefined ? { maxPictures } : {}) } : null;
  return { store: 'gal', text: q, picture };
}

export function parseFind(root: WbxmlElement): FindRequest {
  const searchId = textOf(root, 'Find:SearchId')?.trim();
  const exec = child(root, 'Find:ExecuteSearch');
  if (!searchId || !exec) throw new FindRequestError('Find needs SearchId and ExecuteSearch');
  const mailbox = child(exec, 'Find:MailBoxSearchCriterion');
  const gal = child(exec, 'Find:GalSearchCriterion');
  // ExecuteSearch is a choice of exactly one criterion.
  if ((mailbox === undefined) === (gal === undefined)) throw new FindRequestError('ExecuteSearch needs exactly one criterion');
  const criterion = (mailbox ?? gal)!;
  const target = mailbox ? mailboxTarget(mailbox) : galTarget(criterion);
  return { searchId, target, range: parseRange(textOf(child(criterion, 'Find:Options'), 'Find:Range')) };
}
