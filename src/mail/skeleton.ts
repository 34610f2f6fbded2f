// A message without the bodies of its non-text parts, for reading its summary and text: a 10 MiB
// attachment is neither decoded nor kept by the parser when all we want is whether it is there. The part
// and its headers stay (so the message still "has an attachment"); only its encoded bytes are dropped.
// mailsplit cuts the message into header nodes and raw body chunks without decoding anything (views into
// the input), so this costs one pass over the bytes.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { partsOf, type ByteParts } from '../core/byte-parts.js';
import { Joiner, Splitter, type SplitChunk } from 'mailsplit';

/** Messages smaller than this are parsed whole: the skeleton would not save anything worth a pass. */
export const SKELETON_FROM = 256 * 1024;

const keeps = (type: string | false): boolean => type === false || type.startsWith('text/') || type.startsWith('message/') || type === 'multipart';

class DropBodies extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(chunk: SplitChunk, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.type === 'body' && !keeps(chunk.node.contentType)) return done();
    done(null, chunk);
  }
}

/** Rejects when mailsplit cannot cut the message (e.g. a header block over its limit): parse it whole then. */
export async function skeleton(raw: ByteParts): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(Readable.from(partsOf(raw)), new Splitter(), new DropBodies(), new Joiner(), async (joined: AsyncIterable<Buffer>) => {
    for await (const c of joined) parts.push(c);
  });
  return Buffer.concat(parts);
}
