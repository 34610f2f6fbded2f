// ABQ decisions (carbonio-features.md 3.5 / 5.6, issue 15): which mailbox a device of an account syncs.
// Order: the account's own entry on the control list, then the device-wide entry, then the rules (in
// their order; the account's domain's and the global ones), then the mode's default (Permissive:
// Allowed, Interactive: Quarantined, Strict: Blocked). Permissive stops only Blocked devices (a
// Quarantined entry or rule lets the device in there). Disabled: every device is Allowed.
//
// What a device syncs is recorded as its view (abq_views): when the decision differs from the view,
// the device's SyncState is reset and its held requests end on every server process (AbqRepo.endHeld,
// carried by the change bus), so it starts over from SyncKey 0 in the other mailbox: old keys get Sync
// Status 3 / FolderSync Status 9. Admin changes to the list, the mode and the rules apply at once
// (applyToDeviceIn, reapply); every request checks again, so a change made behind the API's back (or one
// another process's cache has not seen yet) applies at the device's next request. Hot path: with ABQ never enabled, two cached lookups and no query;
// otherwise the list entries of the device and its view (two indexed reads), mode and rules cached.
import { StoreError } from '../core/errors.js';
import type { AccountId, DeviceId, DomainId } from '../core/ids.js';
import type { AbqEntry, AbqRule, AbqStatus, AbqView } from '../store/abq-types.js';
import { ABQ_STATUSES } from '../store/abq-types.js';
import type { Account, Device, Repos, Store } from '../store/types.js';
import { abqEverEnabled, invalidateAbqMode, modeOf, type AbqMode } from './abq-mode.js';

const RULES_TTL_MS = 5_000;
/** Type, model and user agent are cut to this before matching: a rule never scans a long string. */
const MATCH_INPUT_MAX = 256;
export const RULE_PATTERN_MAX = 200;

export interface AbqDecision {
  status: AbqStatus;
  source: 'disabled' | 'list' | 'rule' | 'mode';
  /** What decided, for the list and the log: an admin entry's author, `rule <regex>`, `abqMode Interactive`. */
  by: string;
  mode: AbqMode;
}

/** A status typed in any case, else 'invalid'. */
export function parseStatus(raw: unknown): AbqStatus {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const s = ABQ_STATUSES.find((x) => x.toLowerCase() === v);
  if (!s) throw new StoreError('invalid', `invalid status ${typeof raw === 'string' ? `"${raw.slice(0, 40)}" ` : ''}(expected ${ABQ_STATUSES.join(', ')})`);
  return s;
}

/**
 * A rule's pattern compiled (case-insensitive), or 'invalid': not a JavaScript regular expression, too
 * long, or with a quantified group that itself holds a quantifier (`(a+)+`, the shape of catastrophic
 * backtracking), which a rule matched on every request must not have.
 */
export function compileRule(pattern: string): RegExp {
  if (pattern.length === 0 || pattern.length > RULE_PATTERN_MAX) throw new StoreError('invalid', `a rule's regex must have 1 to ${RULE_PATTERN_MAX} characters`);
  if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]/.test(pattern)) {
    throw new StoreError('invalid', `regex "${pattern}" refused: a repeated group holding a repetition (like (a+)+) can take exponential time`);
  }
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new StoreError('invalid', `invalid regex "${pattern}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface CompiledRule { rule: AbqRule; re: RegExp | null }
const rulesCache = new WeakMap<object, { at: number; value: Promise<CompiledRule[]> }>();

function compiledRules(store: Pick<Repos, 'abq'>, now: number): Promise<CompiledRule[]> {
  const hit = rulesCache.get(store.abq);
  if (hit && now - hit.at < RULES_TTL_MS) return hit.value;
  const value = store.abq.rules().then((rules) => rules.map((rule) => {
    let re: RegExp | null = null;
    // A rule stored before a stricter check, or written straight into the table, is skipped rather than fatal.
    try { re = compileRule(rule.pattern); } catch { re = null; }
    return { rule, re };
  }));
  const entry = { at: now, value };
  rulesCache.set(store.abq, entry);
  value.catch(() => rulesCache.delete(store.abq));
  return value;
}

export function invalidateAbqRules(store: Pick<Repos, 'abq'>): void {
  rulesCache.delete(store.abq);
}

/** The texts a rule is matched against: device type, model and user agent. */
const subjects = (d: Device): string[] => [d.deviceType, d.info.model ?? '', d.userAgent].map((s) => s.slice(0, MATCH_INPUT_MAX)).filter((s) => s !== '');

const modeDefault: Record<Exclude<AbqMode, 'Disabled'>, AbqStatus> = { Permissive: 'Allowed', Interactive: 'Quarantined', Strict: 'Blocked' };

/** The decision for a device of an account, from its entries on the list (entriesFor), the rules and the mode. */
export async function decide(store: Pick<Repos, 'abq' | 'settings'>, account: Account, device: Device, entries: readonly AbqEntry[], now = Date.now()): Promise<AbqDecision> {
  const { mode } = await modeOf(store, account, now);
  if (mode === 'Disabled') return { status: 'Allowed', source: 'disabled', by: 'abqMode Disabled', mode };
  // Permissive stops only what is Blocked (by the list or a rule): a Quarantined decision lets the device in.
  const pass = (d: AbqDecision): AbqDecision => (mode === 'Permissive' && d.status === 'Quarantined' ? { ...d, status: 'Allowed', by: `${d.by} (abqMode Permissive)` } : d);
  const own = entries.find((e) => e.accountId === account.id && e.origin === 'admin');
  const wide = entries.find((e) => e.accountId === null);
  const listed = own ?? wide;
  if (listed) return pass({ status: listed.status, source: 'list', by: listed.updatedBy, mode });
  const texts = subjects(device);
  for (const { rule, re } of await compiledRules(store, now)) {
    if (!re || (rule.domainId !== null && rule.domainId !== account.domainId)) continue;
    if (texts.some((t) => re.test(t))) return pass({ status: rule.status, source: 'rule', by: `rule ${rule.pattern}`, mode });
  }
  return { status: modeDefault[mode], source: 'mode', by: `abqMode ${mode}`, mode };
}

/**
 * Moves the device to the view of `status` if it is not there yet: resets its SyncState, records the view
 * and ends its held requests everywhere, in one transaction (the view is read again inside it, so two
 * processes never reset twice for one change). Returns the view now in force.
 */
export function moveToView(store: Store, accountId: AccountId, deviceId: DeviceId, status: AbqStatus, now = Date.now()): Promise<{ view: AbqView; moved: boolean }> {
  return store.transaction((tx) => moveToViewIn(tx, accountId, deviceId, status, now));
}

/** moveToView inside the caller's transaction. */
export async function moveToViewIn(tx: Repos, accountId: AccountId, deviceId: DeviceId, status: AbqStatus, now = Date.now()): Promise<{ view: AbqView; moved: boolean }> {
  const current = await tx.abq.getView(accountId, deviceId);
  const was: AbqStatus = current?.status ?? 'Allowed';
  if (was === status) return { view: current ?? { status, since: 0 }, moved: false };
  await tx.deviceState.reset(accountId, deviceId);
  const view = { status, since: now };
  await tx.abq.putView(accountId, deviceId, status === 'Allowed' ? null : view);
  tx.abq.endHeld(accountId, deviceId);
  return { view, moved: true };
}

/**
 * An 'auto' entry follows what the rules or the mode decided, kept only while that is Blocked or
 * Quarantined; once an admin's entry decides (or the device is let in), it goes.
 */
async function recordAuto(store: Pick<Repos, 'abq'>, account: Account, device: Device, entries: readonly AbqEntry[], d: AbqDecision, now: number): Promise<void> {
  const auto = entries.find((e) => e.accountId === account.id && e.origin === 'auto');
  const keep = (d.source === 'rule' || d.source === 'mode') && d.status !== 'Allowed';
  if (!keep) {
    if (auto) await store.abq.delete(device.deviceId, account.id);
  } else if (!auto || auto.status !== d.status) {
    await store.abq.put({ deviceId: device.deviceId, accountId: account.id, status: d.status, origin: 'auto', updatedAt: now, updatedBy: d.by });
  }
}

export interface AbqOutcome {
  decision: AbqDecision;
  /** The view to serve: Allowed (the real mailbox) or the stand-in of Blocked / Quarantined since `since`. */
  view: AbqView;
  /** True when this request moved the device (its SyncState was reset). */
  moved: boolean;
}

const ALLOWED_VIEW: AbqView = { status: 'Allowed', since: 0 };

/**
 * The per-request check (after authentication, the device known): the decision, recorded on the list
 * when the rules or the mode made it, and the device moved to its view if needed. `persistent` false (the
 * `validate` probe): nothing is written, the view is the decision.
 */
export async function abqFor(store: Store, account: Account, device: Device, persistent: boolean, now = Date.now()): Promise<AbqOutcome> {
  const { mode } = await modeOf(store, account, now);
  if (mode === 'Disabled' && !(await abqEverEnabled(store, now))) return { decision: { status: 'Allowed', source: 'disabled', by: 'abqMode Disabled', mode }, view: ALLOWED_VIEW, moved: false };
  let entries = mode === 'Disabled' ? [] : await store.abq.entriesFor(device.deviceId);
  let decision = await decide(store, account, device, entries, now);
  if (!persistent) return { decision, view: { status: decision.status, since: now }, moved: false };
  const current = await store.abq.getView(account.id, device.deviceId);
  if ((current?.status ?? 'Allowed') !== decision.status) {
    // About to move the device: decide again without the caches, so a mode or rule changed on another
    // process a moment ago (which moved the device there) is not undone here from a stale cache.
    invalidateAbqMode(store);
    invalidateAbqRules(store);
    entries = await store.abq.entriesFor(device.deviceId);
    decision = await decide(store, account, device, entries, now);
  }
  await recordAuto(store, account, device, entries, decision, now);
  if ((current?.status ?? 'Allowed') === decision.status) return { decision, view: current ?? ALLOWED_VIEW, moved: false };
  const r = await moveToView(store, account.id, device.deviceId, decision.status, now);
  return { decision, view: r.view, moved: r.moved };
}

/**
 * The check while the abq service is stopped (`carbonio mobile doStopService abq`): no decision is made,
 * every device syncs its real mailbox; one still on a stand-in is moved back (its SyncState reset, as for
 * any move), so that starting the service again moves it cleanly the other way.
 */
export async function abqStoppedFor(store: Store, account: Account, device: Device, persistent: boolean, now = Date.now()): Promise<AbqOutcome> {
  const decision: AbqDecision = { status: 'Allowed', source: 'disabled', by: 'abq service stopped', mode: 'Disabled' };
  if (!persistent || !(await abqEverEnabled(store, now))) return { decision, view: ALLOWED_VIEW, moved: false };
  const current = await store.abq.getView(account.id, device.deviceId);
  if ((current?.status ?? 'Allowed') === 'Allowed') return { decision, view: current ?? ALLOWED_VIEW, moved: false };
  const r = await moveToView(store, account.id, device.deviceId, 'Allowed', now);
  return { decision, view: r.view, moved: r.moved };
}

export interface Applied { account: Account; status: AbqStatus; moved: boolean }

/**
 * Re-decides every device of `deviceId` (of one account, or of all) after a change of the list, inside the
 * caller's transaction, and moves those whose view changed.
 */
export async function applyToDeviceIn(tx: Repos, deviceId: DeviceId, accountId: AccountId | null, now = Date.now()): Promise<Applied[]> {
  const targets: Array<{ account: Account; device: Device }> = [];
  if (accountId !== null) {
    const [account, device] = await Promise.all([tx.accounts.getById(accountId), tx.devices.get(accountId, deviceId)]);
    if (account && device) targets.push({ account, device });
  } else {
    const found = await tx.devices.search({ q: deviceId, sort: 'account', order: 'asc', offset: 0 });
    for (const r of found.rows) if (r.device.deviceId === deviceId) targets.push(r);
  }
  const entries = await tx.abq.entriesFor(deviceId);
  const out: Applied[] = [];
  for (const { account, device } of targets) {
    const d = await decide(tx, account, device, entries, now);
    await recordAuto(tx, account, device, entries, d, now);
    const r = await moveToViewIn(tx, account.id, deviceId, d.status, now);
    out.push({ account, status: d.status, moved: r.moved });
  }
  return out;
}

export type ReapplyScope = { kind: 'global' } | { kind: 'domain'; id: DomainId } | { kind: 'account'; id: AccountId };

/**
 * After a change of the mode or the rules: re-decides every device in the scope at once (one short
 * transaction each) and moves those whose mailbox changes, so that their held requests end now rather than
 * at their next request. Returns how many devices were moved. Cost: two reads per device, and the writes of
 * those that move.
 */
export async function reapply(store: Store, scope: ReapplyScope, now = Date.now()): Promise<number> {
  const devices = scope.kind === 'account' ? await store.devices.list(scope.id) : await store.devices.listAll(scope.kind === 'domain' ? { domainIds: [scope.id] } : undefined);
  const accounts = new Map<AccountId, Account | null>();
  let moved = 0;
  for (const device of devices) {
    if (!accounts.has(device.accountId)) accounts.set(device.accountId, await store.accounts.getById(device.accountId));
    const account = accounts.get(device.accountId);
    if (!account) continue;
    const r = await store.transaction(async (tx) => {
      const entries = await tx.abq.entriesFor(device.deviceId);
      const d = await decide(tx, account, device, entries, now);
      await recordAuto(tx, account, device, entries, d, now);
      return moveToViewIn(tx, account.id, device.deviceId, d.status, now);
    });
    if (r.moved) moved++;
  }
  return moved;
}
