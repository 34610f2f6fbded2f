// A short plain-text notice from the server to its admins (an anti-DoS jail, ...), composed with
// nodemailer's MailComposer so headers and encodings are right, then stored by local delivery.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Store } from '../store/types.js';
import type { LocalDelivery } from './delivery.js';
import { domainOf } from './recipients.js';

export function buildAdminAlert(to: readonly string[], subject: string, lines: readonly string[]): Promise<Buffer> {
  const from = { name: 'Carbonio Mobile', address: `postmaster@${domainOf(to[0] ?? 'localhost')}` };
  const composer = new MailComposer({ from, to: [...to], subject, text: lines.join('\r\n'), headers: { 'Auto-Submitted': 'auto-generated' } });
  return composer.compile().build();
}

/** Mails every global admin (their Inboxes; closed accounts are skipped by delivery); returns how many got it. */
export async function alertGlobalAdmins(store: Pick<Store, 'accounts'>, delivery: LocalDelivery, subject: string, lines: readonly string[]): Promise<number> {
  const admins = (await store.accounts.list()).filter((a) => a.isGlobalAdmin);
  if (admins.length === 0) return 0;
  const raw = await buildAdminAlert(admins.map((a) => a.email), subject, lines);
  const r = await delivery.deliver(admins, raw);
  return r.stored.length;
}
