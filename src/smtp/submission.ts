// Message submission listener (RFC 6409) with RFC 4954 AUTH PLAIN / LOGIN checked by the shared
// authenticator (protocol 'smtp', so a mobile password is refused here), STARTTLS (RFC 3207) or implicit
// TLS (RFC 8314) when a certificate is configured, and AUTH refused before TLS (538 5.7.11, RFC 5248)
// except from loopback or with CARBONIO_ALLOW_PLAINTEXT_AUTH. The envelope sender must be
// the authenticated account; local recipients are delivered directly, external ones go through the
// configured relay, and the sender keeps a copy in Sent. The header From and Sender must name the account
// too (RFC 6409 8.1 lets the MSA enforce it): 553 5.7.1 otherwise, before anything is relayed or stored.
import { isProxyAddress } from '../core/addresses.js';
import { SMTPServer } from 'smtp-server';
import { isLockout } from '../auth/types.js';
import type { Account } from '../store/types.js';
import { headerIdentity } from '../mail/identity.js';
import { parseMessage } from '../mail/parse.js';
import { normalizeAddress } from '../mail/recipients.js';
import { RelayError } from '../mail/relay.js';
import { buildNonDeliveryNotice } from '../mail/notice.js';
import { acceptedRecipients, checkRecipient } from './recipients.js';
import { replies, smtpReply } from './replies.js';
import { baseOptions, handleData, isLoopback, resetTransaction, respond, stateOf, tlsOptions, type SessionState, type SmtpContext } from './session.js';

/** `implicit`: the RFC 8314 port, TLS from the first byte; otherwise STARTTLS when a certificate is configured. */
export function createSubmissionServer(ctx: SmtpContext, implicit = false): SMTPServer {
  return new SMTPServer({
    ...baseOptions(ctx.config),
    ...tlsOptions(ctx, implicit),
    authMethods: ['PLAIN', 'LOGIN'],
    // The library's own check would refuse every client alike; ours (onAuth) exempts loopback.
    allowInsecureAuth: true,
    authRequiredMessage: '5.7.0 Authentication required',

    onConnect(_session, callback) {
      callback(ctx.inFlight.closing ? replies.shuttingDown() : null);
    },

    onAuth(auth, session, callback) {
      respond(ctx, 'auth', async () => {
        if (ctx.inFlight.closing) throw replies.shuttingDown();
        // Passwords only over TLS (RFC 8314 4.1, Postfix's smtpd_tls_auth_only), but for this host's own
        // clients and where the admin chose otherwise. Without a certificate that means loopback only.
        if (!session.secure && !isLoopback(session.remoteAddress) && !ctx.config.allowPlaintextAuth) throw replies.encryptionRequired();
        // RFC 4616: an authorization identity other than the login would be acting as someone else.
        if (auth.authzid && auth.authcid && auth.authzid.toLowerCase() !== auth.authcid.toLowerCase()) throw replies.authFailed();
        let result;
        try {
          result = await ctx.auth.verify(auth.username ?? '', auth.password ?? '', 'smtp', { remoteAddress: session.remoteAddress, addressIsProxy: isProxyAddress(ctx.config.trustedProxies, session.remoteAddress) });
        } catch (err) {
          ctx.log.error({ err }, 'authentication backend failed');
          throw replies.authUnavailable();
        }
        // The reason was logged by the authenticator; the client only learns "invalid" or "later".
        if (!result.ok) throw isLockout(result.reason) ? replies.authLockedOut() : replies.authFailed();
        stateOf(session).account = result.account;
        return { user: result.account.email };
      }, callback);
    },

    onMailFrom(address, session, callback) {
      if (ctx.inFlight.closing) return callback(replies.shuttingDown());
      const account = stateOf(session).account;
      if (!account) return callback(smtpReply(530, '5.7.0', 'Authentication required'));
      // No spoofing: the envelope sender is the logged-in mailbox (the null sender is not a user's).
      if (normalizeAddress(address.address) !== account.email) return callback(replies.senderNotOwned(address.address, account.email));
      resetTransaction(session);
      callback();
    },

    onRcptTo(address, session, callback) {
      const state = stateOf(session);
      respond(ctx, 'rcpt', () => checkRecipient(ctx, state, address.address, (foreign) => {
        if (!ctx.relay) throw replies.noRelayConfigured(foreign);
        state.external.add(foreign);
      }), callback);
    },

    onData(stream, session, callback) {
      handleData(ctx, 'submission', stream, session, (raw, state) => submit(ctx, session.envelope.rcptTo, raw, state), callback);
    },
  });
}

/** The header From (and Sender, when present) must be the logged-in account, as the envelope sender is. */
function checkIdentity(raw: Buffer, sender: Account): void {
  const { from, sender: senderField } = headerIdentity(raw);
  if (from.length === 0) throw replies.fromMissing(sender.email);
  for (const a of from) if (normalizeAddress(a) !== sender.email) throw replies.headerNotOwned('From', a, sender.email);
  for (const a of senderField) if (normalizeAddress(a) !== sender.email) throw replies.headerNotOwned('Sender', a, sender.email);
}

async function submit(
  ctx: SmtpContext, rcptTo: ReadonlyArray<{ address: string }>, raw: Buffer, state: SessionState,
): Promise<Record<string, unknown>> {
  const sender = state.account;
  if (!sender) throw smtpReply(530, '5.7.0', 'Authentication required');
  const { local, external } = acceptedRecipients(rcptTo, state);
  checkIdentity(raw, sender);
  const parsed = await parseMessage(raw);
  const { meta } = parsed;

  // Relay first: it is the step that can fail for reasons outside our control, and a refusal must
  // reach the client before anything is stored (otherwise a retry would duplicate the local copies).
  let relayed = 0;
  let refused: string[] = [];
  if (external.length > 0) {
    if (!ctx.relay) throw replies.noRelayConfigured(external[0] ?? '');
    const started = Date.now();
    try {
      const res = await ctx.relay.send({ from: sender.email, to: external }, raw);
      relayed = res.accepted.length;
      refused = res.rejected;
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      ctx.log.warn({ event: 'smtp-relay-failed', relay: ctx.relay.target, code: err.responseCode, reason: err.message, ms: Date.now() - started }, 'relay refused or unreachable');
      throw smtpReply(err.responseCode, err.enhancedCode, err.message);
    }
  }

  const result = await ctx.delivery.deliverTo(
    [...local.map((recipient) => ({ recipient, folder: 'inbox' as const })), { recipient: sender, folder: 'sent' as const }],
    raw, { parsed },
  );
  if (refused.length > 0) {
    // The relay took the message for some recipients only; we answered RCPT with 250 long ago, so
    // the sender hears about the others the classic way: a notice in their Inbox.
    const notice = await buildNonDeliveryNotice({ sender: sender.email, failed: refused, reason: 'The outbound relay refused these recipients.', original: meta });
    await ctx.delivery.deliver([sender], notice);
    ctx.log.warn({ event: 'smtp-relay-partial', refused: refused.length }, 'relay refused some recipients; non-delivery notice sent');
  }
  return {
    messageId: meta.messageId,
    recipients: local.length + external.length,
    local: result.stored.filter((s) => s.folder === 'inbox').length,
    relayed,
    refused: refused.length,
    user: sender.email,
  };
}
