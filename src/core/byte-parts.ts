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

/** A stream of the bytes in pieces of 64 KiB, for a consumer that would otherwise transform one huge chunk at once. */
export const streamOf = (b: ByteParts): Readable => Readable.from(piecesOf(b, 64 * 1024), { objectMode: false });

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

/** Whether `needle` occurs within one of the parts (a needle split across two parts is not found). */
export const someIncludes = (b: ByteParts, needle: string): boolean => partsOf(b).some((p) => asBuffer(p).includes(needle, 0, 'latin1'));
