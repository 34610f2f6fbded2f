// Flags shared with ActiveSync (issue 18): \Seen = Read, \Flagged = Flag, \Answered / $Forwarded = the last
// verb, \Draft, and \Deleted (IMAP's own until EXPUNGE deletes the message, which phones see as a Delete).
// Keywords are the item's categories, so a Thunderbird tag is an Outlook category and back; a category
// that is not a valid IMAP atom (a space, a parenthesis...) is kept but not shown as a keyword.
import type { ImapEntry } from '../store/imap-types.js';
import type { ItemFlags, ItemPatch } from '../store/types.js';

export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export const FORWARDED = '$Forwarded';
/** FLAGS and PERMANENTFLAGS of every mailbox: \* says clients may create keywords (RFC 9051 7.1). */
export const FLAGS_LIST = [...SYSTEM_FLAGS, FORWARDED];
export const PERMANENT_FLAGS = [...FLAGS_LIST, '\\*'];

/** RFC 9051 atom-char without the list and resp specials: what a keyword may be. */
const KEYWORD = /^[^\\(){ %*"\]\x00-\x20\x7f-\uffff]+$/u;
export const isKeyword = (s: string): boolean => KEYWORD.test(s) && s.toLowerCase() !== FORWARDED.toLowerCase();

export function flagsOf(e: Pick<ImapEntry, 'flags' | 'deleted' | 'categories'>): string[] {
  const out: string[] = [];
  if (e.flags.seen) out.push('\\Seen');
  if (e.flags.answered) out.push('\\Answered');
  if (e.flags.flagged) out.push('\\Flagged');
  if (e.deleted) out.push('\\Deleted');
  if (e.flags.draft) out.push('\\Draft');
  if (e.flags.forwarded) out.push(FORWARDED);
  for (const c of e.categories) if (isKeyword(c)) out.push(c);
  return out;
}

export type StoreMode = 'set' | 'add' | 'remove';

/** What a STORE does to one message: the item patch (null: none) and the \Deleted state (undefined: unchanged). */
export interface FlagChange {
  patch: ItemPatch | null;
  deleted: boolean | undefined;
}

const systemKey: Record<string, keyof ItemFlags> = {
  '\\seen': 'seen', '\\answered': 'answered', '\\flagged': 'flagged', '\\draft': 'draft', [FORWARDED.toLowerCase()]: 'forwarded',
};

/** The change a STORE of `flags` in `mode` makes to the message as it is now. Unknown system flags (\Recent) are ignored. */
export function storeChange(e: Pick<ImapEntry, 'flags' | 'deleted' | 'categories'>, mode: StoreMode, flags: readonly string[]): FlagChange {
  const named = new Set<keyof ItemFlags>();
  let deletedNamed = false;
  const keywords: string[] = [];
  for (const f of flags) {
    const k = f.toLowerCase();
    if (k === '\\deleted') deletedNamed = true;
    else if (systemKey[k]) named.add(systemKey[k]);
    else if (!f.startsWith('\\') && isKeyword(f)) keywords.push(f);
  }
  const want = (key: keyof ItemFlags): boolean => (mode === 'set' ? named.has(key) : mode === 'add' ? e.flags[key] || named.has(key) : e.flags[key] && !named.has(key));
  const next: Partial<ItemFlags> = {};
  for (const key of ['seen', 'answered', 'flagged', 'draft', 'forwarded'] as const) if (want(key) !== e.flags[key]) next[key] = want(key);
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const named_ = lower(keywords);
  let categories: string[];
  if (mode === 'set') categories = [...e.categories.filter((c) => !isKeyword(c)), ...dedupe(keywords)];
  else if (mode === 'add') categories = [...e.categories, ...dedupe(keywords).filter((k) => !lower(e.categories).has(k.toLowerCase()))];
  else categories = e.categories.filter((c) => !named_.has(c.toLowerCase()));
  const sameCategories = categories.length === e.categories.length && categories.every((c, i) => c === e.categories[i]);
  const deleted = mode === 'set' ? deletedNamed : mode === 'add' ? (deletedNamed ? true : undefined) : deletedNamed ? false : undefined;
  const patch: ItemPatch = {};
  if (Object.keys(next).length > 0) patch.flags = next;
  if (!sameCategories) patch.categories = categories;
  return { patch: Object.keys(patch).length > 0 ? patch : null, deleted: deleted === e.deleted ? undefined : deleted };
}

function dedupe(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(x.toLowerCase()) ? false : (seen.add(x.toLowerCase()), true)));
}
