// SEARCH and UID SEARCH (RFC 9051 6.4.4; RFC 4731 ESEARCH; RFC 5182 SEARCHRES; RFC 7162 3.1.5 MODSEQ).
// Flags, sizes, dates, sequence and UID sets are checked on the UID map; SUBJECT / FROM / TO / CC on the
// summary the store keeps of each message (substring, case-insensitive, as RFC 9051 asks); TEXT and BODY on
// the full-text index EAS Search uses (store searchMessages: words, each matching a word it begins, as
// Dovecot's FTS does; so "ell" does not find "hello"); other header fields and text without any word
// characters on the message's bytes.
import type { ItemId } from '../../core/ids.js';
import type { Item } from '../../store/types.js';
import { fieldValue, findField, parseHeaderBlock } from '../fetch/mime.js';
import { formatSeqSet, seqSetHas } from '../protocol/parser.js';
import type { SearchKey } from '../protocol/types.js';
import type { ImapSession } from '../session.js';
import { entriesFor, type Target } from './sets.js';
import { no, ok, type Cmd, type Done } from './types.js';

interface Ctx {
  s: ImapSession;
  items: Map<ItemId, Item> | null;
  fts: Map<string, Set<ItemId>>;
  headers: Map<ItemId, Buffer | null>;
  /** Sequence number of each entry as the client knows it. */
  seq: Map<number, number>;
}

const MS_DAY = 86_400_000;
/** "2024-03-05" -> the day's start in UTC. */
const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const dayStart = (ms: number): number => Math.floor(ms / MS_DAY) * MS_DAY;

function walk(key: SearchKey, f: (k: SearchKey) => void): void {
  f(key);
  if (key.type === 'not') walk(key.key, f);
  else if (key.type === 'or') { walk(key.left, f); walk(key.right, f); }
  else if (key.type === 'and') for (const k of key.keys) walk(k, f);
}

/** Whether the index can answer: it holds runs of letters and digits only (src/store/sql/search.ts). */
const hasWord = (text: string): boolean => /[\p{L}\p{N}]/u.test(text);

const META_HEADERS = new Set(['subject', 'from', 'to', 'cc']);

export async function search(s: ImapSession, cmd: Cmd<'SEARCH'>): Promise<Done> {
  const view = s.selected!;
  const acct = s.accountOrThrow;
  if (cmd.charset && !/^(utf-8|us-ascii)$/i.test(cmd.charset)) return no('Unsupported charset', { name: 'BADCHARSET', args: '(UTF-8 US-ASCII)' });
  const entries = await entriesFor(s, view, view.liveUids());
  let needItems = false;
  const ftsValues = new Set<string>();
  walk(cmd.key, (k) => {
    if (k.type === 'header' && META_HEADERS.has(k.field.toLowerCase())) needItems = true;
    if (k.type === 'date' && k.field === 'sent') needItems = true;
    if ((k.type === 'text' || k.type === 'body') && hasWord(k.value)) ftsValues.add(k.value);
    if (k.type === 'modseq') s.condstore = true;
  });
  const ctx: Ctx = { s, items: null, fts: new Map(), headers: new Map(), seq: new Map(entries.map((v) => [v.uid, view.seqOf(v.uid)])) };
  if (needItems) {
    ctx.items = new Map();
    const ids = entries.map((v) => v.entry.itemId);
    for (let i = 0; i < ids.length; i += 500) for (const it of await s.deps.store.mailbox.getItems(acct.id, ids.slice(i, i + 500))) ctx.items.set(it.id, it);
  }
  for (const text of ftsValues) {
    const hits = new Set<ItemId>();
    for (let offset = 0; ; offset += 500) {
      const page = await s.deps.store.mailbox.searchMessages(acct.id, { text, folderIds: [view.folderId], offset, limit: 500 });
      for (const it of page.items) hits.add(it.id);
      if (page.items.length < 500) break;
    }
    ctx.fts.set(text, hits);
  }
  const matched: Target[] = [];
  for (const v of entries) if (await test(ctx, cmd.key, v)) matched.push(v);
  await respond(s, cmd, matched, ctx);
  return ok(`${cmd.uid ? 'UID ' : ''}SEARCH completed`);
}

async function respond(s: ImapSession, cmd: Cmd<'SEARCH'>, matched: Target[], ctx: Ctx): Promise<void> {
  const nums = matched.map((v) => (cmd.uid ? v.uid : ctx.seq.get(v.uid)!));
  let modseqKey = false;
  walk(cmd.key, (k) => { if (k.type === 'modseq') modseqKey = true; });
  const highest = matched.reduce((m, v) => Math.max(m, v.entry.modseq), 0);
  const opts = cmd.return ?? (s.rev2 ? ['ALL'] : null);
  if (!opts) {
    const tail = modseqKey && matched.length > 0 ? ` (MODSEQ ${highest})` : '';
    await s.send(Buffer.from(`* SEARCH${nums.length ? ' ' : ''}${nums.join(' ')}${tail}\r\n`));
    return;
  }
  const want = new Set(opts.length === 0 ? ['ALL'] : opts);
  if (want.has('SAVE')) {
    const onlyEnds = (want.has('MIN') || want.has('MAX')) && !want.has('ALL') && !want.has('COUNT');
    s.saved = onlyEnds ? [...(want.has('MIN') && matched[0] ? [matched[0].uid] : []), ...(want.has('MAX') && matched.length ? [matched.at(-1)!.uid] : [])] : matched.map((v) => v.uid);
    // SAVE alone answers nothing (RFC 5182 2.4).
    if (want.size === 1) return;
  }
  let line = `* ESEARCH (TAG "${cmd.tag}")${cmd.uid ? ' UID' : ''}`;
  if (nums.length > 0) {
    if (want.has('MIN')) line += ` MIN ${Math.min(...nums)}`;
    if (want.has('MAX')) line += ` MAX ${Math.max(...nums)}`;
    if (want.has('ALL')) line += ` ALL ${formatSeqSet([...nums].sort((a, b) => a - b))}`;
  }
  if (want.has('COUNT')) line += ` COUNT ${nums.length}`;
  if (modseqKey && matched.length > 0) line += ` MODSEQ ${highest}`;
  await s.send(Buffer.from(`${line}\r\n`));
}

const includes = (hay: string, needle: string): boolean => hay.toLowerCase().includes(needle.toLowerCase());
const people = (list: ReadonlyArray<{ name: string; address: string }>): string => list.map((a) => `${a.name} <${a.address}>`).join(', ');

async function headerBytes(ctx: Ctx, v: Target): Promise<Buffer | null> {
  const id = v.entry.itemId;
  if (ctx.headers.has(id)) return ctx.headers.get(id)!;
  const item = ctx.items?.get(id) ?? (await ctx.s.deps.store.mailbox.getItem(ctx.s.accountOrThrow.id, id));
  const bytes = item?.blobId ? await ctx.s.deps.store.blobs.get(item.blobId) : null;
  const buf = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  ctx.headers.set(id, buf);
  return buf;
}

async function test(ctx: Ctx, key: SearchKey, v: Target): Promise<boolean> {
  const e = v.entry;
  switch (key.type) {
    case 'all': return true;
    case 'not': return !(await test(ctx, key.key, v));
    case 'or': return (await test(ctx, key.left, v)) || (await test(ctx, key.right, v));
    case 'and': {
      for (const k of key.keys) if (!(await test(ctx, k, v))) return false;
      return true;
    }
    case 'flag': {
      const f = key.flag.toLowerCase();
      const has = f === '\\seen' ? e.flags.seen : f === '\\answered' ? e.flags.answered : f === '\\flagged' ? e.flags.flagged
        : f === '\\deleted' ? e.deleted : f === '\\draft' ? e.flags.draft : f === '$forwarded' ? e.flags.forwarded
          : f === '\\recent' ? false : e.categories.some((c) => c.toLowerCase() === f);
      return has === key.set;
    }
    case 'size': return key.cmp === 'larger' ? e.size > key.size : e.size < key.size;
    case 'seq': {
      const max = ctx.s.selected!.exists;
      return key.set.saved ? ctx.s.saved.includes(v.uid) : seqSetHas(key.set, ctx.seq.get(v.uid)!, max);
    }
    case 'uid': return key.set.saved ? ctx.s.saved.includes(v.uid) : seqSetHas(key.set, v.uid, ctx.s.selected!.maxUid);
    case 'modseq': return e.modseq >= key.modseq;
    case 'date': {
      const when = key.field === 'internal' ? e.receivedAt : ctx.items?.get(e.itemId)?.meta?.sentAt ?? null;
      if (when === null) return false;
      const d = dayStart(when);
      const target = dayOf(key.date);
      return key.cmp === 'before' ? d < target : key.cmp === 'on' ? d === target : d >= target;
    }
    case 'header': {
      const field = key.field.toLowerCase();
      const meta = ctx.items?.get(e.itemId)?.meta;
      if (meta && META_HEADERS.has(field)) {
        const value = field === 'subject' ? meta.subject : people(field === 'from' ? meta.from : field === 'to' ? meta.to : meta.cc);
        return includes(value, key.value);
      }
      const bytes = await headerBytes(ctx, v);
      if (!bytes) return false;
      const { fields } = parseHeaderBlock(bytes, 0, bytes.length);
      const f = findField(fields, field);
      // HEADER field "" matches every message that has the field (RFC 9051 6.4.4).
      return f !== undefined && includes(fieldValue(bytes, f).toString('utf8'), key.value);
    }
    case 'text':
    case 'body': {
      const hits = ctx.fts.get(key.value);
      if (hits) return hits.has(e.itemId);
      const bytes = await headerBytes(ctx, v);
      return bytes !== null && includes(bytes.toString('latin1'), key.value);
    }
  }
}
