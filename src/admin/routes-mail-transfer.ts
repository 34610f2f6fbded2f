// Admin API for `carbonio mailbox importMail / exportMail` (issue 17 part 2). The CLI reads the mbox or
// Maildir on the admin's machine and posts batches here, so it works against a remote server:
//   POST /accounts/:email/mail/import   { folder: string[], messages: [{ raw: base64, flags, receivedAt? }] }
//   GET  /accounts/:email/mail/folders  the mail folders with their paths
//   GET  /accounts/:email/mail/messages?folder=<id>&after=<itemId>&limit=N  a page of raw messages
// A batch is stored in one transaction (src/mail/mail-import.ts); duplicates are skipped, so a batch
// sent twice (an interrupted import run again) adds nothing.
import type { FastifyInstance } from 'fastify';
import { asFolderId, asItemId } from '../core/ids.js';
import { importMailBatch, mailFolderPaths, type ImportedMessage } from '../mail/mail-import.js';
import type { ItemFlags } from '../store/types.js';
import { asBody } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';

type P = { Params: { email: string }; Querystring: { folder?: string; after?: string; limit?: string } };

/** A batch of a few hundred messages or a few MiB, base64 (4/3 of the bytes). */
const BODY_LIMIT = 64 * 1024 * 1024;
const MAX_BATCH = 1000;
const FLAG_NAMES = ['seen', 'flagged', 'answered', 'forwarded', 'draft'] as const;

function flagsOf(v: unknown, i: number): Partial<ItemFlags> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`messages[${i}].flags must be an object`);
  const out: Partial<ItemFlags> = {};
  for (const [k, b] of Object.entries(v)) {
    if (!(FLAG_NAMES as readonly string[]).includes(k) || typeof b !== 'boolean') throw badRequest(`messages[${i}].flags.${k} is not a known boolean flag`);
    out[k as keyof ItemFlags] = b;
  }
  return out;
}

function messagesOf(v: unknown): ImportedMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw badRequest('messages must be a non-empty array');
  if (v.length > MAX_BATCH) throw badRequest(`at most ${MAX_BATCH} messages per batch`);
  return v.map((m: unknown, i) => {
    if (typeof m !== 'object' || m === null) throw badRequest(`messages[${i}] must be an object`);
    const o = m as Record<string, unknown>;
    if (typeof o.raw !== 'string' || o.raw.length === 0) throw badRequest(`messages[${i}].raw must be base64 text`);
    const raw = Buffer.from(o.raw, 'base64');
    if (raw.length === 0) throw badRequest(`messages[${i}].raw is empty`);
    if (o.receivedAt !== undefined && (typeof o.receivedAt !== 'number' || !Number.isFinite(o.receivedAt) || o.receivedAt < 0)) throw badRequest(`messages[${i}].receivedAt must be epoch milliseconds`);
    return { raw: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), flags: flagsOf(o.flags, i), ...(typeof o.receivedAt === 'number' ? { receivedAt: o.receivedAt } : {}) };
  });
}

function pathOf(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.trim() === '')) throw badRequest('folder must be an array of folder names');
  return v as string[];
}

const setFlags = (f: ItemFlags): Record<string, boolean> => Object.fromEntries(FLAG_NAMES.filter((k) => f[k]).map((k) => [k, true]));

export function registerMailTransferRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.post<P>('/accounts/:email/mail/import', { bodyLimit: BODY_LIMIT }, async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const r = await importMailBatch(store, a, pathOf(b.folder), messagesOf(b.messages));
    deps.log.info({ event: 'mail-imported', account: a.email, folder: r.folder, count: r.imported, duplicates: r.duplicates, by: p.account.email }, 'mail imported');
    return { account: a.email, ...r };
  });

  app.get<P>('/accounts/:email/mail/folders', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, folders: await mailFolderPaths(store, a) };
  });

  app.get<P>('/accounts/:email/mail/messages', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const folderId = Number(req.query.folder);
    const after = req.query.after === undefined ? undefined : Number(req.query.after);
    const limit = req.query.limit === undefined ? 200 : Number(req.query.limit);
    if (!Number.isSafeInteger(folderId)) throw badRequest('folder must be a folder id');
    if (after !== undefined && !Number.isSafeInteger(after)) throw badRequest('after must be an item id');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be 1 to 1000');
    const folder = await store.mailbox.getFolder(a.id, asFolderId(folderId));
    if (!folder || folder.kind !== 'mail') throw notFound(`mail folder ${folderId}`);
    const items = await store.mailbox.listItems(a.id, folder.id, { limit, ...(after !== undefined ? { afterId: asItemId(after) } : {}) });
    const messages = [];
    for (const it of items) {
      if (it.kind !== 'message' || !it.blobId) continue;
      const raw = await store.blobs.get(it.blobId);
      if (!raw) continue;
      messages.push({ id: it.id, receivedAt: it.receivedAt, flags: setFlags(it.flags), raw: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64') });
    }
    const last = items[items.length - 1];
    return { account: a.email, folder: folder.id, messages, next: items.length === limit && last ? last.id : null };
  });
}
