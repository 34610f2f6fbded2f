// The folder hierarchy as a device holds it (MS-ASCMD 2.2.1.5 FolderSync): server ids, EAS folder
// types, the snapshot the device has, and the changes between that snapshot and the store.
// Server ids are the store's folder ids: short and stable for the life of the folder.
import { asFolderId, type FolderId } from '../../core/ids.js';
import type { Folder, FolderKind } from '../../store/types.js';
import { formatKey, type SyncKey } from './sync-key.js';

/** EAS folder types (MS-ASCMD 2.2.3.186.3). */
export const FolderType = {
  generic: 1, inbox: 2, drafts: 3, deleted: 4, sent: 5, outbox: 6, tasks: 7, calendar: 8, contacts: 9, notes: 10, journal: 11,
  userMail: 12, userCalendar: 13, userContacts: 14, userTasks: 15, userJournal: 16, userNotes: 17, unknown: 18, recipientCache: 19,
} as const;

const roleTypes: Record<string, number> = {
  inbox: FolderType.inbox, drafts: FolderType.drafts, trash: FolderType.deleted, sent: FolderType.sent, outbox: FolderType.outbox,
  tasks: FolderType.tasks, calendar: FolderType.calendar, contacts: FolderType.contacts, notes: FolderType.notes,
  // EAS has no Junk type: it is a user mail folder to the phone.
  junk: FolderType.userMail,
};
const kindTypes: Record<FolderKind, number> = {
  mail: FolderType.userMail, calendar: FolderType.userCalendar, contacts: FolderType.userContacts, tasks: FolderType.userTasks, notes: FolderType.userNotes,
};

export const folderType = (f: Folder): number => (f.role ? roleTypes[f.role] : undefined) ?? kindTypes[f.kind];

/** The kind of a folder a client asks to create, or null for types we do not keep (journal...). */
export function kindForType(type: number): FolderKind | null {
  switch (type) {
    case FolderType.userMail: return 'mail';
    case FolderType.userCalendar: return 'calendar';
    case FolderType.userContacts: return 'contacts';
    case FolderType.userTasks: return 'tasks';
    case FolderType.userNotes: return 'notes';
    default: return null;
  }
}

export const serverIdOf = (id: FolderId): string => String(id);
export function folderIdOf(serverId: string): FolderId | null {
  return /^[1-9]\d{0,14}$/.test(serverId) ? asFolderId(Number(serverId)) : null;
}

/** A folder as the device holds it: parent server id ("0" at the top), display name, type. */
export type HeldFolder = [parentId: string, name: string, type: number];

export type FolderChange =
  | { op: 'add' | 'update'; serverId: string; parentId: string; name: string; type: number }
  | { op: 'delete'; serverId: string };

export interface HierarchyState {
  key: SyncKey;
  folders: Record<string, HeldFolder>;
  /** The changes answered with `key`, and the key they answered: a resend of that key gets them again. */
  last: { fromKey: string; changes: FolderChange[] } | null;
}

export const stateKey = (s: HierarchyState): string => formatKey(s.key);

export function snapshot(folders: readonly Folder[]): Record<string, HeldFolder> {
  const out: Record<string, HeldFolder> = {};
  for (const f of folders) out[serverIdOf(f.id)] = [f.parentId === null ? '0' : serverIdOf(f.parentId), f.name, folderType(f)];
  return out;
}

/** What turns `held` into `now`: adds and updates parents first, deletes children first. */
export function diff(held: Record<string, HeldFolder>, now: Record<string, HeldFolder>): FolderChange[] {
  const depth = (id: string, map: Record<string, HeldFolder>): number => {
    let d = 0;
    for (let p = map[id]?.[0]; p !== undefined && p !== '0' && d < 64; p = map[p]?.[0]) d++;
    return d;
  };
  const upserts: FolderChange[] = [];
  for (const [id, f] of Object.entries(now)) {
    const h = held[id];
    if (!h) upserts.push({ op: 'add', serverId: id, parentId: f[0], name: f[1], type: f[2] });
    else if (h[0] !== f[0] || h[1] !== f[1] || h[2] !== f[2]) upserts.push({ op: 'update', serverId: id, parentId: f[0], name: f[1], type: f[2] });
  }
  upserts.sort((a, b) => depth(a.serverId, now) - depth(b.serverId, now) || Number(a.serverId) - Number(b.serverId));
  const deletes: FolderChange[] = Object.keys(held).filter((id) => !now[id])
    .sort((a, b) => depth(b, held) - depth(a, held) || Number(a) - Number(b))
    .map((serverId) => ({ op: 'delete', serverId }));
  return [...deletes, ...upserts];
}

export const encodeState = (s: HierarchyState): string => JSON.stringify(s);

export function decodeState(data: string): HierarchyState | null {
  try {
    const s = JSON.parse(data) as HierarchyState;
    return s && typeof s === 'object' && s.key && typeof s.key.n === 'number' && s.folders ? s : null;
  } catch {
    return null;
  }
}
