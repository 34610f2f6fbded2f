// The full-text index of mail (migration 004, MS-ASCMD 2.2.1.16 Search and 2.2.1.2 Find): SQLite FTS5 (a
// contentless table keyed by item id) or a PostgreSQL tsvector with a GIN index, beside the item's folder
// (migration 017). Both engines are given text we tokenize ourselves (letters and
// digits, lower case, accents removed), so a word matches the same way on either, and an address
// "carol@outside.test" is found by "carol" as well as by the whole address. A query word matches any
// indexed word it begins (Exchange's free-text search is prefix-matching); all query words must match.
// Results come most recently arrived first. A search without text (EAS Search by DateReceived alone) is a
// plain query over items by account, folders and received_at, served by the items_folder_received index
// (folder_id, received_at) on both engines; it comes latest received first.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AccountId, ItemId } from '../../core/ids.js';
import type { Address, MessageMeta, MessageSearch, MessageSearchResult } from '../types.js';
import type { Dialect } from '../migrations/index.js';
import { toItem } from './mailbox.js';
import type { DB } from './schema.js';

/** Body text past this is not indexed (a tsvector must stay under 1 MB; nobody searches page 400 of a log). */
const MAX_BODY_CHARS = 256 * 1024;
const MAX_QUERY_WORDS = 8;
export const MAX_TOTAL = 1_000;
const MAX_WORD = 64;

/** Our tokenization: NFKD, marks dropped, lower case, runs of letters and digits. */
export function words(text: string): string[] {
  return (text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length <= MAX_WORD);
}

const people = (list: readonly Address[]): string => list.map((a) => `${a.name} ${a.address} ${a.address.replace(/[@.+_-]/g, ' ')}`).join(' ');

/** One message's index entry: its words as both engines are given them (see the file's header). */
export interface IndexEntry {
  itemId: ItemId;
  meta: MessageMeta;
  text: string | undefined;
}

/** Indexes messages in one statement (a batch of new messages, or one). */
export async function indexMessages(db: Kysely<DB>, dialect: Dialect, accountId: AccountId, entries: readonly IndexEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const docs = entries.map((e) => ({
    itemId: e.itemId,
    subject: words(e.meta.subject).join(' '),
    who: words(people([...e.meta.from, ...e.meta.to, ...e.meta.cc, ...e.meta.replyTo])).join(' '),
    body: words((e.text ?? e.meta.preview).slice(0, MAX_BODY_CHARS)).join(' '),
  }));
  if (dialect === 'sqlite') {
    await sql`INSERT INTO items_fts (rowid, subject, people, body) VALUES ${sql.join(docs.map((d) => sql`(${d.itemId}, ${d.subject}, ${d.who}, ${d.body})`))}`.execute(db);
  } else {
    await sql`INSERT INTO items_search (item_id, account_id, doc) VALUES ${sql.join(docs.map((d) => sql`(${d.itemId}, ${accountId}, to_tsvector('simple', ${`${d.subject} ${d.who} ${d.body}`}))`))}`.execute(db);
  }
}

export async function unindexMessage(db: Kysely<DB>, dialect: Dialect, itemId: ItemId): Promise<void> {
  if (dialect === 'sqlite') await sql`DELETE FROM items_fts WHERE rowid = ${itemId}`.execute(db);
  else await sql`DELETE FROM items_search WHERE item_id = ${itemId}`.execute(db);
}

/** A query word begins at most this many other indexed words to be matched as those words (see sqliteWord). */
const MAX_EXPANSION = 8;
/** Shorter words begin many others in any real mailbox: they go straight to the prefix query. */
const MIN_PROBED = 3;
/** Above every letter and digit: `word` + this bounds the words that begin with `word`. */
const LAST_CHAR = '\u{10FFFF}';

/**
 * One query word in FTS5 syntax, with Exchange's prefix matching: the word itself when it begins no
 * other indexed word, those few words when it begins up to MAX_EXPANSION of them, else the prefix
 * query. Exact terms and ORs of them are read lazily in rowid order, so the search stops after the
 * page; a prefix query merges every matching doclist in memory first (tens of ms for a common word
 * over 100,000 messages). The terms come from items_fts_terms (migration 017), walked from
 * `word` + '0': no letter or digit sorts below '0', so that is the first possible longer word, and the
 * word's own (possibly huge) entry is never read (the module counts the entries of each term it returns,
 * so a probe costs the doclists of the longer words it finds: at most MAX_EXPANSION + 1 of them).
 */
async function sqliteWord(db: Kysely<DB>, word: string): Promise<string> {
  if (word.length < MIN_PROBED) return `"${word}"*`;
  const longer: string[] = [];
  for (let from = `${word}0`; longer.length <= MAX_EXPANSION;) {
    const next = await sql<{ term: string }>`SELECT term FROM items_fts_terms WHERE term >= ${from} AND term < ${word + LAST_CHAR} LIMIT 1`.execute(db);
    const term = next.rows[0]?.term;
    // Checked here too, whatever the module makes of the upper bound (a filter or the end of its walk).
    if (term === undefined || !term.startsWith(word)) break;
    longer.push(term);
    from = `${term}0`;
  }
  if (longer.length > MAX_EXPANSION) return `"${word}"*`;
  return longer.length === 0 ? `"${word}"` : `(${[word, ...longer].map((t) => `"${t}"`).join(' OR ')})`;
}

export async function searchMessages(db: Kysely<DB>, dialect: Dialect, accountId: AccountId, q: MessageSearch): Promise<MessageSearchResult> {
  if (q.folderIds && q.folderIds.length === 0) return { total: 0, items: [] };
  let from: RawBuilder<unknown>;
  let folders: RawBuilder<unknown>;
  let order: RawBuilder<unknown>;
  if (q.text === undefined) {
    // The account is checked on the folders, not on the items: with `i.account_id = ?` SQLite (without
    // ANALYZE statistics) walks every item of the account by items_account instead of the
    // items_folder_received range.
    const only = q.folderIds ? sql` AND id IN (${sql.join(q.folderIds.map((id) => sql`${id}`))})` : sql``;
    from = sql`items i WHERE i.folder_id IN (SELECT id FROM folders WHERE account_id = ${accountId} AND kind = 'mail'${only})`;
    folders = sql``;
    // received_at is when the server stored the message, so this is arrival order too; it is what the
    // index sorts by within a folder.
    order = sql`i.received_at DESC, i.id DESC`;
  } else {
    const terms = [...new Set(words(q.text))].slice(0, MAX_QUERY_WORDS);
    if (terms.length === 0) return { total: 0, items: [] };
    // Words are letters and digits only, so they can go into the engine's query syntax as they are.
    const match = dialect === 'sqlite'
      ? (await Promise.all(terms.map((t) => sqliteWord(db, t)))).join(' AND ')
      : terms.map((t) => `${t}:*`).join(' & ');
    if (dialect === 'sqlite') {
      from = sql`items_fts f JOIN items i ON i.id = f.rowid WHERE items_fts MATCH ${match} AND i.account_id = ${accountId}`;
      // Most recently arrived first: item ids grow with arrival, and FTS5 walks its index in rowid order, so
      // SQLite stops after the hits it needs instead of sorting every hit.
      order = sql`f.rowid DESC`;
    } else {
      // The index row has the folder (migration 017): items is joined only for a date range. PostgreSQL
      // chooses between walking items_search_account newest first (a common word) and the GIN index
      // with a sort (a rare one).
      const dated = q.receivedAfter !== undefined || q.receivedBefore !== undefined;
      from = sql`items_search f${dated ? sql` JOIN items i ON i.id = f.item_id` : sql``} WHERE f.account_id = ${accountId} AND f.doc @@ to_tsquery('simple', ${match})`;
      order = sql`f.item_id DESC`;
    }
    const folder = dialect === 'sqlite' ? sql`i.folder_id` : sql`f.folder_id`;
    folders = q.folderIds
      ? sql` AND ${folder} IN (${sql.join(q.folderIds.map((id) => sql`${id}`))})`
      : sql` AND ${folder} IN (SELECT id FROM folders WHERE account_id = ${accountId} AND kind = 'mail')`;
  }
  const after = q.receivedAfter !== undefined ? sql` AND i.received_at > ${q.receivedAfter}` : sql``;
  const before = q.receivedBefore !== undefined ? sql` AND i.received_at < ${q.receivedBefore}` : sql``;
  // One walk gives both Total and the page: the ids of the first MAX_TOTAL hits in order (Total is exact
  // up to MAX_TOTAL; a phone only uses it to offer "more results"), of which the page is a slice; only
  // the page's rows are read whole. A page reaching past MAX_TOTAL walks that far.
  const walk = Math.max(MAX_TOTAL, q.offset + q.limit);
  const id = q.text !== undefined && dialect === 'postgres' ? sql`f.item_id` : sql`i.id`;
  const hits = await sql<{ id: number | string }>`SELECT ${id} AS id FROM ${from}${folders}${after}${before} ORDER BY ${order} LIMIT ${walk}`.execute(db);
  const total = Math.min(hits.rows.length, MAX_TOTAL);
  if (q.offset >= total) return { total, items: [] };
  const page = hits.rows.slice(q.offset, q.offset + q.limit).map((r) => Number(r.id));
  const rows = await db.selectFrom('items').selectAll().where('id', 'in', page).execute();
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return { total, items: page.flatMap((id) => { const r = byId.get(id); return r ? [toItem(r)] : []; }) };
}
