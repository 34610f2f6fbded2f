// The web console's session cookie as an alternative to HTTP Basic on /api/self and /api/admin
// (issue 14). A cookie-authenticated change must carry the session's CSRF token in X-CSRF-Token:
// SameSite=Strict already keeps other sites' requests cookieless, the token covers the rest
// (same-site subdomains, old browsers). Basic-authenticated calls (CLI, scripts) carry no cookie
// and need no token.
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { ResolvedSession, WebSessions } from '../auth/web-sessions.js';
import type { WebScope } from '../store/types.js';
import { HttpError } from './http-errors.js';
import { noteActor } from './audit-hook.js';

/** One cookie per scope, so one browser can be signed in to both pages as different accounts. */
export const SESSION_COOKIE: Record<WebScope, string> = { user: 'carbonio_session', admin: 'carbonio_admin_session' };
export const CSRF_HEADER = 'x-csrf-token';
/** Sent by the web pages on every call: a 401 then carries no Basic challenge (no browser login dialog). */
export const WEB_CLIENT_HEADER = 'x-requested-with';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session token of this scope's cookie (parsed by @fastify/cookie, registered on the root instance). */
export const cookieOf = (req: FastifyRequest, scope: WebScope): string | undefined => req.cookies[SESSION_COOKIE[scope]];

/** The session of the request's cookie for this scope, CSRF-checked for changes; 401/403 otherwise. */
export async function sessionOf(sessions: WebSessions, req: FastifyRequest, scope: WebScope): Promise<ResolvedSession> {
  const r = await sessions.resolve(cookieOf(req, scope), scope);
  if (!r) throw new HttpError(401, 'unauthorized', 'not signed in, or the session has expired');
  // Known before the CSRF check, so the audit trail records a refused forged request under its session.
  noteActor(req, r.account);
  const token = req.headers[CSRF_HEADER];
  if (!SAFE_METHODS.has(req.method) && !sessions.verifyCsrf(r.session, Array.isArray(token) ? token[0] : token)) {
    throw new HttpError(403, 'csrf', 'missing or invalid CSRF token: reload the page');
  }
  return r;
}

/** Whether a 401 should carry a Basic challenge: not for the web pages' own calls. */
export const wantsBasicChallenge = (req: FastifyRequest): boolean => req.headers[WEB_CLIENT_HEADER] !== 'carbonio-web';
