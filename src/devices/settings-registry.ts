// Every setting `carbonio config get|set global` knows, in one table: the push tuning
// (push-settings.ts) and the anti-DoS settings (antidos-settings.ts). The admin API reads and writes
// through here, so a new group of settings is added in one place.
import { StoreError } from '../core/errors.js';
import type { SettingsRepo } from '../store/types.js';
import {
  ANTIDOS_DEFAULTS, ANTIDOS_SETTINGS, antiDosAllowedValues, loadAntiDosSettings, resolveAntiDosKey, setAntiDosSetting, type AntiDosSettingKey,
} from './antidos-settings.js';
import {
  allowedValues, loadPushSettings, PUSH_DEFAULTS, PUSH_SETTINGS, resolvePushKey, setPushSetting, type PushSettingKey,
} from './push-settings.js';
import { invalidateSnapshot } from './services.js';
import type { MobileServicesRepo } from '../store/types.js';

export type SettingKey = PushSettingKey | AntiDosSettingKey;

export const SETTING_KEYS: readonly SettingKey[] = [...PUSH_SETTINGS.map((d) => d.key), ...ANTIDOS_SETTINGS.map((d) => d.key)];

export interface SettingView {
  key: SettingKey;
  value: number | boolean;
  default: number | boolean;
  allowed: string;
  aliases: readonly string[];
  description: string;
}

type Holder = { readonly settings: SettingsRepo; readonly mobileServices: MobileServicesRepo };

/** The canonical key of a name or alias (any case), or null. */
export function resolveSettingKey(name: string): SettingKey | null {
  return resolvePushKey(name) ?? resolveAntiDosKey(name);
}

export function unknownSetting(name: string): StoreError {
  return new StoreError('invalid', `unknown setting "${name}" (known: ${SETTING_KEYS.join(', ')})`);
}

const isPush = (k: SettingKey): k is PushSettingKey => PUSH_SETTINGS.some((d) => d.key === k);

/** The settings as stored now (defaults when unset), in the registry's order. */
export async function settingViews(store: Holder, keys: readonly SettingKey[] = SETTING_KEYS): Promise<SettingView[]> {
  const [push, antiDos] = await Promise.all([loadPushSettings(store), loadAntiDosSettings(store.settings)]);
  return keys.map((key): SettingView => {
    if (isPush(key)) {
      const def = PUSH_SETTINGS.find((d) => d.key === key);
      return { key, value: push[key], default: PUSH_DEFAULTS[key], allowed: allowedValues(key, push), aliases: def?.aliases ?? [], description: def?.description ?? '' };
    }
    const def = ANTIDOS_SETTINGS.find((d) => d.key === key);
    return { key, value: antiDos[key], default: ANTIDOS_DEFAULTS[key], allowed: antiDosAllowedValues(key), aliases: [], description: def?.description ?? '' };
  });
}

/** Validates and stores one setting; this process applies it at once, the others within their cache TTL. */
export async function setSetting(store: Holder, name: string, value: unknown): Promise<{ key: SettingKey; value: number | boolean; previous: number | boolean }> {
  const key = resolveSettingKey(name);
  if (!key) throw unknownSetting(name);
  if (isPush(key)) return setPushSetting(store, key, value);
  const r = await setAntiDosSetting(store.settings, key, value);
  invalidateSnapshot(store);
  return { key, ...r };
}
