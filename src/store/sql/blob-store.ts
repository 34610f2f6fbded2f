// Message blobs, content-addressed by SHA-256, written in parts of 256 KiB (migration 018): the first
// part in `blobs.data`, the others in `blob_parts`. A message is hashed and written piece by piece from
// the buffers it arrived in, so the database driver never holds a copy of the whole message. The rows are
// cut through one scratch buffer per blob: a message arrives in socket chunks of up to 64 KiB, and a fresh
// 256 KiB copy per row would leave the whole message behind once more as garbage (issue 16 part 5).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asBlobId, type BlobId } from '../../core/ids.js';
import { eachPieceIn, joined, lengthOf, partsOf, prefixOf, sliceFrom, type ByteParts } from '../../core/byte-parts.js';
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

/** Writes one blob part by part unless a blob with its id (so its bytes) is already stored. */
export async function writeBlob(db: Kysely<DB>, id: BlobId, blob: BlobWrite): Promise<void> {
  const { raw, content } = blob;
  const size = lengthOf(raw);
  if (size <= BLOB_PART) return writeSmallBlobs(db, new Map([[id, blob]]));
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
export async function readBlob(db: Kysely<DB>, id: BlobId): Promise<Uint8Array | null> {
  const r = await db.selectFrom('blobs').select(['data', 'size']).where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  if (Number(r.size) <= r.data.byteLength) return r.data; // one part (every blob written before migration 018)
  const parts = [r.data, ...(await db.selectFrom('blob_parts').select('data').where('blob_id', '=', id).orderBy('seq').execute()).map((p) => p.data)];
  const got = parts.reduce((n, p) => n + p.byteLength, 0);
  // Never hand out a message with a hole in it (Buffer.concat would pad it with zeros).
  if (got !== Number(r.size)) throw new StoreError('invalid', `blob ${id} has ${got} of its ${Number(r.size)} bytes`);
  return Buffer.concat(parts, got);
}
