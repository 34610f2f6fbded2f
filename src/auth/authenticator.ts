// verify(login, secret, protocol): the mobile-password rules of ARCHITECTURE.md section 3.
//   - account password: accepted everywhere, except EAS once the account has an enabled EAS credential;
//   - a credential: accepted only for the services it is bound to, and only while enabled.
// Failures are slowed and counted by the LoginGuard (per address, per account for unfamiliar sources,
// per account and address; admin logins apart); the reason is returned for the log, and the front end
// answers with its protocol's generic failure.
import type { Config } from '../config.js';
import { sleep, systemClock, type Clock } from '../core/clock.js';
import type { AccountId, CredentialId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Credential, Store } from '../store/types.js';
import { normalizeLogin } from './login.js';
import { LoginGuard, namespaceOf, type GuardSubject, type Lockout } from './login-guard.js';
import { dummyVerify, verifySecret } from './password-hash.js';
import { serviceOf, type Authenticator, type FailureReason, type Protocol, type VerifyContext, type VerifyResult } from './types.js';
import { VerifyCache } from './verify-cache.js';

const MAX_SECRET_BYTES = 1024;
const LAST_USED_RESOLUTION_MS = 60_000;

export interface AuthenticatorOptions {
  store: Store;
  config: Pick<Config, 'defaultDomain' | 'kdf' | 'auth'>;
  log: Logger;
  clock?: Clock;
}

export class StoreAuthenticator implements Authenticator {
  readonly guard: LoginGuard;
  readonly cache: VerifyCache;
  private readonly clock: Clock;
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly opts: AuthenticatorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.guard = new LoginGuard(opts.store.authGuard, opts.config.auth, this.clock, opts.log);
    this.cache = new VerifyCache(opts.config.auth.cacheTtlMs, this.clock);
  }

  get lockouts(): LoginGuard {
    return this.guard;
  }

  async verify(login: string, secret: string, protocol: Protocol, ctx: VerifyContext = {}): Promise<VerifyResult> {
    const email = normalizeLogin(login, this.opts.config.defaultDomain);
    const subject: GuardSubject = {
      namespace: namespaceOf(protocol),
      account: email,
      address: ctx.remoteAddress && !ctx.addressIsProxy ? ctx.remoteAddress : null,
      device: ctx.deviceId || null,
    };
    const wellFormed = email !== null && secret !== '' && Buffer.byteLength(secret) <= MAX_SECRET_BYTES;
    const cacheKey = wellFormed ? this.cache.keyFor(protocol, email, secret) : null;
    const hit = cacheKey ? this.cache.get(cacheKey) : null;
    // Only a cached success may see lock state a few seconds old; a login that checks a secret reads it
    // fresh, so failures spread over several processes reach the limit at the same total as on one.
    const lockout = await this.guard.check(subject, hit === null);
    if (lockout) return this.fail(lockout.reason, subject, protocol, ctx, lockout);
    if (!email || !cacheKey) return this.fail('malformed', subject, protocol, ctx);

    if (hit) {
      const account = await this.opts.store.accounts.getById(hit.accountId);
      if (account && account.authVersion === hit.authVersion && account.status === 'active') {
        await this.guard.succeed(subject);
        this.touch(account.id, hit.credentialId);
        return { ok: true, account, credentialId: hit.credentialId, cached: true };
      }
      this.cache.delete(cacheKey);
      // The cached state is void: check the lock state a secret check needs, fresh.
      const again = await this.guard.check(subject, true);
      if (again) return this.fail(again.reason, subject, protocol, ctx, again);
    }

    const rec = await this.opts.store.accounts.getAuthRecord(email);
    if (!rec) {
      await dummyVerify(secret, this.opts.config.kdf);
      return this.fail('unknown-account', subject, protocol, ctx);
    }
    const { account, passwordHash } = rec;
    const creds = await this.opts.store.credentials.list(account.id);
    const matched = await this.match(secret, protocol, passwordHash, creds);
    if (matched === 'mobile-password-required' || matched === 'bad-secret') return this.fail(matched, subject, protocol, ctx);
    if (account.status !== 'active') {
      return this.fail(account.status === 'locked' ? 'account-locked' : 'account-closed', subject, protocol, ctx);
    }
    await this.guard.succeed(subject);
    this.cache.set(cacheKey, { accountId: account.id, credentialId: matched.credentialId, authVersion: account.authVersion });
    this.touch(account.id, matched.credentialId);
    return { ok: true, account, credentialId: matched.credentialId, cached: false };
  }

  private async match(
    secret: string, protocol: Protocol, passwordHash: string, creds: Credential[],
  ): Promise<{ credentialId: CredentialId | null } | 'bad-secret' | 'mobile-password-required'> {
    const service = serviceOf[protocol];
    const enabled = creds.filter((c) => c.enabled);
    // Once an enabled mobile password exists, EAS accepts nothing but mobile passwords.
    const exclusive = protocol === 'eas' && enabled.some((c) => c.services.includes('EAS'));
    if (!exclusive && (await verifySecret(secret, passwordHash))) return { credentialId: null };
    for (const c of enabled) {
      if (c.services.includes(service) && (await verifySecret(secret, c.hash))) return { credentialId: c.id };
    }
    // Only to tell the admin *why* in the log: the account password was tried where it no longer works.
    if (exclusive && (await verifySecret(secret, passwordHash))) return 'mobile-password-required';
    return 'bad-secret';
  }

  private async fail(reason: FailureReason, s: GuardSubject, protocol: Protocol, ctx: VerifyContext, lockout: Lockout | null = null): Promise<VerifyResult> {
    const delay = await this.guard.fail(s, lockout);
    // One line per failure with the client address in `remote` (the fail2ban filter in README.md matches it);
    // `remoteIsProxy` marks a proxy's own address, which a ban must not hit.
    this.opts.log.warn({
      event: 'auth-failure', login: s.account ?? '(malformed)', protocol, reason,
      ...(lockout ? { lockedUntil: new Date(lockout.until).toISOString() } : {}),
      ...(s.device ? { deviceId: s.device } : {}),
      remote: ctx.remoteAddress ?? '',
      ...(ctx.addressIsProxy ? { remoteIsProxy: true } : {}),
    }, 'authentication failed');
    if (delay > 0) await sleep(delay);
    return { ok: false, reason, login: s.account ?? '', ...(lockout ? { lockedUntil: lockout.until } : {}) };
  }

  /** Records a credential's last use, at most once a minute per credential so EAS polling costs no writes. */
  private touch(accountId: AccountId, credentialId: CredentialId | null): void {
    if (!credentialId) return;
    const k = `${accountId}/${credentialId}`;
    const now = this.clock.now();
    if ((this.lastTouched.get(k) ?? 0) > now - LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(k, now);
    if (this.lastTouched.size > 100_000) this.lastTouched.clear();
    this.opts.store.credentials.touchLastUsed(accountId, credentialId, now).catch((err: unknown) => {
      this.opts.log.error({ err }, 'could not record credential use');
    });
  }
}

