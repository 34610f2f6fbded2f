// Verification cache: EAS sends Basic auth on every request, so a successful check is remembered
// for a short time. The key is an HMAC of (protocol, login, secret) under a per-process random key,
// so the cache never holds a secret or a plain hash of one. An entry is valid only while the
// account's auth_version is unchanged: a password or credential change anywhere (any node) voids it.
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { AccountId, CredentialId } from '../core/ids.js';

export interface CacheEntry {
  accountId: AccountId;
  credentialId: CredentialId | null;
  authVersion: number;
  expiresAt: number;
}

const MAX_ENTRIES = 50_000;

export class VerifyCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly ttlMs: number, private readonly clock: Clock) {}

  keyFor(protocol: string, login: string, secret: string): string {
    return createHmac('sha256', this.key).update(protocol).update('\0').update(login).update('\0').update(secret).digest('base64');
  }

  get(key: string): CacheEntry | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return null;
    }
    return e;
  }

  set(key: string, entry: Omit<CacheEntry, 'expiresAt'>): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { ...entry, expiresAt: this.clock.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry of an account (used when this node changes its credentials). */
  dropAccount(accountId: AccountId): void {
    for (const [k, e] of this.entries) if (e.accountId === accountId) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
