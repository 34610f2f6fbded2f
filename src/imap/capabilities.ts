// What the server announces (RFC 9051 6.1.1 and 7.2.2): before login, what a client needs to log in;
// after it, the extensions (BINARY: RFC 3516 FETCH BINARY / BINARY.SIZE and APPEND literal8, tested in
// test/imap-polish.test.ts; UTF8=ACCEPT: RFC 6855, UTF-8 mailbox names and strings once ENABLEd, and
// APPEND's UTF8 (literal8) form, tested there too). LOGINDISABLED when a password may not be sent on this
// connection yet (src/access/limits.ts authAllowed: TLS first, except from loopback or with
// CARBONIO_ALLOW_PLAINTEXT_AUTH).
export const EXTENSIONS = [
  'IDLE', 'CONDSTORE', 'QRESYNC', 'UIDPLUS', 'MOVE', 'SPECIAL-USE', 'LITERAL+', 'NAMESPACE', 'ID', 'ENABLE',
  'ESEARCH', 'SEARCHRES', 'UNSELECT', 'CHILDREN', 'LIST-EXTENDED', 'LIST-STATUS', 'SASL-IR', 'BINARY',
  'UTF8=ACCEPT',
] as const;

export interface CapabilityState {
  authenticated: boolean;
  /** A password may be sent now. */
  authAllowed: boolean;
  /** STARTTLS is possible (a certificate exists and the connection is not encrypted yet). */
  starttls: boolean;
}

export function capabilities(s: CapabilityState): string[] {
  const caps = ['IMAP4rev2', 'IMAP4rev1'];
  if (!s.authenticated) {
    if (s.starttls) caps.push('STARTTLS');
    if (s.authAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN', 'SASL-IR', 'LITERAL+', 'ID', 'ENABLE');
    else caps.push('LOGINDISABLED', 'LITERAL+', 'ID');
    return caps;
  }
  return [...caps, ...EXTENSIONS];
}
