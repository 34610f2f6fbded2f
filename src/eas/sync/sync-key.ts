// SyncKeys (MS-ASCMD 2.2.3.181): opaque to the client, `{generation}N` to us. A new generation starts
// at key 0 or after a reset, so keys of an old generation fail cleanly (Sync 3, FolderSync 9).
import { randomUUID } from 'node:crypto';

export interface SyncKey {
  generation: string;
  n: number;
}

const KEY_RE = /^\{([0-9a-f-]{36})\}(\d{1,9})$/;

export const formatKey = (k: SyncKey): string => `{${k.generation}}${k.n}`;

/** The key a client sent, or null when it is not one of ours (treated as unknown). */
export function parseKey(s: string): SyncKey | null {
  const m = KEY_RE.exec(s.trim());
  return m ? { generation: m[1]!, n: Number(m[2]) } : null;
}

export const firstKey = (): SyncKey => ({ generation: randomUUID(), n: 1 });
export const nextKey = (k: SyncKey): SyncKey => ({ generation: k.generation, n: k.n + 1 });
