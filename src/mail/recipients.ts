// Recipient classification for the mail front ends (RFC 5321 section 3.6 relaying rules):
// an address is one of our mailboxes, an unknown name in a domain we host, or somewhere else.
// SMTP inbound, submission and EAS SendMail all ask the same question, so the answer lives here.
import type { Account, Store } from '../store/types.js';

export type RecipientClass =
  /** A mailbox here that accepts mail. */
  | { kind: 'local'; account: Account }
  /** A domain we host, but no such account. */
  | { kind: 'unknown'; address: string }
  /** The account exists but does not receive mail (locked or closed). */
  | { kind: 'disabled'; account: Account }
  /** A domain we do not host: only an authenticated submission may relay there. */
  | { kind: 'foreign'; address: string; domain: string }
  /** Not a usable mailbox address (no domain, empty local part). */
  | { kind: 'invalid'; address: string };

/** Only active accounts receive: a closed account bounces, and a locked one is treated the same way. */
export const canReceive = (account: Account): boolean => account.status === 'active';

/** Lower-cased `local@domain`, or null when the address has no local part or no domain. */
export function normalizeAddress(address: string): string | null {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 1 || at === a.length - 1) return null;
  return a;
}

export const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

export async function classifyRecipient(store: Pick<Store, 'accounts' | 'domains'>, address: string): Promise<RecipientClass> {
  const email = normalizeAddress(address);
  if (!email) return { kind: 'invalid', address };
  // The account first: it is the common case and answers with one query.
  const account = await store.accounts.getByEmail(email);
  if (account) return canReceive(account) ? { kind: 'local', account } : { kind: 'disabled', account };
  const domain = domainOf(email);
  return (await store.domains.getByName(domain)) ? { kind: 'unknown', address: email } : { kind: 'foreign', address: email, domain };
}
