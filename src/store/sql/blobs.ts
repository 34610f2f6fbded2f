// Message blobs (content-addressed MIME) and the MessageContent kept beside each one (migration 016):
// what ActiveSync renders of the message, parsed once, read in bulk for a Sync window.
import type { Kysely } from 'kysely';
import { asBlobId, type BlobId } from '../../core/ids.js';
import type { BlobRepo, MessageContent, NewMessage } from '../types.js';
import { write, type SqlContext } from './context.js';
import { readBlob, readBlobParts } from './blob-store.js';
import { decodeContent, encodeContent } from './content-codec.js';
import type { DB } from './schema.js';

/** Ids per IN list: far under SQLite's bound-parameter cap, and a short list plans well on PostgreSQL. */
const CHUNK = 500;

/** The `content` column of a new message's blob (content-codec.ts), or null when the caller had none to give. */
export const contentColumn = (m: NewMessage): string | null => (m.content ? encodeContent(m.content) : null);

export class SqlBlobRepo implements BlobRepo {
  constructor(private readonly ctx: SqlContext) {}

  private get db(): Kysely<DB> {
    return this.ctx.db;
  }

  /** The whole message, from its parts (migration 018, blob-store.ts). */
  get(id: BlobId): Promise<Uint8Array | null> {
    return readBlob(this.db, this.ctx.dialect, id);
  }

  /** The parts as stored, a few per query (blob-store.ts readBlobParts). */
  parts(id: BlobId): Promise<AsyncIterable<Uint8Array> | null> {
    return readBlobParts(this.db, this.ctx.dialect, id);
  }

  async getContents(ids: readonly BlobId[]): Promise<Map<BlobId, MessageContent>> {
    const out = new Map<BlobId, MessageContent>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.db.selectFrom('blobs').select(['id', 'content'])
        .where('id', 'in', unique.slice(i, i + CHUNK)).where('content', 'is not', null).execute();
      for (const r of rows) {
        const c = r.content === null ? null : decodeContent(r.content);
        if (c) out.set(asBlobId(r.id), c);
      }
      // The array is node-postgres's own Result.rows. That Result lived through the network reads, so it
      // is often already in V8's old generation, where it stays, garbage, until the next full GC; while
      // it points at the rows, every scavenge keeps them, and a Sync window's 2 MB of JSON text was
      // promoted at every window (the old generation grew to ~130 MB between full GCs: issue 16 part 3,
      // peak RSS). Emptied, the rows die young.
      rows.length = 0;
    }
    return out;
  }

  async setContents(contents: ReadonlyMap<BlobId, MessageContent>): Promise<void> {
    if (contents.size === 0) return;
    // One commit for a window's worth: on PostgreSQL each commit waits for the WAL to reach the disk.
    await write(this.ctx, async (db) => {
      for (const [id, content] of contents) await db.updateTable('blobs').set({ content: encodeContent(content) }).where('id', '=', id).execute();
    });
  }

  async listWithoutContent(limit: number): Promise<BlobId[]> {
    // Ids only: fifty 10 MiB messages read at once would be half a gigabyte.
    const rows = await this.db.selectFrom('blobs').select('id').where('content', 'is', null)
      .orderBy('id').limit(Math.max(0, Math.floor(limit))).execute();
    return rows.map((r) => asBlobId(r.id));
  }

  async countWithoutContent(): Promise<number> {
    const r = await this.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('content', 'is', null).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
