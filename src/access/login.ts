// A login on IMAP or POP3: the plain-text rule, the shared authenticator (the mobile-password rules of
// ARCHITECTURE.md section 3: protocol 'imap' or 'pop3', so an EAS-only credential is refused, the
// lockout and client-address rules apply), and the per-account connection limit. Each front end maps
// the outcome to its own reply (IMAP NO [AUTHENTICATIONFAILED] / [UNAVAILABLE], POP3 -ERR [AUTH] /
// [SYS/TEMP] / [IN-USE]).
//
// Logging: the authenticator writes the `"event":"auth-failure"` line fail2ban matches (README, "fail2ban")
// for every refused secret; here, as the ActiveSync endpoint does, a second human-readable line per
// protocol (`imap-auth-failure`, `pop3-auth-failure`) that the filter does not match, so a failure counts
// once. Neither ever contains the secret.
import type { Config } from '../config.js';
import { isProxyAddress } from '../core/addresses.js';
import type { Logger } from '../core/logger.js';
import type { CredentialId } from '../core/ids.js';
import { isLockout, type Authenticator, type FailureReason } from '../auth/types.js';
import type { Account } from '../store/types.js';
import { authAllowed, type ConnectionLimits, type Lease } from './limits.js';

export type AccessProtocol = 'imap' | 'pop3';

export interface LoginDeps {
  auth: Authenticator;
  log: Logger;
  config: Pick<Config, 'trustedProxies' | 'allowPlaintextAuth'>;
  limits: ConnectionLimits;
}

export interface LoginContext {
  remoteAddress: string;
  /** TLS (implicit, or after STARTTLS / STLS). */
  secure: boolean;
}

export type LoginOutcome =
  /** `lease`: the account's connection slot; release it when the session ends. */
  | { ok: true; account: Account; credentialId: CredentialId | null; lease: Lease }
  /**
   * - `encryption-required`: a password in clear from a non-loopback client (nothing checked, nothing counted);
   * - `failed`: wrong login or secret, or a secret not valid for this protocol, or the account locked/closed;
   * - `locked-out`: too many failures (the lockout rules), refused without checking the secret;
   * - `too-many-connections`: the secret was right but the account has its maximum of connections open;
   * - `unavailable`: the authentication backend failed (a temporary error).
   */
  | { ok: false; kind: 'encryption-required' | 'failed' | 'locked-out' | 'too-many-connections' | 'unavailable'; reason?: FailureReason };

const NAMES: Record<AccessProtocol, string> = { imap: 'IMAP', pop3: 'POP3' };

export async function protocolLogin(
  deps: LoginDeps, protocol: AccessProtocol, login: string, secret: string, ctx: LoginContext,
): Promise<LoginOutcome> {
  if (!authAllowed(ctx.secure, ctx.remoteAddress, deps.config)) {
    deps.log.info({ event: `${protocol}-auth-plaintext-refused`, remote: ctx.remoteAddress }, `${NAMES[protocol]} login in clear refused from ${ctx.remoteAddress}: TLS first`);
    return { ok: false, kind: 'encryption-required' };
  }
  let result;
  try {
    result = await deps.auth.verify(login, secret, protocol, {
      remoteAddress: ctx.remoteAddress,
      addressIsProxy: isProxyAddress(deps.config.trustedProxies, ctx.remoteAddress),
    });
  } catch (err) {
    deps.log.error({ err, protocol }, 'authentication backend failed');
    return { ok: false, kind: 'unavailable' };
  }
  if (!result.ok) {
    deps.log.warn(
      { event: `${protocol}-auth-failure`, account: result.login, remote: ctx.remoteAddress, reason: result.reason },
      `${NAMES[protocol]} login failed for ${result.login || '-'} from ${ctx.remoteAddress}`,
    );
    return { ok: false, kind: isLockout(result.reason) ? 'locked-out' : 'failed', reason: result.reason };
  }
  const lease = deps.limits.acquireAccount(result.account.id);
  if (!lease) {
    deps.log.warn(
      { event: `${protocol}-too-many-connections`, account: result.account.email, remote: ctx.remoteAddress },
      `${NAMES[protocol]} login refused for ${result.account.email} from ${ctx.remoteAddress}: too many connections for the account`,
    );
    return { ok: false, kind: 'too-many-connections' };
  }
  return { ok: true, account: result.account, credentialId: result.credentialId, lease };
}
