// Reading an EAS request body (MS-ASHTTP 2.2.1.1.2): the bytes as the socket delivered them. A small body
// is one Buffer, as the commands have always had it; a large one (a SendMail with an attachment) stays the
// list of chunks it arrived in: gluing 13 MiB of them into one buffer would hold the message twice at once,
// then leave one copy as garbage that V8 collects late (issue 16 part 5). The SendMail family reads the
// list as it is (src/eas/compose/request.ts); other commands get it joined (rare: a large Sync of drafts).
// Over the limit, by Content-Length or by count, it is refused with 413 as Fastify's own reader did.
import type { Readable } from 'node:stream';
import { joined, type ByteParts } from '../core/byte-parts.js';

/** Bodies up to this size are joined into one Buffer: the copy is small and most commands want one. */
export const JOIN_BODY_MAX = 1024 * 1024;

/** An error the Fastify error handler answers by its statusCode. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** A chunk the parser owns alone, or a copy: never a view of a buffer something else reuses. */
const owned = (chunk: Buffer): Buffer => (chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length ? chunk : Buffer.from(chunk));

/**
 * Reads `payload` to its end: one Buffer (empty when there is no body) or, past JOIN_BODY_MAX, the chunks.
 * Rejects with BodyError 413 past `limit`, 400 when the client went away or sent other than its
 * Content-Length; what was read is dropped then. `onRead` gets the bytes read either way (large-body.ts).
 */
export function readBody(payload: Readable, contentLength: number, limit: number, onRead?: (bytes: number) => void): Promise<ByteParts> {
  return new Promise((resolve, reject) => {
    if (contentLength > limit) {
      reject(new BodyError(413, 'request body too large'));
      return;
    }
    let chunks: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
      onRead?.(received);
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      payload.off('close', onClose);
      chunks = [];
    };
    const fail = (err: BodyError): void => {
      stop();
      reject(err);
    };
    function onData(chunk: Buffer | string): void {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : owned(chunk);
      received += buf.length;
      if (received > limit) fail(new BodyError(413, 'request body too large'));
      else chunks.push(buf);
    }
    function onEnd(): void {
      if (!Number.isNaN(contentLength) && received !== contentLength) return fail(new BodyError(400, 'body length differs from Content-Length'));
      const got = chunks;
      stop();
      resolve(received <= JOIN_BODY_MAX || got.length === 1 ? (got.length === 0 ? Buffer.alloc(0) : joined(got)) : got);
    }
    const onError = (): void => fail(new BodyError(400, 'the request body could not be read'));
    // A client that disconnects mid-body: 'close' without 'end' (and on some paths no 'error').
    const onClose = (): void => fail(new BodyError(400, 'the client went away during the body'));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
    payload.resume();
  });
}
