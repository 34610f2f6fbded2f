// Client commands of a Sync collection (MS-ASCMD 2.2.3.24 Change, 2.2.3.42.2 Delete, 2.2.3.67.2 Fetch,
// 2.2.3.7.2 Add), applied in the Sync's transaction. Each is idempotent against a resent request: a
// Delete of an item the device still held but that is already gone succeeds, a Change already applied
// changes nothing, so undoing and re-running a transition gives the same answer.
import type { FolderId, ItemId } from '../../core/ids.js';
import type { WbxmlElement } from '../wbxml/index.js';
import type { Folder, Item, Repos } from '../../store/types.js';
import { parseEmailChange } from '../classes/email.js';
import type { EasContext } from '../command.js';
import { classForFolder, classForItem } from '../classes/catalog.js';
import { ClassError, type ClassContext } from '../classes/registry.js';
import { itemServerId, parseItemServerId, type CollectionOptions, type HeldChanges } from './collection-state.js';
import { addDraft, changeDraft, hasDraftFields, isDraftFolder } from './draft-import.js';
import type { DraftSend } from './drafts.js';
import { parseEventCommand, sameClientUid } from './event-import.js';
import type { ClientCommand } from './sync-request.js';
import { SyncStatus } from './sync-request.js';

/** What the client gets back for its commands: failures, and Fetch results to render after commit. */
export type ImportResponse =
  /** `data`: the 16.0 Add response's ApplicationData (the FileReferences of attachments the device added). */
  | { kind: 'add'; clientId: string; status: number; serverId?: string; data?: WbxmlElement }
  | { kind: 'change' | 'delete'; serverId: string; status: number }
  | { kind: 'fetch'; serverId: string; status: number; item?: Item };

export interface ImportInput {
  ctx: EasContext;
  tx: Repos;
  folder: Folder;
  trash: Folder | null;
  commands: readonly ClientCommand[];
  deletesAsMoves: boolean;
  options: CollectionOptions;
  held: ReadonlyMap<ItemId, number>;
  changes: HeldChanges;
  /** ClientId -> ServerId of the Adds of the transition being run again: a resent Add creates nothing new. */
  knownAdds: Readonly<Record<string, string>>;
  now: number;
  /** Drafts to send once the Sync has committed (filled here, sent by sync-collection). */
  sends: DraftSend[];
}

/** The item a ServerId names, if it is this account's and in this folder. */
async function itemIn(tx: Repos, accountId: EasContext['account']['id'], folderId: FolderId, serverId: string): Promise<{ id: ItemId | null; item: Item | null }> {
  const ref = parseItemServerId(serverId);
  if (!ref || ref.folderId !== folderId) return { id: null, item: null };
  const item = await tx.mailbox.getItem(accountId, ref.itemId);
  return { id: ref.itemId, item: item && item.folderId === folderId ? item : null };
}

const classCtx = (input: ImportInput): ClassContext => ({
  version: input.ctx.version, bodyPreferences: input.options.bodyPreferences, now: input.now,
  truncation: input.options.truncation, supported: input.options.supported ? new Set(input.options.supported) : null,
  user: { email: input.ctx.account.email, name: input.ctx.account.displayName },
});

function parseOrNull<T>(f: () => T): T | null {
  try {
    return f();
  } catch (err) {
    if (err instanceof ClassError) return null;
    throw err;
  }
}

export async function importCommands(input: ImportInput): Promise<ImportResponse[]> {
  const { ctx, tx, folder, commands, held, changes } = input;
  const accountId = ctx.account.id;
  const out: ImportResponse[] = [];
  for (const c of commands) {
    switch (c.kind) {
      case 'add': {
        if (isDraftFolder(folder, ctx.version) && c.data) {
          const known = input.knownAdds[c.clientId];
          if (known) {
            // The same request again: the same answer, and never a second draft or a second send (the
            // first may already have left Drafts).
            const again = await itemIn(tx, accountId, folder.id, known);
            if (again.id && again.item) changes.hold(again.id, again.item.modseq);
            out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: known });
          } else out.push(await addDraft(input, c.clientId, c.data, c.send));
          break;
        }
        // Mail is created by delivery, not by phones (except 16.0 drafts); the other classes are the phone's.
        const cls = classForFolder(folder.kind, ctx.version);
        if (!cls || !c.data) {
          out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.conversionError });
          break;
        }
        const known = input.knownAdds[c.clientId];
        const again = known ? await itemIn(tx, accountId, folder.id, known) : null;
        if (known && again?.id && again.item) {
          changes.hold(again.id, again.item.modseq);
          out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: known });
          break;
        }
        const parsed = parseOrNull(() => cls.parse(c.data as NonNullable<typeof c.data>, classCtx(input)));
        if (!parsed) {
          out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.conversionError });
          break;
        }
        const dup = cls.itemKind === 'event' ? await sameClientUid(tx, accountId, folder.id, parsed.data) : null;
        if (dup) {
          changes.hold(dup.id, dup.modseq);
          out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: itemServerId(folder.id, dup.id) });
          break;
        }
        const created = await tx.mailbox.addItem(accountId, folder.id, {
          kind: cls.itemKind, data: parsed.data, categories: parsed.categories, ...(parsed.windowDate !== undefined ? { receivedAt: parsed.windowDate } : {}),
        });
        changes.hold(created.id, created.modseq);
        out.push({ kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: itemServerId(folder.id, created.id) });
        break;
      }
      case 'change': {
        const { id, item } = await itemIn(tx, accountId, folder.id, c.serverId);
        if (!id || !item) {
          out.push({ kind: 'change', serverId: c.serverId, status: SyncStatus.notFound });
          break;
        }
        const heldVersion = held.get(id);
        // Server wins by default: a device editing an item the server changed since is told so (Status 7)
        // and gets the server's version in the same answer.
        if (heldVersion !== undefined && item.modseq > heldVersion && input.options.conflict === 1) {
          out.push({ kind: 'change', serverId: c.serverId, status: SyncStatus.conflict });
          break;
        }
        let updated: Item;
        const cls = classForItem(item.kind);
        if (item.kind === 'message' && item.flags.draft && isDraftFolder(folder, ctx.version) && c.data && (c.send || hasDraftFields(c.data))) {
          const changed = await changeDraft(input, item, c.serverId, c.data);
          if (!changed) {
            out.push({ kind: 'change', serverId: c.serverId, status: SyncStatus.conversionError });
            break;
          }
          updated = changed;
          if (c.send) {
            const resp: ImportResponse = { kind: 'change', serverId: c.serverId, status: SyncStatus.ok };
            out.push(resp);
            input.sends.push({ item: updated, setStatus: (st) => { resp.status = st; } });
          }
        } else if (cls) {
          const data = c.data;
          const instanceId = c.instanceId;
          const next = data
            ? parseOrNull(() => (instanceId && item.kind === 'event' ? parseEventCommand('change', item, instanceId, data, classCtx(input)) : cls.parse(data, classCtx(input), item)))
            : null;
          if (data && !next) {
            out.push({ kind: 'change', serverId: c.serverId, status: SyncStatus.conversionError });
            break;
          }
          updated = next ? await tx.mailbox.updateItemData(accountId, id, next.data, next.categories, next.windowDate) : item;
        } else {
          const data = c.data;
          // A Flag Status other than 0, 1 or 2 is a conversion error (MS-ASEMAIL 2.2.2.74); nothing is changed.
          const patch = data ? parseOrNull(() => parseEmailChange(data)) : {};
          if (!patch) {
            out.push({ kind: 'change', serverId: c.serverId, status: SyncStatus.conversionError });
            break;
          }
          updated = await tx.mailbox.updateItem(accountId, id, patch);
        }
        // The device has this version now: it is not sent back to it.
        changes.hold(id, updated.modseq);
        break;
      }
      case 'delete': {
        const { id, item } = await itemIn(tx, accountId, folder.id, c.serverId);
        if (!id || !item) {
          if (id && held.has(id)) changes.drop(id);
          else out.push({ kind: 'delete', serverId: c.serverId, status: SyncStatus.notFound });
          break;
        }
        const instanceId = c.instanceId;
        if (instanceId && item.kind === 'event') {
          // One occurrence goes; the series stays, with a deleted exception.
          const next = parseOrNull(() => parseEventCommand('delete', item, instanceId, null, classCtx(input)));
          if (!next) {
            out.push({ kind: 'delete', serverId: c.serverId, status: SyncStatus.notFound });
            break;
          }
          const updated = await tx.mailbox.updateItemData(accountId, id, next.data, next.categories, next.windowDate);
          changes.hold(id, updated.modseq);
          break;
        }
        // DeletesAsMoves is about mail: a deleted note or contact does not go to the mail Trash.
        if (input.deletesAsMoves && folder.kind === 'mail' && input.trash && input.trash.id !== folder.id) await tx.mailbox.moveItem(accountId, id, input.trash.id);
        else await tx.mailbox.deleteItem(accountId, id);
        changes.drop(id);
        break;
      }
      case 'fetch': {
        const { item } = await itemIn(tx, accountId, folder.id, c.serverId);
        out.push(item ? { kind: 'fetch', serverId: c.serverId, status: SyncStatus.ok, item } : { kind: 'fetch', serverId: c.serverId, status: SyncStatus.notFound });
        break;
      }
    }
  }
  return out;
}
