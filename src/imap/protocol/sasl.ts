// The SASL pieces of AUTHENTICATE (RFC 9051 section 6.2.2): PLAIN (RFC 4616) responses, the de-facto
// LOGIN mechanism's prompts, and base64 validation of client responses (RFC 4648, as RFC 9051 asks: a
// response that is not base64 fails the exchange with BAD).
import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';

export class SaslError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslError';
  }
}

/** A client's base64 line as bytes; throws SaslError when it is not strict base64. '' and '=' are empty. */
export function decodeSaslResponse(line: string): Buffer {
  if (line === '' || line === '=') return Buffer.alloc(0);
  if (line.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(line)) throw new SaslError('the response is not base64');
  return Buffer.from(line, 'base64');
}

/** A client's `*` line cancels the exchange (RFC 9051 section 6.2.2: answer BAD). */
export const isSaslCancel = (line: string): boolean => line === '*';

/** PLAIN: [authzid] NUL authcid NUL passwd, UTF-8 (RFC 4616 section 2). Throws SaslError when malformed. */
export function parseSaslPlain(response: Buffer): { authzid: string; authcid: string; password: string } {
  const first = response.indexOf(0);
  const second = first < 0 ? -1 : response.indexOf(0, first + 1);
  if (first < 0 || second < 0 || response.indexOf(0, second + 1) >= 0) throw new SaslError('a PLAIN response has exactly two NULs');
  const dec = new TextDecoder('utf-8', { fatal: true });
  try {
    const authzid = dec.decode(response.subarray(0, first));
    const authcid = dec.decode(response.subarray(first + 1, second));
    const password = dec.decode(response.subarray(second + 1));
    if (!authcid) throw new SaslError('a PLAIN response names a user');
    return { authzid, authcid, password };
  } catch (err) {
    if (err instanceof SaslError) throw err;
    throw new SaslError('a PLAIN response is UTF-8');
  }
}

/** The LOGIN mechanism's challenges (draft-murchison-sasl-login): "Username:" and "Password:" in base64. */
export const SASL_LOGIN_USERNAME = Buffer.from('Username:').toString('base64');
export const SASL_LOGIN_PASSWORD = Buffer.from('Password:').toString('base64');
