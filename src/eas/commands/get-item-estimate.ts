// GetItemEstimate (MS-ASCMD 2.2.1.9): per collection, how many items the next Sync would bring.
// Collection{airsync:SyncKey, CollectionId, [airsync:ConversationMode], airsync:Options{FilterType,
// Class, MaxItems}} (12.x: FilterType and Class directly in Collection, and Class echoed in the
// answer). Per collection Status (2.2.3.177.7): 1 ok with the Estimate, 2 unknown collection, 3 sync
// state not primed (no Sync done, or key 0), 4 a SyncKey other than the one the next Sync expects.
// A malformed request is Status 2 at the top. Read-only: the estimate never changes a state
// (src/eas/sync/estimate.ts).
import { withDeviceLock } from '../../devices/device-lock.js';
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { decodeCollectionState, stateKey } from '../sync/collection-state.js';
import { estimateCollection } from '../sync/estimate.js';
import { windowed } from '../sync/sync-collection.js';
import { folderIdOf } from '../sync/hierarchy.js';
import { child, children, intOf, ns, textOf, type WbxmlElement } from '../wbxml/index.js';

const gie = ns('GetItemEstimate');

export const EstimateStatus = { ok: 1, invalidCollection: 2, notPrimed: 3, invalidKey: 4 } as const;

/** MS-ASCMD 2.2.3.28.1: at most 300 collections per request. */
const MAX_COLLECTIONS = 300;

interface CollectionQuery {
  syncKey: string;
  collectionId: string;
  filterType: number | undefined;
}

interface CollectionEstimate {
  collectionId: string;
  status: number;
  estimate?: number;
}

const bad = (message: string): EasStatusError => new EasStatusError(EstimateStatus.invalidCollection, message);

/** The FilterType that applies to mail: the Options naming Email (or no class), else 12.x's direct child. */
function filterTypeOf(c: WbxmlElement): number | undefined {
  const opts = children(c, 'AirSync:Options');
  const o = opts.find((x) => { const k = textOf(x, 'AirSync:Class'); return k === undefined || k === 'Email'; }) ?? opts[0];
  const f = intOf(o, 'AirSync:FilterType') ?? intOf(c, 'AirSync:FilterType');
  if (f !== undefined && (f < 0 || f > 8)) throw bad(`FilterType ${f} out of range`);
  return f;
}

function parse(root: WbxmlElement): CollectionQuery[] {
  const list = children(child(root, 'GetItemEstimate:Collections'), 'GetItemEstimate:Collection');
  if (list.length === 0 || list.length > MAX_COLLECTIONS) throw bad(`${list.length} collections`);
  return list.map((c) => {
    const syncKey = textOf(c, 'AirSync:SyncKey');
    const collectionId = textOf(c, 'GetItemEstimate:CollectionId');
    if (syncKey === undefined || collectionId === undefined) throw bad('Collection needs SyncKey and CollectionId');
    return { syncKey: syncKey.trim(), collectionId: collectionId.trim(), filterType: filterTypeOf(c) };
  });
}

async function estimateOne(ctx: EasContext, q: CollectionQuery, now: number): Promise<CollectionEstimate> {
  const { store } = ctx.deps;
  const fail = (status: number): CollectionEstimate => ({ collectionId: q.collectionId, status });
  const folderId = folderIdOf(q.collectionId);
  const folder = folderId === null ? null : await store.mailbox.getFolder(ctx.account.id, folderId);
  if (!folder) return fail(EstimateStatus.invalidCollection);
  if (q.syncKey === '0') return fail(EstimateStatus.notPrimed);
  const row = await store.deviceState.getCollection(ctx.account.id, ctx.device.deviceId, q.collectionId);
  const state = row ? decodeCollectionState(row.data) : null;
  if (!state) return fail(EstimateStatus.notPrimed);
  if (q.syncKey !== stateKey(state)) return fail(EstimateStatus.invalidKey);
  const estimate = await estimateCollection(store, {
    accountId: ctx.account.id, deviceId: ctx.device.deviceId, collectionId: q.collectionId, folder, state, filterType: windowed(folder, q.filterType) ? q.filterType : 0, now,
  });
  return { collectionId: q.collectionId, status: EstimateStatus.ok, estimate };
}

export const getItemEstimateCommand = defineCommand<CollectionQuery[], CollectionEstimate[]>({
  name: 'GetItemEstimate',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'GetItemEstimate:GetItemEstimate' },
  invalidRequest: EstimateStatus.invalidCollection,
  parse,
  async execute(ctx, queries) {
    // Under the device's lock: a Sync of the same device never moves a state halfway through an estimate.
    return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
      const now = Date.now();
      const out: CollectionEstimate[] = [];
      for (const q of queries) out.push(await estimateOne(ctx, q, now));
      return out;
    });
  },
  render(results, ctx) {
    return {
      kind: 'wbxml',
      root: gie('GetItemEstimate', results.map((r) => gie('Response',
        gie('Status', r.status),
        gie('Collection',
          ctx.version < 140 && gie('Class', 'Email'),
          gie('CollectionId', r.collectionId),
          r.estimate !== undefined && gie('Estimate', r.estimate))))),
    };
  },
});
