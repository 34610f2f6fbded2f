// Push tuning, changeable while running (Carbonio's ZxMobile_* performance knobs, carbonio-features.md
// 5.7), stored in `store.settings` scope `global`:
//   notificationsLatency     0-3600 s, default 0: gather a burst of changes this long before answering
//   useInstantNotifications  true|false, default true: false = held requests do not wake on the change
//                            bus but re-check the store every notificationsLatency seconds (30 s when 0)
//   maxPingHeartbeat         minPingHeartbeat-3540 s, default 3540
//   minPingHeartbeat         1-maxPingHeartbeat s, default 60
//                            (both bound Ping's HeartbeatInterval and Sync's Wait / HeartbeatInterval)
// Names are matched case-insensitively, Carbonio's spellings too (ZxMobile_UseInstantNotficiations, sic).
// Reads go through a small cache per store: 5 s on other nodes, at once on this one (a set through
// setPushSetting clears it). Values written straight into the store appear within the TTL.
import { StoreError } from '../core/errors.js';
import type { SettingsRepo } from '../store/types.js';

export interface PushSettings {
  notificationsLatency: number;
  useInstantNotifications: boolean;
  maxPingHeartbeat: number;
  minPingHeartbeat: number;
}

export type PushSettingKey = keyof PushSettings;

export const PUSH_SCOPE = 'global';
export const CACHE_TTL_MS = 5_000;
/** How often a held request re-checks the store when useInstantNotifications is false and notificationsLatency is 0. */
export const POLL_FALLBACK_SECONDS = 30;
export const HEARTBEAT_LIMIT = 3540;

interface Def {
  key: PushSettingKey;
  aliases: readonly string[];
  description: string;
}

export const PUSH_SETTINGS: readonly Def[] = [
  { key: 'notificationsLatency', aliases: ['ZxMobile_NotificationsLatency'], description: 'seconds to gather a burst of changes before a held request answers' },
  {
    key: 'useInstantNotifications', aliases: ['ZxMobile_UseInstantNotficiations', 'ZxMobile_UseInstantNotifications'],
    description: `false: held requests re-check every notificationsLatency seconds (${POLL_FALLBACK_SECONDS} s when 0) instead of waking on each change`,
  },
  { key: 'maxPingHeartbeat', aliases: ['ZxMobile_MaxPingHeartbeat'], description: 'longest Ping or Sync heartbeat accepted (longer ones get Ping Status 5 / Sync Status 14 with this limit)' },
  { key: 'minPingHeartbeat', aliases: ['ZxMobile_MinPingHeartbeat'], description: 'shortest Ping or Sync heartbeat accepted (shorter ones get Ping Status 5 / Sync Status 14 with this limit)' },
];

export const PUSH_DEFAULTS: Readonly<PushSettings> = Object.freeze({
  notificationsLatency: 0, useInstantNotifications: true, maxPingHeartbeat: HEARTBEAT_LIMIT, minPingHeartbeat: 60,
});

const byName = new Map<string, PushSettingKey>(PUSH_SETTINGS.flatMap((d) => [d.key, ...d.aliases].map((n) => [n.toLowerCase(), d.key] as const)));

/** The canonical key of a name or alias (any case), or null. */
export function resolvePushKey(name: string): PushSettingKey | null {
  return byName.get(name.trim().toLowerCase()) ?? null;
}

/** The values a key accepts given the others, e.g. "an integer from 60 to 3540" (for messages and the API). */
export function allowedValues(key: PushSettingKey, s: PushSettings): string {
  switch (key) {
    case 'notificationsLatency': return 'an integer from 0 to 3600 (seconds)';
    case 'useInstantNotifications': return 'true or false';
    case 'maxPingHeartbeat': return `an integer from ${s.minPingHeartbeat} (minPingHeartbeat) to ${HEARTBEAT_LIMIT} (seconds)`;
    case 'minPingHeartbeat': return `an integer from 1 to ${s.maxPingHeartbeat} (maxPingHeartbeat) (seconds)`;
  }
}

function intIn(raw: string, min: number, max: number): number | null {
  const v = raw.trim();
  if (!/^\d{1,5}$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}

function boolOf(raw: string): boolean | null {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return null;
}

/** The settings from the stored strings; anything missing or unreadable takes its default, and a minimum above the maximum is lowered to it. */
export function parsePushSettings(stored: Readonly<Record<string, string>>): PushSettings {
  const int = (k: PushSettingKey, min: number, max: number): number => {
    const raw = stored[k];
    return (raw === undefined ? null : intIn(raw, min, max)) ?? (PUSH_DEFAULTS[k] as number);
  };
  const instant = stored.useInstantNotifications === undefined ? null : boolOf(stored.useInstantNotifications);
  const max = int('maxPingHeartbeat', 1, HEARTBEAT_LIMIT);
  return {
    notificationsLatency: int('notificationsLatency', 0, 3600),
    useInstantNotifications: instant ?? PUSH_DEFAULTS.useInstantNotifications,
    maxPingHeartbeat: max,
    minPingHeartbeat: Math.min(int('minPingHeartbeat', 1, HEARTBEAT_LIMIT), max),
  };
}

/** Checks a new value against the current settings: the typed value and the string to store, or a StoreError 'invalid' naming the allowed values. */
export function validatePushSetting(key: PushSettingKey, value: unknown, current: PushSettings): { value: number | boolean; stored: string } {
  const raw = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  const bad = (): never => {
    throw new StoreError('invalid', `invalid value ${raw === null ? '' : `"${raw}" `}for ${key}: expected ${allowedValues(key, current)}`);
  };
  if (raw === null) return bad();
  let v: number | boolean | null;
  switch (key) {
    case 'notificationsLatency': v = intIn(raw, 0, 3600); break;
    case 'useInstantNotifications': v = boolOf(raw); break;
    case 'maxPingHeartbeat': v = intIn(raw, current.minPingHeartbeat, HEARTBEAT_LIMIT); break;
    case 'minPingHeartbeat': v = intIn(raw, 1, current.maxPingHeartbeat); break;
  }
  if (v === null) return bad();
  return { value: v, stored: String(v) };
}

type SettingsHolder = { readonly settings: SettingsRepo };

interface Entry {
  at: number;
  pending: Promise<PushSettings>;
}

/** Per store (by its settings repository), so several servers in one process keep apart. */
const cache = new WeakMap<SettingsRepo, Entry>();
/** The last settings read per store, for peekPushSettings (kept when the cache is cleared). */
const last = new WeakMap<SettingsRepo, PushSettings>();

/** The settings as stored now, bypassing the cache (the admin API shows these). */
export async function loadPushSettings(store: SettingsHolder): Promise<PushSettings> {
  const s = parsePushSettings(await store.settings.list(PUSH_SCOPE));
  last.set(store.settings, s);
  return s;
}

/** The settings, from the cache when younger than the TTL; concurrent misses share one read. */
export function pushSettings(store: SettingsHolder, now = Date.now()): Promise<PushSettings> {
  const hit = cache.get(store.settings);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.pending;
  const entry: Entry = { at: now, pending: loadPushSettings(store) };
  cache.set(store.settings, entry);
  // A failed read is not cached: the next caller tries again.
  entry.pending.catch(() => {
    if (cache.get(store.settings) === entry) cache.delete(store.settings);
  });
  return entry.pending;
}

/**
 * The settings without waiting: the last ones read on this node (the defaults before any read),
 * starting a read in the background when they are older than the TTL. For callers that cannot await.
 */
export function peekPushSettings(store: SettingsHolder, now = Date.now()): PushSettings {
  const hit = cache.get(store.settings);
  if (!hit || now - hit.at >= CACHE_TTL_MS) pushSettings(store, now).catch(() => undefined);
  return last.get(store.settings) ?? PUSH_DEFAULTS;
}

/** Forgets the cached settings of a store: the next read goes to the store. */
export function invalidatePushSettings(store: SettingsHolder): void {
  cache.delete(store.settings);
}

/** Validates and stores one setting (name or alias), clears the cache, and returns the key, its new value and the previous one. */
export async function setPushSetting(store: SettingsHolder, name: string, value: unknown): Promise<{ key: PushSettingKey; value: number | boolean; previous: number | boolean }> {
  const key = resolvePushKey(name);
  if (!key) throw unknownPushKey(name);
  const current = await loadPushSettings(store);
  const v = validatePushSetting(key, value, current);
  await store.settings.set(PUSH_SCOPE, key, v.stored);
  invalidatePushSettings(store);
  last.set(store.settings, { ...current, [key]: v.value });
  return { key, value: v.value, previous: current[key] };
}

export function unknownPushKey(name: string): StoreError {
  return new StoreError('invalid', `unknown setting "${name}" (known: ${PUSH_SETTINGS.map((d) => d.key).join(', ')})`);
}
