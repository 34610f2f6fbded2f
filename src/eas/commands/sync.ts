// Sync (MS-ASCMD 2.2.1.21) for mail collections: per collection the key check, the client's commands and
// the server's changes (src/eas/sync/sync-collection.ts); an empty or Partial Sync reuses the cached
// request (Status 13 when there is none); Wait / HeartbeatInterval hold the request on the change bus
// until something changes or the interval ends (Status 14 with Limit when out of the bounds Ping uses too,
// minPingHeartbeat..maxPingHeartbeat; MS-ASCMD 2.2.3.79 HeartbeatInterval, Wait, Limit). 14.0 and later
// leave unchanged collections out, and an answer with nothing in it is an empty 200.
import { classForFolder, classForItem } from '../classes/catalog.js';
import type { ContentSource, RenderContext } from '../classes/registry.js';
import { defineCommand, statusForError, type EasContext, type EasResponse, type ErrorMap } from '../command.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { forcedWindowSize } from '../../devices/account-loggers.js';
import { pushSettings } from '../../devices/push-settings.js';
import { collectionResult, syncCollection, type CollectionResult } from '../sync/sync-collection.js';
import { messageContents } from '../sync/message-contents.js';
import { readRecord, writeRecord, type CachedSyncRequest } from '../sync/device-records.js';
import { parseSyncRequest, SyncStatus, type CollectionRequest, type SyncRequest } from '../sync/sync-request.js';
import { watchFolders } from '../sync/watch.js';
import { ns, type WbxmlElement } from '../wbxml/index.js';
import type { Item } from '../../store/types.js';

const as = ns('AirSync');

/**
 * Store errors in Sync (MS-ASCMD 2.2.3.177.17), for the whole request (in the Sync root) and per
 * collection alike: 16 (retry the Sync) when the store is briefly away; 3 (invalid key, the device starts
 * over with 0) when the collection's state moved under us.
 */
const errors: ErrorMap = { temporary: SyncStatus.retry, conflict: SyncStatus.invalidKey };

/** What a Sync answers: each collection's result, or one Status for the whole request. */
export type SyncOutcome = { kind: 'collections'; results: CollectionResult[] } | { kind: 'status'; status: number; limit?: number };
type Outcome = SyncOutcome;

/** Fills an empty or Partial request from the cached one, with each collection's current key. */
async function resolveRequest(ctx: EasContext, req: SyncRequest): Promise<SyncRequest | null> {
  const { store } = ctx.deps;
  if (req.collections && !req.partial) return req;
  const cached = await readRecord(ctx, 'sync-request');
  if (!cached) return null;
  const given = new Map((req.collections ?? []).map((c) => [c.collectionId, c]));
  const collections: CollectionRequest[] = [...given.values()];
  for (const c of cached.collections) {
    if (given.has(c.collectionId)) continue;
    const state = await store.deviceState.getCollection(ctx.account.id, ctx.device.deviceId, c.collectionId);
    if (!state) continue;
    collections.push({ ...c, syncKey: state.key, getChanges: true, options: null, commands: [] });
  }
  return { collections, partial: false, holdSeconds: req.holdSeconds ?? cached.holdSeconds, windowSize: req.windowSize ?? cached.windowSize };
}

async function cacheRequest(ctx: EasContext, req: SyncRequest): Promise<void> {
  if (!ctx.persistentDevice || !req.collections) return;
  const cached: CachedSyncRequest = {
    collections: req.collections.map((c) => ({ collectionId: c.collectionId, windowSize: c.windowSize, deletesAsMoves: c.deletesAsMoves })),
    holdSeconds: req.holdSeconds,
    windowSize: req.windowSize,
  };
  await writeRecord(ctx, 'sync-request', cached);
}

/**
 * An account logger's `window_size` (devices/account-loggers.ts) replaces the device's WindowSize, the
 * overall one and each collection's (MS-ASCMD 2.2.3.199), after the request was cached: the device's own
 * values come back when the logger ends.
 */
async function withForcedWindow(ctx: EasContext, req: SyncRequest): Promise<SyncRequest> {
  const w = await forcedWindowSize(ctx.deps.store, ctx.account.id);
  if (w === null) return req;
  return { ...req, windowSize: w, collections: req.collections?.map((c) => ({ ...c, windowSize: w })) ?? null };
}

/**
 * The collections of one Sync, the caller holding the device's lock: also the entry point of the
 * server-side simulation (src/eas/sync/simulate.ts), which holds it for a whole run on an existing device.
 */
export async function syncCollections(ctx: EasContext, req: SyncRequest): Promise<CollectionResult[]> {
  const now = Date.now();
  const results: CollectionResult[] = [];
  for (const c of req.collections ?? []) {
    try {
      results.push(await syncCollection(ctx, c, req.windowSize, now));
    } catch (err) {
      // One collection failing does not fail the others: its Status from the table, else 5.
      const status = statusForError(errors, err) ?? SyncStatus.serverError;
      if (status === SyncStatus.serverError) ctx.log.error({ err, collectionId: c.collectionId }, 'Sync of a collection failed');
      results.push(collectionResult(c, status, status === SyncStatus.invalidKey ? '0' : c.syncKey));
    }
  }
  return results;
}

function runOnce(ctx: EasContext, req: SyncRequest): Promise<CollectionResult[]> {
  return withDeviceLock(ctx.account.id, ctx.device.deviceId, () => syncCollections(ctx, req));
}

/** Nothing to tell the device: the request may wait for a change. */
const quiet = (results: CollectionResult[]): boolean =>
  results.every((r) => r.status === SyncStatus.ok && !r.changed && r.key !== '0' && r.responses.length === 0);

async function execute(ctx: EasContext, parsed: SyncRequest): Promise<Outcome> {
  let req = await resolveRequest(ctx, parsed);
  if (!req) return { kind: 'status', status: SyncStatus.incomplete };
  if (req.holdSeconds !== null) {
    // The same configured bounds as Ping's heartbeat (push-settings.ts), so an admin sets one range for both.
    const { minPingHeartbeat: min, maxPingHeartbeat: max } = await pushSettings(ctx.deps.store);
    if (req.holdSeconds < min || req.holdSeconds > max) return { kind: 'status', status: SyncStatus.badWait, limit: req.holdSeconds < min ? min : max };
  }
  if (parsed.collections) await cacheRequest(ctx, req);
  req = await withForcedWindow(ctx, req);
  let results = await runOnce(ctx, req);
  if (req.holdSeconds !== null && quiet(results) && !ctx.signal.aborted) {
    const folderIds = results.flatMap((r) => (r.folder ? [r.folder.id] : []));
    await watchFolders(ctx, { folderIds, seconds: req.holdSeconds });
    if (!ctx.signal.aborted) {
      // Run again with the keys the device holds (unchanged, since nothing was sent).
      results = await runOnce(ctx, { ...req, collections: (req.collections ?? []).map((c) => ({ ...c, commands: [] })) });
    }
  }
  return { kind: 'collections', results };
}

/** How the collection's options render an item (its class is found in the class table). */
function renderContext(ctx: EasContext, r: CollectionResult, serverId: string, contents: ContentSource): RenderContext {
  const o = r.options;
  return {
    version: ctx.version, bodyPreferences: o.bodyPreferences, now: Date.now(), truncation: o.truncation, serverId,
    loadBlob: (id) => ctx.deps.store.blobs.get(id), contents, mimeSupport: o.mimeSupport, mimeTruncation: o.mimeTruncation,
    mailbox: { address: ctx.account.email, folderRole: r.folder?.role ?? null },
  };
}

function applicationData(ctx: EasContext, r: CollectionResult, item: Item, serverId: string, contents: ContentSource): Promise<WbxmlElement> {
  return classForItem(item.kind).render(item, renderContext(ctx, r, serverId, contents));
}

async function renderCollection(ctx: EasContext, r: CollectionResult): Promise<WbxmlElement> {
  // The kept MessageContent of the whole window in one read (issue 16: no MIME parse per message).
  const contents = messageContents(ctx.deps.store.blobs, [
    ...r.commands.flatMap((c) => (c.kind === 'add' || c.kind === 'change' ? [c.item] : [])),
    ...r.responses.flatMap((x) => (x.kind === 'fetch' && x.item ? [x.item] : [])),
  ]);
  const commands: WbxmlElement[] = [];
  for (const c of r.commands) {
    if (c.kind === 'add') commands.push(as('Add', as('ServerId', c.serverId), await applicationData(ctx, r, c.item, c.serverId, contents)));
    else if (c.kind === 'change') {
      const cls = classForItem(c.item.kind);
      const rc = renderContext(ctx, r, c.serverId, contents);
      commands.push(as('Change', as('ServerId', c.serverId), await (cls.renderChange ? cls.renderChange(c.item, rc) : cls.render(c.item, rc))));
    }
    else commands.push(as(c.kind === 'delete' ? 'Delete' : 'SoftDelete', as('ServerId', c.serverId)));
  }
  const responses: WbxmlElement[] = [];
  for (const x of r.responses) {
    if (x.kind === 'add') responses.push(as('Add', as('ClientId', x.clientId), x.serverId !== undefined && as('ServerId', x.serverId), as('Status', x.status), x.data));
    else if (x.kind === 'fetch') {
      responses.push(as('Fetch', as('ServerId', x.serverId), as('Status', x.status), x.item && (await applicationData(ctx, r, x.item, x.serverId, contents))));
    } else responses.push(as(x.kind === 'change' ? 'Change' : 'Delete', as('ServerId', x.serverId), as('Status', x.status)));
  }
  await contents.flush();
  return as('Collection',
    ctx.version < 121 && as('Class', (r.folder && classForFolder(r.folder.kind, ctx.version)?.className) ?? 'Email'),
    as('SyncKey', r.key), as('CollectionId', r.collectionId), as('Status', r.status),
    r.more && as('MoreAvailable'),
    commands.length > 0 && as('Commands', commands),
    responses.length > 0 && as('Responses', responses));
}

/** The Sync answer as sent to the device; the simulation renders its windows with it too. */
export async function renderSync(outcome: SyncOutcome, ctx: EasContext): Promise<EasResponse> {
  if (outcome.kind === 'status') {
    return { kind: 'wbxml', root: as('Sync', as('Status', outcome.status), outcome.limit !== undefined && as('Limit', outcome.limit)) };
  }
  const shown = ctx.version >= 140 ? outcome.results.filter((r) => r.changed || r.status !== SyncStatus.ok || r.key === '0' || r.responses.length > 0) : outcome.results;
  if (shown.length === 0 && ctx.version >= 121) return { kind: 'empty' };
  const collections: WbxmlElement[] = [];
  for (const r of shown) collections.push(await renderCollection(ctx, r));
  return { kind: 'wbxml', root: as('Sync', as('Collections', collections)) };
}

export const syncCommand = defineCommand<SyncRequest, Outcome>({
  name: 'Sync',
  provisioning: 'required',
  // An empty Sync reuses the cached request (MS-ASCMD 2.2.1.21; Status 13 when there is none).
  body: { kind: 'wbxml', root: 'AirSync:Sync', optional: true },
  invalidRequest: SyncStatus.protocolError,
  errors,
  parse: parseSyncRequest,
  execute,
  render: renderSync,
});
