// The device columns the admin's device list sorts and searches on (migration 010), derived from what the
// repository writes: the model and OS copied out of the `info` JSON, and one search text. They are written
// with every insert or change of type or info (devices.ts) and backfilled by the migration with this same
// function, so the two never disagree.
//
// The search text is lower-cased here, in JavaScript, rather than with SQL lower(): SQLite's lower() folds
// ASCII only, so "ÉCRAN" would not be found by "écran" there while PostgreSQL finds it. One column also
// means one LIKE per row instead of four.
import type { DeviceInfo } from '../types.js';

/** Between the fields of the search text; a query never contains it (searchPattern drops control characters). */
const SEPARATOR = '\n';

export const foldCase = (s: string): string => s.normalize('NFC').toLowerCase();

export interface DeviceSearchColumns {
  model: string;
  os: string;
  search_text: string;
}

export function deviceSearchColumns(deviceId: string, deviceType: string, info: DeviceInfo): DeviceSearchColumns {
  const model = info.model ?? '';
  return {
    model,
    os: info.os ?? '',
    search_text: [deviceId, deviceType, model, info.friendlyName ?? ''].map(foldCase).join(SEPARATOR),
  };
}

/**
 * The LIKE pattern (escape character `\`) for a user's text, or null when nothing is left to look for.
 * Control characters go (they cannot be typed in a search box, and the separator is one), the LIKE
 * wildcards and the escape character itself are escaped so `50%` or `a_b` match literally.
 */
export function searchPattern(q: string | undefined): string | null {
  const text = foldCase((q ?? '').replace(/\p{Cc}+/gu, ' ').trim());
  if (!text) return null;
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
