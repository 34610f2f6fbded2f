// The account's mail folders as IMAP mailboxes (RFC 9051 5.1, 6.3.9; RFC 6154 SPECIAL-USE). They are the
// folders the phones sync: only folders of kind 'mail' are mailboxes, their names joined by the hierarchy
// delimiter "/" (which a folder name cannot contain: the store refuses it), the Inbox is "INBOX" (any case,
// RFC 9051 5.1), and the system folders carry their special use.
import type { AccountId } from '../core/ids.js';
import type { Folder, FolderRole, MailboxRepo } from '../store/types.js';

export const DELIMITER = '/';

const specialUses: Partial<Record<FolderRole, string>> = {
  sent: '\\Sent', drafts: '\\Drafts', trash: '\\Trash', junk: '\\Junk',
};

export interface Mailbox {
  folder: Folder;
  /** The full name as IMAP shows it ("INBOX", "Work/2024"). */
  name: string;
  /** RFC 6154 attribute, when the folder has a special use. */
  specialUse: string | null;
  hasChildren: boolean;
}

/** Every mail folder of the account as a mailbox, parents before children, then by name. */
export async function listMailboxes(mailbox: Pick<MailboxRepo, 'listFolders'>, accountId: AccountId): Promise<Mailbox[]> {
  const folders = await mailbox.listFolders(accountId);
  const byId = new Map(folders.map((f) => [f.id, f]));
  const nameOf = (f: Folder): string | null => {
    const parts: string[] = [];
    for (let cur: Folder | undefined = f; cur; cur = cur.parentId === null ? undefined : byId.get(cur.parentId)) {
      // A mail folder under a contacts folder (never made by our clients) is not reachable by name: left out.
      if (cur.kind !== 'mail') return null;
      parts.unshift(cur.role === 'inbox' ? 'INBOX' : cur.name);
      if (parts.length > 64) return null;
    }
    return parts.join(DELIMITER);
  };
  const out: Mailbox[] = [];
  for (const f of folders) {
    if (f.kind !== 'mail') continue;
    const name = nameOf(f);
    if (name === null) continue;
    out.push({ folder: f, name, specialUse: (f.role && specialUses[f.role]) ?? null, hasChildren: folders.some((c) => c.parentId === f.id && c.kind === 'mail') });
  }
  return out.sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** "inbox", "Inbox/x" -> "INBOX", "INBOX/x"; everything else as given. */
export function normalizeName(name: string): string {
  const n = inboxPrefix(name);
  return n.length > 1 && n.endsWith(DELIMITER) ? n.slice(0, -1) : n;
}

function inboxPrefix(name: string): string {
  const up = name.toUpperCase();
  if (up === 'INBOX') return 'INBOX';
  if (up.startsWith(`INBOX${DELIMITER}`)) return `INBOX${name.slice(5)}`;
  return name;
}

/** The mailbox of this name: exact, else the one unique case-insensitive match (the store's names are unique that way per parent). */
export function findMailbox(boxes: readonly Mailbox[], name: string): Mailbox | null {
  const n = normalizeName(name);
  return boxes.find((b) => b.name === n) ?? boxes.find((b) => b.name.toLowerCase() === n.toLowerCase()) ?? null;
}

/**
 * RFC 9051 6.3.9 LIST pattern matching: "*" matches anything, "%" anything but the delimiter. The
 * reference name is prefixed. INBOX matches case-insensitively.
 */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = inboxPrefix(reference + pattern);
  let re = '^';
  for (const ch of full) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += `[^${DELIMITER}]*`;
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const rx = new RegExp(`${re}$`, 's');
  return (name) => rx.test(name);
}

/** Splits "a/b/c" into the parent's name ("a/b", or null at the top) and the leaf ("c"). */
export function splitName(name: string): { parent: string | null; leaf: string } {
  const n = normalizeName(name);
  const at = n.lastIndexOf(DELIMITER);
  return at < 0 ? { parent: null, leaf: n } : { parent: n.slice(0, at), leaf: n.slice(at + 1) };
}
