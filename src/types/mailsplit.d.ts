// The part of mailsplit (nodemailer's MIME splitter) we use: split a message into header nodes and body
// chunks without decoding anything, and join such a stream back into bytes.
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface MimeNode {
    /** Lower-case type, or false when the part has no Content-Type. */
    contentType: string | false;
    disposition: string | false;
    multipart: string | false;
    getHeaders(): Buffer;
  }

  export type SplitChunk =
    | ({ type: 'node' } & MimeNode)
    | { type: 'data' | 'body'; value: Buffer; node: MimeNode };

  export class Splitter extends Transform {
    constructor(options?: { ignoreEmbedded?: boolean; maxHeadSize?: number });
  }

  export class Joiner extends Transform {
    constructor();
  }
}
