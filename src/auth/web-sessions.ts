// Browser sessions of the web console (issue 14). Login goes through the one `verify` (protocol
// `webui` for the user page, `admin` = WebAdminUI for the admin page), so a mobile password is refused
// and the lockout rules are those of every protocol. The browser gets a random 256-bit token in an
// HttpOnly cookie; the store keeps its SHA-256 only. CSRF tokens come from @fastify/csrf (a secret per
// session, tokens salted and HMAC'd by the library), checked on every change.
import { createHash, randomBytes } from 'node:crypto';
import CsrfTokens from '@fastify/csrf';
import type { Account, Store, WebScope, WebSession } from '../store/types.js';
import type { Authenticator, VerifyContext, VerifyResult } from './types.js';

export interface WebSessionSettings {
  /** A session unused for this long ends (OWASP: 15 to 30 minutes for most applications). */
  idleMs: number;
  /** A session ends this long after login, however active. */
  maxAgeMs: number;
}

export type WebLogin =
  | { ok: true; token: string; session: WebSession; account: Account }
  /** `not-admitted`: the password was right but the account may not use this page (admin page, no admin role). */
  | { ok: false; failure: Extract<VerifyResult, { ok: false }> | { ok: false; reason: 'not-admitted'; login: string } };

export interface ResolvedSession {
  session: WebSession;
  account: Account;
}

/** The last-seen time is written at most this often per session (a page polls several routes at once). */
const TOUCH_RESOLUTION_MS = 30_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Cookie tokens are base64url of 32 random bytes: anything else is not looked up at all. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export class WebSessions {
  private readonly csrf = new CsrfTokens.Tokens({});

  constructor(
    private readonly store: Store,
    private readonly auth: Authenticator,
    readonly settings: WebSessionSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** `admit` decides, once the password is right, whether the account may have this scope (no session otherwise). */
  async login(email: string, password: string, scope: WebScope, ctx: VerifyContext & { userAgent?: string }, admit: (a: Account) => Promise<boolean> = () => Promise.resolve(true)): Promise<WebLogin> {
    const r = await this.auth.verify(email, password, scope === 'admin' ? 'admin' : 'webui', ctx);
    if (!r.ok) return { ok: false, failure: r };
    if (!(await admit(r.account))) return { ok: false, failure: { ok: false, reason: 'not-admitted', login: r.account.email } };
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const session: WebSession = {
      idHash: hashToken(token), accountId: r.account.id, scope, credentialId: r.credentialId,
      csrfSecret: await this.csrf.secret(), createdAt: at, lastSeen: at,
      remoteAddress: ctx.remoteAddress ?? '', userAgent: (ctx.userAgent ?? '').slice(0, 512),
    };
    await this.store.webSessions.create(session);
    return { ok: true, token, session, account: r.account };
  }

  /**
   * The live session of this token for this scope, or null: unknown, idle too long, too old, account
   * no longer active, or the credential it logged in with disabled or deleted. A dead session is deleted.
   */
  async resolve(token: string | undefined, scope: WebScope): Promise<ResolvedSession | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    const s = await this.store.webSessions.get(hashToken(token));
    if (!s || s.scope !== scope) return null;
    const at = this.now();
    const account = await this.store.accounts.getById(s.accountId);
    const credentialOk = s.credentialId === null || (await this.store.credentials.get(s.accountId, s.credentialId))?.enabled === true;
    if (at - s.lastSeen > this.settings.idleMs || at - s.createdAt > this.settings.maxAgeMs || !account || account.status !== 'active' || !credentialOk) {
      await this.store.webSessions.delete(s.idHash);
      return null;
    }
    if (at - s.lastSeen >= TOUCH_RESOLUTION_MS) await this.store.webSessions.touch(s.idHash, at);
    return { session: { ...s, lastSeen: at }, account };
  }

  /** A fresh CSRF token for the session (any number may be live at once). */
  csrfToken(s: WebSession): string {
    return this.csrf.create(s.csrfSecret);
  }

  verifyCsrf(s: WebSession, token: string | undefined): boolean {
    return typeof token === 'string' && token.length > 0 && token.length < 256 && this.csrf.verify(s.csrfSecret, token);
  }

  async logout(token: string | undefined): Promise<void> {
    if (token && TOKEN_SHAPE.test(token)) await this.store.webSessions.delete(hashToken(token));
  }

  /** Deletes sessions past their idle time or age (run periodically). */
  async prune(): Promise<number> {
    const at = this.now();
    return this.store.webSessions.prune(at - this.settings.idleMs, at - this.settings.maxAgeMs);
  }
}
