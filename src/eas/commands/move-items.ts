// MoveItems (MS-ASCMD 2.2.1.12): Move{SrcMsgId, SrcFldId, DstFldId} x n, each answered with
// Response{SrcMsgId, Status, DstMsgId}. Status (2.2.3.177.9): 1 invalid source (folder or item), 2
// invalid destination, 3 success, 4 source and destination the same, 5 the item cannot go there (another
// class), 7 locked (a concurrent change). The new ServerId is `<destination>:<item>` (ids name their
// folder), and the moving device is not told again: in the move's transaction its source collection
// stops holding the item and its destination collection holds it at the moved version, so its next
// Syncs send neither a Delete nor an Add (exporter.ts sends nothing for a held, unchanged item).
// Other devices get Delete in the source and Add in the destination from the change log as usual.
import type { ItemId } from '../../core/ids.js';
import { withDeviceLock } from '../../devices/device-lock.js';
import { DeviceStatus, type Folder, type Repos } from '../../store/types.js';
import { defineCommand, EasStatusError, statusForError, type EasContext, type ErrorMap } from '../command.js';
import { itemServerId, parseItemServerId } from '../sync/collection-state.js';
import { folderIdOf } from '../sync/hierarchy.js';
import { children, elements, ns, textOf, type WbxmlElement } from '../wbxml/index.js';

const mv = ns('Move');

export const MoveStatus = { invalidSource: 1, invalidDestination: 2, ok: 3, sameFolder: 4, cannotMove: 5, locked: 7 } as const;

/** The common status InvalidXML (MS-ASCMD 2.2.2): MoveItems has no status of its own for a malformed request. */
const INVALID_XML = 103;

/** Per move: a concurrent change of the item (locked), the item gone meanwhile (invalid source). */
const errors: ErrorMap = { conflict: MoveStatus.locked, 'not-found': MoveStatus.invalidSource };

/** Moves per request at most. */
const MAX_MOVES = 512;

interface MoveRequest {
  srcMsgId: string;
  srcFldId: string;
  dstFldId: string;
}

interface MoveResult {
  srcMsgId: string;
  status: number;
  dstMsgId?: string;
}

function parse(root: WbxmlElement): MoveRequest[] {
  const moves = children(root, 'Move:Move');
  if (moves.length === 0 || moves.length > MAX_MOVES || moves.length !== elements(root).length) throw new EasStatusError(INVALID_XML, 'MoveItems needs 1 to 512 Move elements');
  return moves.map((m) => ({
    srcMsgId: textOf(m, 'Move:SrcMsgId')?.trim() ?? '',
    srcFldId: textOf(m, 'Move:SrcFldId')?.trim() ?? '',
    dstFldId: textOf(m, 'Move:DstFldId')?.trim() ?? '',
  }));
}

/** Records in `tx` what this device now holds: the item gone from the source, held in the destination. */
async function rebookHeld(ctx: EasContext, tx: Repos, src: Folder, dst: Folder, itemId: ItemId, modseq: number): Promise<void> {
  if (!ctx.persistentDevice || ctx.device.status === DeviceStatus.wipeRequested) return;
  const accountId = ctx.account.id;
  const deviceId = ctx.device.deviceId;
  if (await tx.deviceState.getCollection(accountId, deviceId, String(src.id))) {
    await tx.deviceState.recordHeld(accountId, deviceId, String(src.id), [], [itemId]);
  }
  if (await tx.deviceState.getCollection(accountId, deviceId, String(dst.id))) {
    await tx.deviceState.recordHeld(accountId, deviceId, String(dst.id), [{ itemId, modseq }], []);
  }
}

async function moveOne(ctx: EasContext, m: MoveRequest): Promise<MoveResult> {
  const { store } = ctx.deps;
  const accountId = ctx.account.id;
  const fail = (status: number): MoveResult => ({ srcMsgId: m.srcMsgId, status });
  const srcId = folderIdOf(m.srcFldId);
  const src = srcId === null ? null : await store.mailbox.getFolder(accountId, srcId);
  const ref = parseItemServerId(m.srcMsgId);
  if (!src || !ref || ref.folderId !== src.id) return fail(MoveStatus.invalidSource);
  const dstId = folderIdOf(m.dstFldId);
  const dst = dstId === null ? null : await store.mailbox.getFolder(accountId, dstId);
  if (!dst) return fail(MoveStatus.invalidDestination);
  if (dst.id === src.id) return fail(MoveStatus.sameFolder);
  try {
    return await store.transaction(async (tx) => {
      const item = await tx.mailbox.getItem(accountId, ref.itemId);
      if (!item || item.folderId !== src.id) return fail(MoveStatus.invalidSource);
      if (item.kind !== 'message' || dst.kind !== src.kind) return fail(MoveStatus.cannotMove);
      const moved = await tx.mailbox.moveItem(accountId, item.id, dst.id);
      await rebookHeld(ctx, tx, src, dst, item.id, moved.modseq);
      return { srcMsgId: m.srcMsgId, status: MoveStatus.ok, dstMsgId: itemServerId(dst.id, item.id) };
    });
  } catch (err) {
    const status = statusForError(errors, err);
    if (status === undefined) throw err;
    return fail(status);
  }
}

export const moveItemsCommand = defineCommand<MoveRequest[], MoveResult[]>({
  name: 'MoveItems',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'Move:MoveItems' },
  invalidRequest: INVALID_XML,
  errors,
  parse,
  async execute(ctx, moves) {
    // The held-item bookkeeping must not interleave with a Sync of the same device.
    return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
      const out: MoveResult[] = [];
      for (const m of moves) out.push(await moveOne(ctx, m));
      return out;
    });
  },
  render(results) {
    return {
      kind: 'wbxml',
      root: mv('MoveItems', results.map((r) => mv('Response',
        mv('SrcMsgId', r.srcMsgId),
        mv('Status', r.status),
        r.dstMsgId !== undefined && mv('DstMsgId', r.dstMsgId)))),
    };
  },
});
