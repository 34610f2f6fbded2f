// verify(login, secret, protocol): the mobile-password rules of ARCHITECTURE.md section 3.
//   - account password: accepted everywhere, except EAS once the account has an enabled EAS credential;
//   - a credential: accepted only for the services it is bound to, and only while enabled.
// Failures are slowed and then locked out per account and per address; the reason is returned for
// the log, and the front end answers with its protocol's generic failure.
import type { Config } from '../config.js';
import { sleep, systemClock, type Clock } from '../core/clock.js';
import type { AccountId, CredentialId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Credential, Store } from '../store/types.js';
import { normalizeLogin } from './login.js';
import { dummyVerify, verifySecret } from './password-hash.js';
import { RateLimiter } from './rate-limiter.js';
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
  readonly limiter: RateLimiter;
  readonly cache: VerifyCache;
  private readonly clock: Clock;
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly opts: AuthenticatorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.limiter = new RateLimiter(opts.config.auth, this.clock);
    this.cache = new VerifyCache(opts.config.auth.cacheTtlMs, this.clock);
  }

  async verify(login: string, secret: string, protocol: Protocol, ctx: VerifyContext = {}): Promise<VerifyResult> {
    const email = normalizeLogin(login, this.opts.config.defaultDomain);
    const address = ctx.remoteAddress ?? null;
    const keys = { account: email, address };
    if (this.limiter.lockedFor(keys) > 0) return this.fail('rate-limited', login, protocol, address, false);
    if (!email || !secret || Buffer.byteLength(secret) > MAX_SECRET_BYTES) return this.fail('malformed', login, protocol, address);

    const cacheKey = this.cache.keyFor(protocol, email, secret);
    const hit = this.cache.get(cacheKey);
    if (hit) {
      const account = await this.opts.store.accounts.getById(hit.accountId);
      if (account && account.authVersion === hit.authVersion && account.status === 'active') {
        this.touch(account.id, hit.credentialId);
        return { ok: true, account, credentialId: hit.credentialId, cached: true };
      }
      this.cache.delete(cacheKey);
    }

    const rec = await this.opts.store.accounts.getAuthRecord(email);
    if (!rec) {
      await dummyVerify(secret, this.opts.config.kdf);
      return this.fail('unknown-account', login, protocol, address);
    }
    const { account, passwordHash } = rec;
    const creds = await this.opts.store.credentials.list(account.id);
    const matched = await this.match(secret, protocol, passwordHash, creds);
    if (matched === 'mobile-password-required' || matched === 'bad-secret') return this.fail(matched, login, protocol, address);
    if (account.status !== 'active') {
      return this.fail(account.status === 'locked' ? 'account-locked' : 'account-closed', login, protocol, address);
    }
    this.limiter.succeed(email);
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

  private async fail(reason: FailureReason, login: string, protocol: Protocol, address: string | null, count = true): Promise<VerifyResult> {
    const email = normalizeLogin(login, this.opts.config.defaultDomain);
    const delay = count ? this.limiter.fail({ account: email, address }) : 0;
    this.opts.log.warn({ event: 'auth-failure', login: email ?? '(malformed)', protocol, reason, remote: address ?? '' }, 'authentication failed');
    if (delay > 0) await sleep(delay);
    return { ok: false, reason, login: email ?? '' };
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

