// Per-device records (ARCHITECTURE.md section 2): what the EAS front keeps for a device besides its
// SyncStates. A closed set of kinds (DEVICE_RECORD_KINDS in store/types.ts); each kind's shape and its one
// decoder are here, so every stored shape is listed in one place. A record whose text does not have its
// kind's shape (truncated, hand-edited, written by another version) reads as absent and is logged: it is
// never cast unchecked.
import type { DeviceRecordKind } from '../../store/types.js';
import type { EasContext } from '../command.js';
import type { CollectionRequest } from './sync-request.js';

/** Ping (MS-ASCMD 2.2.1.13): the last heartbeat and folders, which an empty Ping reuses. */
export interface PingParams {
  heartbeat: number;
  folders: string[];
}

/** Sync (MS-ASCMD 2.2.1.21): the last full request, which an empty or Partial Sync reuses. */
export interface CachedSyncRequest {
  collections: Array<Pick<CollectionRequest, 'collectionId' | 'windowSize' | 'deletesAsMoves'>>;
  holdSeconds: number | null;
  windowSize: number | null;
}

/** ClientIds of SendMail / SmartReply / SmartForward already sent (MS-ASCMD R953), with when (epoch ms). */
export type SentClientIds = Array<{ id: string; at: number }>;

/** MeetingResponse answers given lately (iOS answers twice, ZP-1617): `request|instance|response`, when, the calendar item. */
export type MeetingAnswers = Array<{ key: string; at: number; calendarId?: string }>;

export interface DeviceRecords {
  ping: PingParams;
  'sync-request': CachedSyncRequest;
  'sent-client-ids': SentClientIds;
  'meeting-answers': MeetingAnswers;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isIntOrNull = (v: unknown): v is number | null => v === null || isInt(v);

/** Every element decoded, or null when one is not of the shape. */
function listOf<T>(v: unknown, item: (x: unknown) => T | null): T[] | null {
  if (!Array.isArray(v)) return null;
  const out: T[] = [];
  for (const x of v) {
    const d = item(x);
    if (d === null) return null;
    out.push(d);
  }
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** One decoder per kind: the JSON value in, the typed record (fresh, known fields only) or null out. */
const decoders: { [K in DeviceRecordKind]: (v: unknown) => DeviceRecords[K] | null } = {
  ping(v) {
    if (!isObj(v) || !isInt(v.heartbeat)) return null;
    const folders = listOf(v.folders, str);
    return folders ? { heartbeat: v.heartbeat, folders } : null;
  },
  'sync-request'(v) {
    if (!isObj(v) || !isIntOrNull(v.holdSeconds) || !isIntOrNull(v.windowSize)) return null;
    const collections = listOf(v.collections, (c) =>
      isObj(c) && typeof c.collectionId === 'string' && isIntOrNull(c.windowSize) && typeof c.deletesAsMoves === 'boolean'
        ? { collectionId: c.collectionId, windowSize: c.windowSize, deletesAsMoves: c.deletesAsMoves }
        : null);
    return collections ? { collections, holdSeconds: v.holdSeconds, windowSize: v.windowSize } : null;
  },
  'sent-client-ids'(v) {
    return listOf(v, (s) => (isObj(s) && typeof s.id === 'string' && isInt(s.at) ? { id: s.id, at: s.at } : null));
  },
  'meeting-answers'(v) {
    return listOf(v, (m) => {
      if (!isObj(m) || typeof m.key !== 'string' || !isInt(m.at)) return null;
      if (m.calendarId === undefined) return { key: m.key, at: m.at };
      return typeof m.calendarId === 'string' ? { key: m.key, at: m.at, calendarId: m.calendarId } : null;
    });
  },
};

/** The record a stored text holds, or null when it is not JSON of the kind's shape. */
export function decodeRecord<K extends DeviceRecordKind>(kind: K, text: string): DeviceRecords[K] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  // The mapped type cannot follow K through the index; each decoder is checked against its own kind above.
  return (decoders[kind] as (v: unknown) => DeviceRecords[K] | null)(value);
}

type RecordContext = Pick<EasContext, 'deps' | 'account' | 'device' | 'log'>;

/** The device's record of a kind; null when there is none, or (logged) when the stored one is of a bad shape. */
export async function readRecord<K extends DeviceRecordKind>(ctx: RecordContext, kind: K): Promise<DeviceRecords[K] | null> {
  const text = await ctx.deps.store.deviceState.getRecord(ctx.account.id, ctx.device.deviceId, kind);
  if (text === null) return null;
  const record = decodeRecord(kind, text);
  if (record === null) ctx.log.warn({ event: 'device-record-invalid', kind, bytes: text.length }, 'a stored device record has a bad shape: ignored');
  return record;
}

export function writeRecord<K extends DeviceRecordKind>(ctx: RecordContext, kind: K, record: DeviceRecords[K]): Promise<void> {
  return ctx.deps.store.deviceState.putRecord(ctx.account.id, ctx.device.deviceId, kind, JSON.stringify(record));
}
