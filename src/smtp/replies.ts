// SMTP replies (RFC 5321 section 4.2) with RFC 3463 enhanced status codes, advertised through the
// RFC 2034 ENHANCEDSTATUSCODES extension. Every refusal our handlers produce is built here, so the
// codes a client sees are in one place.
import type { SMTPServer } from 'smtp-server';

/** An error a smtp-server handler callback turns into the reply `responseCode message`. */
export interface SmtpReply extends Error {
  responseCode: number;
}

const OWN_ENHANCED = /^([245])\.\d{1,3}\.\d{1,3} /;

export function smtpReply(code: number, enhanced: string, text: string): SmtpReply {
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

export const isSmtpReply = (e: unknown): e is SmtpReply =>
  e instanceof Error && typeof (e as { responseCode?: unknown }).responseCode === 'number';

/** Addresses echoed in replies are client input: bounded and bracketed, control characters already refused by the parser. */
const shown = (address: string): string => `<${address.slice(0, 256)}>`;

export const replies = {
  unknownUser: (address: string) => smtpReply(550, '5.1.1', `${shown(address)}: Recipient address rejected: no such user here`),
  mailboxDisabled: (address: string) => smtpReply(550, '5.2.1', `${shown(address)}: Recipient address rejected: mailbox disabled`),
  relayDenied: (address: string) => smtpReply(550, '5.7.1', `${shown(address)}: Relay access denied`),
  noRelayConfigured: (address: string) =>
    smtpReply(550, '5.7.1', `${shown(address)}: Cannot send to external recipients: no outbound relay is configured on this server`),
  badRecipient: (address: string) => smtpReply(501, '5.1.3', `${shown(address)}: Bad recipient address syntax`),
  senderNotOwned: (address: string, login: string) =>
    smtpReply(553, '5.7.1', `${shown(address)}: Sender address rejected: not owned by user ${login}`),
  headerNotOwned: (field: 'From' | 'Sender', address: string, login: string) =>
    smtpReply(553, '5.7.1', `${shown(address)}: ${field} header rejected: not owned by user ${login}`),
  fromMissing: (login: string) => smtpReply(553, '5.7.1', `Message has no From header; it must name ${shown(login)}`),
  tooBig: (limit: number) => smtpReply(552, '5.3.4', `Message size exceeds fixed maximum message size (${limit} bytes)`),
  noRecipientLeft: () => smtpReply(550, '5.1.1', 'No recipient could receive the message'),
  authFailed: () => smtpReply(535, '5.7.8', 'Authentication credentials invalid'),
  authLockedOut: () => smtpReply(454, '4.7.0', 'Too many failed authentication attempts; try again later'),
  encryptionRequired: () => smtpReply(538, '5.7.11', 'Encryption required for requested authentication mechanism; use STARTTLS'),
  authUnavailable: () => smtpReply(454, '4.7.0', 'Temporary authentication failure; try again later'),
  localError: () => smtpReply(451, '4.3.0', 'Local error in processing; try again later'),
  shuttingDown: () => smtpReply(421, '4.3.2', 'Server shutting down; try again later'),
  aborted: () => smtpReply(451, '4.4.2', 'Connection closed before the end of the message'),
};

type Connection = SMTPServer['connections'] extends Set<infer C> ? C : never;

/**
 * smtp-server derives the enhanced code of a handler's refusal from the reply code alone (550 is
 * always 5.1.1, 553 always 5.1.3), so "550 5.7.1 relay denied" cannot be said through its API. Our
 * replies carry their own code in the text; this makes each connection send such a reply as is,
 * instead of prefixing a second, wrong code. Replies without their own code are left untouched.
 * It hooks the server's public `connections` set, where each connection is registered on accept.
 */
export function useOwnEnhancedCodes(server: SMTPServer): void {
  const patched = new WeakSet<Connection>();
  const patch = (conn: Connection): void => {
    if (patched.has(conn)) return;
    patched.add(conn);
    const send = conn.send.bind(conn);
    conn.send = (code: number, data?: string | string[] | null, context?: string | false): void => {
      const own = typeof data === 'string' ? OWN_ENHANCED.exec(data) : null;
      send(code, data, own && own[1] === String(code)[0] ? false : context);
    };
  };
  class PatchingSet extends Set<Connection> {
    override add(conn: Connection): this {
      patch(conn);
      return super.add(conn);
    }
  }
  server.connections = new PatchingSet(server.connections);
}
