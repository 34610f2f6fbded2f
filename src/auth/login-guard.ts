// Brute-force brake that cannot be turned against users (issue 12). Failures are counted in the
// database, so every server process sees the same counts, under three keys per namespace:
//   address  one client address, all accounts: at CARBONIO_AUTH_MAX_FAILURES_PER_ADDRESS the address is
//            blocked ('address-blocked'), never when the front end marks it as a trusted proxy's own;
//   account  failures on an account from sources that are not familiar to it: at CARBONIO_AUTH_MAX_FAILURES
//            the account is throttled for unfamiliar sources only ('account-throttled');
//   pair     one account from one address: at CARBONIO_AUTH_MAX_FAILURES that address is locked out of that
//            account ('locked'), familiar or not, so a guessed or reused DeviceId buys no extra tries.
// A source (client address, or EAS DeviceId) is familiar to an account for 30 days after a success.
// Admin logins ('admin' protocol: API and CLI) and protocol logins are separate namespaces.
// Hot path: a cached success reads lock state from an in-memory copy at most STATE_TTL_MS old and
// records familiarity at most once per FAMILIAR_WRITE_MS per source, so EAS polling costs no DB access;
// a login that will check a secret always reads the state fresh, so N processes never multiply tries.
import type { AuthLimits } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AuthGuardRepo, FamiliarSource, GuardCounter, GuardKey, GuardNamespace } from '../store/types.js';
import type { LockoutReason, Protocol } from './types.js';

/** How stale the lock state a cached success sees may be (another process's lock shows within this). */
export const STATE_TTL_MS = 3_000;
export const FAMILIAR_MS = 30 * 24 * 3600_000;
/** A familiar source's last success is rewritten at most this often. */
const FAMILIAR_WRITE_MS = 3600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const MAX_DELAY_MS = 5000;
const MAX_CACHED = 100_000;

export interface GuardSubject {
  namespace: GuardNamespace;
  account: string | null;
  /** Null when unknown or a trusted proxy's own address: then nothing is counted or blocked per address. */
  address: string | null;
  device: string | null;
}

export interface Lockout {
  reason: LockoutReason;
  until: number;
}

interface Cached<T> {
  value: T;
  expires: number;
}

const keyText = (k: GuardKey): string => `${k.scope}\0${k.namespace}\0${k.account}\0${k.address}`;

export function namespaceOf(protocol: Protocol): GuardNamespace {
  return protocol === 'admin' ? 'admin' : 'protocol';
}

export class LoginGuard {
  private readonly state = new Map<string, Cached<GuardCounter | null>>();
  private readonly known = new Map<string, Cached<boolean>>();
  private readonly written = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly repo: AuthGuardRepo, private readonly limits: AuthLimits, private readonly clock: Clock, private readonly log: Logger) {}

  /** Why this login is refused without checking its secret, or null. `fresh`: read the database, not the short cache. */
  async check(s: GuardSubject, fresh: boolean): Promise<Lockout | null> {
    const now = this.clock.now();
    const { address, pair, account } = this.keys(s);
    const counters = await this.counters([address, pair, account], fresh);
    const locked = (k: GuardKey | null): number => (k ? counters.get(keyText(k))?.lockedUntil ?? 0 : 0);
    if (locked(address) > now) return { reason: 'address-blocked', until: locked(address) };
    if (locked(pair) > now) return { reason: 'locked', until: locked(pair) };
    if (locked(account) > now && !(await this.familiar(s))) return { reason: 'account-throttled', until: locked(account) };
    return null;
  }

  /**
   * Counts a failure. `refused`: the lockout that refused it without a secret check (then only the address
   * counts it, and not when the address is the one blocked). Returns how long to wait before answering.
   */
  async fail(s: GuardSubject, refused: Lockout | null): Promise<number> {
    if (refused?.reason === 'address-blocked') return 0;
    const { address, pair, account } = this.keys(s);
    const now = this.clock.now();
    const window = { windowMs: this.limits.lockoutMs, lockMs: this.limits.lockoutMs };
    let worst = 0;
    const count = async (k: GuardKey | null, max: number): Promise<void> => {
      if (!k) return;
      const c = await this.repo.addFailure(k, now, { ...window, max });
      this.remember(k, c, now);
      if (k.scope !== 'address') worst = Math.max(worst, c.failures);
    };
    await count(address, this.limits.maxFailuresPerAddress);
    if (!refused) {
      await count(pair, this.limits.maxFailuresPerAccount);
      // A familiar source's mistakes (a phone with an old password) never throttle the account for others.
      if (!(await this.familiar(s))) await count(account, this.limits.maxFailuresPerAccount);
    }
    this.maybePrune(now);
    return worst > 0 ? Math.min(this.limits.failureDelayMs * 2 ** (worst - 1), MAX_DELAY_MS) : 0;
  }

  /** A success: forgets this address's failures on the account and records its sources as familiar. */
  async succeed(s: GuardSubject): Promise<void> {
    const { pair } = this.keys(s);
    const now = this.clock.now();
    if (pair && (this.state.get(keyText(pair))?.value?.failures ?? 0) > 0) {
      await this.repo.reset(pair);
      this.remember(pair, null, now);
    }
    if (!s.account) return;
    for (const [kind, value] of this.sources(s)) {
      const k = `${s.account}\0${kind}\0${value}`;
      this.setCached(this.known, k, true, now + FAMILIAR_WRITE_MS);
      if ((this.written.get(k) ?? 0) > now - FAMILIAR_WRITE_MS) continue;
      if (this.written.size >= MAX_CACHED) this.written.clear();
      this.written.set(k, now);
      try {
        await this.repo.recordSuccess(s.account, kind, value, now);
      } catch (err) {
        // Not fatal for the login: the source simply stays unfamiliar a little longer.
        this.written.delete(k);
        this.log.error({ err }, 'could not record a familiar login source');
      }
    }
  }

  /** Live counters (for the admin API), and an account's familiar sources when filtered by account. */
  async list(filter: { account?: string; address?: string }): Promise<{ counters: GuardCounter[]; familiar: FamiliarSource[] | null }> {
    const now = this.clock.now();
    const counters = await this.repo.list(filter, now, this.limits.lockoutMs);
    const familiar = filter.account !== undefined ? await this.repo.familiar(filter.account, now - FAMILIAR_MS) : null;
    return { counters, familiar };
  }

  /** Clears counters and locks of an account or an address; this process forgets its copies at once, others within STATE_TTL_MS. */
  async clear(target: { account: string } | { address: string }): Promise<number> {
    const n = await this.repo.clear(target);
    this.state.clear();
    return n;
  }

  private keys(s: GuardSubject): { address: GuardKey | null; pair: GuardKey | null; account: GuardKey | null } {
    const ns = s.namespace;
    return {
      address: s.address ? { scope: 'address', namespace: ns, account: '', address: s.address } : null,
      pair: s.address && s.account ? { scope: 'pair', namespace: ns, account: s.account, address: s.address } : null,
      account: s.account ? { scope: 'account', namespace: ns, account: s.account, address: '' } : null,
    };
  }

  private sources(s: GuardSubject): Array<[FamiliarSource['kind'], string]> {
    const out: Array<[FamiliarSource['kind'], string]> = [];
    if (s.address) out.push(['address', s.address]);
    if (s.device) out.push(['device', s.device]);
    return out;
  }

  /** Whether the login's address or device logged in to the account within FAMILIAR_MS. */
  private async familiar(s: GuardSubject): Promise<boolean> {
    if (!s.account) return false;
    const now = this.clock.now();
    for (const [kind, value] of this.sources(s)) {
      const k = `${s.account}\0${kind}\0${value}`;
      const c = this.known.get(k);
      let yes: boolean;
      if (c && c.expires > now) yes = c.value;
      else {
        yes = (await this.repo.lastSuccess(s.account, kind, value, now - FAMILIAR_MS)) !== null;
        // Known-familiar stays so for a while; not-familiar is re-read soon (another process may record it).
        this.setCached(this.known, k, yes, now + (yes ? FAMILIAR_WRITE_MS : STATE_TTL_MS));
      }
      if (yes) return true;
    }
    return false;
  }

  private async counters(keys: ReadonlyArray<GuardKey | null>, fresh: boolean): Promise<Map<string, GuardCounter>> {
    const now = this.clock.now();
    const out = new Map<string, GuardCounter>();
    const missing: GuardKey[] = [];
    for (const k of keys) {
      if (!k) continue;
      const c = fresh ? undefined : this.state.get(keyText(k));
      if (c && c.expires > now) {
        if (c.value) out.set(keyText(k), c.value);
      } else missing.push(k);
    }
    if (missing.length === 0) return out;
    const rows = await this.repo.counters(missing, now, this.limits.lockoutMs);
    const byKey = new Map(rows.map((r) => [keyText(r), r]));
    for (const k of missing) {
      const r = byKey.get(keyText(k)) ?? null;
      this.remember(k, r, now);
      if (r) out.set(keyText(k), r);
    }
    return out;
  }

  private remember(k: GuardKey, c: GuardCounter | null, now: number): void {
    this.setCached(this.state, keyText(k), c, now + STATE_TTL_MS);
  }

  private setCached<T>(m: Map<string, Cached<T>>, k: string, value: T, expires: number): void {
    if (m.size >= MAX_CACHED && !m.has(k)) m.clear();
    m.set(k, { value, expires });
  }

  private maybePrune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.repo.prune(now, this.limits.lockoutMs, now - FAMILIAR_MS).catch((err: unknown) => {
      this.log.error({ err }, 'could not prune authentication counters');
    });
  }
}
