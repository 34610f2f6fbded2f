// The limits IMAP and POP3 share (issue 18 part 4): simultaneous connections per account and per client
// address, counted together for both protocols, and the plain-text login rule.
//
// The counters live in this server process only: with several processes behind a load balancer each
// allows the maximum, so the effective bound is the maximum times the number of processes. That is the
// same trade Dovecot makes per director backend; a shared counter would cost a database write per
// connection and leave counts behind when a process dies.
import type { Config } from '../config.js';

/** A held slot; release() is idempotent (call it when the connection closes, whatever the path). */
export interface Lease {
  release(): void;
}

const noop: Lease = { release: () => undefined };

export class ConnectionLimits {
  private readonly perAccount = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: Pick<Config['mailAccess'], 'maxPerAccount' | 'maxPerAddress'>) {}

  /** A slot for a new connection from `address`, or null when that address has the maximum open. */
  acquireAddress(address: string): Lease | null {
    return acquire(this.perAddress, address, this.limits.maxPerAddress);
  }

  /** A slot for a logged-in session of `accountId`, or null when the account has the maximum open. */
  acquireAccount(accountId: string): Lease | null {
    return acquire(this.perAccount, accountId, this.limits.maxPerAccount);
  }

  /** Open connections counted now (tests, metrics). */
  count(kind: 'account' | 'address', key: string): number {
    return (kind === 'account' ? this.perAccount : this.perAddress).get(key) ?? 0;
  }
}

function acquire(map: Map<string, number>, key: string, max: number): Lease | null {
  if (key === '') return noop;
  const n = map.get(key) ?? 0;
  if (n >= max) return null;
  map.set(key, n + 1);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      const left = (map.get(key) ?? 1) - 1;
      if (left <= 0) map.delete(key);
      else map.set(key, left);
    },
  };
}

/** Loopback as the plain-text exemption means it: this host's own clients, 127.0.0.1 and ::1 only. */
export const isLoopback = (address: string | undefined): boolean =>
  address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

/**
 * May a password be sent on this connection? Over TLS always; in clear only from loopback or where the
 * admin allowed it (CARBONIO_ALLOW_PLAINTEXT_AUTH), as for SMTP (RFC 8314 section 4.1, Dovecot's
 * disable_plaintext_auth). IMAP advertises LOGINDISABLED and POP3 leaves USER and SASL out of CAPA when false.
 */
export function authAllowed(secure: boolean, remoteAddress: string | undefined, config: Pick<Config, 'allowPlaintextAuth'>): boolean {
  return secure || isLoopback(remoteAddress) || config.allowPlaintextAuth;
}
