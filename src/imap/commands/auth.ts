// LOGIN (RFC 9051 6.2.3) and AUTHENTICATE PLAIN (RFC 4616) / LOGIN, with SASL-IR (RFC 4959): through the
// shared protocolLogin (src/access/login.ts: the plain-text rule, the mobile-password rules for protocol
// 'imap', lockouts, the failure log lines, the per-account connection maximum).
import { decodeBase64, parsePlain, protocolLogin } from '../../access/index.js';
import { continuation } from '../protocol/writer.js';
import type { ImapSession } from '../session.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

export interface SaslState {
  tag: string;
  mechanism: string;
  /** 0: nothing received yet; then per mechanism. */
  step: number;
  user?: string;
}

export function login(s: ImapSession, cmd: Cmd<'LOGIN'>): Promise<Done> {
  return verify(s, cmd.user, cmd.password);
}

async function verify(s: ImapSession, user: string, secret: string): Promise<Done> {
  const r = await protocolLogin(s.deps, 'imap', user, secret, { remoteAddress: s.conn.remoteAddress, secure: s.conn.secure });
  if (r.ok) {
    s.loggedIn(r.account, r.lease);
    return ok('Logged in', { name: 'CAPABILITY', args: s.capabilities().join(' ') });
  }
  switch (r.kind) {
    case 'encryption-required': return no('Use STARTTLS first', { name: 'PRIVACYREQUIRED' });
    case 'too-many-connections': return no('Too many connections for this account', { name: 'LIMIT' });
    case 'unavailable': return no('Authentication is not available now; try again later', { name: 'UNAVAILABLE' });
    default: return no('Authentication failed', { name: 'AUTHENTICATIONFAILED' });
  }
}

const decode = (text: string): string | null => decodeBase64(text)?.toString('utf8') ?? null;

/**
 * One step of an AUTHENTICATE exchange: `response` is the client's line (or SASL-IR initial response,
 * '' for "="), undefined when there was none. Returns the state to continue with (a challenge was sent)
 * or the tagged answer.
 */
export async function saslStep(s: ImapSession, st: SaslState, response: string | undefined): Promise<SaslState | Done> {
  if (st.step === 0 && !s.authAllowed) return no('Use STARTTLS first', { name: 'PRIVACYREQUIRED' });
  if (response === '*') return bad('Authentication cancelled');
  if (st.mechanism === 'PLAIN') {
    if (response === undefined) {
      await s.send(continuation(''));
      return { ...st, step: 1 };
    }
    const bytes = decodeBase64(response);
    // An authorization identity other than the login (acting as someone else) is refused as malformed.
    const creds = bytes && parsePlain(bytes);
    if (!creds) return bad('Malformed PLAIN response');
    return verify(s, creds.login, creds.secret);
  }
  if (st.mechanism === 'LOGIN') {
    if (st.step === 0 && (response === undefined || response === '')) {
      await s.send(continuation(Buffer.from('Username:').toString('base64')));
      return { ...st, step: 1 };
    }
    if (st.step <= 1) {
      const user = decode(response ?? '');
      if (user === null) return bad('Malformed LOGIN response');
      await s.send(continuation(Buffer.from('Password:').toString('base64')));
      return { ...st, step: 2, user };
    }
    const pass = decode(response ?? '');
    if (pass === null) return bad('Malformed LOGIN response');
    return verify(s, st.user ?? '', pass);
  }
  return no(`Unsupported mechanism ${st.mechanism.slice(0, 20)}`, { name: 'CANNOT' });
}
