// Commands valid in any state or once logged in that touch no mailbox: CAPABILITY, NOOP, LOGOUT, ID
// (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342), CHECK.
import { atom, raw } from '../protocol/writer.js';
import { VERSION } from '../../version.js';
import type { ImapSession } from '../session.js';
import { bad, ok, type Cmd, type Done } from './types.js';

export async function capability(s: ImapSession): Promise<Done> {
  await s.untagged(raw(`CAPABILITY ${s.capabilities().join(' ')}`));
  return ok('CAPABILITY completed');
}

/**
 * NOOP and CHECK: the updates are sent after every command (session.ts). The text names the command
 * that was given (an IMAP4rev1 client such as mbsync sends CHECK and logs the answer).
 */
export function noop(name: 'NOOP' | 'CHECK' = 'NOOP'): Promise<Done> {
  return Promise.resolve(ok(`${name} completed`));
}

export async function logout(s: ImapSession): Promise<Done> {
  await s.untagged(atom('BYE'), raw('Logging out'));
  s.state = 'logout';
  return ok('LOGOUT completed');
}

export async function id(s: ImapSession, cmd: Cmd<'ID'>): Promise<Done> {
  if (cmd.params) s.log.info({ clientId: Object.fromEntries(cmd.params.slice(0, 30).map(([k, v]) => [k.slice(0, 64), v?.slice(0, 256) ?? null])) }, 'imap client id');
  await s.untagged(atom('ID'), ['name', 'Carbonio Mobile', 'version', VERSION]);
  return ok('ID completed');
}

/** ENABLE (RFC 5161): CONDSTORE, QRESYNC (implies CONDSTORE, RFC 7162 3.2.3), IMAP4rev2, UTF8=ACCEPT. */
export async function enable(s: ImapSession, cmd: Cmd<'ENABLE'>): Promise<Done> {
  const known = new Set(['CONDSTORE', 'QRESYNC', 'IMAP4REV2', 'UTF8=ACCEPT']);
  if (s.state === 'not-authenticated') return bad('ENABLE needs a login first');
  const now: string[] = [];
  for (const c of cmd.capabilities) {
    const up = c.toUpperCase();
    if (!known.has(up) || s.enabled.has(up)) continue;
    // RFC 9051 6.3.1: ENABLE after SELECT is the client's problem; QRESYNC is honoured from the next SELECT.
    s.enabled.add(up);
    now.push(c);
    if (up === 'QRESYNC' || up === 'CONDSTORE') s.condstore = true;
  }
  await s.untagged(raw(['ENABLED', ...now].join(' ')));
  return ok('ENABLE completed');
}

/** One personal namespace, no prefix, "/" (RFC 2342). */
export async function namespace(s: ImapSession): Promise<Done> {
  await s.untagged(atom('NAMESPACE'), raw('(("" "/")) NIL NIL'));
  return ok('NAMESPACE completed');
}
