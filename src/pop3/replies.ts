// Every POP3 answer that is not data, in one place: "+OK" / "-ERR" lines (RFC 1939 section 3) with the
// response codes of RFC 2449 section 8 (IN-USE, LOGIN-DELAY) and RFC 3206 (SYS/TEMP, SYS/PERM, AUTH).
// Error texts never say whether an account exists.
export const ok = (text: string): string => (text ? `+OK ${text}\r\n` : '+OK\r\n');
export const err = (text: string): string => `-ERR ${text}\r\n`;

export const replies = {
  greeting: ok('carbonio-mobile POP3 server ready'),
  bye: ok('carbonio-mobile POP3 server signing off'),
  unknownCommand: err('Unknown command'),
  wrongState: err('Command not valid in this state'),
  syntax: err('Syntax error in arguments'),
  lineTooLong: err('Line too long'),
  noSuchMessage: err('No such message'),
  alreadyDeleted: (n: number) => err(`Message ${n} already deleted`),
  messageGone: err('[SYS/PERM] Message was removed by another client'),
  tlsNotAvailable: err('STLS not available'),
  alreadyTls: err('Already using TLS'),
  beginTls: ok('Begin TLS negotiation'),
  // Dovecot's wording: clients show it as is, and it tells the user what to change.
  plaintextDisallowed: err('[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections'),
  userFirst: err('USER first'),
  userAccepted: ok('Send your password'),
  authFailed: err('[AUTH] Authentication failed'),
  // A lockout is temporary: [SYS/TEMP] (RFC 3206 section 4) makes clients retry later instead of asking the
  // user for a new password, as SMTP's 454 4.7.0 does.
  lockedOut: err('[SYS/TEMP] Too many failed logins; try again later'),
  authUnavailable: err('[SYS/TEMP] Authentication temporarily unavailable'),
  accountBusy: err('[IN-USE] Too many connections for this account'),
  maildropUnavailable: err('[SYS/TEMP] Mailbox temporarily unavailable'),
  unknownMechanism: err('Unrecognized authentication type'),
  authCancelled: err('Authentication cancelled'),
  authMalformed: err('[AUTH] Malformed authentication data'),
  authContinue: '+ \r\n',
  updateFailed: err('[SYS/TEMP] Some deleted messages not removed; try again'),
  shuttingDown: err('[SYS/TEMP] Server shutting down'),
} as const;
