// Message blobs, content-addressed by SHA-256, written in parts of 256 KiB (migration 018): the first
// part in `blobs.data`, the others in `blob_parts`. A message is hashed and written piece by piece from
// the buffers it arrived in, so the database driver never holds a copy of the whole message. The rows are
// cut through one scratch buffer per blob: a message arrives in socket chunks of up to 64 KiB, and a fresh
// 256 KiB copy per row would leave the whole message behind once more as garbage (issue 16 part 5).
// On SQLite a large message goes through a small page cache (withBulkCache), as PostgreSQL moves bulk
// reads and writes through a small ring of buffers instead of its shared cache.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asBlobId, type BlobId } from '../../core/ids.js';
import { eachPieceIn, joined, lengthOf, partsOf, prefixOf, sliceFrom, type ByteParts } from '../../core/byte-parts.js';
import { translate } from './context.js';
import { SQLITE_CACHE_KIB } from './connect.js';
import type { Dialect } from '../migrations/index.js';
import type { DB } from './schema.js';

/** Bytes per row: small enough that binding one costs little memory, large enough that a 10 MiB message is 40 rows. */
export const BLOB_PART = 256 * 1024;

export function blobIdOf(raw: ByteParts): BlobId {
  const h = createHash('sha256');
  for (const p of partsOf(raw)) h.update(p);
  return asBlobId(h.digest('hex'));
}

/** A blob to write: its bytes and its MessageContent JSON (migration 016), null when the caller had none. */
export interface BlobWrite {
  raw: ByteParts;
  content: string | null;
}

/**
 * Blobs of at most one part, in one INSERT (bulk imports write hundreds per batch). Already stored: kept,
 * with what it has (its content, if missing, is filled when first rendered).
 */
export async function writeSmallBlobs(db: Kysely<DB>, blobs: ReadonlyMap<BlobId, BlobWrite>): Promise<void> {
  if (blobs.size === 0) return;
  await db.insertInto('blobs').values([...blobs].map(([id, b]) => ({ id, size: lengthOf(b.raw), data: joined(b.raw), content: b.content })))
    .onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Messages larger than this are read and written through a page cache of BULK_CACHE_KIB on SQLite. */
export const BULK_BLOB = 4 * 1024 * 1024;
/** SQLite's own default page cache (better-sqlite3 builds with 16 MiB, connect.ts SQLITE_CACHE_KIB). */
const BULK_CACHE_KIB = 2048;

/**
 * Runs fn with the SQLite connection's page cache capped at BULK_CACHE_KIB when the message is larger
 * than BULK_BLOB, then gives the cache back its configured size. Every page a statement reads or writes
 * passes through the cache, and pages stay there until the cache is full: a 14 MiB SendMail grew a fresh
 * server's RSS by the whole 16 MiB cache, of pages no other request wanted (issue 16 part 5: 31 MiB above
 * idle for a 13.7 MiB message, against twice the message at most). Shrinking frees clean pages at once
 * (dirty ones spill to the WAL as the write goes on); the cache fills again with what requests read next.
 * A large message would have pushed those pages out of the cache anyway. The size is restored to the
 * configured value, not to what was read before: two bulk operations interleaved (between statements,
 * outside a transaction) must not leave the cache small. PostgreSQL: fn alone (its server process owns
 * its cache, and bulk reads use a ring already).
 */
export async function withBulkCache<T>(db: Kysely<DB>, dialect: Dialect, size: number, fn: () => Promise<T>): Promise<T> {
  if (dialect !== 'sqlite' || size <= BULK_BLOB) return fn();
  await sql.raw(`pragma cache_size = -${BULK_CACHE_KIB}`).execute(db);
  try {
    return await fn();
  } finally {
    // Not transactional, and cannot fail on an open connection; on a closed one nothing is left to restore.
    await sql.raw(`pragma cache_size = -${SQLITE_CACHE_KIB}`).execute(db).catch(() => undefined);
  }
}

/** Writes one blob part by part unless a blob with its id (so its bytes) is already stored. */
export async function writeBlob(db: Kysely<DB>, dialect: Dialect, id: BlobId, blob: BlobWrite): Promise<void> {
  const size = lengthOf(blob.raw);
  if (size <= BLOB_PART) return writeSmallBlobs(db, new Map([[id, blob]]));
  return withBulkCache(db, dialect, size, () => writeParts(db, id, size, blob));
}

async function writeParts(db: Kysely<DB>, id: BlobId, size: number, { raw, content }: BlobWrite): Promise<void> {
  const inserted = await db.insertInto('blobs').values({ id, size, data: prefixOf(raw, BLOB_PART), content })
    .onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) return; // the same bytes are stored already, with their parts
  let seq = 1;
  // One row per statement, each binding a single 256 KiB value; both drivers have copied the value (into
  // SQLite, into the PostgreSQL message) when the statement's promise settles, so the scratch is free again.
  await eachPieceIn(sliceFrom(raw, BLOB_PART), Buffer.allocUnsafe(BLOB_PART), async (piece) => {
    await db.insertInto('blob_parts').values({ blob_id: id, seq: seq++, data: piece }).execute();
  });
}

/** A blob's bytes in one buffer, or null when there is no such blob. */
export async function readBlob(db: Kysely<DB>, dialect: Dialect, id: BlobId): Promise<Uint8Array | null> {
  const r = await db.selectFrom('blobs').select(['data', 'size']).where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  if (Number(r.size) <= r.data.byteLength) return r.data; // one part (every blob written before migration 018)
  const rest = await withBulkCache(db, dialect, Number(r.size), () => db.selectFrom('blob_parts').select('data').where('blob_id', '=', id).orderBy('seq').execute());
  const parts = [r.data, ...rest.map((p) => p.data)];
  const got = parts.reduce((n, p) => n + p.byteLength, 0);
  // Never hand out a message with a hole in it (Buffer.concat would pad it with zeros).
  if (got !== Number(r.size)) throw new StoreError('invalid', `blob ${id} has ${got} of its ${Number(r.size)} bytes`);
  return Buffer.concat(parts, got);
}

/** blob_parts rows per query of readBlobParts: 1 MiB, so a 20 MiB message is 20 short queries. */
const PARTS_PER_QUERY = 4;

/**
 * A blob's bytes part by part without joining them, or null when there is no such blob. Keyset queries
 * (seq > last, a few rows each) rather than one open cursor: SQLite's statement iterator would keep the
 * shared connection busy while the consumer waits on a slow client, and a PostgreSQL cursor would hold a
 * pooled connection (and a transaction) for as long. A blob's rows never change (content-addressed).
 */
export async function readBlobParts(db: Kysely<DB>, dialect: Dialect, id: BlobId): Promise<AsyncIterable<Uint8Array> | null> {
  const r = await db.selectFrom('blobs').select(['data', 'size']).where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  const size = Number(r.size);
  const first = r.data;
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      let got = first.byteLength;
      yield first;
      for (let last = 0; got < size;) {
        let rows: { seq: number; data: Uint8Array }[];
        try {
          const after = last;
          rows = await withBulkCache(db, dialect, size, () => db.selectFrom('blob_parts').select(['seq', 'data']).where('blob_id', '=', id)
            .where('seq', '>', after).orderBy('seq').limit(PARTS_PER_QUERY).execute());
        } catch (err) {
          // Past the repository's own translation (sql-store.ts), which covers only the first query.
          translate(err, 'blobs.parts');
        }
        // A missing row is found at the gap, before any byte after it is handed out.
        if (rows.length === 0 || rows[0]!.seq !== last + 1) break;
        for (const p of rows) {
          if (p.seq !== last + 1) break;
          got += p.data.byteLength;
          last = p.seq;
          yield p.data;
        }
      }
      // As readBlob: a reader must not take a message with a hole in it for the whole message.
      if (got !== size) throw new StoreError('invalid', `blob ${id} has ${got} of its ${size} bytes`);
    },
  };
}
