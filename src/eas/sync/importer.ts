// Client commands of a Sync collection (MS-ASCMD 2.2.3.24 Change, 2.2.3.42.2 Delete, 2.2.3.67.2 Fetch,
// 2.2.3.7.2 Add), applied in the Sync's transaction. Each is idempotent against a resent request: a
// Delete of an item the device still held but that is already gone succeeds, a Change already applied
// changes nothing, so undoing and re-running a transition gives the same answer. Every item goes through
// its class's entry (src/eas/classes/registry.ts): parse for data and state, and the entry's hooks for a
// calendar occurrence, a duplicate Add and a 16.0 draft; nothing here tests an item's kind.
import type { FolderId, ItemId } from '../../core/ids.js';
import { findInFolder } from '../../store/pages.js';
import type { WbxmlElement } from '../wbxml/index.js';
import type { Folder, Item, Repos } from '../../store/types.js';
import type { EasContext } from '../command.js';
import { classForFolder, classForItem } from '../classes/catalog.js';
import { ClassError, type ClassContext, type ParsedItem, type ParsedState } from '../classes/registry.js';
import { itemServerId, parseItemServerId, type CollectionOptions, type HeldChanges } from './collection-state.js';
import type { DraftSend } from './drafts.js';
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
  const out: ImportResponse[] = [];
  for (const c of input.commands) {
    const response = c.kind === 'add' ? await importAdd(input, c)
      : c.kind === 'change' ? await importChange(input, c)
      : c.kind === 'delete' ? await importDelete(input, c)
      : await importFetch(input, c);
    if (response) out.push(response);
  }
  return out;
}

type Command<K extends ClientCommand['kind']> = Extract<ClientCommand, { kind: K }>;

/**
 * The answer already given to an Add of the transition being run again (same ClientId): the same
 * ServerId, and nothing created twice. `goneToo`: also when that item has left the folder since (a
 * draft sent after the first run is gone from Drafts, and must not be added, or sent, a second time);
 * otherwise a vanished item is added again.
 */
async function addedBefore(input: ImportInput, clientId: string, goneToo: boolean): Promise<ImportResponse | null> {
  const known = input.knownAdds[clientId];
  if (!known) return null;
  const again = await itemIn(input.tx, input.ctx.account.id, input.folder.id, known);
  if (again.id && again.item) input.changes.hold(again.id, again.item.modseq);
  else if (!goneToo) return null;
  return { kind: 'add', clientId, status: SyncStatus.ok, serverId: known };
}

async function importAdd(input: ImportInput, c: Command<'add'>): Promise<ImportResponse> {
  const { ctx, tx, folder, changes } = input;
  const refused: ImportResponse = { kind: 'add', clientId: c.clientId, status: SyncStatus.conversionError };
  const cls = classForFolder(folder.kind, ctx.version);
  if (!cls || !c.data) return refused;
  const draft = cls.importDraft?.takesAdd(folder, ctx.version) ? cls.importDraft : undefined;
  const again = await addedBefore(input, c.clientId, draft !== undefined);
  if (again) return again;
  if (draft) return draft.add(input, c.clientId, c.data, c.send);
  const data = c.data;
  const parsed = parseOrNull(() => cls.parse(data, classCtx(input)));
  // A message is stored with its MIME (delivery, a draft): a class Add only ever stores data.
  const kind = cls.itemKind;
  if (!parsed || !isData(parsed) || kind === 'message') return refused;
  const match = cls.sameItem?.(parsed.data);
  const dup = match ? await findInFolder(tx.mailbox, ctx.account.id, folder.id, match) : null;
  if (dup) {
    changes.hold(dup.id, dup.modseq);
    return { kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: itemServerId(folder.id, dup.id) };
  }
  const created = await tx.mailbox.addItem(ctx.account.id, folder.id, {
    kind, data: parsed.data, categories: parsed.categories, ...(parsed.windowDate !== undefined ? { receivedAt: parsed.windowDate } : {}),
  });
  changes.hold(created.id, created.modseq);
  return { kind: 'add', clientId: c.clientId, status: SyncStatus.ok, serverId: itemServerId(folder.id, created.id) };
}

/** A Change answers only when it fails (or sends a draft): a Change that went through is not echoed. */
async function importChange(input: ImportInput, c: Command<'change'>): Promise<ImportResponse | null> {
  const { ctx, tx, folder } = input;
  const accountId = ctx.account.id;
  const { id, item } = await itemIn(tx, accountId, folder.id, c.serverId);
  if (!id || !item) return { kind: 'change', serverId: c.serverId, status: SyncStatus.notFound };
  const heldVersion = input.held.get(id);
  // Server wins by default: a device editing an item the server changed since is told so (Status 7)
  // and gets the server's version in the same answer.
  if (heldVersion !== undefined && item.modseq > heldVersion && input.options.conflict === 1) {
    return { kind: 'change', serverId: c.serverId, status: SyncStatus.conflict };
  }
  const refused: ImportResponse = { kind: 'change', serverId: c.serverId, status: SyncStatus.conversionError };
  const cls = classForItem(item.kind);
  const data = c.data;
  let updated: Item;
  let response: ImportResponse | null = null;
  if (data && cls.importDraft?.takesChange(folder, ctx.version, item, data, c.send)) {
    const changed = await cls.importDraft.change(input, item, c.serverId, data);
    if (!changed) return refused;
    updated = changed;
    if (c.send) {
      const sent: ImportResponse = { kind: 'change', serverId: c.serverId, status: SyncStatus.ok };
      input.sends.push({ item: updated, setStatus: (st) => { sent.status = st; } });
      response = sent;
    }
  } else if (data) {
    const instanceId = c.instanceId;
    const next = parseOrNull(() => (instanceId && cls.parseInstance ? cls.parseInstance(data, instanceId, classCtx(input), item) : cls.parse(data, classCtx(input), item)));
    if (!next) return refused;
    updated = isData(next)
      ? await tx.mailbox.updateItemData(accountId, id, next.data, next.categories, next.windowDate)
      : await tx.mailbox.updateItem(accountId, id, next.state);
  } else updated = item;
  // The device has this version now: it is not sent back to it.
  input.changes.hold(id, updated.modseq);
  return response;
}

async function importDelete(input: ImportInput, c: Command<'delete'>): Promise<ImportResponse | null> {
  const { ctx, tx, folder, changes } = input;
  const accountId = ctx.account.id;
  const { id, item } = await itemIn(tx, accountId, folder.id, c.serverId);
  if (!id || !item) {
    // Already gone (a resent Delete, or deleted elsewhere meanwhile): the device's wish is done.
    if (id && input.held.has(id)) {
      changes.drop(id);
      return null;
    }
    return { kind: 'delete', serverId: c.serverId, status: SyncStatus.notFound };
  }
  const instanceId = c.instanceId;
  const cls = classForItem(item.kind);
  if (instanceId && cls.deleteInstance) {
    // One occurrence goes; the series stays, with a deleted exception.
    const next = parseOrNull(() => cls.deleteInstance?.(item, instanceId, classCtx(input)) ?? null);
    if (!next) return { kind: 'delete', serverId: c.serverId, status: SyncStatus.notFound };
    const updated = await tx.mailbox.updateItemData(accountId, id, next.data, next.categories, next.windowDate);
    changes.hold(id, updated.modseq);
    return null;
  }
  // DeletesAsMoves is about mail: a deleted note or contact does not go to the mail Trash.
  if (input.deletesAsMoves && folder.kind === 'mail' && input.trash && input.trash.id !== folder.id) await tx.mailbox.moveItem(accountId, id, input.trash.id);
  else await tx.mailbox.deleteItem(accountId, id);
  changes.drop(id);
  return null;
}

async function importFetch(input: ImportInput, c: Command<'fetch'>): Promise<ImportResponse> {
  const { item } = await itemIn(input.tx, input.ctx.account.id, input.folder.id, c.serverId);
  return item ? { kind: 'fetch', serverId: c.serverId, status: SyncStatus.ok, item } : { kind: 'fetch', serverId: c.serverId, status: SyncStatus.notFound };
}

const isData = (p: ParsedItem | ParsedState): p is ParsedItem => !('state' in p);
