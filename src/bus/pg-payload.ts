// Wire format of the PostgreSQL change bus: a ChangeNotice travels as one or more NOTIFY payloads
// `{"a":accountId,"f":[folderIds],"h":hierarchy,"n":nodeId}` on one channel, plus `"e":[deviceIds]` when
// the held requests of some devices must end on every process (ChangeNotice.endDevices, an ABQ change), and
// `"i":[folderIds]` for changes only IMAP sees (ChangeNotice.imapFolderIds, a \Deleted flag). PostgreSQL refuses
// payloads of 8000 bytes or more, so a long folder list is split over several payloads, each a
// valid notice of its own (a receiver treats them as separate changes of the same account).
import { asAccountId, asDeviceId, asFolderId, type AccountId, type DeviceId, type FolderId } from '../core/ids.js';
import type { ChangeNotice } from '../store/types.js';

export const CHANNEL = 'carbonio_changes';
/** Below PostgreSQL's 8000-byte limit, with room to spare. */
export const MAX_PAYLOAD_BYTES = 7900;

interface Wire {
  a: string;
  f: number[];
  h: boolean;
  n: string;
  e?: string[];
  i?: number[];
}

/** A notice waiting to be sent: changes of one account merged together. */
export interface PendingNotice {
  folders: Set<FolderId>;
  hierarchy: boolean;
  ended: Set<DeviceId>;
  imap: Set<FolderId>;
}

/** Merges a notice into the per-account map of notices not yet sent. */
export function mergeNotice(into: Map<AccountId, PendingNotice>, accountId: AccountId, folderIds: Iterable<FolderId>, hierarchy: boolean, ended: Iterable<DeviceId> = [], imap: Iterable<FolderId> = []): void {
  let p = into.get(accountId);
  if (!p) into.set(accountId, (p = { folders: new Set(), hierarchy: false, ended: new Set(), imap: new Set() }));
  for (const f of folderIds) p.folders.add(f);
  for (const d of ended) p.ended.add(d);
  for (const f of imap) p.imap.add(f);
  p.hierarchy ||= hierarchy;
}

/**
 * The payloads for one notice, each at most `max` UTF-8 bytes. Empty only when the account id alone
 * does not fit, which no real id does.
 */
export function encodeNotice(notice: ChangeNotice, nodeId: string, max = MAX_PAYLOAD_BYTES): string[] {
  const ended = notice.endDevices && notice.endDevices.length > 0 ? { e: [...notice.endDevices] } : {};
  // The IMAP-only folders go in every payload (few: one \Deleted change names one folder).
  const imap = notice.imapFolderIds && notice.imapFolderIds.length > 0 ? { i: [...notice.imapFolderIds] } : {};
  const head = (f: number[]): string => JSON.stringify({ a: notice.accountId, f, h: notice.hierarchy, n: nodeId, ...ended, ...imap } satisfies Wire);
  const base = Buffer.byteLength(head([]), 'utf8');
  if (base > max) return [];
  const out: string[] = [];
  let chunk: number[] = [];
  let size = base;
  for (const id of notice.folderIds) {
    const add = String(id).length + (chunk.length > 0 ? 1 : 0);
    if (size + add > max && chunk.length > 0) {
      out.push(head(chunk));
      chunk = [];
      size = base;
    }
    size += String(id).length + (chunk.length > 0 ? 1 : 0);
    chunk.push(id);
  }
  if (chunk.length > 0 || out.length === 0) out.push(head(chunk));
  return out;
}

/** The notice in a payload and the node that sent it; null for anything malformed. */
export function decodeNotice(payload: string): { notice: ChangeNotice; nodeId: string } | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const w = v as Partial<Record<keyof Wire, unknown>>;
  if (typeof w.a !== 'string' || typeof w.h !== 'boolean' || typeof w.n !== 'string' || !Array.isArray(w.f)) return null;
  const folders: FolderId[] = [];
  for (const f of w.f as unknown[]) {
    if (typeof f !== 'number' || !Number.isSafeInteger(f)) return null;
    folders.push(asFolderId(f));
  }
  let ended: DeviceId[] | null = null;
  if (w.e !== undefined) {
    if (!Array.isArray(w.e) || !(w.e as unknown[]).every((d): d is string => typeof d === 'string')) return null;
    ended = w.e.map(asDeviceId);
  }
  let imap: FolderId[] | null = null;
  if (w.i !== undefined) {
    if (!Array.isArray(w.i) || !(w.i as unknown[]).every((f): f is number => typeof f === 'number' && Number.isSafeInteger(f))) return null;
    imap = w.i.map(asFolderId);
  }
  return { notice: { accountId: asAccountId(w.a), folderIds: folders, hierarchy: w.h, ...(ended ? { endDevices: ended } : {}), ...(imap ? { imapFolderIds: imap } : {}) }, nodeId: w.n };
}
