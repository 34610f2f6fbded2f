// RCPT TO for both listeners (RFC 5321 section 4.1.1.3), one check: address syntax, a domain we host, an
// account that exists and receives (src/mail/recipients.ts). A local recipient joins the transaction; an
// unknown user (550 5.1.1), a disabled mailbox (550 5.2.1) and a bad address (501 5.1.3) are refused the
// same way on both. Only a domain we do not host is the listener's own call: inbound refuses to relay,
// submission relays when a relay is configured. At DATA, the envelope is read back through the same state.
import { classifyRecipient, normalizeAddress } from '../mail/recipients.js';
import type { Account } from '../store/types.js';
import { replies } from './replies.js';
import type { SessionState, SmtpContext } from './session.js';

/**
 * Checks one RCPT TO address: a local recipient is added to `state.local`, a foreign one is handed to
 * `foreign` (which throws its refusal or records it), anything else throws the reply to send.
 */
export async function checkRecipient(ctx: SmtpContext, state: SessionState, address: string, foreign: (address: string) => void): Promise<void> {
  const rcpt = await classifyRecipient(ctx.store, address);
  switch (rcpt.kind) {
    case 'local':
      state.local.set(rcpt.account.email, rcpt.account);
      return;
    case 'unknown':
      throw replies.unknownUser(rcpt.address);
    case 'disabled':
      throw replies.mailboxDisabled(rcpt.account.email);
    case 'foreign':
      foreign(rcpt.address);
      return;
    case 'invalid':
      throw replies.badRecipient(rcpt.address);
  }
}

/** The envelope's recipients as accepted at RCPT time, in envelope order: local accounts and relayed addresses. */
export function acceptedRecipients(rcptTo: ReadonlyArray<{ address: string }>, state: SessionState): { local: Account[]; external: string[] } {
  const local: Account[] = [];
  const external: string[] = [];
  for (const r of rcptTo) {
    const a = normalizeAddress(r.address) ?? '';
    const account = state.local.get(a);
    if (account) local.push(account);
    else if (state.external.has(a)) external.push(a);
  }
  return { local, external };
}
