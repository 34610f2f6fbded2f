// The mobile services and anti-DoS on the EAS request path (issue 15 part 4; carbonio-features.md 3.6,
// 5.7): a stopped service answers HTTP 503 Service Unavailable with Retry-After (MS-ASHTTP response
// status codes; eas-protocol.md 1.5, where peers send 300 s), and a jailed device gets 503 with the
// seconds left of its jail. Both read the per-process snapshot of src/devices/services.ts: a Map lookup
// or two per request.
import type { Logger } from '../core/logger.js';
import { antiDosAdmit } from '../devices/anti-dos.js';
import { freshSnapshot, runningIn, servicesSnapshot, type ServiceName } from '../devices/services.js';
import { alertGlobalAdmins } from '../mail/admin-alert.js';
import type { LocalDelivery } from '../mail/delivery.js';
import type { Account, Store } from '../store/types.js';
import { HttpRefusal } from './refusal.js';

/** What a client is told to wait when a service is stopped: an admin decides when it comes back. */
const STOPPED_RETRY_SECONDS = '300';

/** HttpRefusal 503 when the service (or the whole module) is stopped. */
export async function requireService(store: Store, name: ServiceName): Promise<void> {
  const now = Date.now();
  const snap = freshSnapshot(store, now) ?? (await servicesSnapshot(store, now));
  if (!runningIn(snap, name)) throw new HttpRefusal(503, `${name} service stopped by an administrator`, { 'Retry-After': STOPPED_RETRY_SECONDS });
}

export interface AntiDosGateDeps {
  store: Store;
  delivery: LocalDelivery;
  log: Logger;
}

/**
 * Counts the request of this device; HttpRefusal 503 with Retry-After while it is jailed. The request
 * that causes a jail writes one fixed-format log line (for fail2ban) and, when its write made the jail
 * (not another process's), mails the global admins in the background.
 */
export async function requireNotJailed(deps: AntiDosGateDeps, account: Account, deviceId: string, remote: string): Promise<void> {
  const v = await antiDosAdmit(deps.store, account.id, deviceId);
  if (v.ok) return;
  if (v.jail) {
    const seconds = Math.round((v.jail.until - v.jail.jailedAt) / 1000);
    deps.log.warn({
      event: 'eas-anti-dos-jail', account: account.email, deviceId, remote, requests: v.jail.requests, windowMs: v.jail.windowMs, until: new Date(v.jail.until).toISOString(),
    }, `anti-dos: jailed device ${deviceId} of ${account.email} from ${remote} for ${seconds} s (${v.jail.requests} requests within ${v.jail.windowMs} ms)`);
    if (v.fresh) {
      const lines = [
        `The ActiveSync device ${deviceId} of ${account.email} sent ${v.jail.requests} requests within ${v.jail.windowMs / 1000} seconds (last from ${remote}).`,
        `Its requests are refused until ${new Date(v.jail.until).toISOString()} (${seconds} seconds).`,
        '',
        'Such a burst usually means a client stuck in a loop. To free it before then: carbonio mobile doRestartService anti-dos',
        '(frees every jailed device), or DELETE /api/admin/antidos/jails/<account>/<device_id>.',
      ];
      alertGlobalAdmins(deps.store, deps.delivery, `ActiveSync device jailed: ${deviceId} of ${account.email}`, lines)
        .catch((err: unknown) => deps.log.error({ err, event: 'eas-anti-dos-alert-failed' }, 'mailing the admins about a jailed device failed'));
    }
  }
  throw new HttpRefusal(503, 'device jailed by anti-dos', { 'Retry-After': String(v.retryAfterSeconds) });
}
