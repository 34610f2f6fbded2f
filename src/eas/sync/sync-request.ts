// A Sync request (MS-ASCMD 2.2.1.21, 2.2.3.29.2) read into typed parts: collections with their key,
// options and client commands; Wait / HeartbeatInterval; Partial. Malformed input is Status 4.
import { EasStatusError } from '../command.js';
import { mimeTruncationBytes, truncationBytes, type BodyPreference } from '../classes/email.js';
import { child, children, elements, intOf, qnameOf, text, textOf, type WbxmlElement } from '../wbxml/index.js';
import type { CollectionOptions } from './collection-state.js';

export type ClientCommand =
  /** `send`: email2:Send (16.0+): the draft is to be sent, not only saved (MS-ASEMAIL 2.2.2.69). */
  | { kind: 'add'; clientId: string; data: WbxmlElement | null; send: boolean }
  /** `instanceId` (16.0+, MS-ASAIRS 2.2.2.26): one occurrence of a recurring event, not the series. */
  | { kind: 'change'; serverId: string; data: WbxmlElement | null; send: boolean; instanceId?: string }
  | { kind: 'delete'; serverId: string; instanceId?: string }
  | { kind: 'fetch'; serverId: string };

export interface CollectionRequest {
  syncKey: string;
  collectionId: string;
  getChanges: boolean | null;
  deletesAsMoves: boolean;
  windowSize: number | null;
  /** Only the fields the request carried; the rest come from the stored state. */
  options: Partial<CollectionOptions> | null;
  commands: ClientCommand[];
}

export interface SyncRequest {
  /** null: an empty Sync body, or Partial without collections: reuse the cached request. */
  collections: CollectionRequest[] | null;
  partial: boolean;
  /** Seconds to hold the request when nothing changed (Wait is given in minutes). */
  holdSeconds: number | null;
  windowSize: number | null;
}

export const SyncStatus = {
  ok: 1, invalidKey: 3, protocolError: 4, serverError: 5, conversionError: 6, conflict: 7, notFound: 8, cannotComplete: 9,
  hierarchyChanged: 12, incomplete: 13, badWait: 14, retry: 16,
} as const;


const bad = (message: string): EasStatusError => new EasStatusError(SyncStatus.protocolError, message);

function flag(e: WbxmlElement | undefined): boolean | null {
  if (!e) return null;
  const t = text(e).trim();
  return t === '' || t === '1';
}

/** Supported is sent only with SyncKey 0 (MS-ASCMD 2.2.3.179); it stays in the collection's options. */
function withSupported(options: Partial<CollectionOptions> | null, supported: WbxmlElement | undefined): Partial<CollectionOptions> | null {
  if (!supported) return options;
  return { ...options, supported: elements(supported).map(qnameOf) };
}

function parseOptions(opts: WbxmlElement[]): Partial<CollectionOptions> | null {
  // Several Options blocks may each name a Class (12.1+); mail collections use the one for Email or the unnamed one.
  const o = opts.find((x) => { const c = textOf(x, 'AirSync:Class'); return c === undefined || c === 'Email'; }) ?? opts[0];
  if (!o) return null;
  const out: Partial<CollectionOptions> = {};
  const filter = intOf(o, 'AirSync:FilterType');
  if (filter !== undefined) {
    if (filter < 0 || filter > 8) throw bad(`FilterType ${filter} out of range`);
    out.filterType = filter;
  }
  const prefs: BodyPreference[] = [];
  for (const p of children(o, 'AirSyncBase:BodyPreference')) {
    const type = intOf(p, 'AirSyncBase:Type');
    if (type !== 1 && type !== 2 && type !== 3 && type !== 4) throw bad('BodyPreference needs Type 1 to 4');
    const pref: BodyPreference = { type };
    const size = intOf(p, 'AirSyncBase:TruncationSize');
    if (size !== undefined && size >= 0) pref.truncationSize = size;
    const all = flag(child(p, 'AirSyncBase:AllOrNone'));
    if (all !== null) pref.allOrNone = all;
    const preview = intOf(p, 'AirSyncBase:Preview');
    if (preview !== undefined && preview >= 0) pref.preview = Math.min(preview, 255);
    prefs.push(pref);
  }
  if (prefs.length > 0) out.bodyPreferences = prefs;
  const mime = intOf(o, 'AirSync:MIMESupport');
  if (mime !== undefined) out.mimeSupport = mime === 1 ? 1 : mime === 2 ? 2 : 0;
  const mimeTrunc = intOf(o, 'AirSync:MIMETruncation');
  if (mimeTrunc !== undefined) {
    const bytes = mimeTruncationBytes(mimeTrunc);
    if (bytes !== undefined) out.mimeTruncation = bytes;
  }
  const trunc = intOf(o, 'AirSync:Truncation');
  if (trunc !== undefined) {
    // 2.5's Truncation has its own code table (MS-ASCMD 2.2.3.189), not MIMETruncation's.
    const bytes = truncationBytes(trunc);
    if (bytes !== undefined) out.truncation = bytes;
  }
  const conflict = intOf(o, 'AirSync:Conflict');
  if (conflict !== undefined) out.conflict = conflict === 0 ? 0 : 1;
  return out;
}

function instanceOf(c: WbxmlElement): { instanceId?: string } {
  const id = textOf(c, 'AirSyncBase:InstanceId')?.trim();
  return id ? { instanceId: id } : {};
}

function parseCommands(cmds: WbxmlElement | undefined): ClientCommand[] {
  const out: ClientCommand[] = [];
  for (const c of cmds ? elements(cmds) : []) {
    const serverId = textOf(c, 'AirSync:ServerId');
    const data = child(c, 'AirSync:ApplicationData') ?? null;
    switch (c.tag) {
      case 'Add': {
        const clientId = textOf(c, 'AirSync:ClientId');
        if (!clientId) throw bad('Add without ClientId');
        out.push({ kind: 'add', clientId, data, send: child(c, 'Email2:Send') !== undefined });
        break;
      }
      case 'Change':
        if (!serverId) throw bad('Change without ServerId');
        out.push({ kind: 'change', serverId, data, send: child(c, 'Email2:Send') !== undefined, ...instanceOf(c) });
        break;
      case 'Delete':
        if (!serverId) throw bad('Delete without ServerId');
        out.push({ kind: 'delete', serverId, ...instanceOf(c) });
        break;
      case 'Fetch':
        if (!serverId) throw bad('Fetch without ServerId');
        out.push({ kind: 'fetch', serverId });
        break;
      default:
        throw bad(`unknown command ${c.tag}`);
    }
  }
  return out;
}

function windowSize(e: WbxmlElement | undefined): number | null {
  const w = intOf(e, 'AirSync:WindowSize');
  return w === undefined ? null : w;
}

export function parseSyncRequest(root: WbxmlElement | null): SyncRequest {
  if (!root) return { collections: null, partial: false, holdSeconds: null, windowSize: null };
  const wait = intOf(root, 'AirSync:Wait');
  const heartbeat = intOf(root, 'AirSync:HeartbeatInterval');
  if (wait !== undefined && heartbeat !== undefined) throw bad('Wait and HeartbeatInterval together');
  const holdSeconds = wait !== undefined ? wait * 60 : heartbeat ?? null;
  const list = child(root, 'AirSync:Collections');
  const collections = list ? children(list, 'AirSync:Collection').map((c): CollectionRequest => {
    const syncKey = textOf(c, 'AirSync:SyncKey');
    const collectionId = textOf(c, 'AirSync:CollectionId');
    if (syncKey === undefined || collectionId === undefined) throw bad('Collection needs SyncKey and CollectionId');
    return {
      syncKey: syncKey.trim(),
      collectionId: collectionId.trim(),
      getChanges: flag(child(c, 'AirSync:GetChanges')),
      // Absent means true (MS-ASCMD 2.2.3.43): a phone's delete goes to Deleted Items.
      deletesAsMoves: flag(child(c, 'AirSync:DeletesAsMoves')) ?? true,
      windowSize: windowSize(c),
      options: withSupported(parseOptions(children(c, 'AirSync:Options')), syncKey.trim() === '0' ? child(c, 'AirSync:Supported') : undefined),
      commands: parseCommands(child(c, 'AirSync:Commands')),
    };
  }) : null;
  const partial = flag(child(root, 'AirSync:Partial')) === true;
  return { collections: collections && collections.length > 0 ? collections : null, partial, holdSeconds, windowSize: windowSize(root) };
}
