// What admins change in ABQ (carbonio-features.md 3.5): control list entries, imports, rules and notice
// messages. Each change is one transaction; a list change re-decides the devices it names and moves
// those whose mailbox changes (SyncState reset, held requests ended on every process: src/devices/abq.ts).
// Role checks are the caller's (src/admin/routes-abq.ts): these functions trust their arguments' scope.
import { StoreError } from '../core/errors.js';
import { asDeviceId, type AccountId, type DeviceId, type DomainId } from '../core/ids.js';
import type { AbqEntry, AbqMessage, AbqMessageKind, AbqRule, AbqStatus } from '../store/abq-types.js';
import type { Store } from '../store/types.js';
import { applyToDeviceIn, compileRule, invalidateAbqRules, type Applied } from './abq.js';
import { checkFields, DEFAULT_MESSAGES, invalidateAbqMessages, type MessageField } from './abq-message.js';

const DEVICE_ID_MAX = 128;
export const ORDER_MAX = 1_000_000;

/** A device id as an admin types it: 1 to 128 visible characters without `/` (which separates the account in imports). */
export function parseDeviceId(raw: string): DeviceId {
  const v = raw.trim();
  if (v.length === 0 || v.length > DEVICE_ID_MAX || !/^[\x21-\x7e]+$/.test(v) || v.includes('/')) {
    throw new StoreError('invalid', `invalid device id "${raw.slice(0, 40)}" (1 to ${DEVICE_ID_MAX} visible characters, no "/")`);
  }
  return asDeviceId(v);
}

export interface EntryChange {
  entry: AbqEntry;
  previous: AbqEntry | null;
  /** The devices of that id now known, with the status they now have and whether they were moved. */
  devices: Applied[];
}

/** Puts a device (for one account, or all with null) on the list with a status, and applies it. */
export function setEntry(store: Store, deviceId: DeviceId, accountId: AccountId | null, status: AbqStatus, by: string, now = Date.now()): Promise<EntryChange> {
  return store.transaction(async (tx) => {
    const entry: AbqEntry = { deviceId, accountId, status, origin: 'admin', updatedAt: now, updatedBy: by, notifiedAt: null };
    const previous = await tx.abq.put(entry);
    return { entry, previous, devices: await applyToDeviceIn(tx, deviceId, accountId, now) };
  });
}

/** Removes an entry ('not-found' when there is none) and applies what the rules and mode now decide. */
export function deleteEntry(store: Store, deviceId: DeviceId, accountId: AccountId | null, now = Date.now()): Promise<{ previous: AbqEntry; devices: Applied[] }> {
  return store.transaction(async (tx) => {
    const previous = await tx.abq.delete(deviceId, accountId);
    if (!previous) throw new StoreError('not-found', `device ${deviceId}${accountId ? ' of that account' : ' (all accounts)'} is not on the list`);
    return { previous, devices: await applyToDeviceIn(tx, deviceId, accountId, now) };
  });
}

/** Puts many entries with one status in one transaction (all or none); returns how many were written. */
export function importEntries(store: Store, entries: ReadonlyArray<{ deviceId: DeviceId; accountId: AccountId | null }>, status: AbqStatus, by: string, now = Date.now()): Promise<number> {
  return store.transaction(async (tx) => {
    for (const e of entries) {
      await tx.abq.put({ deviceId: e.deviceId, accountId: e.accountId, status, origin: 'admin', updatedAt: now, updatedBy: by });
      await applyToDeviceIn(tx, e.deviceId, e.accountId, now);
    }
    return entries.length;
  });
}

/** Creates or replaces the rule of a domain (null: global) and regex; 'invalid' for a regex refused by compileRule. */
export async function setRule(store: Store, rule: Omit<AbqRule, 'createdAt'>, now = Date.now()): Promise<AbqRule> {
  compileRule(rule.pattern);
  if (!Number.isSafeInteger(rule.order) || rule.order < 0 || rule.order > ORDER_MAX) throw new StoreError('invalid', `order must be a whole number from 0 to ${ORDER_MAX}`);
  const full = { ...rule, createdAt: now };
  await store.abq.putRule(full);
  invalidateAbqRules(store);
  return full;
}

export async function deleteRule(store: Store, domainId: DomainId | null, pattern: string): Promise<void> {
  if (!(await store.abq.deleteRule(domainId, pattern))) throw new StoreError('not-found', `no rule "${pattern}"${domainId ? ' for that domain' : ' (global)'}`);
  invalidateAbqRules(store);
}

/** Sets fields of a message; fields not given keep their stored value, or the built-in text for a new message. */
export async function setMessage(
  store: Store, key: { domainId: DomainId | null; kind: AbqMessageKind; locale: string }, fields: Readonly<Partial<Record<MessageField, string>>>, now = Date.now(),
): Promise<AbqMessage> {
  if (key.locale === 'all') throw new StoreError('invalid', 'a message is set for default or one locale, not all');
  checkFields(fields);
  if (Object.values(fields).every((v) => v === undefined)) throw new StoreError('invalid', 'nothing to set: give at least one of from, reply_to, subject, body_plain, body_html');
  const m = await store.transaction(async (tx) => {
    const old = (await tx.abq.messages()).find((x) => x.domainId === key.domainId && x.kind === key.kind && x.locale === key.locale);
    const base = old ?? { ...key, from: '', replyTo: '', subject: DEFAULT_MESSAGES[key.kind].subject, bodyPlain: DEFAULT_MESSAGES[key.kind].bodyPlain, bodyHtml: '', updatedAt: 0 };
    const next: AbqMessage = {
      ...base, from: fields.from ?? base.from, replyTo: fields.reply_to ?? base.replyTo, subject: fields.subject ?? base.subject,
      bodyPlain: fields.body_plain ?? base.bodyPlain, bodyHtml: fields.body_html ?? base.bodyHtml, updatedAt: Math.max(now, base.updatedAt + 1),
    };
    if (next.subject.trim() === '') throw new StoreError('invalid', 'the subject must not be empty');
    await tx.abq.putMessage(next);
    return next;
  });
  invalidateAbqMessages(store);
  return m;
}

export async function deleteMessage(store: Store, domainId: DomainId | null, kind: AbqMessageKind, locale: string): Promise<void> {
  if (!(await store.abq.deleteMessage(domainId, kind, locale))) throw new StoreError('not-found', `no ${kind} message for ${locale}${domainId ? ' in that domain' : ' (global)'}`);
  invalidateAbqMessages(store);
}

/** Copies a message to another locale (Carbonio's duplicateABQMessage); `default` with none stored copies the built-in text. */
export async function duplicateMessage(store: Store, key: { domainId: DomainId | null; kind: AbqMessageKind }, from: string, to: string, now = Date.now()): Promise<AbqMessage> {
  if (from === 'all' || to === 'all' || to === from) throw new StoreError('invalid', 'duplicate from one locale (or default) to another');
  const src = (await store.abq.messages()).find((m) => m.domainId === key.domainId && m.kind === key.kind && m.locale === from);
  if (!src && from !== 'default') throw new StoreError('not-found', `no ${key.kind} message for ${from}${key.domainId ? ' in that domain' : ' (global)'}`);
  const d = DEFAULT_MESSAGES[key.kind];
  const base = src ?? { from: '', replyTo: '', subject: d.subject, bodyPlain: d.bodyPlain, bodyHtml: '' };
  return setMessage(store, { ...key, locale: to }, { from: base.from, reply_to: base.replyTo, subject: base.subject, body_plain: base.bodyPlain, body_html: base.bodyHtml }, now);
}
