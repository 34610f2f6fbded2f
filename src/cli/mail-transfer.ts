// `carbonio mailbox importMail <account> <path> [folder <name>]` and `exportMail <account> <dir>`
// (issue 17 part 2). The files are on the admin's machine: import reads an mbox (streamed, one message at
// a time) or a Maildir with its Maildir++ sub-folders and posts batches to the admin API (one transaction
// each; duplicates skipped, so an interrupted import can be run again); export pages the raw messages out
// of the API and writes a Maildir (cur/new/tmp, flags in the names, one `.Sub.Folder` per mail folder).
import fs from 'node:fs';
import { positional, UsageError } from './args.js';
import { seg, type AdminClient } from './client.js';
import { defineCommand, type Command, type CommandIo } from './command.js';
import { joinLines } from './format.js';
import { isObject, objectsField, type JsonObject } from './json.js';
import { ensureMaildir, isMaildir, maildirFolderDir, readMaildir, readMbox, writeMaildirMessage, type LocalMessage, type MailFlags } from './mail-files.js';

/** A batch is sent at this many messages or bytes, whichever comes first (well under the route's 64 MiB). */
const BATCH_MESSAGES = 250;
const BATCH_BYTES = 8 * 1024 * 1024;
const EXPORT_PAGE = 200;

/** Count and rate on stderr: redrawn in place on a terminal, a line every 5 s otherwise. */
function progress(io: CommandIo, verb: string): { tick(n: number): void; end(): void } {
  const start = Date.now();
  let last = 0;
  let drawn = false;
  return {
    tick(n) {
      const now = Date.now();
      if (now - last < (io.stderrIsTTY ? 200 : 5000)) return;
      last = now;
      const rate = Math.round(n / Math.max((now - start) / 1000, 0.001));
      const line = `${verb}: ${n} messages (${rate}/s)`;
      if (io.stderrIsTTY) {
        io.stderr(`\r\x1b[2K${line}`);
        drawn = true;
      } else io.stderr(`${line}\n`);
    },
    end() {
      if (drawn) io.stderr('\n');
    },
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function flagsOf(v: unknown): MailFlags {
  const out: MailFlags = {};
  if (!isObject(v)) return out;
  for (const k of ['seen', 'flagged', 'answered', 'forwarded', 'draft'] as const) if (v[k] === true) out[k] = true;
  return out;
}

async function importMail(api: AdminClient, account: string, source: string, base: string | undefined, usage: string, io: CommandIo): Promise<JsonObject> {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch (err) {
    throw new UsageError(`cannot read ${source}: ${err instanceof Error ? err.message : String(err)}`, usage);
  }
  if (st.isDirectory() && !isMaildir(source) && !fs.readdirSync(source).some((n) => n.startsWith('.') && isMaildir(`${source}/${n}`))) {
    throw new UsageError(`${source} is a directory but not a Maildir (no cur/ or new/)`, usage);
  }
  const messages = st.isDirectory() ? readMaildir(source) : readMbox(source);
  const prefix = base !== undefined ? [base] : [];
  const totals = { imported: 0, duplicates: 0, folders: new Set<string>(), foldersCreated: 0 };
  const bar = progress(io, 'importMail');
  let batch: LocalMessage[] = [];
  let bytes = 0;
  const send = async (): Promise<void> => {
    if (batch.length === 0) return;
    const folder = [...prefix, ...batch[0]!.folder];
    const r = await api.call('POST', `/accounts/${seg(account)}/mail/import`, {
      folder,
      messages: batch.map((m) => ({ raw: m.raw.toString('base64'), flags: m.flags, ...(m.receivedAt !== undefined ? { receivedAt: Math.round(m.receivedAt) } : {}) })),
    });
    totals.imported += num(r.imported);
    totals.duplicates += num(r.duplicates);
    totals.foldersCreated += num(r.foldersCreated);
    totals.folders.add(folder.join('/'));
    batch = [];
    bytes = 0;
    bar.tick(totals.imported + totals.duplicates);
  };
  try {
    for await (const m of messages) {
      // A batch is one folder: a folder change sends what is pending.
      if (batch.length > 0 && batch[0]!.folder.join('\0') !== m.folder.join('\0')) await send();
      batch.push(m);
      bytes += m.raw.length;
      if (batch.length >= BATCH_MESSAGES || bytes >= BATCH_BYTES) await send();
    }
    await send();
  } finally {
    bar.end();
  }
  return { account, imported: totals.imported, duplicates: totals.duplicates, folders: totals.folders.size, foldersCreated: totals.foldersCreated };
}

async function exportMail(api: AdminClient, account: string, dir: string, usage: string, io: CommandIo): Promise<JsonObject> {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot write ${dir}: ${err instanceof Error ? err.message : String(err)}`, usage);
  }
  const folders = objectsField(await api.call('GET', `/accounts/${seg(account)}/mail/folders`), 'folders');
  const bar = progress(io, 'exportMail');
  let count = 0;
  try {
    for (const f of folders) {
      // The Inbox is the Maildir's root; every other folder a Maildir++ sub-folder by its path of names.
      const names = Array.isArray(f.path) ? f.path.filter((s): s is string => typeof s === 'string') : [];
      const target = maildirFolderDir(dir, f.role === 'inbox' ? [] : names);
      ensureMaildir(target);
      let after: unknown = null;
      do {
        const q = `folder=${seg(String(num(f.id)))}&limit=${EXPORT_PAGE}${after !== null ? `&after=${seg(String(num(after)))}` : ''}`;
        const page = await api.call('GET', `/accounts/${seg(account)}/mail/messages?${q}`);
        for (const m of objectsField(page, 'messages')) {
          writeMaildirMessage(target, String(num(m.id)), Buffer.from(typeof m.raw === 'string' ? m.raw : '', 'base64'), flagsOf(m.flags), num(m.receivedAt));
          count++;
        }
        bar.tick(count);
        after = page.next ?? null;
      } while (after !== null);
    }
  } finally {
    bar.end();
  }
  return { account, exported: count, folders: folders.length, dir };
}

export const mailTransferCommands: readonly Command[] = [
  defineCommand('mailbox', {
    name: 'importMail', positionals: ['account', 'path'], keys: [{ name: 'folder', value: '<name>' }],
    summary: 'add the messages of an mbox file or a Maildir (with its .Sub.Folder folders and flags) to an account; run again, it skips what is there',
  }, async (api, a, usage, io) => {
    const r = await importMail(api, positional(a, 'account'), positional(a, 'path'), a.options.get('folder'), usage, io);
    return { json: r, text: joinLines([`${String(r.imported)} messages imported, ${String(r.duplicates)} duplicates skipped, ${String(r.folders)} folders`]) };
  }),
  defineCommand('mailbox', {
    name: 'exportMail', positionals: ['account', 'dir'],
    summary: "write an account's mail folders as a Maildir (Inbox at the root, other folders as Maildir++ .Sub.Folder, flags in the file names)",
  }, async (api, a, usage, io) => {
    const r = await exportMail(api, positional(a, 'account'), positional(a, 'dir'), usage, io);
    return { json: r, text: joinLines([`${String(r.exported)} messages exported from ${String(r.folders)} folders to ${String(r.dir)}`]) };
  }),
];
