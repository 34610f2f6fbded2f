// A message's bytes as one buffer or as consecutive parts (a rewritten header block followed by a view
// of the body as the phone sent it): a 10 MiB SendMail is stored and relayed without ever being copied
// into one new buffer (issue 16 part 5). Readers that need one buffer call `joined`, which copies only
// when there is more than one part.
import { Readable } from 'node:stream';

export type ByteParts = Uint8Array | readonly Uint8Array[];

export const partsOf = (b: ByteParts): readonly Uint8Array[] => (b instanceof Uint8Array ? [b] : b);

export const lengthOf = (b: ByteParts): number => partsOf(b).reduce((n, p) => n + p.byteLength, 0);

const asBuffer = (p: Uint8Array): Buffer => Buffer.from(p.buffer, p.byteOffset, p.byteLength);

/** One buffer of all the bytes: the part itself when there is one (no copy), else a concatenation. */
export function joined(b: ByteParts): Buffer {
  const parts = partsOf(b);
  return parts.length === 1 ? asBuffer(parts[0]!) : Buffer.concat(parts);
}

/**
 * The bytes in consecutive pieces of at most `size` bytes: views into the parts, except a piece that
 * straddles two parts (a copy of at most `size` bytes).
 */
export function* piecesOf(b: ByteParts, size: number): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for (const part of partsOf(b)) {
    const buf = asBuffer(part);
    let at = 0;
    if (pendingLength > 0) {
      const take = Math.min(size - pendingLength, buf.length);
      pending.push(buf.subarray(0, take));
      pendingLength += take;
      at = take;
      if (pendingLength < size) continue;
      yield Buffer.concat(pending, pendingLength);
      pending = [];
      pendingLength = 0;
    }
    for (; at + size <= buf.length; at += size) yield buf.subarray(at, at + size);
    if (at < buf.length) {
      pending = [buf.subarray(at)];
      pendingLength = buf.length - at;
    }
  }
  if (pendingLength > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLength);
}

/**
 * The bytes in pieces of at most `size` bytes, every one a view into a part (never a copy): a part larger
 * than `size` is cut, smaller parts are passed on as they are.
 */
export function* viewsOf(b: ByteParts, size: number): Generator<Buffer> {
  for (const part of partsOf(b)) {
    const buf = asBuffer(part);
    for (let at = 0; at < buf.length; at += size) yield buf.subarray(at, Math.min(at + size, buf.length));
  }
}

/**
 * A stream of the bytes in pieces of at most 64 KiB, for a consumer that would otherwise transform one huge
 * chunk at once. Views only: a request body arrives in socket chunks, and gluing them into even pieces
 * would copy the whole message once more as garbage (issue 16 part 5).
 */
export const streamOf = (b: ByteParts): Readable => Readable.from(viewsOf(b, 64 * 1024), { objectMode: false });

/** The bytes from `offset` on, as views into the parts (no copy). */
export function sliceFrom(b: ByteParts, offset: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = offset;
  for (const part of partsOf(b)) {
    const buf = asBuffer(part);
    if (skip >= buf.length) {
      skip -= buf.length;
      continue;
    }
    out.push(skip > 0 ? buf.subarray(skip) : buf);
    skip = 0;
  }
  return out;
}

/**
 * The bytes in consecutive pieces of exactly `scratch.length` bytes (the last one shorter), each copied
 * into `scratch` and handed to `use` as a view of it: one buffer for the whole message, however its parts
 * fall. `use` must be done with the view when its promise settles (the next piece overwrites it).
 */
export async function eachPieceIn(b: ByteParts, scratch: Buffer, use: (piece: Buffer) => Promise<void>): Promise<void> {
  let filled = 0;
  for (const part of partsOf(b)) {
    const buf = asBuffer(part);
    for (let at = 0; at < buf.length;) {
      const n = buf.copy(scratch, filled, at, Math.min(buf.length, at + scratch.length - filled));
      filled += n;
      at += n;
      if (filled === scratch.length) {
        await use(scratch);
        filled = 0;
      }
    }
  }
  if (filled > 0) await use(scratch.subarray(0, filled));
}

/** The first `n` bytes (fewer if the message is shorter) in one buffer: a view when the first part holds them. */
export function prefixOf(b: ByteParts, n: number): Buffer {
  const parts = partsOf(b);
  const first = parts[0];
  if (!first) return Buffer.alloc(0);
  if (first.byteLength >= n || parts.length === 1) return asBuffer(first).subarray(0, n);
  const out: Buffer[] = [];
  let got = 0;
  for (const p of parts) {
    if (got >= n) break;
    const take = asBuffer(p).subarray(0, n - got);
    out.push(take);
    got += take.length;
  }
  return Buffer.concat(out, got);
}

/**
 * Whether `needle` (latin1) occurs in the bytes, also across the boundary of two parts: a request body
 * stays in its socket chunks, so a header may straddle two of them.
 */
export function someIncludes(b: ByteParts, needle: string): boolean {
  let tail: Buffer = Buffer.alloc(0);
  for (const p of partsOf(b)) {
    const buf = asBuffer(p);
    if (buf.includes(needle, 0, 'latin1')) return true;
    if (needle.length > 1 && buf.length > 0) {
      // The last needle-1 bytes before this part and the first needle-1 of it: a small copy per part.
      const keep = needle.length - 1;
      const seam = Buffer.concat([tail, buf.subarray(0, keep)]);
      if (seam.includes(needle, 0, 'latin1')) return true;
      const upTo = buf.length >= keep ? buf.subarray(buf.length - keep) : Buffer.concat([tail, buf]);
      tail = upTo.subarray(Math.max(0, upTo.length - keep));
    }
  }
  return false;
}
