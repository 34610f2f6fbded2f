// The multipart ItemOperations response (MS-ASCMD 2.2.1.10.1.1 MultiPartResponse): PartsCount, then one
// PartMetaData (2.2.1.10.1.1.1: Offset and Length from the start of the body) per part, all 32-bit
// little-endian integers, then the parts. Part 0 is the WBXML response; the ItemOperations:Part
// elements in it name parts 1..n, which carry the bytes that Data would otherwise hold.
import { Buffer } from 'node:buffer';

export const MULTIPART_TYPE = 'application/vnd.ms-sync.multipart';

/** Collects binary parts while a response is built; `add` returns the index the Part element names. */
export class PartList {
  private readonly parts: Uint8Array[] = [];

  add(data: Uint8Array): number {
    this.parts.push(data);
    return this.parts.length;
  }

  /** The whole body with `wbxml` as part 0. */
  encode(wbxml: Uint8Array): Buffer {
    return encodeMultipart([wbxml, ...this.parts]);
  }
}

export function encodeMultipart(parts: readonly Uint8Array[]): Buffer {
  const header = 4 + 8 * parts.length;
  const total = parts.reduce((n, p) => n + p.byteLength, header);
  const out = Buffer.alloc(total);
  out.writeInt32LE(parts.length, 0);
  let offset = header;
  parts.forEach((p, i) => {
    out.writeInt32LE(offset, 4 + 8 * i);
    out.writeInt32LE(p.byteLength, 8 + 8 * i);
    out.set(p, offset);
    offset += p.byteLength;
  });
  return out;
}

/** The parts of a multipart body; throws RangeError when the metadata points outside it. */
export function decodeMultipart(body: Uint8Array): Buffer[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const count = buf.readInt32LE(0);
  if (count < 0 || 4 + 8 * count > buf.length) throw new RangeError(`bad part count ${count}`);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const offset = buf.readInt32LE(4 + 8 * i);
    const length = buf.readInt32LE(8 + 8 * i);
    if (offset < 0 || length < 0 || offset + length > buf.length) throw new RangeError(`part ${i} out of bounds`);
    parts.push(buf.subarray(offset, offset + length));
  }
  return parts;
}
