// Search of Store GAL (MS-ASCMD 2.2.1.16, 2.2.3.135.1; properties MS-ASCMD 2.2.3.134.1 / the GAL namespace):
// the global address list is the active accounts of the caller's own domain (a user never sees the
// accounts of other domains), with the address-book fields admins set (`carbonio prov ma ... title X`). An entry matches when its address, or any word of its display name,
// begins with the query (case and accents ignored), which is what recipient autocomplete types.
// Ordered by display name, paged by Range. Accounts carry no photo yet: a Picture request is answered
// with Picture Status 173 (no photo), MS-ASCMD 2.2.3.177.13.
import type { Account } from '../../store/types.js';
import type { EasContext } from '../command.js';
import { PictureStatus } from '../statuses.js';
import { ns, type WbxmlElement } from '../wbxml/index.js';
import type { SearchRequest } from './request.js';

const gal = ns('GAL');

/** Case and accents dropped, for matching what a user types against names. */
export const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

/** Whether an account is what a GAL query for `text` means. */
export function galMatches(a: Account, text: string): boolean {
  const q = fold(text.trim());
  if (!q) return false;
  if (a.email.startsWith(q)) return true;
  const name = fold(a.displayName);
  return name.startsWith(q) || name.split(/[\s,.;'"()-]+/).some((w) => w.startsWith(q));
}

/** The active accounts of the caller's domain that match, by display name. */
export async function galLookup(ctx: EasContext, text: string): Promise<Account[]> {
  const all = await ctx.deps.store.accounts.list({ domainId: ctx.account.domainId });
  return all
    .filter((a) => a.status === 'active' && galMatches(a, text))
    .sort((x, y) => (x.displayName || x.email).localeCompare(y.displayName || y.email) || x.email.localeCompare(y.email));
}

/** GAL properties in the namespace's order (MS-ASCMD 2.2.3.134.1); first and last name from the profile, else from the display name. */
export function galProperties(a: Account, picture: SearchRequest['picture']): WbxmlElement[] {
  const name = a.displayName.trim();
  const words = name.split(/\s+/).filter(Boolean);
  const p = a.profile;
  const first = p.firstName ?? (words.length > 1 ? words.slice(0, -1).join(' ') : undefined);
  const last = p.lastName ?? (words.length > 0 ? words[words.length - 1] : undefined);
  return [
    gal('DisplayName', name || a.email),
    p.phone !== undefined && gal('Phone', p.phone),
    p.office !== undefined && gal('Office', p.office),
    p.title !== undefined && gal('Title', p.title),
    p.company !== undefined && gal('Company', p.company),
    gal('Alias', a.email.slice(0, a.email.indexOf('@'))),
    first !== undefined && gal('FirstName', first),
    last !== undefined && gal('LastName', last),
    p.homePhone !== undefined && gal('HomePhone', p.homePhone),
    p.mobilePhone !== undefined && gal('MobilePhone', p.mobilePhone),
    gal('EmailAddress', a.email),
    picture !== null && gal('Picture', gal('Status', PictureStatus.noPhoto)),
  ].filter((e): e is WbxmlElement => e !== false);
}
