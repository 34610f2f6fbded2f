// Inbound delivery listener (RFC 5321, the port-25 role): no AUTH, mail for our own mailboxes only.
// Recipients are checked at RCPT time so a sender learns about an unknown user (550 5.1.1) or an
// attempt to relay through us (550 5.7.1) before sending the message, and we never have to bounce.
import { SMTPServer } from 'smtp-server';
import { parseMessage } from '../mail/parse.js';
import { acceptedRecipients, checkRecipient } from './recipients.js';
import { replies } from './replies.js';
import { baseOptions, handleData, resetTransaction, respond, stateOf, tlsOptions, type SmtpContext } from './session.js';

export function createInboundServer(ctx: SmtpContext): SMTPServer {
  return new SMTPServer({
    ...baseOptions(ctx.config),
    authOptional: true,
    ...tlsOptions(ctx),
    // After tlsOptions: inbound never takes AUTH, STARTTLS only when a certificate is configured.
    disabledCommands: ['AUTH', ...(ctx.tls ? [] : ['STARTTLS'])],

    onConnect(_session, callback) {
      callback(ctx.inFlight.closing ? replies.shuttingDown() : null);
    },

    onMailFrom(_address, session, callback) {
      // Any sender, including the null sender <> of bounces (RFC 5321 section 4.5.5).
      if (ctx.inFlight.closing) return callback(replies.shuttingDown());
      resetTransaction(session);
      callback();
    },

    onRcptTo(address, session, callback) {
      respond(ctx, 'rcpt', () => checkRecipient(ctx, stateOf(session), address.address, (foreign) => {
        // Not an open relay: mail for other domains is only accepted from authenticated submission.
        throw replies.relayDenied(foreign);
      }), callback);
    },

    onData(stream, session, callback) {
      handleData(ctx, 'inbound', stream, session, async (raw, state) => {
        const recipients = acceptedRecipients(session.envelope.rcptTo, state).local;
        const parsed = await parseMessage(raw);
        const { meta } = parsed;
        // The envelope sender decides where an out-of-office reply goes; a bounce (<>) never gets one.
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const result = await ctx.delivery.deliver(recipients, raw, { parsed, envelopeFrom });
        if (result.stored.length === 0) throw replies.noRecipientLeft();
        if (result.skipped.length > 0) {
          ctx.log.warn({ event: 'smtp-skipped', session: session.id, skipped: result.skipped.length }, 'recipients became unavailable during the transaction');
        }
        return { messageId: meta.messageId, recipients: result.stored.length };
      }, callback);
    },
  });
}
