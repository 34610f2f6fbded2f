// Local mail files for `carbonio mailbox importMail / exportMail`: mbox (RFC 4155, mboxrd quoting) read
// line by line from a stream in constant memory, and Maildir / Maildir++ (https://cr.yp.to/proto/maildir.html,
// Courier's Maildir++ `.Sub.Folder` sub-folders) read and written. Flags: Maildir info `:2,` letters
// D (draft), F (flagged), R (replied), S (seen), T (trashed, ignored); mbox `Status: RO` (R = seen) and
// `X-Status: AFD` (A = answered, F = flagged, D = draft), as mutt and Dovecot write them.
import fs from 'node:fs';
import path from 'node:path';

/** The flags a message file carries (the API's names; the CLI does not import the store's types). */
export interface MailFlags {
  seen?: boolean;
  flagged?: boolean;
  answered?: boolean;
  forwarded?: boolean;
  draft?: boolean;
}

export interface LocalMessage {
  /** Folder path below the import's base folder ([] = the base folder). */
  folder: string[];
  raw: Buffer;
  flags: MailFlags;
  receivedAt?: number;
}

const FROM_LINE = /^From /;
const QUOTED_FROM = /^>+From /;

/** Lines of a file as Buffers (bytes kept as they are: 8-bit mail is not UTF-8), each with its '\n'. */
async function* lines(file: string): AsyncGenerator<Buffer> {
  let rest: Buffer | null = null;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      yield buf.subarray(start, nl + 1);
      start = nl + 1;
    }
    buf = buf.subarray(start);
    rest = buf.length ? Buffer.from(buf) : null;
  }
  if (rest) yield rest;
}

/** Flags from the mbox state headers of a header block. */
export function mboxFlags(header: string): MailFlags {
  const flags: MailFlags = {};
  const status = /^Status:[ \t]*([A-Za-z]*)/im.exec(header)?.[1] ?? '';
  const xstatus = /^X-Status:[ \t]*([A-Za-z]*)/im.exec(header)?.[1] ?? '';
  if (status.includes('R')) flags.seen = true;
  if (xstatus.includes('A')) flags.answered = true;
  if (xstatus.includes('F')) flags.flagged = true;
  if (xstatus.includes('D')) flags.draft = true;
  return flags;
}

/** The date of a `From sender date` separator (asctime), or undefined. */
function separatorDate(line: string): number | undefined {
  const m = /^From \S+\s+(.+?)\s*$/.exec(line);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]!} UTC`.replace(/ UTC UTC$/, ' UTC'));
  return Number.isFinite(t) ? t : Date.parse(m[1]!) || undefined;
}

/** The messages of an mbox, one at a time: only the current message is in memory. */
export async function* readMbox(file: string): AsyncGenerator<LocalMessage> {
  let parts: Buffer[] = [];
  let header = '';
  let inHeader = false;
  let receivedAt: number | undefined;
  let started = false;
  const finish = (): LocalMessage => {
    // The blank line before the next separator belongs to the mbox, not to the message.
    const last = parts[parts.length - 1];
    if (last && (last.length === 1 || (last.length === 2 && last[0] === 13))) parts.pop();
    const raw = Buffer.concat(parts);
    return { folder: [], raw, flags: mboxFlags(header), ...(receivedAt !== undefined ? { receivedAt } : {}) };
  };
  for await (const line of lines(file)) {
    const head = line.subarray(0, 5).toString('latin1');
    if (head === 'From ' && FROM_LINE.test(head)) {
      if (started) yield finish();
      started = true;
      parts = [];
      header = '';
      inHeader = true;
      receivedAt = separatorDate(line.toString('latin1'));
      continue;
    }
    if (!started) continue;
    let l = line;
    if (l[0] === 0x3e && QUOTED_FROM.test(l.subarray(0, 64).toString('latin1'))) l = l.subarray(1);
    if (inHeader) {
      if (l.length <= 2 && (l[0] === 10 || l[0] === 13)) inHeader = false;
      else header += l.toString('latin1');
    }
    parts.push(l);
  }
  if (started) yield finish();
}

/** Flags from a Maildir file name's `:2,<letters>` info (in new/: none yet). */
export function maildirFlags(name: string): MailFlags {
  const info = /[:!]2,([A-Za-z]*)$/.exec(name)?.[1] ?? '';
  const flags: MailFlags = {};
  if (info.includes('S')) flags.seen = true;
  if (info.includes('F')) flags.flagged = true;
  if (info.includes('R')) flags.answered = true;
  if (info.includes('D')) flags.draft = true;
  return flags;
}

export const isMaildir = (dir: string): boolean => fs.existsSync(path.join(dir, 'cur')) || fs.existsSync(path.join(dir, 'new'));

/** The messages of a Maildir and its Maildir++ sub-folders (`.Sub.Folder` is Sub/Folder), one file at a time. */
export async function* readMaildir(root: string): AsyncGenerator<LocalMessage> {
  const folders: Array<{ dir: string; folder: string[] }> = [];
  if (isMaildir(root)) folders.push({ dir: root, folder: [] });
  for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && e.name.startsWith('.') && e.name.length > 1 && e.name !== '..' && isMaildir(path.join(root, e.name))) {
      folders.push({ dir: path.join(root, e.name), folder: e.name.slice(1).split('.').filter((s) => s !== '') });
    }
  }
  for (const f of folders) {
    for (const sub of ['new', 'cur'] as const) {
      const d = path.join(f.dir, sub);
      if (!fs.existsSync(d)) continue;
      for (const name of fs.readdirSync(d).sort()) {
        const file = path.join(d, name);
        const st = fs.statSync(file);
        if (!st.isFile()) continue;
        const stamp = /^(\d{9,11})\./.exec(name)?.[1];
        yield { folder: f.folder, raw: await fs.promises.readFile(file), flags: sub === 'cur' ? maildirFlags(name) : {}, receivedAt: stamp ? Number(stamp) * 1000 : st.mtimeMs };
      }
    }
  }
}

/** Maildir info letters for these flags, in ASCII order as the format requires. */
export function maildirInfo(flags: MailFlags): string {
  return `${flags.draft ? 'D' : ''}${flags.flagged ? 'F' : ''}${flags.answered ? 'R' : ''}${flags.seen ? 'S' : ''}`;
}

/**
 * The Maildir++ directory of a folder path: the Inbox is the root, others `.A.B`. A '.' or '/' inside a
 * name would read back as a level, so it is written as '_'.
 */
export function maildirFolderDir(root: string, folder: readonly string[]): string {
  if (folder.length === 0) return root;
  return path.join(root, `.${folder.map((n) => n.replace(/[./]/g, '_')).join('.')}`);
}

export function ensureMaildir(dir: string): void {
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
}

/** Writes one message: to tmp/ first, then renamed into cur/ (the Maildir delivery rule: no half file in cur/). */
export function writeMaildirMessage(dir: string, unique: string, raw: Buffer, flags: MailFlags, receivedAt: number): string {
  const base = `${Math.floor(receivedAt / 1000)}.${unique}.carbonio`;
  const tmp = path.join(dir, 'tmp', base);
  fs.writeFileSync(tmp, raw);
  const final = path.join(dir, 'cur', `${base}:2,${maildirInfo(flags)}`);
  fs.renameSync(tmp, final);
  const t = receivedAt / 1000;
  fs.utimesSync(final, t, t);
  return final;
}
