// The admins' mail listing newly quarantined devices (carbonio-features.md 5.6 abqNotificationsInterval;
// `carbonio mobile ABQ setNotificationInterval 45m|6h|1d|0`). The interval is the setting
// `abqNotificationsInterval` (milliseconds, 0 = off, the default) in `store.settings` scope `global`.
// Every server process ticks; a run is claimed in the database (job `abq-notify`), so with several
// processes one sends per interval. A run lists the Quarantined entries not reported yet, delivers one
// message to every global admin's Inbox (local delivery) and marks them reported.
import MailComposer from 'nodemailer/lib/mail-composer';
import { StoreError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Account, Store } from '../store/types.js';

/** Local delivery as this module uses it (src/mail/delivery.ts LocalDelivery; devices/ does not import mail/). */
export interface Deliverer {
  deliver(recipients: Account[], raw: Uint8Array, opts: { receivedAt?: number }): Promise<unknown>;
}

export const NOTIFY_KEY = 'abqNotificationsInterval';
export const NOTIFY_JOB = 'abq-notify';
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_INTERVAL_MS = 365 * 86_400_000;
/** How often each process looks whether a run is due (the interval itself is at least a minute). */
export const NOTIFY_TICK_MS = 30_000;

/** `0`, or a duration such as `45m`, `6h`, `1d` (at least one minute), as milliseconds; else 'invalid'. */
export function parseInterval(raw: string): number {
  const v = raw.trim().toLowerCase();
  if (v === '0') return 0;
  const m = /^(\d{1,6})([smhd])$/.exec(v);
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0) : NaN;
  if (!(ms >= 60_000 && ms <= MAX_INTERVAL_MS)) throw new StoreError('invalid', `invalid interval "${raw.slice(0, 20)}": expected 0 (off) or a duration from 1m to 365d such as 45m, 6h or 1d`);
  return ms;
}

/** The interval as typed back (`45m`, `6h`, `1d`, `0`). */
export function formatInterval(ms: number): string {
  if (ms === 0) return '0';
  for (const [u, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % n === 0) return `${ms / n}${u}`;
  return `${Math.round(ms / 1000)}s`;
}

export async function notificationInterval(store: Pick<Store, 'settings'>): Promise<number> {
  const raw = await store.settings.get('global', NOTIFY_KEY);
  const n = raw === null ? 0 : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * One run if one is due and this process wins the claim: returns how many devices were reported (null:
 * off, not due, or claimed by another process).
 */
export async function runAbqNotification(store: Store, delivery: Deliverer, senderDomain: string, now = Date.now()): Promise<number | null> {
  const interval = await notificationInterval(store);
  if (interval === 0) return null;
  const fresh = (await store.abq.list('Quarantined')).filter((e) => e.notifiedAt === null);
  // Nothing new: the claim is left for the run that has something to say.
  if (fresh.length === 0) return 0;
  if (!(await store.abq.claimRun(NOTIFY_JOB, now, interval))) return null;
  const accounts = await store.accounts.list();
  const admins = accounts.filter((a) => a.isGlobalAdmin && a.status === 'active');
  const names = new Map(accounts.map((a) => [a.id as string, a.email]));
  const lines = fresh.map((e) => `  ${e.deviceId}  ${e.accountId ? (names.get(e.accountId) ?? e.accountId) : 'all accounts'}  since ${new Date(e.updatedAt).toISOString()}  (${e.updatedBy})`);
  const text = [
    `${fresh.length} device${fresh.length === 1 ? ' was' : 's were'} quarantined since the last report:`, '', ...lines, '',
    'Allow one with: carbonio mobile ABQ allow <device_id> [account <account>]',
    'Block one with: carbonio mobile ABQ block <device_id> [account <account>]',
  ].join('\n');
  if (admins.length > 0) {
    const raw = await new MailComposer({
      from: { name: 'Carbonio Mobile', address: `postmaster@${senderDomain}` }, to: admins.map((a) => a.email),
      subject: `ABQ: ${fresh.length} newly quarantined device${fresh.length === 1 ? '' : 's'}`, text, headers: { 'Auto-Submitted': 'auto-generated' },
    }).compile().build();
    await delivery.deliver(admins, raw, { receivedAt: now });
  }
  await store.abq.markNotified(fresh, now);
  return fresh.length;
}

/** Ticks every NOTIFY_TICK_MS; returns the function that stops it. Errors are logged, never thrown. */
export function startAbqNotifier(store: Store, delivery: Deliverer, senderDomain: string, log: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runAbqNotification(store, delivery, senderDomain)
      .then((n) => { if (n) log.info({ event: 'abq-notified', devices: n }, 'ABQ: admins told of newly quarantined devices'); })
      .catch((err: unknown) => log.warn({ err }, 'ABQ notification failed'))
      .finally(() => { running = false; });
  }, NOTIFY_TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
