// Sign-in for the web console (issue 14), under /api/session:
//   POST   /api/session {email, password, scope}   sign in: session cookie + CSRF token
//   GET    /api/session?scope=user|admin           who is signed in, with a fresh CSRF token
//   DELETE /api/session?scope=user|admin           sign out (CSRF-checked)
// The user page signs in with scope `user` (protocol webui), the admin page with `admin` (WebAdminUI,
// and the account must be a global or delegated admin). The cookie is HttpOnly, SameSite=Strict,
// Secure over HTTPS, limited to /api, and has no Max-Age: closing the browser ends it, and the server
// ends it after the idle time.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import { isProxyAddress } from '../core/addresses.js';
import type { Account, WebScope } from '../store/types.js';
import { isLockout } from '../auth/types.js';
import type { ResolvedSession } from '../auth/web-sessions.js';
import { asBody, reqString } from './body.js';
import type { AdminDeps } from './context.js';
import { badRequest, HttpError, sendError, toHttpError } from './http-errors.js';
import { applyRouteSchemas } from './route-schemas.js';
import { isAdmin } from './policy.js';
import { cookieOf, SESSION_COOKIE, sessionOf } from './session-auth.js';

type Q = { Querystring: Record<string, string | undefined> };

function scopeOf(v: unknown): WebScope {
  if (v === undefined || v === 'user') return 'user';
  if (v === 'admin') return 'admin';
  throw badRequest('"scope" must be user or admin');
}

export function webSessionApi(deps: AdminDeps) {
  return (app: FastifyInstance): Promise<void> => {
    const { webSessions, log } = deps;

    app.setErrorHandler((err, req, reply) => {
      const e = toHttpError(err);
      if (e.status >= 500) req.log.error({ err }, 'web session API error');
      return sendError(reply.header('cache-control', 'no-store'), e);
    });
    app.removeContentTypeParser('text/plain');
    applyRouteSchemas(app, 'session');

    const setCookie = (req: FastifyRequest, reply: FastifyReply, scope: WebScope, value: string): void => {
      void reply.setCookie(SESSION_COOKIE[scope], value, {
        path: '/api', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https',
        ...(value === '' ? { maxAge: 0 } : {}),
      });
    };

    const roles = async (a: Account) => {
      const domains = await deps.store.accounts.delegatedDomains(a.id);
      return { isGlobalAdmin: a.isGlobalAdmin, isAdmin: isAdmin({ account: a, domains: new Set(domains) }) };
    };

    const view = async (r: ResolvedSession) => ({
      account: { email: r.account.email, displayName: r.account.displayName, ...(await roles(r.account)) },
      scope: r.session.scope,
      csrfToken: webSessions.csrfToken(r.session),
      idleMinutes: Math.round(webSessions.settings.idleMs / 60_000),
    });

    // `/api/session` only: Fastify's default also serves `/api/session/`, an alias no client uses, and
    // registers it by changing the URL of the route's options object, which @fastify/swagger keeps: the
    // document would show the alias instead of `/api/session`.
    const route = { prefixTrailingSlash: 'no-slash' } as const;

    app.post('/', route, async (req, reply) => {
      const b = asBody(req.body);
      const email = reqString(b, 'email').trim().toLowerCase();
      const password = reqString(b, 'password');
      const scope = scopeOf(b.scope);
      const r = await webSessions.login(email, password, scope, {
        remoteAddress: req.ip, addressIsProxy: isProxyAddress(deps.config.trustedProxies, req.ip), userAgent: req.headers['user-agent'] ?? '',
      }, async (a) => scope === 'user' || (await roles(a)).isAdmin);
      if (!r.ok) {
        const f = r.failure;
        if (f.reason === 'not-admitted') throw new HttpError(403, 'forbidden', 'this account is not an administrator');
        log.warn({ event: 'web-login-failure', account: f.login, scope, remote: req.ip, reason: f.reason }, `web console login failed for ${f.login || '-'} from ${req.ip}`);
        if (isLockout(f.reason) && f.lockedUntil !== undefined) {
          throw new HttpError(401, 'locked-out', `too many failed logins, retry after ${new Date(f.lockedUntil).toISOString()}`);
        }
        throw new HttpError(401, 'unauthorized', 'wrong email or password');
      }
      log.info({ event: 'web-login', account: r.account.email, scope, remote: req.ip }, 'web console login');
      setCookie(req, reply, scope, r.token);
      void reply.header('cache-control', 'no-store');
      return view({ session: r.session, account: r.account });
    });

    app.get<Q>('/', route, async (req, reply) => {
      const r = await sessionOf(webSessions, req, scopeOf(req.query.scope));
      void reply.header('cache-control', 'no-store');
      return view(r);
    });

    app.delete<Q>('/', route, async (req, reply) => {
      const scope = scopeOf(req.query.scope);
      const r = await sessionOf(webSessions, req, scope);
      await webSessions.logout(cookieOf(req, scope));
      log.info({ event: 'web-logout', account: r.account.email, scope, remote: req.ip }, 'web console logout');
      setCookie(req, reply, scope, '');
      return { signedOut: true };
    });
    return Promise.resolve();
  };
}
