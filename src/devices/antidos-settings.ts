// Anti-DoS tuning (Carbonio's mobileAntiDosService* settings, carbonio-features.md 5.7), stored in
// `store.settings` scope `global` beside the push settings, so every server process applies them:
//   mobileAntiDosServiceEnabled      true|false, default false: off, no device is counted or jailed
//   mobileAntiDosServiceJailDuration 1000-86400000 ms, default 600000: how long a jailed device is refused
//   mobileAntiDosServiceTimeWindow   1000-3600000 ms, default 30000: the window requests are counted in
//   mobileAntiDosServiceMaxRequests  1-10000, default 150: more requests than this within the window jail
// Names are matched case-insensitively. The values reach the request path through the per-process
// snapshot of src/devices/services.ts (refreshed every second), never by a read per request.
import { StoreError } from '../core/errors.js';
import type { SettingsRepo } from '../store/types.js';

export interface AntiDosSettings {
  mobileAntiDosServiceEnabled: boolean;
  mobileAntiDosServiceJailDuration: number;
  mobileAntiDosServiceTimeWindow: number;
  mobileAntiDosServiceMaxRequests: number;
}

export type AntiDosSettingKey = keyof AntiDosSettings;

export const ANTIDOS_SCOPE = 'global';

interface Def {
  key: AntiDosSettingKey;
  description: string;
  /** Integer bounds; none for the boolean. */
  range?: readonly [number, number];
  unit?: string;
}

/** The largest MaxRequests: each counted device keeps that many timestamps in memory. */
export const MAX_REQUESTS_LIMIT = 10_000;

export const ANTIDOS_SETTINGS: readonly Def[] = [
  { key: 'mobileAntiDosServiceEnabled', description: 'true: a device sending more than mobileAntiDosServiceMaxRequests requests within mobileAntiDosServiceTimeWindow is refused (HTTP 503) for mobileAntiDosServiceJailDuration' },
  { key: 'mobileAntiDosServiceJailDuration', range: [1_000, 86_400_000], unit: 'ms', description: 'how long a jailed device is refused' },
  { key: 'mobileAntiDosServiceTimeWindow', range: [1_000, 3_600_000], unit: 'ms', description: 'the sliding window requests are counted in' },
  { key: 'mobileAntiDosServiceMaxRequests', range: [1, MAX_REQUESTS_LIMIT], description: 'requests of one device of one account allowed within the window' },
];

export const ANTIDOS_DEFAULTS: Readonly<AntiDosSettings> = Object.freeze({
  mobileAntiDosServiceEnabled: false,
  mobileAntiDosServiceJailDuration: 600_000,
  mobileAntiDosServiceTimeWindow: 30_000,
  mobileAntiDosServiceMaxRequests: 150,
});

const byName = new Map<string, AntiDosSettingKey>(ANTIDOS_SETTINGS.map((d) => [d.key.toLowerCase(), d.key]));

/** The canonical key of a name (any case), or null. */
export function resolveAntiDosKey(name: string): AntiDosSettingKey | null {
  return byName.get(name.trim().toLowerCase()) ?? null;
}

export function antiDosAllowedValues(key: AntiDosSettingKey): string {
  const def = ANTIDOS_SETTINGS.find((d) => d.key === key);
  if (!def?.range) return 'true or false';
  return `an integer from ${def.range[0]} to ${def.range[1]}${def.unit ? ` (${def.unit})` : ''}`;
}

function parseValue(key: AntiDosSettingKey, raw: string): number | boolean | null {
  const v = raw.trim().toLowerCase();
  const def = ANTIDOS_SETTINGS.find((d) => d.key === key);
  if (!def?.range) return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : null;
  if (!/^\d{1,9}$/.test(v)) return null;
  const n = Number(v);
  return n >= def.range[0] && n <= def.range[1] ? n : null;
}

/** The settings from the stored strings (scope global); anything missing or unreadable takes its default. */
export function parseAntiDosSettings(stored: Readonly<Record<string, string>>): AntiDosSettings {
  const out: AntiDosSettings = { ...ANTIDOS_DEFAULTS };
  for (const def of ANTIDOS_SETTINGS) {
    const raw = stored[def.key];
    const v = raw === undefined ? null : parseValue(def.key, raw);
    if (v !== null) (out as unknown as Record<string, number | boolean>)[def.key] = v;
  }
  return out;
}

export async function loadAntiDosSettings(settings: SettingsRepo): Promise<AntiDosSettings> {
  return parseAntiDosSettings(await settings.list(ANTIDOS_SCOPE));
}

/** Validates and stores one setting; StoreError 'invalid' naming the allowed values otherwise. */
export async function setAntiDosSetting(settings: SettingsRepo, key: AntiDosSettingKey, value: unknown): Promise<{ value: number | boolean; previous: number | boolean }> {
  const raw = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  const v = raw === null ? null : parseValue(key, raw);
  if (v === null) throw new StoreError('invalid', `invalid value ${raw === null ? '' : `"${raw}" `}for ${key}: expected ${antiDosAllowedValues(key)}`);
  const previous = (await loadAntiDosSettings(settings))[key];
  await settings.set(ANTIDOS_SCOPE, key, String(v));
  return { value: v, previous };
}
