// Who a typed name or address can be, for ResolveRecipients (MS-ASCMD 2.2.1.15): the global address list
// (the active accounts of the caller's domain, src/eas/search/gal.ts) and the caller's own contacts, and
// the free/busy of a local account (src/pim/freebusy.ts over its calendars). Contacts are read folder by
// folder in pages; a contact matches when one of its addresses, or a word of its name, begins with the text.
import { folderPages } from '../../store/pages.js';
import type { Account } from '../../store/types.js';
import { readContactData } from '../../pim/contact-model.js';
import { mergedFreeBusy } from '../../pim/freebusy.js';
import type { EasContext } from '../command.js';
import { fold, galLookup } from '../search/gal.js';

export interface Candidate {
  /** 1 GAL, 2 contact (MS-ASCMD 2.2.3.186.5). */
  type: 1 | 2;
  displayName: string;
  email: string;
  /** The local account behind the address, when there is one (free/busy comes from its calendars). */
  account: Account | null;
}


/** The bare address of `"Name" <a@b>` or `a@b`. */
const bare = (s: string): string => (/<([^>]+)>/.exec(s)?.[1] ?? s).trim().toLowerCase();

async function contactCandidates(ctx: EasContext, text: string): Promise<Candidate[]> {
  const q = fold(text).trim();
  const exact = q.includes('@');
  const out: Candidate[] = [];
  for (const folder of (await ctx.deps.store.mailbox.listFolders(ctx.account.id)).filter((f) => f.kind === 'contacts')) {
    for await (const page of folderPages(ctx.deps.store.mailbox, folder.accountId, folder.id)) {
      for (const item of page) {
        if (item.kind !== 'contact') continue;
        const c = readContactData(item.data);
        const emails = [c.email1Address, c.email2Address, c.email3Address].filter(Boolean).map(bare);
        const name = c.fileAs || [c.firstName, c.lastName].filter(Boolean).join(' ');
        const words = fold([c.firstName, c.middleName, c.lastName, c.fileAs, c.nickName].join(' ')).split(/[\s,.;'"()-]+/).filter(Boolean);
        const hit = exact ? emails.find((e) => e === q) : emails.find((e) => e.startsWith(q)) ?? (words.some((w) => w.startsWith(q)) ? emails[0] : undefined);
        if (hit) out.push({ type: 2, displayName: name || hit, email: hit, account: null });
      }
    }
  }
  return out;
}

/** Every GAL entry and contact the text can mean; an address matches only itself. GAL first, one entry per address. */
export async function candidatesFor(ctx: EasContext, text: string): Promise<Candidate[]> {
  const q = fold(text).trim();
  if (!q) return [];
  const gal = (await galLookup(ctx, q.includes('@') ? q.slice(0, q.indexOf('@')) : q))
    .filter((a) => !q.includes('@') || a.email === q)
    .map((a): Candidate => ({ type: 1, displayName: a.displayName || a.email, email: a.email, account: a }));
  const seen = new Set(gal.map((g) => g.email));
  const contacts: Candidate[] = [];
  for (const c of await contactCandidates(ctx, q)) {
    if (seen.has(c.email)) continue;
    seen.add(c.email);
    // A contact for a colleague: free/busy comes from their calendars if they are on this server, in this domain.
    const account = await ctx.deps.store.accounts.getByEmail(c.email);
    contacts.push({ ...c, account: account && account.domainId === ctx.account.domainId && account.status === 'active' ? account : null });
  }
  return [...gal, ...contacts];
}

/** MergedFreeBusy of an account's calendars between start and end. */
export async function freeBusyOf(ctx: EasContext, account: Account, start: number, end: number): Promise<string> {
  const events: unknown[] = [];
  for (const folder of (await ctx.deps.store.mailbox.listFolders(account.id)).filter((f) => f.kind === 'calendar')) {
    // An event's window date is the end of its last occurrence: those that ended before the span are skipped by the index.
    for await (const page of folderPages(ctx.deps.store.mailbox, folder.accountId, folder.id, { receivedSince: start })) for (const item of page) if (item.kind === 'event') events.push(item.data);
  }
  return mergedFreeBusy(events, start, end);
}
