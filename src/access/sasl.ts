// The SASL PLAIN message (RFC 4616 section 2: [authzid] NUL authcid NUL passwd, UTF-8) as IMAP
// AUTHENTICATE (RFC 9051 section 6.2.2) and POP3 AUTH (RFC 5034 section 4) carry it, base64-encoded; "="
// is an empty initial response and "*" cancels the exchange (both checked by the caller).

export interface PlainCredentials {
  login: string;
  secret: string;
}

/** Strict base64 (RFC 4648 section 4, padding required), as RFC 5034 section 4 asks; null otherwise. */
export function decodeBase64(text: string): Buffer | null {
  if (text === '=') return Buffer.alloc(0);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/**
 * The login and password of a PLAIN message, or null when it is malformed. An authorization identity
 * other than the login would be acting as someone else: refused as malformed (we have no proxy-auth).
 */
export function parsePlain(message: Buffer): PlainCredentials | null {
  const parts = message.toString('utf8').split('\0');
  if (parts.length !== 3) return null;
  const [authzid, authcid, passwd] = parts as [string, string, string];
  if (authcid === '' || passwd === '') return null;
  if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) return null;
  return { login: authcid, secret: passwd };
}
