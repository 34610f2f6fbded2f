// Ping (MS-ASCMD 2.2.1.13): hold the request until one of the watched folders changes (Status 2 with
// those folders) or the heartbeat ends (Status 1). An empty Ping reuses the device's last parameters
// (Status 3 when there are none); a heartbeat out of bounds gets Status 5 with the limit; too many
// folders Status 6 with MaxFolders; a hierarchy the device does not have, or an unknown folder, Status 7.
// Changes that arrived since the device's last Sync of a folder answer at once, so none is missed
// between a Sync and the Ping that follows it.
import type { FolderId } from '../../core/ids.js';
import { pushSettings } from '../../devices/push-settings.js';
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { readRecord, writeRecord } from '../sync/device-records.js';
import { folderIdOf } from '../sync/hierarchy.js';
import { hierarchyCurrent, pendingFolders as pending } from '../sync/pending.js';
import { watchFolders } from '../sync/watch.js';
import { child, children, intOf, ns, textOf } from '../wbxml/index.js';

const p = ns('Ping');
export const MAX_FOLDERS = 300;
export const PingStatus = { expired: 1, changes: 2, missingParameters: 3, syntaxError: 4, badHeartbeat: 5, tooManyFolders: 6, folderSyncRequired: 7, serverError: 8 } as const;

interface Input { heartbeat: number | null; folders: string[] | null }

type S = typeof PingStatus;
type Result =
  | { status: S['expired'] | S['missingParameters'] | S['folderSyncRequired'] | S['serverError'] }
  | { status: S['changes']; folders: string[] }
  | { status: S['badHeartbeat']; heartbeat: number }
  | { status: S['tooManyFolders']; maxFolders: number };

/** Heartbeat bounds (60 to 3540 s) and push tuning, as set with `carbonio config set global <key> <value>` (push-settings.ts). */
async function bounds(ctx: EasContext): Promise<{ min: number; max: number; latency: number; instant: boolean }> {
  const s = await pushSettings(ctx.deps.store);
  return { min: s.minPingHeartbeat, max: s.maxPingHeartbeat, latency: s.notificationsLatency, instant: s.useInstantNotifications };
}

/** What a Ping waits with, once its parameters are checked and saved. */
interface Wait { heartbeat: number; folders: string[]; ids: FolderId[]; latency: number; instant: boolean }

/** The parameters: this request's, else the saved ones (MS-ASCMD 2.2.1.13), checked against the bounds and saved; or the Status that refuses them. */
async function prepare(ctx: EasContext, input: Input): Promise<Wait | Result> {
  const saved = await readRecord(ctx, 'ping');
  const heartbeat = input.heartbeat ?? saved?.heartbeat;
  const folders = input.folders ?? saved?.folders;
  if (heartbeat === undefined || folders === undefined || folders.length === 0) return { status: PingStatus.missingParameters };
  const b = await bounds(ctx);
  if (heartbeat < b.min) return { status: PingStatus.badHeartbeat, heartbeat: b.min };
  if (heartbeat > b.max) return { status: PingStatus.badHeartbeat, heartbeat: b.max };
  if (folders.length > MAX_FOLDERS) return { status: PingStatus.tooManyFolders, maxFolders: MAX_FOLDERS };
  if ((input.heartbeat !== null || input.folders !== null) && ctx.persistentDevice) {
    await writeRecord(ctx, 'ping', { heartbeat, folders });
  }
  const ids = folders.map(folderIdOf);
  if (ids.some((id) => id === null) || !(await hierarchyCurrent(ctx, folders))) return { status: PingStatus.folderSyncRequired };
  // No nulls left (checked above); a filter would reserve room for 16 ids in a list kept while held.
  return { heartbeat, folders, ids: ids as FolderId[], latency: b.latency, instant: b.instant };
}

// The checks run in prepare's frame, which is gone while the request is held: this one keeps only the
// context and the Wait (issue 16 part 2).
async function execute(ctx: EasContext, input: Input): Promise<Result> {
  const w = await prepare(ctx, input);
  if ('status' in w) return w;
  const { folders } = w;
  // Changes since the device's last Sync answer at once; the check runs once the watch listens, so a
  // change committed in between is not left for the heartbeat.
  const end = await watchFolders(ctx, {
    folderIds: w.ids, seconds: w.heartbeat, latencySeconds: w.latency, hierarchy: true, command: 'Ping', instant: w.instant,
    precheck: async () => (await pending(ctx, folders)).map((f) => folderIdOf(f)).filter((x): x is FolderId => x !== null),
  });
  switch (end.kind) {
    case 'changed': return { status: PingStatus.changes, folders: end.folderIds.map(String) };
    case 'hierarchy': return { status: PingStatus.folderSyncRequired };
    // Ended by device management or a newer request: tell the device to FolderSync if its state went away.
    case 'ended': return { status: (await hierarchyCurrent(ctx, folders)) ? PingStatus.expired : PingStatus.folderSyncRequired };
    // The bus may have missed changes while reconnecting: look in the store (the next Ping waits again).
    case 'resync': {
      if (!(await hierarchyCurrent(ctx, folders))) return { status: PingStatus.folderSyncRequired };
      const missed = await pending(ctx, folders);
      return missed.length > 0 ? { status: PingStatus.changes, folders: missed } : { status: PingStatus.expired };
    }
    default: return { status: PingStatus.expired };
  }
}

export const pingCommand = defineCommand<Input, Result>({
  name: 'Ping',
  // Ping is answered even before provisioning (peers do the same); the gate still stops wiped or suspended devices.
  provisioning: 'exempt',
  // An empty Ping reuses the last parameters (MS-ASCMD 2.2.1.13).
  body: { kind: 'wbxml', root: 'Ping:Ping', optional: true },
  invalidRequest: PingStatus.syntaxError,
  parse(root) {
    if (!root) return { heartbeat: null, folders: null };
    const hb = child(root, 'Ping:HeartbeatInterval');
    const heartbeat = hb ? intOf(root, 'Ping:HeartbeatInterval') : undefined;
    if (hb && heartbeat === undefined) throw new EasStatusError(PingStatus.syntaxError, 'HeartbeatInterval is not a number');
    const list = child(root, 'Ping:Folders');
    const folders = list ? children(list, 'Ping:Folder').map((f) => textOf(f, 'Ping:Id') ?? '') : null;
    if (folders?.some((f) => f === '')) throw new EasStatusError(PingStatus.syntaxError, 'Folder without Id');
    return { heartbeat: heartbeat ?? null, folders: folders && folders.length > 0 ? folders : null };
  },
  execute,
  render: (r) => ({
    kind: 'wbxml',
    root: p('Ping', p('Status', r.status),
      r.status === PingStatus.changes && p('Folders', r.folders.map((f) => p('Folder', f))),
      r.status === PingStatus.badHeartbeat && p('HeartbeatInterval', r.heartbeat),
      r.status === PingStatus.tooManyFolders && p('MaxFolders', r.maxFolders)),
  }),
});

