// FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy. Key 0 starts a new generation and drops every
// other SyncState of the device (the phone is starting over); the current key answers the changes since
// the device's snapshot, keeping the same key when nothing changed; the previous key gets the answer it
// had, so a lost response costs nothing; any other key gets Status 9.
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { decodeState, diff, encodeState, snapshot, stateKey, type FolderChange, type HierarchyState } from '../sync/hierarchy.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { firstKey, formatKey, nextKey, parseKey } from '../sync/sync-key.js';
import { ns, textOf, type WbxmlElement } from '../wbxml/index.js';

const fh = ns('FolderHierarchy');

export const FolderSyncStatus = { ok: 1, serverError: 6, invalidKey: 9, malformed: 10 } as const;

interface Result {
  key: string;
  changes: FolderChange[];
  fresh: boolean;
}

export function renderChanges(changes: readonly FolderChange[]): WbxmlElement {
  return fh('Changes', fh('Count', changes.length), changes.map((c) => c.op === 'delete'
    ? fh('Delete', fh('ServerId', c.serverId))
    : fh(c.op === 'add' ? 'Add' : 'Update', fh('ServerId', c.serverId), fh('ParentId', c.parentId), fh('DisplayName', c.name), fh('Type', c.type))));
}

/** Loads the device's hierarchy state when `key` is its current key; null otherwise. */
export async function currentHierarchy(ctx: EasContext, key: string): Promise<HierarchyState | null> {
  const row = await ctx.deps.store.deviceState.getHierarchy(ctx.account.id, ctx.device.deviceId);
  const state = row ? decodeState(row.data) : null;
  return state && stateKey(state) === key ? state : null;
}

async function run(ctx: EasContext, requestKey: string): Promise<Result> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  const current = snapshot(await store.mailbox.listFolders(accountId));
  if (requestKey === '0') {
    const state: HierarchyState = { key: firstKey(), folders: current, last: null };
    state.last = { fromKey: '0', changes: diff({}, current) };
    if (ctx.persistentDevice) {
      await store.transaction(async (tx) => {
        await tx.deviceState.reset(accountId, deviceId);
        await tx.deviceState.putHierarchy(accountId, deviceId, stateKey(state), encodeState(state));
      });
    }
    return { key: stateKey(state), changes: state.last.changes, fresh: true };
  }
  const parsed = parseKey(requestKey);
  const row = await store.deviceState.getHierarchy(accountId, deviceId);
  const state = row ? decodeState(row.data) : null;
  if (!parsed || !state || parsed.generation !== state.key.generation) throw new EasStatusError(FolderSyncStatus.invalidKey, 'unknown hierarchy SyncKey');
  if (parsed.n === state.key.n - 1 && state.last?.fromKey === requestKey) return { key: stateKey(state), changes: state.last.changes, fresh: false };
  if (parsed.n !== state.key.n) throw new EasStatusError(FolderSyncStatus.invalidKey, 'stale hierarchy SyncKey');
  const changes = diff(state.folders, current);
  if (changes.length === 0) return { key: requestKey, changes, fresh: false };
  const next: HierarchyState = { key: nextKey(state.key), folders: current, last: { fromKey: requestKey, changes } };
  // Only over the state read above: a reset (or another request) in between wins, and this one gets
  // Status 9 (the store's `conflict`, through the command's error table).
  await store.deviceState.putHierarchy(accountId, deviceId, stateKey(next), encodeState(next), row?.key);
  return { key: formatKey(next.key), changes, fresh: false };
}

export const folderSyncCommand = defineCommand<string, Result>({
  name: 'FolderSync',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'FolderHierarchy:FolderSync' },
  invalidRequest: FolderSyncStatus.malformed,
  errors: { conflict: FolderSyncStatus.invalidKey },
  parse(root) {
    const key = textOf(root, 'FolderHierarchy:SyncKey');
    if (key === undefined) throw new EasStatusError(FolderSyncStatus.malformed, 'FolderSync without SyncKey');
    return key.trim();
  },
  execute: (ctx, key) => withDeviceLock(ctx.account.id, ctx.device.deviceId, () => run(ctx, key)),
  render: (r) => ({
    kind: 'wbxml',
    announceProtocol: r.fresh,
    root: fh('FolderSync', fh('Status', FolderSyncStatus.ok), fh('SyncKey', r.key), renderChanges(r.changes)),
  }),
});

