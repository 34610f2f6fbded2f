// The mailbox list and its changes (RFC 9051 6.3.3-6.3.11; RFC 6154 SPECIAL-USE; RFC 5258 LIST-EXTENDED
// and RFC 5819 LIST-STATUS): the same folders the phones sync, so CREATE, RENAME and DELETE are store
// folder changes, logged and published like any other (held Pings wake, the next FolderSync shows them).
// Subscriptions (RFC 9051 6.3.7, 6.3.8) are stored per name (migration 021): every folder is subscribed
// unless UNSUBSCRIBEd (the phones see every folder too, and a folder a phone creates shows in the desktop
// client without a step), and a SUBSCRIBEd name stays listed when no folder has it (\NonExistent).
import type { FolderId } from '../../core/ids.js';
import type { Folder } from '../../store/types.js';
import { encodeMailboxName } from '../protocol/mailbox-name.js';
import { atom, raw, type ImapValue } from '../protocol/writer.js';
import type { StatusItem } from '../protocol/types.js';
import { DELIMITER, findMailbox, listMailboxes, listMatcher, normalizeName, splitName, type Mailbox } from '../folders.js';
import type { ImapSession } from '../session.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

export const wireName = (s: ImapSession, name: string): string => encodeMailboxName(name, s.utf8);

/** Whether a name is subscribed: its SUBSCRIBE / UNSUBSCRIBE if any, else whether it is a folder's. */
type Subscribed = (name: string, isFolder: boolean) => boolean;

async function subscriptions(s: ImapSession): Promise<{ subscribed: Subscribed; extra: string[] }> {
  const subs = await s.deps.store.imap.subscriptions(s.accountOrThrow.id);
  const subscribed: Subscribed = (name, isFolder) => subs.get(name) ?? isFolder;
  // Subscribed names with no folder of that name (the caller drops the ones that have one).
  const extra = [...subs].filter(([, on]) => on).map(([n]) => n).sort();
  return { subscribed, extra };
}

function attributes(b: Mailbox, subscribed: boolean): string[] {
  const out = [b.hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if (b.specialUse) out.push(b.specialUse);
  if (subscribed) out.push('\\Subscribed');
  return out;
}

export async function list(s: ImapSession, cmd: Cmd<'LIST'>): Promise<Done> {
  const acct = s.accountOrThrow;
  // LIST "" "": the delimiter and root (RFC 9051 6.3.9).
  if (cmd.patterns.length === 1 && cmd.patterns[0] === '' && !cmd.extended) {
    await s.untagged(atom('LIST'), raw('(\\Noselect)'), DELIMITER, '');
    return ok('LIST completed');
  }
  const boxes = await listMailboxes(s.deps.store.mailbox, acct.id);
  const matchers = cmd.patterns.map((p) => listMatcher(cmd.reference, p));
  const specialOnly = cmd.selection.includes('SPECIAL-USE');
  // LIST (SUBSCRIBED) lists the subscribed names only, and implies RETURN (SUBSCRIBED) (RFC 5258 3.1).
  const onlySubscribed = cmd.selection.includes('SUBSCRIBED');
  const tell = onlySubscribed || cmd.return.subscribed;
  const subs = tell ? await subscriptions(s) : null;
  for (const b of boxes) {
    if (!matchers.some((m) => m(b.name))) continue;
    if (specialOnly && !b.specialUse) continue;
    const on = subs?.subscribed(b.name, true) ?? false;
    if (onlySubscribed && !on) continue;
    await s.untagged(atom('LIST'), raw(`(${attributes(b, on).join(' ')})`), DELIMITER, wireName(s, b.name));
    if (cmd.return.status?.length) await sendStatus(s, b, cmd.return.status);
  }
  // Subscribed names without a folder: \NonExistent (RFC 5258 3.4), never with SPECIAL-USE.
  if (onlySubscribed && !specialOnly && subs) {
    const names = new Set(boxes.map((b) => b.name));
    for (const n of subs.extra) {
      if (names.has(n) || !matchers.some((m) => m(n))) continue;
      await s.untagged(atom('LIST'), raw('(\\NonExistent \\Subscribed)'), DELIMITER, wireName(s, n));
    }
  }
  return ok('LIST completed');
}

export async function lsub(s: ImapSession, cmd: Cmd<'LSUB'>): Promise<Done> {
  const boxes = await listMailboxes(s.deps.store.mailbox, s.accountOrThrow.id);
  const m = listMatcher(cmd.reference, cmd.pattern);
  const subs = await subscriptions(s);
  for (const b of boxes) if (m(b.name) && subs.subscribed(b.name, true)) await s.untagged(atom('LSUB'), raw('()'), DELIMITER, wireName(s, b.name));
  // A subscribed name with no folder: \Noselect (RFC 3501 6.3.9).
  const names = new Set(boxes.map((b) => b.name));
  for (const n of subs.extra) if (!names.has(n) && m(n)) await s.untagged(atom('LSUB'), raw('(\\Noselect)'), DELIMITER, wireName(s, n));
  return ok('LSUB completed');
}

/** STATUS data of one mailbox; the UIDs are brought up to date first (a poll sees new mail). */
async function sendStatus(s: ImapSession, b: Mailbox, items: readonly StatusItem[]): Promise<void> {
  const acct = s.accountOrThrow;
  const { store } = s.deps;
  const modseq = await store.mailbox.currentModseq(acct.id);
  // Through the shared syncs: a client polling every folder with STATUS costs an indexed read per folder.
  const st = await s.deps.syncs.sync(store, acct.id, b.folder.id);
  // One aggregate query, only when a count is asked for (UIDNEXT / HIGHESTMODSEQ polls need none).
  const counted = items.some((i) => i === 'MESSAGES' || i === 'UNSEEN' || i === 'DELETED' || i === 'SIZE');
  const c = counted ? await store.imap.counts(acct.id, b.folder.id) : { messages: 0, unseen: 0, deleted: 0, size: 0 };
  const values: ImapValue[] = [];
  for (const item of items) {
    values.push(atom(item));
    switch (item) {
      case 'MESSAGES': values.push(c.messages); break;
      case 'UIDNEXT': values.push(st.uidNext); break;
      case 'UIDVALIDITY': values.push(st.uidValidity); break;
      case 'UNSEEN': values.push(c.unseen); break;
      case 'DELETED': values.push(c.deleted); break;
      case 'SIZE': values.push(c.size); break;
      case 'HIGHESTMODSEQ': values.push(modseq); s.condstore = true; break;
      case 'RECENT': values.push(0); break;
    }
  }
  await s.untagged(atom('STATUS'), wireName(s, b.name), values);
}

export async function status(s: ImapSession, cmd: Cmd<'STATUS'>): Promise<Done> {
  const b = findMailbox(await listMailboxes(s.deps.store.mailbox, s.accountOrThrow.id), cmd.mailbox);
  if (!b) return no('No such mailbox', { name: 'NONEXISTENT' });
  await sendStatus(s, b, cmd.items);
  return ok('STATUS completed');
}

/** The folder that will be the parent of `name`, creating missing levels (RFC 9051 6.3.4: "foo/bar" creates "foo"). */
async function parentFor(s: ImapSession, name: string): Promise<{ parentId: FolderId | null; leaf: string } | Done> {
  const acct = s.accountOrThrow;
  const { parent, leaf } = splitName(name);
  if (!leaf) return bad('Empty mailbox name');
  if (parent === null) return { parentId: null, leaf };
  let boxes = await listMailboxes(s.deps.store.mailbox, acct.id);
  let parentId: FolderId | null = null;
  let path = '';
  for (const part of parent.split(DELIMITER)) {
    path = path ? `${path}${DELIMITER}${part}` : normalizeName(part);
    const found = findMailbox(boxes, path);
    if (found) {
      parentId = found.folder.id;
      continue;
    }
    const f: Folder = await s.deps.store.mailbox.createFolder(acct.id, { parentId, name: part, kind: 'mail' });
    parentId = f.id;
    boxes = await listMailboxes(s.deps.store.mailbox, acct.id);
  }
  return { parentId, leaf };
}

export async function create(s: ImapSession, cmd: { mailbox: string }): Promise<Done> {
  const name = normalizeName(cmd.mailbox);
  if (name === 'INBOX') return no('INBOX always exists', { name: 'ALREADYEXISTS' });
  if (findMailbox(await listMailboxes(s.deps.store.mailbox, s.accountOrThrow.id), name)) return no('Mailbox exists', { name: 'ALREADYEXISTS' });
  const where = await parentFor(s, name);
  if ('status' in where) return where;
  await s.deps.store.mailbox.createFolder(s.accountOrThrow.id, { parentId: where.parentId, name: where.leaf, kind: 'mail' });
  return ok('CREATE completed');
}

export async function remove(s: ImapSession, cmd: { mailbox: string }): Promise<Done> {
  const b = findMailbox(await listMailboxes(s.deps.store.mailbox, s.accountOrThrow.id), cmd.mailbox);
  if (!b) return no('No such mailbox', { name: 'NONEXISTENT' });
  if (b.folder.role !== null) return no('System folders cannot be deleted', { name: 'CANNOT' });
  // The store would delete the sub-folders with it; IMAP clients expect them to stay (RFC 9051 6.3.5).
  if (b.hasChildren) return no('Delete the sub-folders first', { name: 'HASCHILDREN' });
  await s.deps.store.mailbox.deleteFolder(s.accountOrThrow.id, b.folder.id);
  if (s.selected?.folderId === b.folder.id) {
    s.selected = null;
    s.state = 'authenticated';
  }
  return ok('DELETE completed');
}

export async function rename(s: ImapSession, cmd: Cmd<'RENAME'>): Promise<Done> {
  const acct = s.accountOrThrow;
  const boxes = await listMailboxes(s.deps.store.mailbox, acct.id);
  const from = findMailbox(boxes, cmd.from);
  if (!from) return no('No such mailbox', { name: 'NONEXISTENT' });
  // Renaming INBOX moves its messages to a new folder (RFC 9051 6.3.6): not offered.
  if (from.folder.role !== null) return no('System folders cannot be renamed', { name: 'CANNOT' });
  const to = normalizeName(cmd.to);
  if (to === 'INBOX' || findMailbox(boxes, to)) return no('The new name exists', { name: 'ALREADYEXISTS' });
  const where = await parentFor(s, to);
  if ('status' in where) return where;
  await s.deps.store.mailbox.updateFolder(acct.id, from.folder.id, { parentId: where.parentId, name: where.leaf });
  return ok('RENAME completed');
}

/**
 * SUBSCRIBE / UNSUBSCRIBE (RFC 9051 6.3.7, 6.3.8): stored by name. A name need not be a folder's (RFC 9051
 * 6.3.7: a subscription outlives its mailbox); a folder's name is stored as the folder spells it.
 */
export async function subscribe(s: ImapSession, mailbox: string, on: boolean): Promise<Done> {
  const acct = s.accountOrThrow;
  const name = normalizeName(mailbox);
  if (!name) return bad('Empty mailbox name');
  const b = findMailbox(await listMailboxes(s.deps.store.mailbox, acct.id), name);
  await s.deps.store.imap.setSubscribed(acct.id, b?.name ?? name, on);
  return ok(`${on ? 'SUBSCRIBE' : 'UNSUBSCRIBE'} completed`);
}
